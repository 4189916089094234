/**
 * The request as the upstream server received it, and `export --format raw`: that request as HTTP/1.1 bytes. Pure.
 *
 * A record keeps the request as the client sent it to proxydoc; the server got the same bytes minus what a proxy
 * must drop (hop-by-hop fields, RFC 9110 §7.6.1) and with Host set from an absolute-form target (RFC 9112 §3.2.2).
 * The same function the proxy forwards with decides that here, so an export reproduces what the server saw.
 */
import { forwardedRequestHeaders } from '../capture/headers-forwarding';
import type { ExchangeRecord, HeaderPairs } from '../model/exchange';
import { bodyBytes } from '../model/body';
import { headerValue, headerValues, pairsFromRaw } from '../model/headers';
import { splitRawUrl } from '../model/url';
import { redactRecord } from '../log/redact';

export interface WireRequest {
  method: string;
  /** `http` or `https` (or `ws`/`wss`, as recorded). */
  scheme: string;
  /** host[:port] as written in the URL, without userinfo (a client never sends userinfo on the wire). */
  authority: string;
  /** The request target exactly as sent: `/a%2Fb//c/../d?x`, or `*`. */
  target: string;
  /** `1.1` or `1.0`. */
  httpVersion: string;
  headers: HeaderPairs;
  /** The captured body bytes (only a prefix when `truncated`). */
  body: Buffer;
  /** The full size of the body as sent. */
  bodySize: number;
  truncated: boolean;
  /** The body was sent with Transfer-Encoding: chunked; `body` holds the decoded bytes (the record keeps those). */
  chunked: boolean;
}

/**
 * The request the upstream received, or why a record holds none: a blind tunnel carried bytes proxydoc never
 * decrypted, and a CONNECT whose TLS handshake failed never carried a request at all.
 */
export function wireRequest(record: ExchangeRecord): WireRequest | { unsupported: string } {
  if (record.tunnel !== false && record.tunnel.reason !== 'websocket') {
    const why = record.tunnel.reason === 'no-intercept' ? 'its host is in --no-intercept' : 'the client did not speak TLS';
    return { unsupported: `a blind tunnel to ${record.tunnel.target} (${why}): proxydoc saw only opaque bytes, no HTTP request` };
  }
  if (record.request.method === 'CONNECT') {
    return { unsupported: `a CONNECT to ${record.request.url} that never carried a request${record.error ? ` (${record.error.kind}: ${record.error.code})` : ''}` };
  }
  const parts = splitRawUrl(record.request.url);
  if (!parts) return { unsupported: `its URL ${JSON.stringify(record.request.url)} has no scheme and host` };
  const upgrade = record.tunnel !== false;
  const raw = record.request.headers.flat();
  const headers = pairsFromRaw(forwardedRequestHeaders(raw, { upgrade, hostFromTarget: parts.authority }));
  // Everything after the authority, as proxydoc forwarded it (a `#…` included); RFC 9112 §3.2.1 and §3.2.4: an
  // absolute-form target without a path goes upstream as `/` (`*` for OPTIONS).
  let target = /^[^:]*:\/\/[^/?#]*(.*)$/s.exec(record.request.url)?.[1] ?? '';
  if (target === '' || target.startsWith('?')) target = (record.request.method === 'OPTIONS' && target === '' ? '*' : '/') + target;
  const body = record.request.body;
  return {
    method: record.request.method,
    scheme: parts.scheme,
    authority: parts.authority,
    target,
    httpVersion: record.request.httpVersion,
    headers,
    body: bodyBytes(body),
    bodySize: body.size,
    truncated: body.truncated,
    chunked: headerValues(headers, 'transfer-encoding').some((value) => /(^|,)\s*chunked\s*$/i.test(value)),
  };
}

export interface RawExport {
  bytes: Buffer;
  /** Things the user should know, one line each (a truncated body, Content-Length adjusted). */
  notes: string[];
  /** The export differs from what was sent (truncated body): counts as not fully exported. */
  incomplete: boolean;
}

/**
 * The request as HTTP/1.1 bytes, ready for `nc host port` or `openssl s_client`: request line with the raw target,
 * the headers in order and letter case, a blank line, the body. A chunked body is written as one chunk followed by
 * the last chunk (RFC 9112 §7.1): the record keeps the decoded body, not the original chunk boundaries.
 * Several records are simply written one after the other, like requests pipelined on one connection
 * (RFC 9112 §9.3.2): each message is self-delimiting.
 *
 * Unless `includeSecrets`, credentials are masked as in proxydoc.log; a body that redaction changed gets its
 * Content-Length recomputed so the message still parses.
 */
export function exportRaw(record: ExchangeRecord, options: { includeSecrets: boolean }): RawExport | { unsupported: string } {
  const original = wireRequest(record);
  if ('unsupported' in original) return original;
  const wire = options.includeSecrets ? original : wireRequest(redactRecord(record));
  if ('unsupported' in wire) return wire;
  const notes: string[] = [];
  let headers = wire.headers;
  const bodyChanged = !wire.body.equals(original.body);
  if (original.truncated) {
    notes.push(truncationNote(original));
  }
  if ((bodyChanged || original.truncated) && !wire.chunked && headerValue(headers, 'content-length') !== undefined) {
    headers = headers.map(([name, value]): [string, string] => [name, name.toLowerCase() === 'content-length' ? String(wire.body.length) : value]);
    if (bodyChanged) notes.push('the body had credentials, now masked: Content-Length is that of the masked body');
  }
  const head = `${wire.method} ${wire.target} HTTP/${wire.httpVersion}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  const body = wire.chunked ? chunk(wire.body) : wire.body;
  return { bytes: Buffer.concat([headBytes(head), body]), notes, incomplete: original.truncated };
}

/**
 * Node reads header bytes as Latin-1 (one character per byte), so a recorded value is a byte string: writing it
 * back as Latin-1 gives the bytes that were sent. Masks (`‹…›`) are the only characters above U+00FF; they are
 * written as UTF-8.
 */
function headBytes(head: string): Buffer {
  const bytes: number[] = [];
  for (const ch of head) {
    const code = ch.codePointAt(0)!;
    if (code <= 0xff) bytes.push(code);
    else bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(bytes);
}

function chunk(body: Buffer): Buffer {
  if (body.length === 0) return Buffer.from('0\r\n\r\n', 'latin1');
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`, 'latin1'), body, Buffer.from('\r\n0\r\n\r\n', 'latin1')]);
}

/** Shared wording for a body the proxy captured only the start of. */
export function truncationNote(wire: Pick<WireRequest, 'body' | 'bodySize'>): string {
  return `the body was captured only in part (${wire.body.length} of ${wire.bodySize} bytes; raise --max-body-capture on proxydoc start): the export sends just that part`;
}
