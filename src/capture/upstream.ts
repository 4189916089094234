/**
 * How proxydoc reaches upstreams: keep-alive agents per scheme, TLS verification (on by default: a bad upstream
 * certificate must surface, never be hidden), and optional chaining through a corporate HTTP proxy
 * (`--upstream-proxy`): absolute-form requests for http://, CONNECT tunnels for https:// and blind tunnels.
 * proxydoc never reads HTTP_PROXY/HTTPS_PROXY itself — a shell pointing those at proxydoc would make it loop.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';

/**
 * The largest message head proxydoc parses, from clients and upstreams alike: heads up to 64 KiB of headers must pass
 * (so the *upstream's* 431 can be seen), with room for a long request line; Node's default is 16 KiB.
 */
export const MAX_HEADER_SIZE = 96 * 1024;

export interface UpstreamProxy {
  host: string;
  port: number;
  /** `Basic …` from the proxy URL's userinfo, sent as Proxy-Authorization. */
  authorization?: string;
  /** For display: http://host:port (never the credentials). */
  display: string;
}

export interface UpstreamOptions {
  /** PEM contents of --upstream-ca files, trusted in addition to Node's root store. */
  extraCaPems: string[];
  insecure: boolean;
  proxy?: UpstreamProxy;
  /** Hosts that bypass the upstream proxy: exact names, `.suffix` / `suffix` for subdomains, `*` for all. */
  noProxy: string[];
  /** Largest response head accepted from an upstream. */
  maxHeaderSize: number;
  /** The capture clock, for the timing marks of connections opened ahead (see preconnect). */
  monotonicMs?: () => number;
}

export interface UpstreamTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** SNI to send; omitted for IP literals (RFC 6066 §3 forbids IP addresses in SNI). */
  servername?: string;
}

export interface PreparedRequest {
  send: (options: http.RequestOptions) => http.ClientRequest;
  options: http.RequestOptions;
  /** Set when the request goes through --upstream-proxy. */
  viaProxy?: string;
}

/**
 * A ClientRequest that never invents body framing. Node gives POST, PUT, PATCH and unknown methods
 * `Transfer-Encoding: chunked` when the headers carry no Content-Length or Transfer-Encoding, and with raw header
 * arrays it writes the head inside the constructor, before a caller could switch that off. A request without
 * either header has no body (RFC 9112 §6.3), so the upstream must see it without one, exactly as the client sent it.
 */
class UnframedRequest extends http.ClientRequest {}
// The constructor assigns this per method; an accessor on the prototype pins it to false before the head is written.
Object.defineProperty(UnframedRequest.prototype, 'useChunkedEncodingByDefault', {
  get: () => false,
  set: () => undefined,
});

function sendHttp(options: http.RequestOptions): http.ClientRequest {
  return new UnframedRequest(options);
}

function sendHttps(options: http.RequestOptions): http.ClientRequest {
  // https.request would pass its own global agent and protocol; every caller here gives an https.Agent.
  return new UnframedRequest({ protocol: 'https:', ...options });
}

export function parseUpstreamProxy(url: string): UpstreamProxy {
  const parsed = new URL(url);
  const port = parsed.port === '' ? 80 : Number(parsed.port);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const display = `http://${parsed.host}`;
  if (parsed.username === '' && parsed.password === '') return { host, port, display };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  return { host, port, display, authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

export function matchesNoProxy(host: string, port: number, patterns: readonly string[]): boolean {
  const name = host.toLowerCase();
  for (const raw of patterns) {
    const { patternHost, patternPort } = splitNoProxyPattern(raw.trim().toLowerCase());
    if (patternHost === '') continue;
    if (patternHost === '*') return true;
    if (patternPort !== undefined && patternPort !== port) continue;
    // curl and Go treat "example.com" and ".example.com" alike: the host and its subdomains.
    const suffix = patternHost.startsWith('.') ? patternHost.slice(1) : patternHost;
    if (name === suffix || name.endsWith('.' + suffix)) return true;
  }
  return false;
}

/** "host", "host:port", "[v6]:port" or a bare IPv6 literal → host and optional port. */
function splitNoProxyPattern(pattern: string): { patternHost: string; patternPort?: number } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(pattern);
  if (bracketed) return { patternHost: bracketed[1], patternPort: bracketed[2] ? Number(bracketed[2]) : undefined };
  const hostPort = /^([^:]+):(\d+)$/.exec(pattern);
  if (hostPort) return { patternHost: hostPort[1], patternPort: Number(hostPort[2]) };
  return { patternHost: pattern };
}

/**
 * An https.Agent whose connections are TLS inside a CONNECT tunnel through the upstream proxy. Pooling and
 * keep-alive stay the agent's; only how a new socket is made changes.
 */
class TunnelingAgent extends https.Agent {
  constructor(
    private readonly proxy: UpstreamProxy,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(
    options: tls.ConnectionOptions & { host?: string; port?: number },
    callback: (error: Error | null, socket?: Duplex) => void,
  ): Duplex | undefined {
    openProxyTunnel(this.proxy, options.host ?? 'localhost', options.port ?? 443).then(
      (socket) => callback(null, tls.connect({ ...options, socket })),
      (error: Error) => callback(error),
    );
    return undefined;
  }
}

/** Opens a CONNECT tunnel through an HTTP proxy (RFC 9110 §9.3.6). */
export function openProxyTunnel(proxy: UpstreamProxy, host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const headers: string[] = ['Host', authority];
    if (proxy.authorization) headers.push('Proxy-Authorization', proxy.authorization);
    const request = http.request({ host: proxy.host, port: proxy.port, method: 'CONNECT', path: authority, headers, agent: false });
    request.once('connect', (response, socket, head) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        reject(
          Object.assign(
            new Error(`the upstream proxy ${proxy.display} answered ${response.statusCode} ${response.statusMessage ?? ''} to CONNECT ${authority}`.trim()),
            { code: 'PROXYDOC_ERR_UPSTREAM_PROXY' },
          ),
        );
        return;
      }
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    request.once('error', reject);
    request.end();
  });
}

/** How long a connection opened ahead of its first request waits for it before it is closed. */
const PRECONNECT_IDLE_MS = 30_000;

/** A connection opened ahead of its first request: when its socket, lookup, TCP and TLS handshakes happened. */
export interface PreconnectState {
  secured: boolean;
  marks: { socket: number; lookup?: number; connect?: number; secureConnect?: number };
}

/** Connections opened ahead of their request (see PreconnectingAgent). */
const preconnected = new WeakMap<net.Socket, PreconnectState>();

/**
 * The state of `socket` if it was opened ahead of its first request (see Upstream.preconnect), once: the exchange
 * that takes it gets its handshake marks, and later exchanges on the pooled connection see a reused one.
 */
export function takePreconnectState(socket: net.Socket): PreconnectState | undefined {
  const state = preconnected.get(socket);
  preconnected.delete(socket);
  return state;
}

type AgentConnectOptions = tls.ConnectionOptions & { host?: string; port?: number; _agentKey?: string };

/**
 * An https.Agent that can open a connection before its first request: when a client's TLS handshake with proxydoc
 * starts, the upstream's TCP and TLS handshakes run alongside it instead of after the client's first request —
 * what mitmproxy does for the same reason (it connects upstream first). The socket is made exactly as the agent
 * would make it (same options, same session cache) and handed to the agent when the request asks for a connection,
 * after which the pool treats it like any other.
 */
class PreconnectingAgent extends https.Agent {
  private readonly ready = new Map<string, { socket: tls.TLSSocket; timer: NodeJS.Timeout }>();

  constructor(
    options: https.AgentOptions,
    private readonly now: () => number,
  ) {
    super(options);
  }

  preconnect(requestOptions: https.RequestOptions): void {
    const options = { ...requestOptions, ...(this as unknown as { options: https.AgentOptions }).options } as https.RequestOptions;
    const name = this.getName(options);
    // A pooled connection, or one already on its way, serves the first request as well.
    if (this.ready.has(name) || (this.freeSockets[name]?.length ?? 0) > 0) return;
    const socket = super.createConnection({ ...options, _agentKey: name, encoding: null } as AgentConnectOptions) as tls.TLSSocket;
    const state: PreconnectState = { secured: false, marks: { socket: this.now() } };
    preconnected.set(socket, state);
    socket.once('lookup', () => (state.marks.lookup = this.now()));
    socket.once('connect', () => (state.marks.connect = this.now()));
    const forget = (): void => {
      const entry = this.ready.get(name);
      if (entry?.socket !== socket) return;
      clearTimeout(entry.timer);
      this.ready.delete(name);
    };
    const timer = setTimeout(() => {
      forget();
      socket.destroy();
    }, PRECONNECT_IDLE_MS);
    timer.unref();
    this.ready.set(name, { socket, timer });
    socket.once('secureConnect', () => {
      state.marks.secureConnect = this.now();
      state.secured = true;
    });
    // Until a request takes it, a failure only means the request opens its own connection and meets the failure
    // there, where it is classified and recorded.
    socket.on('error', forget);
    socket.once('close', forget);
  }

  override createConnection(options: AgentConnectOptions, callback: (error: Error | null, socket?: Duplex) => void): Duplex | undefined {
    const name = options._agentKey;
    const entry = name !== undefined ? this.ready.get(name) : undefined;
    if (name !== undefined && entry && !entry.socket.destroyed) {
      clearTimeout(entry.timer);
      this.ready.delete(name);
      return entry.socket;
    }
    return (super.createConnection as (options: AgentConnectOptions, callback: (error: Error | null, socket?: Duplex) => void) => Duplex | undefined)(options, callback);
  }

  override destroy(): void {
    for (const { socket, timer } of this.ready.values()) {
      clearTimeout(timer);
      socket.destroy();
    }
    this.ready.clear();
    super.destroy();
  }
}

export class Upstream {
  private readonly httpAgent: http.Agent;
  private readonly proxiedHttpAgent?: http.Agent;
  private httpsAgents?: { direct: PreconnectingAgent; proxied?: https.Agent };
  // LIFO reuse keeps the fewest sockets warm; the upstream's Keep-Alive timeout hint is honoured by Node.
  private readonly agentOptions = { keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' as const };

  constructor(private readonly options: UpstreamOptions) {
    this.httpAgent = new http.Agent(this.agentOptions);
    if (options.proxy) this.proxiedHttpAgent = new http.Agent(this.agentOptions);
  }

  /**
   * The HTTPS agents, made on the first HTTPS request: with --upstream-ca their secure context parses Node's ~140
   * root certificates (70–90 ms), which would otherwise delay the moment the port opens.
   */
  private tlsAgents(): { direct: PreconnectingAgent; proxied?: https.Agent } {
    if (this.httpsAgents) return this.httpsAgents;
    const options = this.options;
    // `ca` replaces Node's root store, so extra CAs are added to it rather than given alone. The context is built
    // once: passing `ca` per connection would make OpenSSL parse ~140 root certificates on every new connection.
    const tlsOptions: tls.ConnectionOptions = {
      rejectUnauthorized: !options.insecure,
      ...(options.extraCaPems.length > 0 ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, ...options.extraCaPems] }) } : {}),
    };
    this.httpsAgents = {
      direct: new PreconnectingAgent({ ...this.agentOptions, ...tlsOptions }, options.monotonicMs ?? (() => performance.now())),
      ...(options.proxy ? { proxied: new TunnelingAgent(options.proxy, { ...this.agentOptions, ...tlsOptions }) } : {}),
    };
    return this.httpsAgents;
  }

  private proxyFor(host: string, port: number): UpstreamProxy | undefined {
    const proxy = this.options.proxy;
    if (!proxy || matchesNoProxy(host, port, this.options.noProxy)) return undefined;
    return proxy;
  }

  /**
   * Request options for one upstream request. `path` is the raw request target and `headers` the raw header list
   * ([name, value, name, value…]): Node sends both exactly as given, keeping order, case and repeats.
   */
  prepare(target: UpstreamTarget, method: string, path: string, headers: string[]): PreparedRequest {
    const proxy = this.proxyFor(target.host, target.port);
    const base: http.RequestOptions = { method, headers, maxHeaderSize: this.options.maxHeaderSize, setHost: false };
    if (target.scheme === 'http') {
      if (proxy) {
        // Through an HTTP proxy a plain request keeps its absolute form (RFC 9112 §3.2.2).
        const authority = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
        const withAuth = proxy.authorization ? [...headers, 'Proxy-Authorization', proxy.authorization] : headers;
        return {
          send: sendHttp,
          options: { ...base, host: proxy.host, port: proxy.port, path: `http://${authority}${path}`, headers: withAuth, agent: this.proxiedHttpAgent },
          viaProxy: proxy.display,
        };
      }
      return { send: sendHttp, options: { ...base, host: target.host, port: target.port, path, agent: this.httpAgent } };
    }
    const tlsTarget: https.RequestOptions = {
      ...base,
      host: target.host,
      port: target.port,
      path,
      servername: target.servername ?? (net.isIP(target.host) ? '' : target.host),
      agent: proxy ? this.tlsAgents().proxied : this.tlsAgents().direct,
    };
    return { send: sendHttps, options: tlsTarget, viaProxy: proxy?.display };
  }

  /**
   * Opens the connection an intercepted tunnel's first request will need, while the client's TLS handshake with
   * proxydoc is still going on. Direct HTTPS only; a no-op when a pooled connection exists.
   */
  preconnect(target: UpstreamTarget): void {
    if (target.scheme !== 'https' || this.proxyFor(target.host, target.port)) return;
    const options = this.prepare(target, 'GET', '/', []).options;
    this.tlsAgents().direct.preconnect(options as https.RequestOptions);
  }

  /** A raw TCP connection for a blind tunnel, direct or through the upstream proxy. */
  openTunnel(host: string, port: number): { socket: Promise<net.Socket>; viaProxy?: string } {
    const proxy = this.proxyFor(host, port);
    if (proxy) return { socket: openProxyTunnel(proxy, host, port), viaProxy: proxy.display };
    return { socket: Promise.resolve(net.connect({ host, port })) };
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.proxiedHttpAgent?.destroy();
    this.httpsAgents?.direct.destroy();
    this.httpsAgents?.proxied?.destroy();
  }
}
