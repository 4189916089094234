/**
 * CONNECT that is not intercepted (blind tunnels), chaining through a corporate proxy, capture limits, and a clean
 * shutdown while tunnels are open.
 */
import * as net from 'node:net';
import * as http from 'node:http';
import { curl, startHarness, type Harness } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpServer, startHttpsServer } from '../helpers/servers';

/** Opens a CONNECT tunnel through the proxy and resolves with the socket once the proxy answered 200. */
function openTunnel(proxyPort: number, authority: string): Promise<{ socket: net.Socket; answer: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority });
    request.on('connect', (res, socket) => resolve({ socket, answer: `${res.statusCode}` }));
    request.on('error', reject);
    request.end();
  });
}

describe('tunnels and chaining', () => {
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;
  beforeAll(async () => {
    upstreamCa = await makeUpstreamCa();
  });
  afterAll(() => upstreamCa.cleanup());

  test('--no-intercept hosts are tunnelled blind and recorded with host, bytes and duration', async () => {
    const secure = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('end-to-end TLS'));
    const harness = await startHarness({ noIntercept: ['127.0.0.1'] });
    try {
      // The client talks TLS with the upstream itself: it must trust the upstream's CA, not proxydoc's.
      const result = await curl(harness, ['--cacert', upstreamCa.caPath, `https://127.0.0.1:${secure.port}/`]);
      expect(result.stdout).toBe('end-to-end TLS');
      const [record] = await harness.records(1);
      expect(record.request).toMatchObject({ method: 'CONNECT', url: `127.0.0.1:${secure.port}` });
      expect(record.tunnel).toMatchObject({ target: `127.0.0.1:${secure.port}`, reason: 'no-intercept' });
      const tunnel = record.tunnel as { bytesUp: number; bytesDown: number };
      expect(tunnel.bytesUp).toBeGreaterThan(100); // at least a ClientHello
      expect(tunnel.bytesDown).toBeGreaterThan(500); // at least the certificate
      expect(record.phases.total).toBeGreaterThan(0);
      expect(harness.annotated[0]).toMatch(/CONNECT 127\.0\.0\.1:\d+ ⇄ tunnel \(no-intercept\)/);
    } finally {
      await harness.close();
      await secure.close();
    }
  });

  test('a CONNECT carrying neither TLS nor HTTP is tunnelled blind and still recorded', async () => {
    const echo = net.createServer((socket) => socket.on('data', (d) => socket.end(Buffer.concat([Buffer.from('echo:'), d]))));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const port = (echo.address() as net.AddressInfo).port;
    const harness = await startHarness();
    try {
      const { socket } = await openTunnel(harness.proxy.port, `127.0.0.1:${port}`);
      const answer = await new Promise<string>((resolve) => {
        let received = '';
        socket.on('data', (d: Buffer) => (received += d.toString()));
        socket.on('close', () => resolve(received));
        socket.write('SSH-2.0-OpenSSH_9.2\r\n'.toLowerCase()); // lower-case: not an HTTP method, not TLS
      });
      expect(answer).toBe('echo:ssh-2.0-openssh_9.2\r\n');
      const [record] = await harness.records(1);
      expect(record.tunnel).toEqual({ target: `127.0.0.1:${port}`, reason: 'not-tls', bytesUp: 21, bytesDown: 26 });
    } finally {
      await harness.close();
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  test('--upstream-proxy chains plain and HTTPS traffic through another proxy; --upstream-no-proxy bypasses it', async () => {
    const plain = await startHttpServer((req, res) => res.end(`plain ${req.url}`));
    const secure = await startHttpsServer(upstreamCa.leaves, (req, res) => res.end(`secure ${req.url}`));
    // The "corporate proxy" is a second proxydoc: its own records prove what went through it.
    const corporate = await startHarness({ upstreamCa: [upstreamCa.caPath] });
    // The corporate proxy intercepts TLS with its CA, so the first proxy must trust that CA upstream.
    const harness = await startHarness({ upstreamProxy: corporate.proxy.url, upstreamCa: [corporate.proxy.caCertPath] });
    try {
      expect((await curl(harness, [`http://127.0.0.1:${plain.port}/p`])).stdout).toBe('plain /p');
      expect((await curl(harness, [`https://127.0.0.1:${secure.port}/s`])).stdout).toBe('secure /s');
      const corporateRecords = await corporate.records(2);
      expect(corporateRecords.map((r) => r.request.url).sort()).toEqual([`http://127.0.0.1:${plain.port}/p`, `https://127.0.0.1:${secure.port}/s`].sort());
      const records = await harness.records(2);
      expect(records.every((r) => r.upstream?.viaProxy === corporate.proxy.url)).toBe(true);
    } finally {
      await harness.close();
    }
    const bypassing = await startHarness({ upstreamProxy: corporate.proxy.url, upstreamNoProxy: ['127.0.0.1'] });
    try {
      const before = corporate.seen.length;
      expect((await curl(bypassing, [`http://127.0.0.1:${plain.port}/direct`])).stdout).toBe('plain /direct');
      const [record] = await bypassing.records(1);
      expect(record.upstream?.viaProxy).toBeUndefined();
      expect(corporate.seen.length).toBe(before);
    } finally {
      await bypassing.close();
      await corporate.close();
      await plain.close();
      await secure.close();
    }
  });

  test('--insecure-upstream lets an upstream with an untrusted certificate through (verification is on otherwise)', async () => {
    const secure = await startHttpsServer(upstreamCa.leaves, (_req, res) => res.end('reached anyway'));
    const strict = await startHarness();
    const insecure = await startHarness({ insecureUpstream: true });
    try {
      expect((await curl(strict, ['-s', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${secure.port}/`])).stdout).toBe('502');
      expect((await curl(insecure, [`https://127.0.0.1:${secure.port}/`])).stdout).toBe('reached anyway');
    } finally {
      await strict.close();
      await insecure.close();
      await secure.close();
    }
  });

  test('bodies beyond --max-body-capture stream through whole; the record keeps the prefix, full size and truncated', async () => {
    const payload = Buffer.alloc(100_000, 'a');
    const server = await startHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(payload));
    });
    const harness = await startHarness({ maxBodyCapture: 1000 });
    try {
      const result = await curl(harness, ['--data-binary', '@-', '-H', 'Content-Type: text/plain', `http://127.0.0.1:${server.port}/big`], { input: Buffer.alloc(50_000, 'b') });
      expect(result.stdout.length).toBe(100_000);
      const [record] = await harness.records(1);
      expect(record.request.body).toMatchObject({ size: 50_000, truncated: true });
      expect(record.request.body.text).toHaveLength(1000);
      expect(record.response?.body).toMatchObject({ size: 100_000, truncated: true });
      expect(record.response?.body.text).toHaveLength(1000);
    } finally {
      await harness.close();
      await server.close();
    }
  });

  test('close() finishes while a CONNECT tunnel and a keep-alive connection are open', async () => {
    const echo = net.createServer((socket) => socket.on('data', (d) => socket.write(d)));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const harness = await startHarness({ noIntercept: ['127.0.0.1'] });
    const { socket } = await openTunnel(harness.proxy.port, `127.0.0.1:${(echo.address() as net.AddressInfo).port}`);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await harness.close();
    await closed; // the tunnel was torn down by the proxy's shutdown, not left dangling
    await new Promise((resolve) => echo.close(resolve));
  });
});
