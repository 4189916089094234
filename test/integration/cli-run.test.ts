/**
 * `proxydoc run -- CMD` as a user runs it: the built CLI starting real Node scripts, curl and bash, with real
 * loopback servers behind it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, ROOT, assertBuilt } from '../helpers/cli';
import { run } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpServer, startHttpsServer } from '../helpers/servers';

/** No proxy or CA variables from the machine running the tests: only what `run` sets may take effect. */
function pristineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) {
    if (/^(https?|all|no)_proxy$/i.test(name) || /CA_BUNDLE|CAINFO|SSL_CERT|EXTRA_CA|^DENO_CERT$|^NODE_OPTIONS$|^NODE_USE_ENV_PROXY$|^PROXYDOC_/.test(name)) delete env[name];
  }
  return env;
}

function readRecords(logDir: string): Array<{ request: { url: string }; response?: { status: number } }> {
  return fs
    .readFileSync(path.join(logDir, 'exchanges.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** Starts `proxydoc run …` and resolves once the child printed `ready` on stdout. */
function startRun(args: string[], cwd: string) {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd, env: pristineEnv() });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      if (stdout.includes('ready\n')) resolve();
    });
    void exited.then((code) => reject(new Error(`proxydoc run exited (${code}) before its command was ready: ${stderr}`)));
  });
  return { child, ready, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('proxydoc run (built CLI)', () => {
  let dir: string;
  let caDir: string;
  let logDir: string;
  beforeAll(() => assertBuilt());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-run-'));
    caDir = path.join(dir, 'certs');
    logDir = path.join(dir, 'logs');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a Node 20 script's built-in fetch goes through it (HTTP and HTTPS), its stdout stays intact and its exit code is proxydoc's", async () => {
    const upstreamCa = await makeUpstreamCa();
    const plain = await startHttpServer((req, res) => res.end(`plain ${req.url}`));
    const secure = await startHttpsServer(upstreamCa.leaves, (req, res) => res.end(`secure ${req.url}`));
    const script = path.join(dir, 'script.js');
    // The HTTPS server's certificate comes from a CA only proxydoc trusts (--upstream-ca), so that fetch works only
    // through proxydoc, with proxydoc's CA trusted through NODE_EXTRA_CA_CERTS.
    fs.writeFileSync(
      script,
      `(async () => {
        const plain = await (await fetch('http://127.0.0.1:${plain.port}/plain')).text();
        const secure = await (await fetch('https://127.0.0.1:${secure.port}/secure')).text();
        console.log(plain);
        console.log(secure);
        process.exitCode = 3;
      })();\n`,
    );
    let result;
    try {
      result = await run(process.execPath, [BIN, 'run', '--log-dir', logDir, '--ca-dir', caDir, '--upstream-ca', upstreamCa.caPath, '--', 'node', script], {
        env: pristineEnv(),
        cwd: dir,
      });
    } finally {
      await plain.close();
      await secure.close();
      upstreamCa.cleanup();
    }
    expect(result.stdout).toBe('plain /plain\nsecure /secure\n');
    expect(result.code).toBe(3);
    expect(readRecords(logDir).map((record) => [record.request.url, record.response?.status])).toEqual([
      [`http://127.0.0.1:${plain.port}/plain`, 200],
      [`https://127.0.0.1:${secure.port}/secure`, 200],
    ]);
    // The annotated lines reach proxydoc's stderr as the exchanges happen, between its first and last line.
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^proxydoc: recording node through http://127\\.0\\.0\\.1:\\d+; log: ${logDir}/proxydoc\\.log$`));
    expect(lines[1]).toMatch(new RegExp(`#1 GET http://127\\.0\\.0\\.1:${plain.port}/plain → 200 OK`));
    expect(lines[2]).toMatch(new RegExp(`#2 GET https://127\\.0\\.0\\.1:${secure.port}/secure → 200 OK`));
    expect(lines.at(-1)).toBe(`proxydoc: 2 exchanges recorded in ${logDir}`);
    expect(result.stderr).not.toMatch(/warning|not proxied/i);
    // The proxy is gone: its state file with it.
    expect(fs.existsSync(path.join(logDir, 'proxydoc.state.json'))).toBe(false);
  });

  test('curl goes through it via http_proxy and trusts its CA via CURL_CA_BUNDLE', async () => {
    const upstreamCa = await makeUpstreamCa();
    const secure = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('hello curl'));
    let result;
    try {
      result = await run(
        process.execPath,
        [BIN, 'run', '--log-dir', logDir, '--ca-dir', caDir, '--upstream-ca', upstreamCa.caPath, '--', 'curl', '-q', '-sS', `https://127.0.0.1:${secure.port}/via-curl`],
        { env: pristineEnv(), cwd: dir },
      );
    } finally {
      await secure.close();
      upstreamCa.cleanup();
    }
    expect(result.stdout).toBe('hello curl');
    expect(result.code).toBe(0);
    expect(readRecords(logDir).map((record) => record.request.url)).toEqual([`https://127.0.0.1:${secure.port}/via-curl`]);
  });

  test('with --proxy-auth (here from PROXYDOC_PROXY_AUTH), CMD gets the credentials in its proxy variables and the password is printed nowhere', async () => {
    const password = 'pw-3d8f-Lm4';
    const plain = await startHttpServer((req, res) => res.end(`plain ${req.url}`));
    const script = path.join(dir, 'script.js');
    fs.writeFileSync(script, `fetch('http://127.0.0.1:${plain.port}/node').then((r) => r.text()).then((t) => console.log(t));\n`);
    const command = `curl -q -sS http://127.0.0.1:${plain.port}/curl && echo && node ${JSON.stringify(script)}`;
    let result;
    try {
      result = await run(process.execPath, [BIN, 'run', '--log-dir', logDir, '--ca-dir', caDir, '--', 'bash', '-c', command], {
        env: { ...pristineEnv(), PROXYDOC_PROXY_AUTH: `alice:${password}` },
        cwd: dir,
      });
    } finally {
      await plain.close();
    }
    expect(result.stdout).toBe('plain /curl\nplain /node\n');
    expect(result.code).toBe(0);
    expect(readRecords(logDir).map((record) => [record.request.url, record.response?.status])).toEqual([
      [`http://127.0.0.1:${plain.port}/curl`, 200],
      [`http://127.0.0.1:${plain.port}/node`, 200],
    ]);
    const written = [result.stdout, result.stderr, ...['proxydoc.log', 'exchanges.jsonl'].map((name) => fs.readFileSync(path.join(logDir, name), 'utf8'))];
    for (const text of written) expect(text).not.toContain(password);
  });

  test('a command that does not exist: one line, exit 127 like a shell', async () => {
    const result = await run(process.execPath, [BIN, 'run', '--log-dir', logDir, '--ca-dir', caDir, '--', 'proxydoc-no-such-command', '--flag'], {
      env: pristineEnv(),
      cwd: dir,
    });
    expect(result.code).toBe(127);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('proxydoc: command not found: proxydoc-no-such-command\n');
  });

  test('no command, or one without --: a usage error, exit 2', async () => {
    const none = await run(process.execPath, [BIN, 'run', '--log-dir', logDir], { env: pristineEnv(), cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('proxydoc: no command to run: proxydoc run [options] -- CMD [ARGS...]; see proxydoc run --help\n');

    const withoutDashes = await run(process.execPath, [BIN, 'run', 'curl', 'http://127.0.0.1:9/'], { env: pristineEnv(), cwd: dir });
    expect(withoutDashes.code).toBe(2);
    expect(withoutDashes.stderr).toMatch(/^proxydoc: put -- before the command to run/);
    expect(fs.existsSync(logDir)).toBe(false); // nothing was started
  });

  test('the fetch preload never breaks the program it is loaded into: without undici it says so in one line', async () => {
    // A copy of the built preload where neither it nor its helpers can find undici.
    const copy = path.join(dir, 'copy');
    for (const file of ['preload/fetch-proxy.js', 'cli/shell-env.js', 'cli/errors.js']) {
      fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'dist/src', file), path.join(copy, file));
    }
    const program = ['-e', "console.log('ran')"];
    const preload = { NODE_OPTIONS: `--require ${path.join(copy, 'preload/fetch-proxy.js')}` };
    const proxied = await run(process.execPath, program, { env: { ...pristineEnv(), ...preload, HTTP_PROXY: 'http://127.0.0.1:9' }, cwd: dir });
    expect(proxied.stdout).toBe('ran\n');
    expect(proxied.code).toBe(0);
    expect(proxied.stderr).toBe("proxydoc: fetch() in this process is not proxied: cannot set up undici (Cannot find module 'undici')\n");
    // With no proxy variables it does nothing at all.
    const unproxied = await run(process.execPath, program, { env: { ...pristineEnv(), ...preload }, cwd: dir });
    expect(unproxied).toEqual({ code: 0, stdout: 'ran\n', stderr: '' });
  });

  test('a command ended by a signal: 128 + the signal number, like a shell', async () => {
    const result = await run(process.execPath, [BIN, 'run', '--log-dir', logDir, '--ca-dir', caDir, '--', 'bash', '-c', 'kill -TERM $$'], {
      env: pristineEnv(),
      cwd: dir,
    });
    expect(result.code).toBe(128 + os.constants.signals.SIGTERM);
  });

  test.each([
    ['SIGTERM', 5],
    // Not from a terminal (stdin is a pipe here), so SIGINT is passed on too.
    ['SIGINT', 6],
  ] as const)('%s to proxydoc is passed on to the command, whose exit code proxydoc then returns', async (signal, code) => {
    const running = startRun(
      ['--log-dir', logDir, '--ca-dir', caDir, '--', 'node', '-e', `process.on('${signal}', () => { console.log('got ${signal}'); process.exit(${code}); }); console.log('ready'); setInterval(() => {}, 1000);`],
      dir,
    );
    await running.ready;
    running.child.kill(signal);
    expect(await running.exited).toBe(code);
    expect(running.stdout()).toBe(`ready\ngot ${signal}\n`);
    expect(running.stderr()).toContain('proxydoc: 0 exchanges recorded');
  });
});
