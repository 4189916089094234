/**
 * Real loopback servers for integration tests (127.0.0.1, port 0), each closing everything it opened.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { LeafCertificates, loadOrCreateCa } from '../../src/ca';

export interface Closable {
  close(): Promise<void>;
}

/** Tracks sockets so close() never waits on a keep-alive connection. */
function closer(server: net.Server): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

/** What a raw server saw: the exact bytes of each request head and body. */
export interface RawExchange {
  head: string;
  body: Buffer;
}

/**
 * A TCP server that speaks HTTP by hand, so tests see the exact bytes the proxy sent (request line, header case and
 * order, body framing) and can answer with exact bytes. `respond` gets the parsed head and full body.
 */
export async function startRawServer(
  respond: (exchange: RawExchange, socket: net.Socket) => void,
): Promise<{ port: number; seen: RawExchange[] } & Closable> {
  const seen: RawExchange[] = [];
  const server = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end + 4).toString('latin1');
        const rest = buffer.subarray(end + 4);
        const body = readBody(head, rest);
        if (!body) return; // wait for more
        buffer = rest.subarray(body.consumed);
        const exchange = { head, body: body.body };
        seen.push(exchange);
        respond(exchange, socket);
      }
    });
  });
  const port = await listen(server);
  return { port, seen, close: closer(server) };
}

function readBody(head: string, rest: Buffer): { body: Buffer; consumed: number } | undefined {
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', offset);
      if (lineEnd < 0) return undefined;
      const size = parseInt(rest.subarray(offset, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) return undefined;
      if (size === 0) {
        const trailerEnd = rest.indexOf('\r\n\r\n', lineEnd - 2 < offset ? offset : lineEnd - 2);
        if (trailerEnd < 0) return undefined;
        return { body: Buffer.concat(parts), consumed: trailerEnd + 4 };
      }
      if (rest.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
  }
  const length = lengthMatch ? Number(lengthMatch[1]) : 0;
  if (rest.length < length) return undefined;
  return { body: rest.subarray(0, length), consumed: length };
}

export async function startHttpServer(
  handler: http.RequestListener,
  options: http.ServerOptions = {},
): Promise<{ port: number; url: string; server: http.Server } & Closable> {
  const server = http.createServer(options, handler);
  const close = closer(server);
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, server, close };
}

/** A private CA for upstream test servers (proxydoc trusts it only through --upstream-ca). */
export async function makeUpstreamCa(): Promise<{ dir: string; caPath: string; leaves: LeafCertificates; cleanup(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-upstream-ca-'));
  const ca = await loadOrCreateCa(dir, { now: new Date() });
  const leaves = new LeafCertificates(ca, { now: () => new Date() });
  return { dir, caPath: ca.certPath, leaves, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** An HTTPS server on 127.0.0.1 with a certificate for `hostForCert` from the given CA. */
export async function startHttpsServer(
  leaves: LeafCertificates,
  handler: http.RequestListener,
  hostForCert = '127.0.0.1',
): Promise<{ port: number; server: https.Server } & Closable> {
  const { keyPem, chainPem } = await leaves.credentialsFor(hostForCert);
  const server = https.createServer({ key: keyPem, cert: chainPem }, handler);
  const close = closer(server);
  const port = await listen(server);
  return { port, server, close };
}

/** A port where new TCP connections hang (see blackhole.py), for connect timeouts. */
export async function startBlackhole(): Promise<{ port: number } & Closable> {
  const child: ChildProcessWithoutNullStreams = spawn('python3', [path.join(__dirname, 'blackhole.py')]);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
    child.once('error', reject);
  });
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

/** A port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
