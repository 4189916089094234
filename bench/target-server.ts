/**
 * The benchmark's loopback target, run as its own process (`node dist/bench/target-server.js KEY CHAIN`) so its CPU
 * time is not mixed with proxydoc's or the load generator's. Serves the same routes over HTTP and HTTPS:
 *   GET  /1k              1 KiB body (S1, S2, S3)
 *   GET  /download?mib=N  N MiB streamed from one reused 1 MiB buffer, with Content-Length (S4)
 *   POST /upload          reads and discards the body, then answers 200 (S5)
 * Prints {"http":PORT,"https":PORT} on stdout once listening; exits when its stdin closes (the bench ended or
 * died) or on SIGTERM.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';

const SMALL_BODY = Buffer.alloc(1024, 'x');
const MIB = 1024 * 1024;
const CHUNK = Buffer.alloc(MIB, 'y');

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

/** Writes `count` copies of the shared chunk, waiting for 'drain' so memory stays flat whatever the reader's pace. */
function streamChunks(res: http.ServerResponse, count: number): void {
  let left = count;
  const pump = (): void => {
    while (left > 0) {
      left -= 1;
      if (left === 0) {
        res.end(CHUNK);
        return;
      }
      if (!res.write(CHUNK)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('error', () => undefined);
  pump();
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

async function main(): Promise<void> {
  const [keyPath, chainPath] = process.argv.slice(2);
  if (!keyPath || !chainPath) throw new Error('usage: target-server.js KEY_PEM CHAIN_PEM');
  // keepAliveTimeout: generous, so an idle moment between warm-up and measurement never closes a pooled connection.
  const options = { keepAliveTimeout: 60_000 };
  const httpServer = http.createServer(options, handler);
  const httpsServer = https.createServer({ ...options, key: fs.readFileSync(keyPath), cert: fs.readFileSync(chainPath) }, handler);
  const [httpPort, httpsPort] = await Promise.all([listen(httpServer), listen(httpsServer)]);
  process.stdout.write(`${JSON.stringify({ http: httpPort, https: httpsPort })}\n`);
  const exit = (): never => process.exit(0);
  process.stdin.on('end', exit);
  process.stdin.on('error', exit);
  process.stdin.resume();
  process.on('SIGTERM', exit);
}

main().catch((error: unknown) => {
  process.stderr.write(`target-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
