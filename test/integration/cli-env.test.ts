/**
 * `proxydoc env` as a user runs it: the built CLI, evaluated by real bash, with real curl going through a
 * proxydoc started as a subprocess.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { loadOrCreateCa } from '../../src/ca';
import { BIN, assertBuilt, startCli } from '../helpers/cli';
import { run } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpServer, startHttpsServer } from '../helpers/servers';

/** The environment of a shell that has never heard of proxydoc, so nothing but `env`'s lines points anywhere. */
function pristineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SHELL: '/bin/bash', NO_COLOR: '1' };
  for (const name of Object.keys(env)) {
    if (/^(https?|all|no)_proxy$/i.test(name) || /CA_BUNDLE|CAINFO|SSL_CERT|EXTRA_CA|^DENO_CERT$|^NODE_OPTIONS$|^PROXYDOC_/.test(name)) delete env[name];
  }
  return env;
}

/** POSIX single quotes, for building the test's own bash command lines. */
const q = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

const envCommand = (args: string[]): string => [process.execPath, BIN, 'env', ...args].map(q).join(' ');

function readRecords(logDir: string): Array<{ request: { url: string }; response?: { status: number } }> {
  return fs
    .readFileSync(path.join(logDir, 'exchanges.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** A pid that is certainly not running: a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('proxydoc env (built CLI, real bash and curl)', () => {
  let dir: string;
  let caDir: string;
  let logDir: string;
  beforeAll(() => assertBuilt());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-env-'));
    // Spaces and a quote: the printed lines must survive eval.
    caDir = path.join(dir, `it's my "certs"`);
    logDir = path.join(dir, 'the logs');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('eval points curl at the running proxydoc found through its state file: HTTPS trusted via its CA, plain HTTP via http_proxy', async () => {
    const upstreamCa = await makeUpstreamCa();
    const secure = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('secure-ok '));
    const plain = await startHttpServer((_req, res) => res.end('plain-ok'));
    // --port 0: only the state file tells env which port it got.
    const cli = await startCli(['--port', '0', '--ca-dir', caDir, '--log-dir', logDir, '--upstream-ca', upstreamCa.caPath], dir);
    let result;
    try {
      result = await run(
        'bash',
        [
          '-c',
          // -q: no ~/.curlrc. The HTTPS server's CA is trusted only by proxydoc, so curl succeeds only through it.
          `eval "$(${envCommand(['--log-dir', logDir])})" && curl -q -sS https://127.0.0.1:${secure.port}/secure && curl -q -sS http://127.0.0.1:${plain.port}/plain`,
        ],
        { env: pristineEnv(), cwd: dir },
      );
    } finally {
      expect(await cli.stop()).toBe(0);
      await secure.close();
      await plain.close();
      upstreamCa.cleanup();
    }
    expect(result.stderr).not.toContain('no running proxydoc');
    expect(result.stdout).toBe('secure-ok plain-ok');
    expect(result.code).toBe(0);
    expect(readRecords(logDir).map((record) => [record.request.url, record.response?.status])).toEqual([
      [`https://127.0.0.1:${secure.port}/secure`, 200],
      [`http://127.0.0.1:${plain.port}/plain`, 200],
    ]);
    // The bundle the replacing variables point at: proxydoc's CA first, then the usual roots.
    const bundle = fs.readFileSync(path.join(caDir, 'ca-bundle.pem'), 'utf8');
    expect(bundle.startsWith(fs.readFileSync(path.join(caDir, 'ca.pem'), 'utf8').trim())).toBe(true);
    expect(bundle.match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThan(50);
  });

  test('the state file names the running proxy (0600) and goes away when it stops', async () => {
    const cli = await startCli(['--port', '0', '--ca-dir', caDir, '--log-dir', logDir], dir);
    const stateFile = path.join(logDir, 'proxydoc.state.json');
    try {
      const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
      expect(state).toEqual({ pid: cli.child.pid, url: cli.url, caCertPath: path.join(caDir, 'ca.pem'), startedAt: expect.any(String) });
      expect(Math.abs(Date.parse(state.startedAt) - Date.now())).toBeLessThan(60_000);
      expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);

      const printed = await run(process.execPath, [BIN, 'env', '--log-dir', logDir], { env: pristineEnv() });
      expect(printed.stdout).toContain(`export HTTPS_PROXY='${cli.url}'`);
      expect(printed.stdout).toContain(`export NODE_EXTRA_CA_CERTS=${q(path.join(caDir, 'ca.pem'))}`);
    } finally {
      await cli.stop();
    }
    expect(fs.existsSync(stateFile)).toBe(false);
  });

  test('with no running proxydoc (no state file, or one of a dead process): the configured address and a note on stderr', async () => {
    await loadOrCreateCa(caDir, { now: new Date() });
    const args = ['env', '--log-dir', logDir, '--ca-dir', caDir, '--port', '9123'];
    const first = await run(process.execPath, [BIN, ...args], { env: pristineEnv(), cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stderr.split('\n')[0]).toBe(
      `proxydoc: no running proxydoc found in ${logDir}; printing settings for http://127.0.0.1:9123 (start it with \`proxydoc start\`)`,
    );
    expect(first.stdout).toContain("export http_proxy='http://127.0.0.1:9123'");

    fs.mkdirSync(logDir);
    const stale = { pid: await deadPid(), url: 'http://127.0.0.1:1', caCertPath: path.join(caDir, 'ca.pem'), startedAt: new Date().toISOString() };
    fs.writeFileSync(path.join(logDir, 'proxydoc.state.json'), JSON.stringify(stale));
    const second = await run(process.execPath, [BIN, ...args], { env: pristineEnv(), cwd: dir });
    expect(second.stderr).toContain('no running proxydoc found');
    expect(second.stdout).toBe(first.stdout);
  });

  test('NO_PROXY is left as it is, with a note', async () => {
    await loadOrCreateCa(caDir, { now: new Date() });
    const result = await run(process.execPath, [BIN, 'env', '--ca-dir', caDir, '--log-dir', logDir], {
      env: { ...pristineEnv(), NO_PROXY: 'localhost,127.0.0.1' },
    });
    expect(result.stdout).not.toMatch(/no_proxy/i);
    expect(result.stderr).toContain('proxydoc: note: NO_PROXY=localhost,127.0.0.1 stays set: requests to those hosts bypass proxydoc');
  });

  test('an upstream proxy the environment had is named (credentials masked), since proxydoc will not use it by itself', async () => {
    await loadOrCreateCa(caDir, { now: new Date() });
    const result = await run(process.execPath, [BIN, 'env', '--ca-dir', caDir, '--log-dir', logDir], {
      env: { ...pristineEnv(), HTTPS_PROXY: 'http://jo:s3cret@proxy.corp.example:3128' },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'proxydoc: note: this environment used the proxy http://***@proxy.corp.example:3128; if the network needs it, give it to proxydoc with --upstream-proxy',
    );
    expect(result.stdout + result.stderr).not.toContain('s3cret');
  });

  test('--unset undoes it in real bash', async () => {
    await loadOrCreateCa(caDir, { now: new Date() });
    const result = await run(
      'bash',
      ['-c', `eval "$(${envCommand(['--ca-dir', caDir, '--log-dir', logDir])})"; echo "set:\${HTTPS_PROXY-none}"; eval "$(${envCommand(['--unset'])})"; echo "unset:\${HTTPS_PROXY-none}\${SSL_CERT_FILE-none}"`],
      { env: pristineEnv(), cwd: dir },
    );
    expect(result.stdout).toBe('set:http://127.0.0.1:8080\nunset:nonenone\n');
  });

  test('other shells: --shell fish prints fish syntax', async () => {
    await loadOrCreateCa(caDir, { now: new Date() });
    const result = await run(process.execPath, [BIN, 'env', '--shell', 'fish', '--ca-dir', caDir, '--log-dir', logDir], { env: pristineEnv() });
    expect(result.stdout).toContain("set -gx HTTP_PROXY 'http://127.0.0.1:8080'");
    expect(result.stdout).toContain(`set -gx NODE_EXTRA_CA_CERTS '${caDir.replace(/'/g, "\\'")}/ca.pem'`);
    expect(result.stdout.split('\n')[0]).toBe('# proxydoc at http://127.0.0.1:8080; undo: proxydoc env --shell fish --unset | source');
  });

  test('no CA yet: one line saying how to create it, exit 1, nothing on stdout', async () => {
    const result = await run(process.execPath, [BIN, 'env', '--ca-dir', caDir, '--log-dir', logDir], { env: pristineEnv() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `proxydoc: no CA at ${path.join(caDir, 'ca.pem')}: create it with \`proxydoc start\` or \`proxydoc ca\` first (or pass --ca-dir)\n`,
    );
  });

  test('--port 0 with nothing running cannot know the port: one line, exit 1', async () => {
    const result = await run(process.execPath, [BIN, 'env', '--port', '0', '--log-dir', logDir], { env: pristineEnv(), cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `proxydoc: no running proxydoc found in ${logDir}, and port 0 means its port is picked at start: start it first (proxydoc start --port 0 --log-dir ${q(logDir)}) or pass --port`,
    ]);
  });

  test('a ca.pem that is not a certificate: one line, exit 1', async () => {
    fs.mkdirSync(caDir, { recursive: true });
    fs.writeFileSync(path.join(caDir, 'ca.pem'), 'not a certificate\n');
    const result = await run(process.execPath, [BIN, 'env', '--ca-dir', caDir, '--log-dir', logDir], { env: pristineEnv() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`proxydoc: ${path.join(caDir, 'ca.pem')} is not a PEM certificate: replace it with \`proxydoc ca --regenerate\`\n`);
  });

  test('an unknown --shell is a usage error, exit 2', async () => {
    const result = await run(process.execPath, [BIN, 'env', '--shell', 'tcsh'], { env: pristineEnv(), cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('proxydoc: unknown shell "tcsh": use one of bash, zsh, sh, fish, powershell, cmd; see proxydoc env --help\n');
  });
});
