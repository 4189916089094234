/**
 * What a replay sends: a recorded exchange plus the user's edits → the exact request, or the reason it can't be
 * replayed. Pure.
 *
 * Without edits the request is what proxydoc sent upstream the first time: same method, raw target (`%2F`, `//`
 * survive), header names in their order and case, same body bytes. The recorded headers are what the *client* sent,
 * so they go through the forwarder's own filter (headers-forwarding.ts): hop-by-hop fields such as
 * Proxy-Authorization and Proxy-Connection are dropped (RFC 9110 §7.6.1) and Host follows the target's authority
 * (RFC 9112 §3.2.2), exactly as on the first trip.
 *
 * Framing: the recorded body is already transfer-decoded. A request that came chunked is sent chunked again (the
 * Transfer-Encoding header stays and Node frames the bytes), so the server sees the same framing headers. When the
 * body is edited, a Content-Length header is updated to the new size, and a body that would otherwise have no
 * framing at all gets one (RFC 9112 §6.3: a request without Content-Length or Transfer-Encoding has no content).
 */
import { forwardedRequestHeaders } from '../capture/headers-forwarding';
import { bodyBytes } from '../model/body';
import type { ExchangeRecord } from '../model/exchange';
import { pairsFromRaw } from '../model/headers';
import { splitHostPort } from '../model/url';
import { formatBytes } from '../present/format';

export interface ReplayEdits {
  /** Replace: every header with this name (case-insensitive) is removed and one header with the given name/case is put where the first one was, or appended. */
  setHeaders?: Array<[name: string, value: string]>;
  removeHeaders?: string[];
  method?: string;
  /** Absolute URL, raw (not normalised): '%2F', '//' survive. */
  url?: string;
  body?: Buffer;
}

export interface ReplayRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

export type ReplayPlan = { request: ReplayRequest } | { refusal: string };

/** RFC 9110 §9.2.2. Methods are case-sensitive (§9.1): an unknown spelling is treated as unsafe. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method);
}

/** RFC 9110 §5.6.2 token: header names and methods. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 9110 §5.5: a field value never holds CR, LF or NUL. */
const INVALID_FIELD_VALUE = /[\r\n\0]/;
/** scheme "://" authority, then the raw rest (path and query). */
const ABSOLUTE_HTTP_URL = /^(https?):\/\/([^/?#]*)(.*)$/is;

export function planReplay(original: ExchangeRecord, edits: ReplayEdits): ReplayPlan {
  const ref = `#${original.seq}`;
  if (original.tunnel !== false) {
    return original.tunnel.reason === 'websocket'
      ? { refusal: `${ref} is a WebSocket; proxydoc replays HTTP requests, not WebSocket sessions (their frames are not recorded)` }
      : { refusal: `${ref} is a blind tunnel to ${original.tunnel.target} (${original.tunnel.reason}); proxydoc never saw its requests, so there is nothing to replay` };
  }

  const method = edits.method ?? original.request.method;
  if (!TOKEN.test(method)) return { refusal: `method ${JSON.stringify(method)} is not a valid HTTP method (letters, digits and !#$%&'*+.^_\`|~- only)` };

  const url = edits.url ?? original.request.url;
  const target = replayTarget({ method, url });
  if (!target) {
    if (edits.url !== undefined) return { refusal: `--url ${JSON.stringify(url)} is not an absolute http:// or https:// URL with a host` };
    // A CONNECT recorded on its own is a tunnel that ended before any request (e.g. the client rejected the certificate).
    return original.request.method === 'CONNECT'
      ? { refusal: `${ref} is a CONNECT to ${url} that carried no request; there is nothing to replay` }
      : { refusal: `${ref} has no http:// or https:// URL (${JSON.stringify(url)}); there is nothing to replay` };
  }

  for (const [name, value] of edits.setHeaders ?? []) {
    if (!TOKEN.test(name)) return { refusal: `header name ${JSON.stringify(name)} is not valid (letters, digits and !#$%&'*+.^_\`|~- only)` };
    if (INVALID_FIELD_VALUE.test(value)) return { refusal: `the value of header ${name} contains a line break or NUL, which HTTP does not allow` };
  }

  if (edits.body === undefined && original.request.body.truncated) {
    const kept = bodyBytes(original.request.body).length;
    return {
      refusal: `request body of ${ref} was truncated at capture (${formatBytes(kept)} of ${formatBytes(original.request.body.size)} recorded); pass --body @file with the full body`,
    };
  }

  const flat = original.request.headers.flatMap(([name, value]) => [name, value]);
  let headers = pairsFromRaw(forwardedRequestHeaders(flat, { upgrade: false, hostFromTarget: target.authority }));
  const removed = new Set((edits.removeHeaders ?? []).map((name) => name.toLowerCase()));
  headers = headers.filter(([name]) => !removed.has(name.toLowerCase()));
  for (const [name, value] of edits.setHeaders ?? []) headers = replaceHeader(headers, name, value);

  const body = edits.body ?? bodyBytes(original.request.body);
  if (edits.body !== undefined) headers = frameEditedBody(headers, body, edits.setHeaders ?? []);

  return { request: { method, url, headers, body } };
}

export interface ReplayTarget {
  scheme: 'http' | 'https';
  /** host[:port] as written, userinfo removed: the Host a proxy puts upstream (RFC 9112 §3.2.2). */
  authority: string;
  host: string;
  port: number;
  /** The raw origin-form request target, byte for byte. */
  path: string;
}

/**
 * Where a request goes and the raw target it sends, split the way the proxy splits an absolute-form request:
 * nothing is decoded or normalised; an empty path becomes "/" (or "*" for OPTIONS), RFC 9112 §3.2.1.
 */
export function replayTarget(request: Pick<ReplayRequest, 'method' | 'url'>): ReplayTarget | undefined {
  const match = ABSOLUTE_HTTP_URL.exec(request.url);
  if (!match) return undefined;
  const authority = match[2].slice(match[2].lastIndexOf('@') + 1);
  const scheme = match[1].toLowerCase() as 'http' | 'https';
  const { host, port } = splitHostPort(authority, scheme === 'https' ? 443 : 80);
  if (host === '') return undefined;
  // A fragment is never part of a request target (RFC 9112 §3.2); a URL pasted from a browser may carry one.
  let path = match[3].replace(/#.*$/s, '');
  if (path === '' || path.startsWith('?')) path = (request.method === 'OPTIONS' && path === '' ? '*' : '/') + path;
  return { scheme, authority, host, port, path };
}

/** Removes every header called `name` and puts one in the place of the first, or at the end. */
function replaceHeader(headers: Array<[string, string]>, name: string, value: string): Array<[string, string]> {
  const lower = name.toLowerCase();
  const at = headers.findIndex(([n]) => n.toLowerCase() === lower);
  const kept = headers.filter(([n]) => n.toLowerCase() !== lower);
  if (at < 0) return [...kept, [name, value]];
  kept.splice(at, 0, [name, value]);
  return kept;
}

/**
 * A new body keeps the request's framing: Content-Length becomes the new size (unless the user set it on purpose),
 * chunked stays chunked, and a body with no framing gets a Content-Length (RFC 9112 §6.3).
 */
function frameEditedBody(headers: Array<[string, string]>, body: Buffer, set: ReadonlyArray<[string, string]>): Array<[string, string]> {
  if (set.some(([name]) => name.toLowerCase() === 'content-length')) return headers;
  const contentLength = headers.find(([name]) => name.toLowerCase() === 'content-length');
  if (contentLength) return replaceHeader(headers, contentLength[0], String(body.length));
  if (headers.some(([name]) => name.toLowerCase() === 'transfer-encoding')) return headers;
  return body.length > 0 ? [...headers, ['Content-Length', String(body.length)]] : headers;
}

