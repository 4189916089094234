/**
 * The floor the benchmark compares proxydoc with (`npm run bench -- --baseline`): the smallest forward proxy Node's
 * own http, https and tls modules make — absolute-form requests and intercepted CONNECT tunnels forwarded with
 * keep-alive agents and pipe(), TLS leaves from proxydoc's CA module — and nothing else: no capture, no timing, no
 * diagnosis, no logs, no error pages. Whatever proxydoc costs beyond this is proxydoc's; what this costs is Node's.
 *
 * Takes the arguments the bench gives proxydoc (`start --port 0 --ca-dir DIR [--upstream-ca FILE] …`) and prints the
 * same "listening on" line.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { LeafCertificates, loadOrCreateCa } from '../src/ca';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const caDir = argument('--ca-dir');
  if (!caDir) throw new Error('usage: bare-proxy.js start --ca-dir DIR [--upstream-ca FILE]');
  const upstreamCa = argument('--upstream-ca');
  const leaves = new LeafCertificates(await loadOrCreateCa(caDir, { now: new Date() }), { now: () => new Date() });
  const agentOptions = { keepAlive: true, maxFreeSockets: 256 };
  const httpAgent = new http.Agent(agentOptions);
  // One secure context for every upstream connection, as proxydoc builds it: a `ca` option instead would make
  // OpenSSL parse Node's ~140 root certificates for each new connection, a floor no real proxy should be held to.
  const upstreamContext = upstreamCa ? tls.createSecureContext({ ca: [...tls.rootCertificates, fs.readFileSync(upstreamCa, 'utf8')] }) : undefined;
  const httpsAgent = new https.Agent({ ...agentOptions, ...(upstreamContext ? { secureContext: upstreamContext } : {}) });
  const tunnels = new WeakMap<net.Socket, { host: string; port: number }>();

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, secure: boolean, host: string, port: number, path: string): void => {
    const options = { host, port, path, method: req.method, headers: req.rawHeaders, setHost: false };
    const upstream = secure
      ? https.request({ ...options, agent: httpsAgent, servername: net.isIP(host) ? '' : host })
      : http.request({ ...options, agent: httpAgent });
    upstream.on('response', (response) => {
      res.writeHead(response.statusCode ?? 502, response.statusMessage, response.rawHeaders);
      response.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  };

  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const tunnel = tunnels.get(req.socket);
    if (tunnel) return forward(req, res, true, tunnel.host, tunnel.port, req.url ?? '/');
    const url = new URL(req.url ?? '');
    forward(req, res, false, url.hostname, Number(url.port || 80), url.pathname + url.search);
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const authority = req.url ?? '';
    const host = authority.slice(0, authority.lastIndexOf(':'));
    const port = Number(authority.slice(authority.lastIndexOf(':') + 1));
    if (head.length > 0) socket.unshift(head);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    leaves.secureContextFor(host).then((secureContext) => {
      const secured = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext,
        SNICallback: (name, callback) => leaves.secureContextFor(name).then((context) => callback(null, context), callback),
      });
      secured.on('error', () => secured.destroy());
      tunnels.set(secured, { host, port });
      server.emit('connection', secured);
    }, () => socket.destroy());
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`bare Node proxy listening on http://127.0.0.1:${(server.address() as net.AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((error: Error) => {
  process.stderr.write(`bare-proxy: ${error.message}\n`);
  process.exit(1);
});
