/**
 * Every transport failure becomes a record with error.kind/code, and the client gets a clear 502/504 (or a cut
 * connection once a response had started) — never a hang, never a crash.
 */
import * as http from 'node:http';
import * as tls from 'node:tls';
import { curl, run, startHarness, type Harness } from '../helpers/proxy-harness';
import { closedPort, makeUpstreamCa, startBlackhole, startHttpServer, startHttpsServer, startRawServer } from '../helpers/servers';

describe('failures become records', () => {
  let harness: Harness;
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;

  beforeAll(async () => {
    upstreamCa = await makeUpstreamCa();
    // A short connect timeout keeps the connect-timeout case fast; the blackhole never answers anyway.
    harness = await startHarness({ connectTimeoutMs: 300 });
  });
  afterAll(async () => {
    await harness.close();
    upstreamCa.cleanup();
  });

  async function lastRecordAfter(action: () => Promise<unknown>) {
    const before = harness.seen.length;
    const outcome = await action();
    const [record] = (await harness.records(before + 1)).slice(before);
    return { record, outcome };
  }

  test('DNS failure: 502 with an explanation, record kind dns', async () => {
    const { record, outcome } = await lastRecordAfter(() => curl(harness, ['-i', 'http://no-such-host.invalid/x']));
    const result = outcome as Awaited<ReturnType<typeof curl>>;
    expect(result.stdout).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(result.stdout).toContain('could not resolve the host name of no-such-host.invalid:80');
    expect(record.error).toMatchObject({ kind: 'dns', code: 'ENOTFOUND', stage: 'connect' });
    expect(record.response).toBeUndefined();
  });

  test('connection refused: 502, record kind refused', async () => {
    const port = await closedPort();
    const { record, outcome } = await lastRecordAfter(() => curl(harness, ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`]));
    expect((outcome as { stdout: string }).stdout).toBe('502');
    expect(record.error).toMatchObject({ kind: 'refused', code: 'ECONNREFUSED' });
  });

  test('connect timeout: 504, record kind connect-timeout', async () => {
    const blackhole = await startBlackhole();
    try {
      const { record, outcome } = await lastRecordAfter(() => curl(harness, ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${blackhole.port}/`]));
      expect((outcome as { stdout: string }).stdout).toBe('504');
      expect(record.error).toMatchObject({ kind: 'connect-timeout', stage: 'connect' });
      expect(record.phases.total).toBeGreaterThanOrEqual(300);
    } finally {
      await blackhole.close();
    }
  });

  test('upstream TLS failure (certificate from an untrusted CA) is never hidden: 502, record kind tls', async () => {
    const server = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('secret data'));
    try {
      const { record, outcome } = await lastRecordAfter(() => curl(harness, ['-i', `https://127.0.0.1:${server.port}/`]));
      const result = outcome as { stdout: string };
      // curl -i through a proxy prints the CONNECT answer first, then the response inside the tunnel.
      expect(result.stdout).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 502 Bad Gateway\r\n/);
      expect(result.stdout).toContain('(SELF_SIGNED_CERT_IN_CHAIN)');
      expect(result.stdout).not.toContain('secret data');
      expect(record.error).toMatchObject({ kind: 'tls', code: 'SELF_SIGNED_CERT_IN_CHAIN', stage: 'tls' });
    } finally {
      await server.close();
    }
  });

  test('TLS to a plain-HTTP port is a tls error (protocol mismatch)', async () => {
    const server = await startHttpServer((_req, res) => res.end('plain'));
    try {
      const { record } = await lastRecordAfter(() => curl(harness, ['-s', '-o', '/dev/null', `https://127.0.0.1:${server.port}/`]));
      expect(record.error?.kind).toBe('tls');
    } finally {
      await server.close();
    }
  });

  test('upstream reset before any response: 502, record kind reset', async () => {
    const server = await startRawServer((_exchange, socket) => socket.destroy());
    try {
      const { record, outcome } = await lastRecordAfter(() => curl(harness, ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${server.port}/`]));
      expect((outcome as { stdout: string }).stdout).toBe('502');
      // The request was all sent before the upstream hung up: the server may have processed it.
      expect(record.error).toMatchObject({ kind: 'reset', stage: 'response-headers' });
    } finally {
      await server.close();
    }
  });

  test('upstream dying mid-body ends the client response instead of leaving it hanging', async () => {
    const server = await startRawServer((_exchange, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial');
      socket.destroy();
    });
    try {
      const { record, outcome } = await lastRecordAfter(() => curl(harness, ['-s', `http://127.0.0.1:${server.port}/`]));
      const result = outcome as { code: number; stdout: string };
      expect(result.code).toBe(18); // curl: partial file — the transfer was cut, not hung
      expect(result.stdout).toBe('partial');
      expect(record.response?.status).toBe(200);
      expect(record.error).toMatchObject({ kind: 'reset', stage: 'response-body' });
      expect(record.response?.body).toEqual({ size: 7, text: 'partial', truncated: false });
    } finally {
      await server.close();
    }
  });

  test('a client abort aborts the upstream request and is recorded as client-aborted', async () => {
    let upstreamSawAbort: () => void = () => undefined;
    const aborted = new Promise<void>((resolve) => (upstreamSawAbort = resolve));
    let requestArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (requestArrived = resolve));
    const server = await startHttpServer((req) => {
      requestArrived();
      req.socket.on('close', () => upstreamSawAbort()); // never answers: only the abort can end this
    });
    try {
      const before = harness.seen.length;
      const request = http.request({ host: '127.0.0.1', port: harness.proxy.port, path: `http://127.0.0.1:${server.port}/slow`, headers: { Host: `127.0.0.1:${server.port}` } });
      request.on('error', () => undefined);
      request.end();
      await arrived;
      request.destroy();
      await aborted;
      const [record] = (await harness.records(before + 1)).slice(before);
      expect(record.error).toMatchObject({ kind: 'client-aborted', stage: 'request' });
    } finally {
      await server.close();
    }
  });

  test('curl rejecting proxydoc certificate (no --cacert) is recorded as client-tls-rejected', async () => {
    const server = await startHttpServer((_req, res) => res.end('x'));
    try {
      const { record, outcome } = await lastRecordAfter(() => run('curl', ['-sS', '-x', harness.proxy.url, `https://127.0.0.1:${server.port}/`]));
      expect((outcome as { code: number }).code).toBe(60); // curl: peer certificate cannot be authenticated
      expect(record.request).toMatchObject({ method: 'CONNECT', url: `127.0.0.1:${server.port}` });
      expect(record.error).toMatchObject({ kind: 'client-tls-rejected', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    } finally {
      await server.close();
    }
  });

  test('a Node client that does not trust the CA (closes right after the handshake) is recorded too', async () => {
    const server = await startHttpServer((_req, res) => res.end('x'));
    try {
      const { record } = await lastRecordAfter(
        () =>
          new Promise<void>((resolve) => {
            const connect = http.request({ host: '127.0.0.1', port: harness.proxy.port, method: 'CONNECT', path: `example.test:${server.port}` });
            connect.on('connect', (_res, socket) => {
              const secure = tls.connect({ socket, servername: 'example.test' });
              secure.on('error', () => {
                socket.destroy(); // as undici and https.Agent do when verification fails
                resolve();
              });
            });
            connect.end();
          }),
      );
      expect(record.error?.kind).toBe('client-tls-rejected');
      expect(record.error?.code).toMatch(/^PROXYDOC_CLIENT_CLOSED_(DURING|AFTER)_HANDSHAKE$/);
    } finally {
      await server.close();
    }
  });

  test('the proxy keeps serving after all of the above', async () => {
    const server = await startHttpServer((_req, res) => res.end('still here'));
    try {
      expect((await curl(harness, [`http://127.0.0.1:${server.port}/`])).stdout).toBe('still here');
    } finally {
      await server.close();
    }
  });
});
