/**
 * The soak's target, run as its own process (`node dist/bench/soak-target.js KEY CHAIN`) so its CPU time is not
 * mixed with proxydoc's or the clients'. Serves the same routes over HTTP and HTTPS (see soak-plan.ts plannedRequest):
 *   GET  /small                  512 B of JSON
 *   GET  /status/N               status N with a JSON error body (401 with a challenge, 429 with Retry-After)
 *   POST /upload                 reads the body, answers how many bytes arrived
 *   GET  /slow?ms=N              /small after N ms
 *   GET  /download?mib=N         N MiB streamed with backpressure from one reused buffer
 *   GET  /reset-mid-body         promises 64 KiB, sends 16 KiB, then resets (HTTP) or closes (HTTPS) the connection
 *   GET  /close-before-response  closes the connection without answering
 * Prints {"http":PORT,"https":PORT} once listening; exits when its stdin closes or on SIGTERM.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { runTargetProcess, streamChunks } from './serve-helpers';
import { MIB, SMALL_BODY_BYTES, statusBody, uploadAnswer } from './soak-plan';

const SMALL_BODY = (() => {
  const skeleton = '{"items":[],"padding":""}';
  return Buffer.from(`{"items":[],"padding":"${'x'.repeat(SMALL_BODY_BYTES - skeleton.length)}"}`);
})();
const PROMISED_BYTES = 64 * 1024;
const SENT_BEFORE_RESET = Buffer.alloc(16 * 1024, 'z');

function small(res: http.ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': SMALL_BODY.length });
  res.end(SMALL_BODY);
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://target');
  res.on('error', () => undefined);
  req.on('error', () => undefined);
  if (req.method === 'POST' && url.pathname === '/upload') {
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => {
      const body = uploadAnswer(received);
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    return;
  }
  // Every other route ignores a request body; it is drained so the connection stays usable.
  req.resume();
  if (url.pathname === '/small') {
    small(res);
    return;
  }
  const status = /^\/status\/(\d{3})$/.exec(url.pathname);
  if (status) {
    const code = Number(status[1]);
    const body = statusBody(code);
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    if (code === 401) headers['WWW-Authenticate'] = 'Bearer realm="soak", error="invalid_token"';
    if (code === 429 || code === 503) headers['Retry-After'] = '1';
    res.writeHead(code, headers);
    res.end(body);
    return;
  }
  if (url.pathname === '/slow') {
    const timer = setTimeout(() => small(res), Number(url.searchParams.get('ms') ?? '100'));
    res.on('close', () => clearTimeout(timer));
    return;
  }
  if (url.pathname === '/download') {
    const mib = Number(url.searchParams.get('mib') ?? '1');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': mib * MIB });
    streamChunks(res, mib);
    return;
  }
  if (url.pathname === '/reset-mid-body') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': PROMISED_BYTES });
    res.write(SENT_BEFORE_RESET, () => {
      // A TCP RST over plain HTTP; a TLS socket has no TCP handle of its own to reset (resetAndDestroy throws
      // ERR_INVALID_HANDLE_TYPE), so over HTTPS the connection is just closed, without close_notify: cut mid-body.
      const socket = req.socket as net.Socket & { resetAndDestroy?: () => void };
      try {
        socket.resetAndDestroy?.();
      } catch {
        // falls through to destroy()
      }
      if (!socket.destroyed) socket.destroy();
    });
    return;
  }
  if (url.pathname === '/close-before-response') {
    req.socket.destroy();
    return;
  }
  res.writeHead(404, { 'Content-Length': 0 });
  res.end();
}

runTargetProcess('soak-target', (tls) => {
  // Node's default keep-alive timeout (5 s), announced in Keep-Alive: proxydoc's upstream pool must honour it.
  const servers = { http: http.createServer(handler), https: https.createServer(tls, handler) };
  for (const server of [servers.http, servers.https]) server.on('clientError', (_error, socket) => socket.destroy());
  return servers;
});
