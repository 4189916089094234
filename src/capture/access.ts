/**
 * Who may use proxydoc, and where to: proxy credentials (RFC 9110 §11.7.1 with Basic, RFC 7617), the ports CONNECT
 * may reach, and targets that are proxydoc itself (a loop). Pure: the server hands in header values and addresses,
 * and writes the answers built here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { formatPortRanges, isLoopbackHost, type PortRange, type ProxyCredentials } from '../config';
import type { HeaderPairs } from '../model/exchange';

/** What proxydoc answers and records when it refuses a request itself. */
export interface Refusal {
  status: number;
  statusText: string;
  /** Response headers as sent, Content-Length and Connection included. */
  headers: HeaderPairs;
  body: string;
  /** For the record's error: a PROXYDOC_* code and one sentence for the log (never a credential). */
  code: string;
  message: string;
}

export const PROXY_AUTH_REALM = 'proxydoc';

const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();
/** Equal-length digests, so timingSafeEqual neither throws nor leaks the length of the expected value. */
const sameBytes = (a: Buffer, b: Buffer): boolean => timingSafeEqual(sha256(a), sha256(b));

/** RFC 9110 §11.4 credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]. */
const CREDENTIALS = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ \t]+(.*))?$/s;
/** RFC 7617 §2: the Basic token68 is base64 (RFC 4648 §4), padding optional in practice. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Returns a check of a request's Proxy-Authorization values (every occurrence, from rawHeaders) against
 * `credentials`; undefined when they match, else the 407 to send.
 */
export function proxyAuthChecker(credentials: ProxyCredentials): (values: readonly string[]) => Refusal | undefined {
  const expected = Buffer.from(`${credentials.user}:${credentials.password}`, 'utf8');
  const expectedUser = Buffer.from(credentials.user, 'utf8');
  return (values) => {
    if (values.length === 0) {
      return proxyAuthRefusal('PROXYDOC_PROXY_AUTH_MISSING', 'the request carried no Proxy-Authorization header', false);
    }
    if (values.length > 1) {
      return proxyAuthRefusal('PROXYDOC_PROXY_AUTH_REPEATED', `the request carried ${values.length} Proxy-Authorization headers, not one`, true);
    }
    const match = CREDENTIALS.exec(values[0].trim());
    if (!match) return proxyAuthRefusal('PROXYDOC_PROXY_AUTH_MALFORMED', 'the Proxy-Authorization header is not "Basic <base64 of user:password>"', true);
    // RFC 9110 §11.1: the scheme name is case-insensitive.
    if (match[1].toLowerCase() !== 'basic') {
      return proxyAuthRefusal('PROXYDOC_PROXY_AUTH_SCHEME', `the Proxy-Authorization header uses the ${match[1].slice(0, 40)} scheme; proxydoc accepts only Basic`, true);
    }
    const token = (match[2] ?? '').trim();
    const decoded = BASE64.test(token) ? Buffer.from(token, 'base64') : undefined;
    const colon = decoded?.indexOf(0x3a) ?? -1;
    if (!decoded || colon < 0) {
      return proxyAuthRefusal('PROXYDOC_PROXY_AUTH_MALFORMED', 'the Proxy-Authorization header is not "Basic <base64 of user:password>"', true);
    }
    if (sameBytes(decoded, expected)) return undefined;
    // Only for the local record (the client is not told which half was wrong): which one to fix.
    return sameBytes(decoded.subarray(0, colon), expectedUser)
      ? proxyAuthRefusal('PROXYDOC_PROXY_AUTH_WRONG_PASSWORD', 'the proxy password does not match --proxy-auth (the user name does)', true)
      : proxyAuthRefusal('PROXYDOC_PROXY_AUTH_WRONG_USER', 'the proxy user name does not match --proxy-auth', true);
  };
}

/** RFC 9110 §15.5.8: a 407 carries a Proxy-Authenticate challenge. */
function proxyAuthRefusal(code: string, what: string, sent: boolean): Refusal {
  const body = sent
    ? 'proxydoc did not accept these proxy credentials: use the user and password given to --proxy-auth.\n'
    : 'proxydoc requires proxy credentials: put the user and password of --proxy-auth in the proxy URL, like http://user:password@host:port.\n';
  return {
    status: 407,
    statusText: 'Proxy Authentication Required',
    headers: [['Proxy-Authenticate', `Basic realm="${PROXY_AUTH_REALM}"`], ...textHeaders(body)],
    body,
    code,
    message: `proxydoc answered 407: ${what}; the app's proxy URL needs the --proxy-auth credentials (http://user:password@host:port)`,
  };
}

/** Every occurrence of Proxy-Authorization in raw headers ([name, value, …]); Node keeps only the first in req.headers. */
export function proxyAuthorizationValues(rawHeaders: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === 'proxy-authorization') values.push(rawHeaders[i + 1]);
  }
  return values;
}

/**
 * How a record keeps Proxy-Authorization: the header and its scheme stay (was it sent? Basic or not?), the
 * credentials do not. They are proxydoc's own (or another proxy's), never sent upstream, so replay needs no value.
 */
export function maskProxyAuthorization(headers: HeaderPairs): HeaderPairs {
  if (!headers.some(([name]) => name.toLowerCase() === 'proxy-authorization')) return headers;
  return headers.map(([name, value]): [string, string] => {
    if (name.toLowerCase() !== 'proxy-authorization' || value.trim() === '') return [name, value];
    const scheme = CREDENTIALS.exec(value.trim());
    return [name, scheme && scheme[2] !== undefined ? `${scheme[1]} ${NOT_RECORDED}` : NOT_RECORDED];
  });
}

export const NOT_RECORDED = '‹not recorded›';

export function isConnectPortAllowed(port: number, allowed: readonly PortRange[] | undefined): boolean {
  return allowed === undefined || allowed.some(({ from, to }) => port >= from && port <= to);
}

/** The 403 for a CONNECT to a port outside --connect-ports (like Squid's default "CONNECT to SSL_ports only"). */
export function connectPortRefusal(port: number, allowed: readonly PortRange[]): Refusal {
  const ports = formatPortRanges(allowed);
  const body = `proxydoc does not open tunnels to port ${port}: --connect-ports allows ${ports}.\n`;
  return {
    status: 403,
    statusText: 'Forbidden',
    headers: textHeaders(body),
    body,
    code: 'PROXYDOC_CONNECT_PORT_NOT_ALLOWED',
    message: `proxydoc answered 403: CONNECT to port ${port} is outside --connect-ports (${ports}); add the port to --connect-ports if the app needs it`,
  };
}

function textHeaders(body: string): HeaderPairs {
  return [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Connection', 'close'],
  ];
}

/** The refusal as the bytes of an HTTP/1.1 response, for sockets that bypass ServerResponse (CONNECT, upgrades). */
export function rawResponse(refusal: Refusal): string {
  const head = refusal.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${refusal.status} ${refusal.statusText}\r\n${head}\r\n${refusal.body}`;
}

/** Where proxydoc listens; `host` as given to listen(), `port` the real one. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Whether a target host:port is proxydoc itself, so forwarding would loop back into it. `localAddresses` gives
 * this machine's interface addresses (and host name); it is consulted only for a listener on every interface,
 * where any of them reaches proxydoc.
 */
export function isOwnAddress(host: string, port: number, listen: ListenAddress, localAddresses: () => readonly string[]): boolean {
  if (port !== listen.port) return false;
  const target = normalizeHost(host);
  const listenHost = normalizeHost(listen.host);
  if (target === listenHost) return true;
  // 0.0.0.0 and :: as a destination reach this machine's own loopback (Linux, macOS).
  const reachesLoopback = isLoopbackTarget(target) || isUnspecified(target);
  if (isUnspecified(listenHost)) return reachesLoopback || localAddresses().some((address) => normalizeHost(address) === target);
  return isLoopbackHost(listenHost) && reachesLoopback;
}

function normalizeHost(host: string): string {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  // An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
  return mapped ? mapped[1] : name;
}

function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || (isIP(host) === 6 && /^[0:]+$/.test(host));
}

/** Loopback names as a destination: RFC 6761 §6.3 reserves *.localhost for loopback too. */
function isLoopbackTarget(host: string): boolean {
  return isLoopbackHost(host) || host.endsWith('.localhost');
}
