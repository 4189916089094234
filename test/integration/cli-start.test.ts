/**
 * `proxydoc start` as a user runs it: the built CLI in a subprocess, real curl through it, then Ctrl-C/SIGTERM.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, assertBuilt, startCli } from '../helpers/cli';
import { run } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpServer, startHttpsServer } from '../helpers/servers';

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

  test('on 0.0.0.0 without --allow-remote and --proxy-auth it refuses to start: one line, exit 2', async () => {
    assertBuilt();
    const result = await run(process.execPath, [BIN, 'start', '--host', '0.0.0.0', '--port', '0', '--log-dir', path.join(dir, 'logs')], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'proxydoc: refusing to listen on 0.0.0.0 without --allow-remote and --proxy-auth: anyone who can reach it could use your ' +
        'machine as an open proxy and read the traffic it decrypts; add --allow-remote (env PROXYDOC_ALLOW_REMOTE=1) and ' +
        '--proxy-auth user:password (env PROXYDOC_PROXY_AUTH), or listen on 127.0.0.1\n',
    );
    // Nothing was started: no CA, no logs.
    expect(fs.existsSync(path.join(dir, 'certs'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'logs'))).toBe(false);
  });

  test('on 0.0.0.0 with both it serves only clients with the credentials, and the password appears in no output, log or record', async () => {
    const password = 'pw-5b7e-Kx2';
    const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
    const upstreamCa = await makeUpstreamCa();
    const plain = await startHttpServer((_req, res) => res.end('plain hello'));
    const secure = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('secure hello'));
    const cli = await startCli(['--host', '0.0.0.0', '--port', '0', '--allow-remote', '--proxy-auth', `alice:${password}`, '--upstream-ca', upstreamCa.caPath], dir);
    const caPath = path.join(dir, 'certs/ca.pem');
    const curl = (credentials: string | undefined, url: string, write = '%{http_code} %{http_connect}') =>
      run('curl', ['-sS', '-o', '/dev/null', '-w', write, '-x', `http://${credentials ? `${credentials}@` : ''}127.0.0.1:${cli.port}`, '--cacert', caPath, url]);
    let stateFile = '';
    try {
      expect(cli.url).toBe(`http://0.0.0.0:${cli.port}`);
      expect(cli.stderr()).toBe(
        'proxydoc: note: listening on 0.0.0.0 (--allow-remote): other machines can reach it; only clients sending the --proxy-auth credentials are served\n',
      );
      expect(cli.stdout()).toContain(`export HTTP_PROXY=http://alice:PASSWORD@127.0.0.1:${cli.port}`);
      stateFile = fs.readFileSync(path.join(dir, 'logs/proxydoc.state.json'), 'utf8');

      expect((await curl(`alice:${password}`, `http://127.0.0.1:${plain.port}/ok`)).stdout).toBe('200 000');
      expect((await curl(`alice:${password}`, `https://127.0.0.1:${secure.port}/ok`)).stdout).toBe('200 200');
      expect((await curl(undefined, `http://127.0.0.1:${plain.port}/anonymous`)).stdout).toBe('407 000');
      expect((await curl(`alice:wrong`, `https://127.0.0.1:${secure.port}/wrong`)).stdout).toBe('000 407');
      // The right password under another user name still puts it on the wire: it must not be recorded either.
      expect((await curl(`mallory:${password}`, `http://127.0.0.1:${plain.port}/wrong-user`)).stdout).toBe('407 000');
    } finally {
      expect(await cli.stop('SIGTERM')).toBe(0);
      await plain.close();
      await secure.close();
      upstreamCa.cleanup();
    }
    const log = fs.readFileSync(path.join(dir, 'logs/proxydoc.log'), 'utf8');
    const records = fs.readFileSync(path.join(dir, 'logs/exchanges.jsonl'), 'utf8');
    // Each refusal is in the log, saying why the app failed.
    expect(log).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/anonymous → 407 Proxy Authentication Required ✖ proxydoc-refused PROXYDOC_PROXY_AUTH_MISSING/);
    expect(log).toMatch(/CONNECT 127\.0\.0\.1:\d+ → 407 Proxy Authentication Required ✖ proxydoc-refused PROXYDOC_PROXY_AUTH_WRONG_PASSWORD/);
    expect(log).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/wrong-user → 407 .* PROXYDOC_PROXY_AUTH_WRONG_USER/);
    expect(records.trim().split('\n')).toHaveLength(5);
    const everything = { stdout: cli.stdout(), stderr: cli.stderr(), log, records, stateFile };
    for (const [where, text] of Object.entries(everything)) {
      for (const secret of [password, base64(`alice:${password}`), base64(`mallory:${password}`)]) {
        expect([where, text.includes(secret)]).toEqual([where, false]);
      }
    }
  });
});
