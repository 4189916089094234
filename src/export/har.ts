/**
 * `export --format har`: records as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the format browser
 * devtools, Charles, Fiddler and HTTP Toolkit import. Pure (node:zlib only, to decode compressed responses).
 *
 * Choices where HAR 1.2 is silent or does not fit a proxy's view:
 * - The request is the one the server received (hop-by-hop fields dropped, see raw.ts), like the curl export.
 * - A request body that is not text has no home in HAR 1.2 (`postData` has no `encoding`): its `text` is base64 and
 *   the custom field `_encoding: "base64"` says so. Response bodies use `content.encoding: "base64"` as the spec
 *   defines.
 * - Response bodies are shown decoded (gzip, deflate, br), as the spec's `content.text` asks; `bodySize` stays
 *   the size on the wire and `compression` the difference.
 * - A transport error without a response becomes `status: 0` with `_error`, as Chrome exports failed requests.
 * - timings: HAR's `connect` includes `ssl`; `blocked` is unknown (-1); `send` holds whatever of the total the
 *   recorded phases do not explain (writing the request, proxy overhead), so that `time` is the sum of the timings
 *   as the spec requires.
 * - proxydoc's own data (seq, id, findings, transport error) is in `_proxydoc`, as HAR allows for fields starting
 *   with an underscore.
 * - URLs are made valid URIs (RFC 3986): characters a URI cannot hold, e.g. the `‹…›` of a masked query parameter,
 *   are percent-encoded. `queryString` holds the decoded values.
 */
import * as zlib from 'node:zlib';
import type { CapturedBody, ExchangeRecord, Finding, HeaderPairs, RecordedResponse, TransportError } from '../model/exchange';
import { captureBody, bodyBytes } from '../model/body';
import { headerBytes, headerValue, headerValues } from '../model/headers';
import { rawQueryParams, safeDecode, splitRawUrl, splitHostPort } from '../model/url';
import { redactRecord } from '../log/redact';
import { wireRequest } from './raw';

export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarCookie extends HarNameValue {
  path?: string;
  domain?: string;
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: HarCookie[];
    headers: HarNameValue[];
    queryString: HarNameValue[];
    postData?: { mimeType: string; text: string; _encoding?: 'base64'; comment?: string };
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: HarCookie[];
    headers: HarNameValue[];
    content: { size: number; compression?: number; mimeType: string; text?: string; encoding?: 'base64'; comment?: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
    _error?: string;
  };
  cache: Record<string, never>;
  timings: { blocked: number; dns: number; connect: number; ssl: number; send: number; wait: number; receive: number };
  serverIPAddress?: string;
  _resourceType?: 'websocket';
  _proxydoc: {
    seq: number;
    id: string;
    replayOf: string | null;
    findings: Finding[];
    error?: TransportError;
  };
}

export interface Har {
  log: {
    version: '1.2';
    creator: { name: 'proxydoc'; version: string };
    comment?: string;
    entries: HarEntry[];
  };
}

export function harDocument(entries: HarEntry[], options: { creatorVersion: string; includeSecrets: boolean }): Har {
  return {
    log: {
      version: '1.2',
      creator: { name: 'proxydoc', version: options.creatorVersion },
      ...(options.includeSecrets
        ? {}
        : { comment: 'Credentials are masked as ‹length, sha256 prefix›; proxydoc export --include-secrets keeps them.' }),
      entries,
    },
  };
}

/** One record as a HAR entry, or why it can't be one (a blind tunnel has no request). */
export function harEntry(record: ExchangeRecord, options: { includeSecrets: boolean }): HarEntry | { unsupported: string } {
  const sent = wireRequest(record);
  if ('unsupported' in sent) return sent;
  const prepared = withDecodedResponse(record);
  const shownRecord = options.includeSecrets ? prepared.record : redactRecord(prepared.record);
  const shown = wireRequest(shownRecord);
  if ('unsupported' in shown) return shown;

  const url = uriSafe(`${shown.scheme}://${shown.authority}${shown.target === '*' ? '' : shown.target}`);
  const requestLine = `${sent.method} ${sent.target} HTTP/${sent.httpVersion}\r\n`;
  const entry: HarEntry = {
    startedDateTime: record.startedAt,
    time: 0,
    request: {
      method: shown.method,
      url,
      httpVersion: `HTTP/${shown.httpVersion}`,
      cookies: requestCookies(shown.headers),
      headers: harHeaders(shown.headers),
      queryString: rawQueryParams(splitRawUrl(`http://h${shown.target}`)?.query).map(([name, value]) => ({ name: safeDecode(name), value: safeDecode(value) })),
      headersSize: Buffer.byteLength(requestLine, 'latin1') + headerBytes(sent.headers) + 2,
      bodySize: sent.bodySize,
    },
    response: harResponse(record.response, shownRecord.response, prepared.decoded),
    cache: {},
    timings: harTimings(record),
    _proxydoc: { seq: record.seq, id: record.id, replayOf: record.replayOf, findings: shownRecord.findings },
  };
  if (sent.bodySize > 0) entry.request.postData = postData(shownRecord.request.body, headerValue(shown.headers, 'content-type'));
  if (shownRecord.error) {
    entry._proxydoc.error = shownRecord.error;
    entry.response._error = `${shownRecord.error.kind}: ${shownRecord.error.code}: ${shownRecord.error.message}`;
  }
  const t = entry.timings;
  // `ssl` is part of `connect`, and `blocked` is unknown: neither adds to the total.
  entry.time = round(Math.max(0, t.dns) + Math.max(0, t.connect) + t.send + t.wait + t.receive);
  const ip = serverIp(record);
  if (ip !== undefined) entry.serverIPAddress = ip;
  if (record.tunnel !== false) entry._resourceType = 'websocket';
  return entry;
}

function harHeaders(headers: HeaderPairs): HarNameValue[] {
  return headers.map(([name, value]) => ({ name, value: headerText(value) }));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Node reads header bytes as Latin-1; UTF-8 values (and masks, already above U+00FF) are shown as the text they are. */
function headerText(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  try {
    return strictUtf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

function postData(body: CapturedBody, contentType: string | undefined): NonNullable<HarEntry['request']['postData']> {
  const data: NonNullable<HarEntry['request']['postData']> =
    body.base64 !== undefined
      ? { mimeType: contentType ?? '', text: body.base64, _encoding: 'base64' }
      : { mimeType: contentType ?? '', text: body.text ?? '' };
  if (body.truncated) data.comment = truncatedComment(bodyBytes(body).length, body.size);
  return data;
}

function truncatedComment(captured: number, size: number): string {
  return `proxydoc captured only the first ${captured} of ${size} bytes (--max-body-capture)`;
}

function harResponse(original: RecordedResponse | undefined, shown: RecordedResponse | undefined, decoded: DecodedContent | undefined): HarEntry['response'] {
  if (!original || !shown) {
    return { status: 0, statusText: '', httpVersion: '', cookies: [], headers: [], content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: -1 };
  }
  const statusLine = `HTTP/${original.httpVersion} ${original.status} ${original.statusText}\r\n`;
  const body = shown.body;
  const content: HarEntry['response']['content'] = {
    size: decoded ? decoded.size : original.body.size,
    mimeType: headerValue(shown.headers, 'content-type') ?? 'x-unknown',
  };
  if (decoded) content.compression = decoded.size - original.body.size;
  if (body.text !== undefined) content.text = body.text;
  else if (body.base64 !== undefined) {
    content.text = body.base64;
    content.encoding = 'base64';
  }
  if (original.body.truncated) content.comment = truncatedComment(bodyBytes(original.body).length, original.body.size);
  else if (decoded?.failed) content.comment = `still ${decoded.failed}: it could not be decoded`;
  return {
    status: original.status,
    statusText: shown.statusText,
    httpVersion: `HTTP/${original.httpVersion}`,
    cookies: responseCookies(shown.headers),
    headers: harHeaders(shown.headers),
    content,
    redirectURL: headerText(headerValue(shown.headers, 'location') ?? ''),
    headersSize: Buffer.byteLength(statusLine, 'latin1') + headerBytes(original.headers) + 2,
    bodySize: original.body.size,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Response content

interface DecodedContent {
  /** Decoded size in bytes (of the captured prefix when the capture was truncated). */
  size: number;
  /** The Content-Encoding that could not be undone, when decoding failed. */
  failed?: string;
}

/**
 * The record with its response body decoded from its Content-Encoding (RFC 9110 §8.4), so that redaction and the
 * reader see the JSON rather than gzip bytes. A truncated capture is decoded as far as it goes (sync flush).
 */
function withDecodedResponse(record: ExchangeRecord): { record: ExchangeRecord; decoded?: DecodedContent } {
  const response = record.response;
  const encoding = response ? headerValues(response.headers, 'content-encoding').join(',') : '';
  const codings = encoding.split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '' && coding !== 'identity');
  if (!response || codings.length === 0 || response.body.size === 0) return { record };
  let bytes = bodyBytes(response.body);
  try {
    // Codings are listed in the order they were applied; undo them from the last.
    for (const coding of codings.reverse()) bytes = decodeOnce(bytes, coding);
  } catch {
    return { record, decoded: { size: response.body.size, failed: `Content-Encoding: ${encoding}` } };
  }
  const body = captureBody(bytes, bytes.length, response.body.truncated);
  return { record: { ...record, response: { ...response, body } }, decoded: { size: bytes.length } };
}

function decodeOnce(bytes: Buffer, coding: string): Buffer {
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(bytes, flush);
    case 'deflate':
      // RFC 9110 §8.4.1.2 says zlib-wrapped; some servers send raw deflate, which browsers accept too.
      try {
        return zlib.inflateSync(bytes, flush);
      } catch {
        return zlib.inflateRawSync(bytes, flush);
      }
    case 'br':
      return zlib.brotliDecompressSync(bytes, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    default:
      throw new RangeError(`unsupported content coding ${coding}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cookies, timings, addresses

/** `Cookie: a=1; b=2` (RFC 6265 §4.2.1). */
function requestCookies(headers: HeaderPairs): HarCookie[] {
  const cookies: HarCookie[] = [];
  for (const value of headerValues(headers, 'cookie')) {
    for (const pair of value.split(';')) {
      const trimmed = pair.trim();
      if (trimmed === '') continue;
      const eq = trimmed.indexOf('=');
      cookies.push(eq < 0 ? { name: '', value: headerText(trimmed) } : { name: trimmed.slice(0, eq), value: headerText(trimmed.slice(eq + 1)) });
    }
  }
  return cookies;
}

/** `Set-Cookie: sid=…; Path=/; Expires=…; HttpOnly` (RFC 6265 §4.1.1), one cookie per header. */
function responseCookies(headers: HeaderPairs): HarCookie[] {
  return headerValues(headers, 'set-cookie').map((value) => {
    const [pair, ...attributes] = value.split(';');
    const eq = pair.indexOf('=');
    const cookie: HarCookie = eq < 0 ? { name: '', value: headerText(pair.trim()) } : { name: pair.slice(0, eq).trim(), value: headerText(pair.slice(eq + 1).trim()) };
    for (const attribute of attributes) {
      const [key, ...rest] = attribute.split('=');
      const attrValue = rest.join('=').trim();
      switch (key.trim().toLowerCase()) {
        case 'path':
          cookie.path = attrValue;
          break;
        case 'domain':
          cookie.domain = attrValue;
          break;
        case 'expires': {
          const ms = Date.parse(attrValue);
          if (Number.isFinite(ms)) cookie.expires = new Date(ms).toISOString();
          break;
        }
        case 'httponly':
          cookie.httpOnly = true;
          break;
        case 'secure':
          cookie.secure = true;
          break;
      }
    }
    return cookie;
  });
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

function harTimings(record: ExchangeRecord): HarEntry['timings'] {
  const { dns, connect, tls, ttfb, download, total } = record.phases;
  const timings = {
    blocked: -1,
    dns: dns ?? -1,
    // HAR 1.2: "connect … includes ssl".
    connect: connect !== undefined ? round(connect + (tls ?? 0)) : -1,
    ssl: tls ?? -1,
    send: 0,
    wait: ttfb ?? 0,
    receive: download ?? 0,
  };
  const explained = Math.max(0, timings.dns) + Math.max(0, timings.connect) + timings.wait + timings.receive;
  timings.send = round(Math.max(0, total - explained));
  return timings;
}

/** The upstream's IP from `ip:port` (HAR wants the address alone, IPv4 or IPv6). */
function serverIp(record: ExchangeRecord): string | undefined {
  const address = record.upstream?.address;
  if (address === undefined) return undefined;
  const { host } = splitHostPort(address, 0);
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (host.includes(':') && /^[0-9a-f:.]+$/i.test(host)) ? host : undefined;
}

/** Percent-encodes what RFC 3986 §2 does not allow in a URI (and a `%` that starts no escape), byte by byte in UTF-8. */
function uriSafe(url: string): string {
  return url.replace(/[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})/gu, (ch) =>
    [...Buffer.from(ch, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}
