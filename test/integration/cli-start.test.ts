/**
 * `proxydoc start` as a user runs it: the built CLI in a subprocess, real curl through it, then Ctrl-C/SIGTERM.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, assertBuilt, startCli } from '../helpers/cli';
import { run } from '../helpers/proxy-harness';
import { startHttpServer } from '../helpers/servers';

describe('proxydoc start (subprocess)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('prints where it listens and how to use it, proxies HTTPS with its new CA, and flushes the logs on SIGTERM', async () => {
    const upstream = await startHttpServer((_req, res) => res.end('hello'));
    const cli = await startCli(['--port', '0'], dir);
    try {
      const caPath = path.join(dir, 'certs/ca.pem');
      expect(cli.stdout()).toContain(`CA certificate: ${caPath}`);
      expect(cli.stdout()).toContain(`export HTTP_PROXY=${cli.url} HTTPS_PROXY=${cli.url}`);
      expect(cli.stdout()).toContain(`curl -x ${cli.url} --cacert ${caPath}`);
      // CA files: key readable by its owner only, directory private too.
      expect(fs.statSync(path.join(dir, 'certs/ca.key')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(dir, 'certs')).mode & 0o777).toBe(0o700);
      expect(fs.statSync(caPath).mode & 0o777).toBe(0o644);

      const result = await run('curl', ['-sS', '-x', cli.url, '--cacert', caPath, '-p', `http://127.0.0.1:${upstream.port}/via-cli`]);
      expect(result.stdout).toBe('hello');
      // No warnings on a clean start (deprecation warnings and the like must never reach the user's terminal).
      expect(cli.stderr()).toBe('');
    } finally {
      const code = await cli.stop('SIGTERM');
      await upstream.close();
      expect(code).toBe(0);
    }
    // Records written before exit: nothing lost at shutdown.
    const records = fs.readFileSync(path.join(dir, 'logs/exchanges.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(1);
    expect(records[0].request.url).toBe(`http://127.0.0.1:${upstream.port}/via-cli`);
    expect(fs.readFileSync(path.join(dir, 'logs/proxydoc.log'), 'utf8')).toMatch(/#1 GET http:\/\/127\.0\.0\.1:\d+\/via-cli → 200 OK/);
    expect(cli.stderr()).toContain('stopped; 1 exchange recorded');
  });

  test('an existing CA is reused, not regenerated', async () => {
    const first = await startCli(['--port', '0'], dir);
    await first.stop();
    const pem = fs.readFileSync(path.join(dir, 'certs/ca.pem'), 'utf8');
    const second = await startCli(['--port', '0'], dir);
    await second.stop();
    expect(second.stdout()).not.toContain('created now');
    expect(fs.readFileSync(path.join(dir, 'certs/ca.pem'), 'utf8')).toBe(pem);
  });

  test('a bad config value is one line naming the key, exit code 2', async () => {
    assertBuilt();
    fs.writeFileSync(path.join(dir, 'proxydoc.json'), JSON.stringify({ port: 'eighty' }));
    const fromFile = await run(process.execPath, [BIN, 'start', '--config', path.join(dir, 'proxydoc.json')]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr.trim().split('\n')).toHaveLength(1);
    expect(fromFile.stderr).toMatch(/port/);
    expect(fromFile.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace

    const fromEnv = await run(process.execPath, [BIN, 'start'], { env: { ...process.env, PROXYDOC_MAX_BODY_CAPTURE: 'lots' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/PROXYDOC_MAX_BODY_CAPTURE/);
  });

  test('a port in use is a one-line error, exit code 1', async () => {
    const first = await startCli(['--port', '0'], dir);
    try {
      const second = await run(process.execPath, [BIN, 'start', '--port', String(first.port), '--log-dir', path.join(dir, 'logs2')]);
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toBe(`proxydoc: port ${first.port} on 127.0.0.1 is already in use: stop the other process or pick another port with --port (0 picks a free one)`);
    } finally {
      await first.stop();
    }
  });
});
