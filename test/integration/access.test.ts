/**
 * Who may use proxydoc and where to, with real curl: proxy credentials (407 without them, RFC 9110 §11.7.1 and
 * §15.5.8), CONNECT ports (403), requests addressed to proxydoc itself (508), and the password kept out of the logs.
 */
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, rawRequest, startHarness, type Harness } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpsServer, startRawServer } from '../helpers/servers';

const USER = 'alice';
const PASSWORD = 'pw-9c1e-Tq7';
const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** curl through the harness's proxy on loopback, as `-x http://[user:pass@]127.0.0.1:port`. */
function curlVia(harness: Harness, credentials: string | undefined, args: string[]) {
  const proxy = `http://${credentials ? `${credentials}@` : ''}127.0.0.1:${harness.proxy.port}`;
  return run('curl', ['-sS', '-x', proxy, '--cacert', harness.proxy.caCertPath, ...args]);
}

/** Everything proxydoc wrote to disk, for the password checks. */
function logFiles(harness: Harness): string {
  return ['proxydoc.log', 'exchanges.jsonl'].map((name) => fs.readFileSync(path.join(harness.config.logDir, name), 'utf8')).join('\n');
}

describe('--proxy-auth', () => {
  let harness: Harness;
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;
  let plain: Awaited<ReturnType<typeof startRawServer>>;
  let secure: Awaited<ReturnType<typeof startHttpsServer>>;

  beforeAll(async () => {
    upstreamCa = await makeUpstreamCa();
    plain = await startRawServer((exchange, socket) => {
      if (/^upgrade: websocket/im.test(exchange.head)) {
        socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      } else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
      }
    });
    secure = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('secure hello'));
    harness = await startHarness({ proxyAuth: { user: USER, password: PASSWORD }, upstreamCa: [upstreamCa.caPath] });
  });
  afterAll(async () => {
    await harness.close();
    await plain.close();
    await secure.close();
    upstreamCa.cleanup();
  });
  beforeEach(() => {
    plain.seen.length = 0;
  });

  test('an HTTP request without credentials gets 407 with a Basic challenge, is not forwarded, and is recorded', async () => {
    const before = harness.seen.length;
    const result = await curlVia(harness, undefined, ['-D', '-', `http://127.0.0.1:${plain.port}/no-credentials`]);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
    expect(result.stdout).toContain('\r\nProxy-Authenticate: Basic realm="proxydoc"\r\n');
    expect(result.stdout).toMatch(/\r\n\r\nproxydoc requires proxy credentials: .*\n$/);
    expect(plain.seen).toHaveLength(0);

    const [record] = (await harness.records(before + 1)).slice(before);
    expect(record.request.url).toBe(`http://127.0.0.1:${plain.port}/no-credentials`);
    expect(record.response?.status).toBe(407);
    expect(record.error).toMatchObject({ kind: 'proxydoc-refused', code: 'PROXYDOC_PROXY_AUTH_MISSING' });
    expect(record.upstream).toBeUndefined();
    expect(record.findings).toEqual([]);
    expect(harness.annotated.at(-1)).toMatch(/→ 407 Proxy Authentication Required ✖ proxydoc-refused PROXYDOC_PROXY_AUTH_MISSING/);
  });

  test('wrong credentials get 407 too; the record says which half was wrong and keeps no credential', async () => {
    const before = harness.seen.length;
    const wrongPassword = await curlVia(harness, `${USER}:not-it`, ['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${plain.port}/wrong`]);
    expect(wrongPassword.stdout).toBe('407');
    // The right password with the wrong user: the password is in the header, and must not reach the records.
    const wrongUser = await curlVia(harness, `mallory:${PASSWORD}`, ['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${plain.port}/wrong`]);
    expect(wrongUser.stdout).toBe('407');
    expect(plain.seen).toHaveLength(0);

    const records = (await harness.records(before + 2)).slice(before);
    expect(records.map((record) => record.error?.code)).toEqual(['PROXYDOC_PROXY_AUTH_WRONG_PASSWORD', 'PROXYDOC_PROXY_AUTH_WRONG_USER']);
    for (const record of records) {
      expect(record.request.headers).toContainEqual(['Proxy-Authorization', 'Basic ‹not recorded›']);
    }
    const written = logFiles(harness);
    expect(written).not.toContain(PASSWORD);
    expect(written).not.toContain(base64(`mallory:${PASSWORD}`));
  });

  test('with the credentials, HTTP is forwarded and Proxy-Authorization stays behind (hop-by-hop, RFC 9110 §7.6.1)', async () => {
    const before = harness.seen.length;
    const result = await curlVia(harness, `${USER}:${PASSWORD}`, [`http://127.0.0.1:${plain.port}/ok`]);
    expect(result.stdout).toBe('hello');
    expect(plain.seen).toHaveLength(1);
    expect(plain.seen[0].head).toMatch(/^GET \/ok HTTP\/1\.1\r\n/);
    expect(plain.seen[0].head).not.toMatch(/proxy-authorization/i);

    const [record] = (await harness.records(before + 1)).slice(before);
    expect(record.response?.status).toBe(200);
    expect(record.error).toBeUndefined();
    expect(record.request.headers).toContainEqual(['Proxy-Authorization', 'Basic ‹not recorded›']);
    expect(logFiles(harness)).not.toContain(base64(`${USER}:${PASSWORD}`));
  });

  test('HTTPS: a CONNECT without credentials gets 407; with them the tunnel opens and is intercepted', async () => {
    const before = harness.seen.length;
    const refused = await curlVia(harness, undefined, ['-o', '/dev/null', '-w', '%{http_connect}', `https://127.0.0.1:${secure.port}/`]);
    expect(refused.stdout).toBe('407');
    expect(refused.code).not.toBe(0);

    const ok = await curlVia(harness, `${USER}:${PASSWORD}`, [`https://127.0.0.1:${secure.port}/tls`]);
    expect(ok.stdout).toBe('secure hello');

    const records = (await harness.records(before + 2)).slice(before);
    expect(records.map((record) => [record.request.method, record.request.url, record.response?.status, record.error?.code])).toEqual([
      ['CONNECT', `127.0.0.1:${secure.port}`, 407, 'PROXYDOC_PROXY_AUTH_MISSING'],
      ['GET', `https://127.0.0.1:${secure.port}/tls`, 200, undefined],
    ]);
    expect(logFiles(harness)).not.toContain(PASSWORD);
  });

  test('a WebSocket upgrade needs the credentials too, and they are not forwarded with it', async () => {
    const upgrade = (extra: string) =>
      rawRequest(
        harness.proxy.port,
        `GET http://127.0.0.1:${plain.port}/ws HTTP/1.1\r\nHost: 127.0.0.1:${plain.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
      );
    const refused = (await upgrade('')).toString('latin1');
    expect(refused).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
    expect(refused).toContain('\r\nProxy-Authenticate: Basic realm="proxydoc"\r\n');
    expect(plain.seen).toHaveLength(0);

    const accepted = (await upgrade(`Proxy-Authorization: Basic ${base64(`${USER}:${PASSWORD}`)}\r\n`)).toString('latin1');
    expect(accepted).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(plain.seen).toHaveLength(1);
    expect(plain.seen[0].head).toMatch(/\r\nUpgrade: websocket\r\n/i);
    expect(plain.seen[0].head).not.toMatch(/proxy-authorization/i);
  });
});

describe('--connect-ports', () => {
  test('a CONNECT to another port gets 403 with a one-line reason and is recorded; an allowed one works', async () => {
    const upstreamCa = await makeUpstreamCa();
    const allowed = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('allowed'));
    const other = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('should not be reached'));
    let otherReached = false;
    other.server.on('connection', () => (otherReached = true));
    const harness = await startHarness({ connectPorts: [{ from: allowed.port, to: allowed.port }], upstreamCa: [upstreamCa.caPath] });
    try {
      const refused = await curlVia(harness, undefined, ['-v', '-o', '/dev/null', '-w', '%{http_connect}', `https://127.0.0.1:${other.port}/`]);
      expect(refused.stdout).toBe('403');
      expect(refused.code).not.toBe(0);
      expect(otherReached).toBe(false);

      const ok = await curlVia(harness, undefined, [`https://127.0.0.1:${allowed.port}/`]);
      expect(ok.stdout).toBe('allowed');

      const [record] = await harness.records(2);
      expect(record.request).toMatchObject({ method: 'CONNECT', url: `127.0.0.1:${other.port}` });
      expect(record.response).toMatchObject({ status: 403, statusText: 'Forbidden' });
      expect(record.response?.body.text).toBe(`proxydoc does not open tunnels to port ${other.port}: --connect-ports allows ${allowed.port}.\n`);
      expect(record.error).toMatchObject({ kind: 'proxydoc-refused', code: 'PROXYDOC_CONNECT_PORT_NOT_ALLOWED' });
      expect(harness.annotated[0]).toMatch(/CONNECT 127\.0\.0\.1:\d+ → 403 Forbidden ✖ proxydoc-refused PROXYDOC_CONNECT_PORT_NOT_ALLOWED/);
      expect(record.findings).toEqual([]);
    } finally {
      await harness.close();
      await allowed.close();
      await other.close();
      upstreamCa.cleanup();
    }
  });
});

describe('requests addressed to proxydoc itself (a loop) get 508', () => {
  test('on loopback: an absolute-form request and a CONNECT to its own port', async () => {
    const harness = await startHarness();
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const request = await curlVia(harness, undefined, ['-o', '/dev/null', '-w', '%{http_code}', `http://${host}:${harness.proxy.port}/loop`]);
        expect(request.stdout).toBe('508');
        const connect = await curlVia(harness, undefined, ['-o', '/dev/null', '-w', '%{http_connect}', `https://${host}:${harness.proxy.port}/loop`]);
        expect(connect.stdout).toBe('508');
      }
    } finally {
      await harness.close();
    }
  });

  test('on 0.0.0.0: every address of the machine on its port is itself, for requests and CONNECT', async () => {
    const harness = await startHarness({ host: '0.0.0.0', allowRemote: true, proxyAuth: { user: USER, password: PASSWORD } });
    // The host name always, and each interface address this machine has (192.0.2.2, fd00::2 …).
    const addresses = Object.values(os.networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((info) => !info.internal && !info.address.startsWith('fe80'))
      .map((info) => (info.family === 'IPv6' ? `[${info.address}]` : info.address));
    try {
      for (const host of [os.hostname(), '127.0.0.1', ...addresses]) {
        const request = await curlVia(harness, `${USER}:${PASSWORD}`, ['-o', '/dev/null', '-w', '%{http_code}', '-g', `http://${host}:${harness.proxy.port}/loop`]);
        expect([host, request.stdout]).toEqual([host, '508']);
        const connect = await curlVia(harness, `${USER}:${PASSWORD}`, ['-o', '/dev/null', '-w', '%{http_connect}', '-g', `https://${host}:${harness.proxy.port}/loop`]);
        expect([host, connect.stdout]).toEqual([host, '508']);
      }
      // Without credentials, the 407 comes first: an unauthenticated client learns nothing about the loop.
      const anonymous = await curlVia(harness, undefined, ['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${harness.proxy.port}/loop`]);
      expect(anonymous.stdout).toBe('407');
    } finally {
      await harness.close();
    }
  });
});
