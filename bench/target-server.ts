/**
 * The benchmark's loopback target, run as its own process (`node dist/bench/target-server.js KEY CHAIN`) so its CPU
 * time is not mixed with proxydoc's or the load generator's. Serves the same routes over HTTP and HTTPS:
 *   GET  /1k              1 KiB body (S1, S2, S3)
 *   GET  /download?mib=N  N MiB streamed from one reused 1 MiB buffer, with Content-Length (S4)
 *   POST /upload          reads and discards the body, then answers 200 (S5)
 * Prints {"http":PORT,"https":PORT} on stdout once listening; exits when its stdin closes (the bench ended or
 * died) or on SIGTERM.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { runTargetProcess, streamChunks } from './serve-helpers';

const SMALL_BODY = Buffer.alloc(1024, 'x');
const MIB = 1024 * 1024;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://target');
  if (req.method === 'GET' && url.pathname === '/1k') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': SMALL_BODY.length });
    res.end(SMALL_BODY);
    return;
  }
  if (req.method === 'GET' && url.pathname === '/download') {
    const mib = Number(url.searchParams.get('mib') ?? '1');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': mib * MIB });
    streamChunks(res, mib);
    return;
  }
  if (req.method === 'POST' && url.pathname === '/upload') {
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => {
      const body = `received ${received}\n`;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    return;
  }
  res.writeHead(404, { 'Content-Length': 0 });
  res.end();
}

runTargetProcess('target-server', (tls) => {
  // keepAliveTimeout: generous, so an idle moment between warm-up and measurement never closes a pooled connection.
  const options = { keepAliveTimeout: 60_000 };
  return { http: http.createServer(options, handler), https: https.createServer({ ...options, ...tls }, handler) };
});
