/**
 * `startProxy`: the forward proxy an app reaches through HTTP_PROXY/HTTPS_PROXY. One http.Server takes
 * absolute-form requests (plain HTTP), CONNECT (HTTPS, intercepted or tunnelled) and upgrades; decrypted and
 * tunnelled-plain connections are handed back to the same server, with a note of where their requests go.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as os from 'node:os';
import { ConfigError, type ProxyConfig } from '../config';
import { LeafCertificates, loadOrCreateCa } from '../ca';
import type { ExchangeRecord } from '../model/exchange';
import { pairsFromRaw } from '../model/headers';
import { splitHostPort } from '../model/url';
import { isOwnAddress, proxyAuthChecker, proxyAuthorizationValues, rawResponse, type Refusal } from './access';
import { systemClock, type Clock } from './clock';
import { handleConnect, type InterceptedTarget } from './connect';
import { clientAddressOf, forwardRequest, type ForwardEnv, type ForwardTarget } from './forward';
import { PendingExchange } from './pending-exchange';
import { ANNOTATED_FILE, Recorder, type DiagnoseFn } from './recorder';
import { describeFileError } from '../log/append-file';
import { acquireLogDirLock, LogDirInUseError, type LogDirLock } from '../log/lock';
import { removeStateFile, writeStateFile } from './state-file';
import { forwardUpgrade } from './upgrade';
import { MAX_HEADER_SIZE, matchesNoProxy, parseUpstreamProxy, Upstream } from './upstream';

export interface RunningProxy {
  /** http://host:port, with the real port when 0 was asked for. */
  url: string;
  host: string;
  port: number;
  caCertPath: string;
  caCreated: boolean;
  caCreatedReason?: string;
  logDir: string;
  /** Records written and lost so far (lost = could not be written to exchanges.jsonl). */
  stats(): { written: number; lost: number };
  /** Resolves when every record finished so far is on disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface ProxyDependencies {
  clock?: Clock;
  diagnose?: DiagnoseFn;
  /** Where proxydoc reports problems it can't put in a record (log writes failing). Default: stderr. */
  warn?: (message: string) => void;
  onRecord?: (record: ExchangeRecord, annotated: string) => void;
}

export class ProxyStartError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const CLIENT_HANDSHAKE_TIMEOUT_MS = 30_000;

export async function startProxy(config: ProxyConfig, deps: ProxyDependencies = {}): Promise<RunningProxy> {
  const clock = deps.clock ?? systemClock;
  const warn = deps.warn ?? ((message: string) => process.stderr.write(`proxydoc: ${message}\n`));
  const ca = await loadOrCreateCa(config.caDir, { now: new Date(clock.epochMs()) });
  const leaves = new LeafCertificates(ca, { now: () => new Date(clock.epochMs()) });
  const extraCaPems = config.upstreamCa.map((file) => readCaFile(file));
  const upstream = new Upstream({
    extraCaPems,
    insecure: config.insecureUpstream,
    proxy: config.upstreamProxy ? parseUpstreamProxy(config.upstreamProxy) : undefined,
    noProxy: config.upstreamNoProxy,
    maxHeaderSize: MAX_HEADER_SIZE,
    monotonicMs: () => clock.monotonicMs(),
  });
  // Not in Recorder.open: `proxydoc replay` opens a Recorder on the same directory beside a running proxy.
  const lock = await takeLogDirLock(config.logDir).catch((error: unknown) => {
    upstream.destroy();
    throw error;
  });
  const recorder = await Recorder.open({
    logDir: config.logDir,
    clock,
    diagnose: deps.diagnose ?? diagnoseLoadedOnFirstUse(),
    userTimeouts: config.timeouts,
    onRecord: deps.onRecord,
    deferred: true,
    maxLogSize: config.maxLogSize,
    maxLogFiles: config.maxLogFiles,
    redactRecords: config.redactRecords,
    // Once per episode (until a write works again), so a full disk doesn't flood the terminal; forwarding goes on.
    onWriteFailure: (file, error) =>
      warn(
        `cannot write ${file} in ${config.logDir}: ${describeFileError(error)}; forwarding continues, ${file === ANNOTATED_FILE ? 'annotated log entries' : 'records'} are being lost`,
      ),
    onWriteResumed: (file, lost) => warn(`writing ${file} in ${config.logDir} works again; ${lost}`),
    onLogNotice: warn,
  }).catch(async (error: unknown) => {
    upstream.destroy();
    await lock.release();
    throw error;
  });

  const sockets = new Set<net.Socket>();
  const trackSocket = (socket: net.Socket): void => {
    if (sockets.has(socket)) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const interceptedTargets = new WeakMap<net.Socket, InterceptedTarget>();
  const socketsWithRequests = new WeakSet<net.Socket>();

  const server = http.createServer({
    maxHeaderSize: MAX_HEADER_SIZE,
    // A slow upload or a slow upstream is the behaviour users come to observe: proxydoc never cuts a request
    // itself. Only a client that never finishes its headers is cut (slowloris).
    requestTimeout: 0,
    headersTimeout: config.headersTimeoutMs,
    // Node checks headersTimeout only on this interval (default 30 s): a short --headers-timeout needs checks
    // often enough to cut within about 1.5× of it.
    connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.round(config.headersTimeoutMs / 2))),
    keepAliveTimeout: 5_000,
    // The upstream decides about missing Host headers; a proxy must not answer for it.
    requireHostHeader: false,
    noDelay: true,
  });
  let listenPort = config.port;

  /** Why proxydoc answered a client 400/408/431, for the exchange that was under way on that socket. */
  const clientParseErrors = new WeakMap<net.Socket, NodeJS.ErrnoException>();
  const env: ForwardEnv & { trackSocket(socket: net.Socket): void } = {
    clientParseError: (socket) => clientParseErrors.get(socket),
    recorder,
    clock,
    maxBodyCapture: config.maxBodyCapture,
    upstream,
    connectTimeoutMs: config.connectTimeoutMs,
    trackSocket,
  };

  const checkProxyAuth = config.proxyAuth ? proxyAuthChecker(config.proxyAuth) : undefined;
  /**
   * A 407 for a request without the --proxy-auth credentials (RFC 9110 §11.7.1). Requests inside an intercepted
   * tunnel were authorized by their CONNECT, and carry no Proxy-Authorization of their own.
   */
  const authRefusal = (req: http.IncomingMessage): Refusal | undefined =>
    checkProxyAuth && !interceptedTargets.has(req.socket) ? checkProxyAuth(proxyAuthorizationValues(req.rawHeaders)) : undefined;
  /** Records what proxydoc answered itself, so the log says why the app's call failed; nothing went upstream. */
  const recordRefusal = (req: http.IncomingMessage, socket: net.Socket, url: string, refusal: Refusal): void => {
    const exchange = new PendingExchange(env, {
      clientAddress: clientAddressOf(socket),
      method: req.method ?? 'GET',
      url,
      httpVersion: req.httpVersion,
      headers: pairsFromRaw(req.rawHeaders),
    });
    exchange.refuse(refusal);
    exchange.finish();
  };
  // Listening on every interface, any local address (and the host name) reaches proxydoc. Read per check: DHCP and
  // VPNs change them while it runs, and only requests to proxydoc's own port get this far.
  const localAddresses = (): string[] => [
    ...Object.values(os.networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((info) => info.address)),
    os.hostname(),
  ];
  const isSelf = (host: string, port: number): boolean => isOwnAddress(host, port, { host: config.host, port: listenPort }, localAddresses);
  const LOOP_REASON = 'this request is addressed to proxydoc itself; forwarding it would loop (is HTTP_PROXY set in the shell that started proxydoc?).';

  /** Where a request on this socket goes, or a reason to refuse it. */
  const resolveTarget = (req: http.IncomingMessage): ForwardTarget | { refuse: number; reason: string } => {
    // RFC 9112 §3.2: a request with more than one Host is answered 400. Forwarded, the upstream (or a proxy behind
    // it) could route by the other one than the one proxydoc recorded.
    let hostCount = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].length === 4 && req.rawHeaders[i].toLowerCase() === 'host') hostCount += 1;
    if (hostCount > 1) return { refuse: 400, reason: `the request has ${hostCount} Host headers; HTTP/1.1 allows exactly one (RFC 9112 §3.2).` };
    const intercepted = interceptedTargets.get(req.socket);
    const rawTarget = req.url ?? '';
    if (intercepted) {
      const authority = req.headers.host ?? intercepted.authority;
      return {
        scheme: intercepted.scheme,
        host: intercepted.host,
        port: intercepted.port,
        servername: intercepted.servername,
        path: rawTarget,
        url: `${intercepted.scheme}://${authority}${rawTarget}`,
      };
    }
    const absolute = /^(https?):\/\/([^/?#]*)(.*)$/is.exec(rawTarget);
    if (!absolute) {
      return {
        refuse: 400,
        reason: 'proxydoc is a forward proxy: point your client at it with HTTP_PROXY/HTTPS_PROXY (or curl -x) instead of requesting it directly.',
      };
    }
    const scheme = absolute[1].toLowerCase() as 'http' | 'https';
    const authorityWithUser = absolute[2];
    const authority = authorityWithUser.slice(authorityWithUser.lastIndexOf('@') + 1);
    const { host, port } = splitHostPort(authority, scheme === 'https' ? 443 : 80);
    if (host === '') return { refuse: 400, reason: `the request target ${JSON.stringify(rawTarget)} has no host.` };
    // RFC 9112 §3.2.1: an empty path in absolute form becomes "/" (or "*" for OPTIONS) in origin form.
    let path = absolute[3];
    if (path === '' || path.startsWith('?')) path = (req.method === 'OPTIONS' && path === '' ? '*' : '/') + path;
    return { scheme, host, port, path, url: rawTarget, hostFromTarget: authority };
  };

  server.on('request', (req, res) => {
    socketsWithRequests.add(req.socket);
    const target = resolveTarget(req);
    if ('refuse' in target) {
      const body = `${target.reason}\n`;
      res.writeHead(target.refuse, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const refusal = authRefusal(req);
    if (refusal) {
      req.resume(); // the body is not forwarded; Connection: close ends the connection once the 407 is out
      res.sendDate = false; // the client gets exactly the recorded headers
      res.writeHead(refusal.status, refusal.statusText, refusal.headers.flat());
      res.end(refusal.body);
      recordRefusal(req, req.socket, target.url, refusal);
      return;
    }
    if (isSelf(target.host, target.port)) {
      const body = `${LOOP_REASON}\n`;
      res.writeHead(508, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    forwardRequest(env, req, res, target);
  });
  // With a listener, Node stops answering 100 Continue by itself (RFC 9110 §10.1.1): the upstream decides.
  server.on('checkContinue', (req, res) => server.emit('request', req, res));
  server.on('checkExpectation', (req, res) => server.emit('request', req, res));
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    trackSocket(socket);
    socketsWithRequests.add(socket);
    // Node's server drops its own error listener from sockets it hands over: a client reset must not crash proxydoc.
    socket.on('error', () => undefined);
    const target = resolveTarget(req);
    if ('refuse' in target) {
      socket.end(`HTTP/1.1 ${target.refuse} Refused\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${target.reason}\n`);
      return;
    }
    const refusal = authRefusal(req);
    if (refusal) {
      socket.end(rawResponse(refusal));
      recordRefusal(req, socket, target.url, refusal);
      return;
    }
    if (isSelf(target.host, target.port)) {
      socket.end(`HTTP/1.1 508 Loop Detected\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${LOOP_REASON}\n`);
      return;
    }
    forwardUpgrade(env, req, socket, head, target);
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    // Node's server drops its own error listener from sockets it hands over: a client reset must not crash proxydoc.
    socket.on('error', () => undefined);
    const refusal = authRefusal(req);
    if (refusal) {
      trackSocket(socket);
      socket.end(rawResponse(refusal));
      recordRefusal(req, socket, req.url ?? '', refusal);
      return;
    }
    const { host, port } = splitHostPort(req.url ?? '', 443);
    if (isSelf(host, port)) {
      socket.end('HTTP/1.1 508 Loop Detected\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nThis CONNECT is addressed to proxydoc itself.\n');
      return;
    }
    handleConnect(
      {
        ...env,
        secureContextFor: (name) => leaves.secureContextFor(name),
        shouldIntercept: (name) => !matchesNoProxy(name, 0, config.noIntercept.map(stripPort)),
        adoptSocket: (adopted, target) => {
          interceptedTargets.set(adopted, target);
          server.emit('connection', adopted);
        },
        sawRequestOn: (adopted) => socketsWithRequests.has(adopted),
        // A TLS handshake that stalls is slowloris one layer down: --headers-timeout bounds it too.
        handshakeTimeoutMs: Math.min(CLIENT_HANDSHAKE_TIMEOUT_MS, config.headersTimeoutMs),
        connectPorts: config.connectPorts,
      },
      req,
      socket,
      head,
    );
  });
  server.on('connection', (socket: net.Socket) => trackSocket(socket));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: net.Socket) => {
    socketsWithRequests.add(socket);
    if (error.code?.startsWith('HPE_')) clientParseErrors.set(socket, error); // llhttp's parse errors only, not resets
    // Malformed requests get a clean 4xx and a closed socket; nothing a client sends may crash the proxy.
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    const reason =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? `proxydoc did not receive the request headers within ${config.headersTimeoutMs / 1000} s (--headers-timeout)`
        : `proxydoc could not parse this request (${error.code ?? 'parse error'})`;
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}.\n`);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(listenError(error, config.host, config.port));
    };
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (error) => {
    upstream.destroy();
    await recorder.close();
    await lock.release();
    throw error;
  });
  server.on('error', (error) => warn(`server error: ${error.message}`));
  const address = server.address() as net.AddressInfo;
  listenPort = address.port;
  const hostForUrl = address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;
  // Lets `proxydoc env` find this proxy, whatever port it got. Forwarding works without it, so a failure only warns.
  const state = { pid: process.pid, url, caCertPath: ca.certPath, startedAt: new Date(clock.epochMs()).toISOString() };
  await writeStateFile(config.logDir, state).catch((error: NodeJS.ErrnoException) =>
    warn(`cannot write the state file in ${config.logDir}: ${error.code ?? error.message}; \`proxydoc env\` will not find this proxy`),
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    host: address.address,
    port: address.port,
    caCertPath: ca.certPath,
    caCreated: ca.created,
    caCreatedReason: ca.reason,
    logDir: config.logDir,
    stats: () => ({ written: recorder.writtenRecords, lost: recorder.lostRecords }),
    flush: () => recorder.flush(),
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Open tunnels and keep-alive connections would keep server.close() waiting forever.
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        await closed;
        upstream.destroy();
        // A state file left behind is harmless: readers check that its pid is alive.
        await Promise.all([recorder.close(), removeStateFile(config.logDir, state).catch(() => undefined)]);
        // Last, once the records are flushed: the next proxydoc may start on this directory from here on.
        await lock.release().catch(() => undefined);
      })();
      return closing;
    },
  };
}

/** One proxy per log directory (src/log/lock.ts). Another's lock is a setting in conflict: exit 2, like other refusals. */
async function takeLogDirLock(logDir: string): Promise<LogDirLock> {
  try {
    return await acquireLogDirLock(logDir);
  } catch (error) {
    if (error instanceof LogDirInUseError) throw new ConfigError('logDir', error.message);
    throw new ProxyStartError(
      'PROXYDOC_ERR_LOG_DIR',
      `cannot use the log directory ${logDir}: ${describeFileError(error as NodeJS.ErrnoException)}; check its permissions or pick another --log-dir`,
    );
  }
}

function stripPort(host: string): string {
  return host.replace(/:\d+$/, '');
}

function readCaFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProxyStartError('PROXYDOC_ERR_UPSTREAM_CA', `cannot read --upstream-ca file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; check the path`);
  }
  // OpenSSL silently skips what is not a PEM certificate, which would surface much later as "unable to verify".
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ProxyStartError('PROXYDOC_ERR_UPSTREAM_CA', `--upstream-ca file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA certificate in PEM form`);
  }
  return text;
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): ProxyStartError {
  if (error.code === 'EADDRINUSE') {
    return new ProxyStartError('PROXYDOC_ERR_LISTEN', `port ${port} on ${host} is already in use: stop the other process or pick another port with --port (0 picks a free one)`);
  }
  if (error.code === 'EADDRNOTAVAIL') {
    return new ProxyStartError('PROXYDOC_ERR_LISTEN', `cannot listen on ${host}: no such address on this machine; use --host 127.0.0.1`);
  }
  if (error.code === 'EACCES') {
    return new ProxyStartError('PROXYDOC_ERR_LISTEN', `not allowed to listen on port ${port}: ports below 1024 need privileges; pick another with --port`);
  }
  return new ProxyStartError('PROXYDOC_ERR_LISTEN', `cannot listen on ${host}:${port}: ${error.message}`);
}

/**
 * The diagnosis engine (40 rules and their knowledge tables: ~90 ms to load, ~10 MiB) is loaded with the first
 * record rather than at start-up, so the port opens sooner and an idle proxy stays small. The first record pays
 * the load once, after its response has already gone to the client.
 */
function diagnoseLoadedOnFirstUse(): DiagnoseFn {
  let loaded: DiagnoseFn | undefined;
  return (record, context) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded ??= (require('../diagnosis/diagnose') as typeof import('../diagnosis/diagnose')).diagnose;
    return loaded(record, context);
  };
}
