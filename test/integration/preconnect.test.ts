/**
 * Intercepted HTTPS opens the upstream connection while the client's TLS handshake with proxydoc is still going on
 * (Upstream.preconnect), so a new host's first request does not wait for a second pair of handshakes. The
 * connection opened ahead must be the one the first request uses, and must not outlive the proxy.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type * as https from 'node:https';
import { startHarness, type Harness } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpsServer, type Closable } from '../helpers/servers';

/** CONNECT through the proxy and a TLS handshake with it, without sending a request yet. */
function openInterceptedTunnel(harness: Harness, authority: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(harness.proxy.port, '127.0.0.1', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    socket.once('error', reject);
    socket.once('data', (head: Buffer) => {
      if (!head.toString('latin1').startsWith('HTTP/1.1 200')) return reject(new Error(`CONNECT answered ${head.toString('latin1')}`));
      const secure = tls.connect({ socket, ca: harness.caPem, host: '127.0.0.1' }, () => resolve(secure));
      secure.once('error', reject);
    });
  });
}

function requestOver(secure: tls.TLSSocket, authority: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      if (!text.includes('\r\n\r\n') || !text.endsWith('ok')) return;
      secure.off('data', onData);
      resolve(text);
    };
    secure.on('data', onData);
    secure.once('error', reject);
    secure.write(`GET /first HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

describe('upstream connections opened ahead for intercepted HTTPS', () => {
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;
  let server: Closable & { port: number; server: https.Server };
  const upstreamConnections: tls.TLSSocket[] = [];
  const waiting: Array<() => void> = [];

  beforeAll(async () => {
    upstreamCa = await makeUpstreamCa();
    server = await startHttpsServer(upstreamCa.leaves, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
      res.end('ok');
    });
    server.server.on('secureConnection', (socket: tls.TLSSocket) => {
      upstreamConnections.push(socket);
      waiting.splice(0).forEach((wake) => wake());
    });
  });

  afterAll(async () => {
    await server.close();
    upstreamCa.cleanup();
  });

  const connectionCount = (count: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => (upstreamConnections.length >= count ? resolve() : void waiting.push(check));
      check();
    });

  test('the upstream handshake happens before the first request, and that request uses it', async () => {
    upstreamConnections.length = 0;
    const harness = await startHarness({ upstreamCa: [upstreamCa.caPath] });
    try {
      const authority = `127.0.0.1:${server.port}`;
      const tunnel = await openInterceptedTunnel(harness, authority);
      // No request has been sent: only an upstream connection opened ahead can exist now.
      await connectionCount(1);
      const response = await requestOver(tunnel, authority);
      expect(response.startsWith('HTTP/1.1 200')).toBe(true);
      const [record] = await harness.records(1);
      expect(upstreamConnections).toHaveLength(1);
      expect(record.upstream).toMatchObject({ reusedConnection: false, openedAhead: true });
      expect(record.error).toBeUndefined();
      // Its handshakes ran during the client's own, and the record still says how long they took.
      expect(record.phases.connect).toEqual(expect.any(Number));
      expect(record.phases.tls).toEqual(expect.any(Number));
      // A second request on the same tunnel reuses the pooled connection: no handshake phases of its own.
      const again = await requestOver(tunnel, authority);
      expect(again.startsWith('HTTP/1.1 200')).toBe(true);
      const second = (await harness.records(2))[1];
      expect(upstreamConnections).toHaveLength(1);
      expect(second.upstream?.reusedConnection).toBe(true);
      expect(second.upstream?.openedAhead).toBeUndefined();
      expect(second.phases.tls).toBeUndefined();
      expect(second.phases.connect).toBeUndefined();
      tunnel.destroy();
    } finally {
      await harness.close();
    }
  });

  test('a connection opened ahead but never used is closed with the proxy', async () => {
    upstreamConnections.length = 0;
    const harness = await startHarness({ upstreamCa: [upstreamCa.caPath] });
    const tunnel = await openInterceptedTunnel(harness, `127.0.0.1:${server.port}`);
    await connectionCount(1);
    const closed = new Promise<void>((resolve) => upstreamConnections[0].once('close', () => resolve()));
    tunnel.destroy();
    await harness.close();
    await closed;
    expect(upstreamConnections[0].destroyed).toBe(true);
  });
});
