/**
 * No secret in anything a human reads (DESIGN.md "Redaction"). The built CLI records real clients (curl, Python
 * requests, a raw socket) sending fresh random credentials every way an app sends them, then every human-facing output
 * is searched for those values: proxydoc.log, `start`'s own output, `tail`, `show`, `export` (curl, HAR, raw),
 * `replay`, `replay --probe`, `env`, `run -- …`'s stderr, and the error pages proxydoc itself answers. Only
 * exchanges.jsonl (mode 0600) keeps them, because replay needs them — except the --proxy-auth password, which is
 * proxydoc's own credential and is recorded nowhere.
 *
 * The values are random per run, so the search cannot pass by accident, and each is also searched in the encodings
 * a leak would take: percent-encoded, form-encoded, JSON-escaped, and base64 for Basic credentials.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as http from 'node:http';
import { spawnSync } from 'node:child_process';
import { BIN, runBin, startCli, type StartedCli } from '../helpers/cli';
import { rawRequest, run, type CommandResult } from '../helpers/proxy-harness';
import { closedPort, makeUpstreamCa, startHttpServer, startHttpsServer } from '../helpers/servers';

/** No proxy, CA or proxydoc variables from the machine running the tests. */
function pristineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) {
    if (/^(https?|all|no)_proxy$/i.test(name) || /CA_BUNDLE|CAINFO|SSL_CERT|EXTRA_CA|^NODE_OPTIONS$|^NODE_USE_ENV_PROXY$|^PROXYDOC_/.test(name)) delete env[name];
  }
  return env;
}

/** A value nobody else could produce: the random core is what the leak search looks for. */
function secret(prefix: string): string {
  return `${prefix}${crypto.randomBytes(10).toString('hex')}`;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** The mask redact.ts writes, computed independently: length in characters and the first 6 hex digits of SHA-256. */
function expectedMask(value: string): string {
  return `‹${[...value].length} chars, sha256:${crypto.createHash('sha256').update(value).digest('hex').slice(0, 6)}›`;
}

function hasPython3Requests(): boolean {
  return spawnSync('python3', ['-c', 'import requests'], { stdio: 'ignore' }).status === 0;
}

const PYTHON_CLIENT = `
import sys, requests
proxy, ca, url, basic, vault, cookie, password = sys.argv[1:8]
response = requests.post(url, json={"username": "bob", "password": password}, auth=("bob", basic),
    headers={"X-Vault-Token": vault}, cookies={"sessionid": cookie},
    proxies={"http": proxy, "https": proxy}, verify=ca, timeout=10)
print(response.status_code)
`;

describe('secrets never reach a human-facing output', () => {
  const secrets = {
    bearer: secret('tok_'),
    basicPassword: secret('b4sic-'),
    cookie: secret('ck'),
    setCookie: secret('sc'),
    xApiKey: secret('xak'),
    gitlabToken: secret('glpat-'),
    misspelledHeader: secret('mis'),
    proxyPassword: secret('pp'),
    queryAccessToken: secret('qat'),
    queryApiKey: secret('qak'),
    userinfoPassword: secret('ui'),
    // Characters that change under percent- and form-encoding, so the encoded forms are searched for too.
    formPassword: `p+/=& ${secret('fp')}`,
    formClientSecret: secret('cs'),
    jsonRefreshToken: secret('rt'),
    jsonNestedPassword: secret('np'),
    responseAccessToken: secret('rat'),
    responseRefreshToken: secret('rrt'),
    redirectCode: secret('code'),
    failingToken: secret('ft'),
    failingPassword: secret('fpw'),
    refusedToken: secret('t407'),
    pythonBasic: secret('pyb'),
    pythonVault: secret('pyv'),
    pythonCookie: secret('pyc'),
    pythonPassword: secret('pyp'),
    runBearer: secret('rb'),
    runQueryToken: secret('rq'),
  };
  const jwtSignature = b64url(crypto.randomBytes(32));
  // Expired a day ago, so token-expired fires and its finding quotes the token's claims.
  const jwtPayload = b64url(JSON.stringify({ iss: 'https://issuer.test', sub: 'alice', aud: 'api', exp: Math.floor(Date.now() / 1000) - 86_400 }));
  const jwt = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${jwtPayload}.${jwtSignature}`;
  const proxyUser = 'pduser';
  const basicUser = 'client-id';

  /** Each value and the encodings a leak of it would take. */
  function forbiddenStrings(): Array<{ label: string; text: string }> {
    const out: Array<{ label: string; text: string }> = [];
    for (const [label, value] of Object.entries(secrets)) {
      out.push({ label, text: value });
      out.push({ label: `${label} (percent-encoded)`, text: encodeURIComponent(value) });
      out.push({ label: `${label} (form-encoded)`, text: new URLSearchParams({ x: value }).toString().slice(2) });
      out.push({ label: `${label} (JSON-escaped)`, text: JSON.stringify(value).slice(1, -1) });
      // The random core alone: a value cut or re-quoted still leaks it.
      out.push({ label: `${label} (random part)`, text: value.slice(-20) });
    }
    out.push({ label: 'Basic credentials (base64)', text: b64(`${basicUser}:${secrets.basicPassword}`) });
    out.push({ label: 'Python Basic credentials (base64)', text: b64(`bob:${secrets.pythonBasic}`) });
    out.push({ label: 'Proxy-Authorization (base64)', text: b64(`${proxyUser}:${secrets.proxyPassword}`) });
    out.push({ label: 'JWT', text: jwt });
    out.push({ label: 'JWT signature', text: jwtSignature });
    out.push({ label: 'JWT payload segment', text: jwtPayload });
    return out.filter(({ text }) => text.length >= 12);
  }

  /** Every secret value found in `text`, by label. */
  function leaksIn(text: string): string[] {
    return forbiddenStrings()
      .filter(({ text: forbidden }) => text.includes(forbidden))
      .map(({ label }) => label);
  }

  let dir: string;
  let logDir: string;
  let caDir: string;
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;
  let plain: Awaited<ReturnType<typeof startHttpServer>>;
  let secure: Awaited<ReturnType<typeof startHttpsServer>>;
  let proxy: StartedCli | undefined;
  const pythonAvailable = hasPython3Requests();

  /** The human-facing outputs collected so far, by where they came from. */
  const outputs = new Map<string, string>();
  const collect = (label: string, result: CommandResult): void => {
    outputs.set(`${label} (stdout)`, result.stdout);
    outputs.set(`${label} (stderr)`, result.stderr);
  };

  /** An upstream that sends credentials back: Set-Cookie, a token response, an OAuth redirect carrying a code. */
  const upstream: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const route = (req.url ?? '').split('?')[0];
      if (route === '/oauth/token') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify({ access_token: secrets.responseAccessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: secrets.responseRefreshToken }));
      } else if (route === '/api/refresh') {
        res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token"' });
        res.end('{"error":"invalid_token"}');
      } else if (route === '/api/me' && req.headers.authorization === undefined) {
        res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer realm="api"' });
        res.end('{"message":"401 Unauthorized"}');
      } else if (route === '/login') {
        res.writeHead(302, { Location: `https://app.test/callback?code=${secrets.redirectCode}&state=xyz` });
        res.end();
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': `sid=${secrets.setCookie}; Path=/; HttpOnly` });
        res.end('{"ok":true}');
      }
    });
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-secrets-'));
    logDir = path.join(dir, 'logs');
    caDir = path.join(dir, 'certs');
    upstreamCa = await makeUpstreamCa();
    plain = await startHttpServer(upstream);
    secure = await startHttpsServer(upstreamCa.leaves, upstream);
  });
  afterAll(async () => {
    if (proxy && proxy.child.exitCode === null) await proxy.stop();
    await plain.close();
    await secure.close();
    upstreamCa.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('clients send credentials every way through the proxy, and it answers them', async () => {
    proxy = await startCli(['--port', '0', '--log-dir', logDir, '--ca-dir', caDir, '--upstream-ca', upstreamCa.caPath], dir, {
      ...pristineEnv(),
      // The environment rather than the flag, as the help recommends (flags show in ps).
      PROXYDOC_PROXY_AUTH: `${proxyUser}:${secrets.proxyPassword}`,
    });
    const caPem = path.join(caDir, 'ca.pem');
    const curl = (args: string[], auth = true): Promise<CommandResult> =>
      run('curl', ['-sS', '-x', proxy!.url, ...(auth ? ['--proxy-user', `${proxyUser}:${secrets.proxyPassword}`] : []), '--cacert', caPem, ...args], {
        env: pristineEnv(),
      });
    const http = `http://127.0.0.1:${plain.port}`;
    const https = `https://127.0.0.1:${secure.port}`;

    // Headers and query parameters over plain HTTP; Set-Cookie back.
    const get = await curl([
      '-H', `Authorization: Bearer ${secrets.bearer}`,
      '-H', `X-Api-Key: ${secrets.xApiKey}`,
      '-H', `PRIVATE-TOKEN: ${secrets.gitlabToken}`,
      '-H', `Cookie: session=${secrets.cookie}; theme=dark`,
      `${http}/api/items?access_token=${secrets.queryAccessToken}&api_key=${secrets.queryApiKey}&page=2`,
    ]);
    expect(get).toMatchObject({ code: 0, stdout: '{"ok":true}' });

    // An OAuth token request through CONNECT interception: Basic client credentials, a form body, tokens back.
    const token = await curl([
      '-u', `${basicUser}:${secrets.basicPassword}`,
      '--data', `grant_type=password&username=alice&password=${encodeURIComponent(secrets.formPassword)}&client_secret=${secrets.formClientSecret}`,
      `${https}/oauth/token`,
    ]);
    expect(token.code).toBe(0);
    expect(token.stdout).toContain(secrets.responseAccessToken);

    // A JSON body with secrets at two depths, an expired JWT, and a 401 whose findings quote the credential.
    const refresh = await curl([
      '-H', 'Content-Type: application/json',
      '-H', `Authorization: Bearer ${jwt}`,
      '--data', JSON.stringify({ refresh_token: secrets.jsonRefreshToken, nested: { password: secrets.jsonNestedPassword } }),
      `${http}/api/refresh`,
    ]);
    expect(refresh).toMatchObject({ code: 0, stdout: '{"error":"invalid_token"}' });

    // A misspelled Authorization: the 401's findings, and `replay --probe` trying the right spelling, quote it.
    const misspelled = await curl(['-H', `Autorization: Bearer ${secrets.misspelledHeader}`, `${http}/api/me`]);
    expect(misspelled).toMatchObject({ code: 0, stdout: '{"message":"401 Unauthorized"}' });

    // An OAuth redirect whose Location carries an authorisation code.
    expect((await curl(['-o', '/dev/null', '-w', '%{http_code}', `${https}/login`])).stdout).toBe('302');

    // A password in the URL's userinfo, which curl and requests would move to a header: a raw client sends it as is.
    const proxyAuthorization = `Proxy-Authorization: Basic ${b64(`${proxyUser}:${secrets.proxyPassword}`)}\r\n`;
    const userinfo = await rawRequest(
      proxy.port,
      `GET http://svc:${secrets.userinfoPassword}@127.0.0.1:${plain.port}/userinfo HTTP/1.1\r\nHost: 127.0.0.1:${plain.port}\r\n${proxyAuthorization}Connection: close\r\n\r\n`,
    );
    expect(userinfo.toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);

    // proxydoc's own error pages: a 502 for a closed port (secrets in the query and the userinfo), and a 407.
    const deadPort = await closedPort();
    const failed = await curl(['-w', '\n%{http_code}', `http://127.0.0.1:${deadPort}/fail?access_token=${secrets.failingToken}`]);
    expect(failed.stdout).toMatch(/\n502$/);
    outputs.set('502 error page (curl)', failed.stdout);
    const failedRaw = await rawRequest(
      proxy.port,
      `GET http://svc:${secrets.failingPassword}@127.0.0.1:${deadPort}/fail HTTP/1.1\r\nHost: 127.0.0.1:${deadPort}\r\n${proxyAuthorization}Connection: close\r\n\r\n`,
    );
    expect(failedRaw.toString('latin1')).toMatch(/^HTTP\/1\.1 502 /);
    outputs.set('502 error page (raw)', failedRaw.toString('latin1'));
    const refused = await curl(['-w', '\n%{http_code}', `${http}/refused?token=${secrets.refusedToken}`], false);
    expect(refused.stdout).toMatch(/\n407$/);
    outputs.set('407 error page', refused.stdout);

    if (pythonAvailable) {
      const proxyUrl = `http://${proxyUser}:${secrets.proxyPassword}@127.0.0.1:${proxy.port}`;
      const python = await run(
        'python3',
        ['-c', PYTHON_CLIENT, proxyUrl, caPem, `${https}/py/login`, secrets.pythonBasic, secrets.pythonVault, secrets.pythonCookie, secrets.pythonPassword],
        { env: pristineEnv() },
      );
      expect(python).toMatchObject({ code: 0, stdout: '200\n' });
    } else {
      // Python 3 with requests is not installed here: that client is skipped, the others still run.
      console.warn('secrets-everywhere: python3 requests not importable, Python client skipped');
    }

    // A clean stop flushes every record; everything below reads the files offline, as a user would later.
    expect(await proxy.stop('SIGTERM')).toBe(0);
    outputs.set('start (stdout)', proxy.stdout());
    outputs.set('start (stderr)', proxy.stderr());
    expect(proxy.stdout()).toContain('listening on');
  });

  test('tail, show, export, replay, probe and env print no secret', async () => {
    const records = fs
      .readFileSync(path.join(logDir, 'exchanges.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { seq: number; id: string; request: { url: string; method: string }; response?: { status: number } });
    expect(records).toHaveLength(pythonAvailable ? 10 : 9);
    const seqs = records.map((record) => String(record.seq));
    const cli = (args: string[]): Promise<CommandResult> => runBin([...args, '--log-dir', logDir], { cwd: dir, env: pristineEnv() });

    const [tail, tailJson, show, showJson, exportCurl, exportHar, exportRaw, env] = await Promise.all([
      cli(['tail', '-n', 'all']),
      cli(['tail', '-n', 'all', '--json']),
      cli(['show', ...seqs]),
      cli(['show', '--json', ...seqs]),
      cli(['export', '--all', '--format', 'curl']),
      cli(['export', '--all', '--format', 'har']),
      cli(['export', '--all', '--format', 'raw']),
      cli(['env']),
    ]);
    collect('tail', tail);
    collect('tail --json', tailJson);
    collect('show', show);
    collect('show --json', showJson);
    collect('export curl', exportCurl);
    collect('export har', exportHar);
    collect('export raw', exportRaw);
    collect('env', env);
    expect(tail.code).toBe(0);
    expect(tailJson.code).toBe(0);
    expect(show.code).toBe(0);
    expect(exportHar.code).toBe(0);
    // Every exchange is in what was printed: a search over empty output would prove nothing.
    for (const record of records) expect(show.stdout).toContain(`#${record.seq} `);
    expect(tailJson.stdout.trim().split('\n')).toHaveLength(records.length);
    // Asked for explicitly, the JSON lines are the records as stored (not collected: that output is meant to hold them).
    const tailJsonWithSecrets = await cli(['tail', '-n', '1', '--status', '200', '--host', '127.0.0.1:' + plain.port, '--json', '--include-secrets']);
    expect(tailJsonWithSecrets.stdout).toContain(`sid=${secrets.setCookie}`);
    expect(JSON.parse(exportHar.stdout).log.entries.length).toBeGreaterThanOrEqual(records.length - 2);

    // Masks that still compare: the scheme, the length and a short hash stay.
    expect(show.stdout).toContain(`Authorization: Bearer ${expectedMask(secrets.bearer)}`);
    expect(show.stdout).toContain(`X-Api-Key: ${expectedMask(secrets.xApiKey)}`);
    expect(show.stdout).toContain('Proxy-Authorization: Basic ‹not recorded›');
    expect(show.stdout).toContain(`Set-Cookie: sid=${expectedMask(secrets.setCookie)}; Path=/; HttpOnly`);
    expect(show.stdout).toContain(`Authorization: Basic user=${basicUser} ${expectedMask(secrets.basicPassword)}`);
    expect(show.stdout).toContain(`access_token=${expectedMask(secrets.queryAccessToken)}&api_key=${expectedMask(secrets.queryApiKey)}&page=2`);
    expect(show.stdout).toMatch(/Authorization: Bearer JWT\{alg=HS256 iss=https:\/\/issuer\.test aud=api exp=\S+\} ‹\d+ chars, sha256:[0-9a-f]{6}›/);

    // A replay of each record (straight to the upstream; failures and refusals included), then a probe of the 401.
    for (const record of records) {
      const replay = await cli(['replay', String(record.seq), '--yes', '--upstream-ca', upstreamCa.caPath]);
      collect(`replay #${record.seq}`, replay);
      // A 1xx-3xx answer exits 0, so the request really went out again with its credentials.
      if (record.response && record.response.status < 400) expect({ seq: record.seq, ...replay }).toEqual({ seq: record.seq, code: 0, stdout: expect.any(String), stderr: '' });
    }
    const tokenRequest = records.find((record) => record.request.url.endsWith('/oauth/token'))!;
    const replayJson = await cli(['replay', String(tokenRequest.seq), '--yes', '--json', '--upstream-ca', upstreamCa.caPath]);
    collect('replay --json', replayJson);
    expect(JSON.parse(replayJson.stdout).response.status).toBe(200);
    const misspelled = records.find((record) => record.request.url.endsWith('/api/me'))!;
    const probe = await cli(['replay', String(misspelled.seq), '--probe']);
    collect('replay --probe', probe);
    expect(probe.stdout).toContain('auth-header-misspelled');

    // Files an export may have written next to its output (bodies go to files only past 64 KiB; none expected).
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith('proxydoc-body-')) outputs.set(`export body file ${name}`, fs.readFileSync(path.join(dir, name), 'latin1'));
    }
    outputs.set('proxydoc.log', fs.readFileSync(path.join(logDir, 'proxydoc.log'), 'utf8'));
    expect(outputs.get('proxydoc.log')!.split('\n').filter((line) => /^\S.* #\d+ /.test(line)).length).toBeGreaterThanOrEqual(records.length);
  });

  test('run -- CMD prints no secret on stderr, and its records keep them', async () => {
    const runLogs = path.join(dir, 'run-logs');
    const result = await run(
      process.execPath,
      [
        BIN, 'run', '--log-dir', runLogs, '--ca-dir', caDir, '--upstream-ca', upstreamCa.caPath, '--',
        'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}',
        '-H', `Authorization: Bearer ${secrets.runBearer}`,
        `https://127.0.0.1:${secure.port}/run?access_token=${secrets.runQueryToken}`,
      ],
      { env: { ...pristineEnv(), PROXYDOC_PROXY_AUTH: `${proxyUser}:${secrets.proxyPassword}` }, cwd: dir },
    );
    collect('run', result);
    expect(result).toMatchObject({ code: 0, stdout: '200' });
    expect(result.stderr).toContain(' #1 GET https://127.0.0.1:');
    const records = fs.readFileSync(path.join(runLogs, 'exchanges.jsonl'), 'utf8');
    expect(records).toContain(secrets.runBearer);
    expect(records).toContain(secrets.runQueryToken);
    outputs.set('run proxydoc.log', fs.readFileSync(path.join(runLogs, 'proxydoc.log'), 'utf8'));
  });

  test('no output holds any secret value in any encoding', () => {
    expect(outputs.size).toBeGreaterThan(30);
    const leaks: string[] = [];
    for (const [where, text] of outputs) {
      for (const label of leaksIn(text)) leaks.push(`${where}: ${label}`);
    }
    expect(leaks).toEqual([]);
  });

  test('exchanges.jsonl keeps every secret but the proxy password, and is private (0600)', () => {
    const file = path.join(logDir, 'exchanges.jsonl');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    // Basic passwords travel base64-encoded (checked below); run's records are in its own log directory.
    const notVerbatim = new Set(['proxyPassword', 'basicPassword', 'pythonBasic', 'runBearer', 'runQueryToken']);
    const kept = Object.entries(secrets).filter(([label]) => !notVerbatim.has(label) && (pythonAvailable || !label.startsWith('python')));
    const missing = kept.filter(([, value]) => !text.includes(value) && !text.includes(JSON.stringify(value).slice(1, -1)) && !text.includes(encodeURIComponent(value)));
    expect(missing.map(([label]) => label)).toEqual([]);
    expect(text).toContain(jwt);
    expect(text).toContain(b64(`${basicUser}:${secrets.basicPassword}`));
    if (pythonAvailable) expect(text).toContain(b64(`bob:${secrets.pythonBasic}`));
    // proxydoc's own credential is not the app's: no record keeps it.
    expect(text).not.toContain(secrets.proxyPassword);
    expect(text).not.toContain(b64(`${proxyUser}:${secrets.proxyPassword}`));
  });
});
