/**
 * Builds exchange records for unit tests with fixed fake times. Everything has a plain default so a test states
 * only what matters to it:
 *   makeExchange({ request: { method: 'POST', url: 'https://h/x', headers: [['Content-Type', 'application/json']],
 *                             body: 'text' }, response: { status: 401, headers: [...], body: '{"error":"x"}' } })
 */
import type {
  CapturedBody,
  ExchangeRecord,
  HeaderPairs,
  Phases,
  TransportError,
  TunnelInfo,
  UpstreamInfo,
} from '../../src/model/exchange';
import { captureBody } from '../../src/model/body';

/** The fixed fake start of every built exchange: 2026-11-21T20:41:03.120Z. */
export const FAKE_START_MS = Date.parse('2026-11-21T20:41:03.120Z');

type BodyInput = string | Buffer | CapturedBody | undefined;

export interface ExchangeInput {
  id?: string;
  seq?: number;
  /** Start time in ms since the epoch (default FAKE_START_MS). */
  startMs?: number;
  clientAddress?: string;
  request?: { method?: string; url?: string; httpVersion?: string; headers?: HeaderPairs; body?: BodyInput };
  /** null = no response at all (transport failure). */
  response?: null | { status?: number; statusText?: string; headers?: HeaderPairs; body?: BodyInput; trailers?: HeaderPairs };
  error?: TransportError;
  phases?: Partial<Phases>;
  upstream?: UpstreamInfo;
  tunnel?: false | TunnelInfo;
  replayOf?: string | null;
}

let counter = 0;

export function body(input: BodyInput): CapturedBody {
  if (input === undefined) return { size: 0, truncated: false };
  if (typeof input === 'string') return captureBody(Buffer.from(input, 'utf8'), Buffer.byteLength(input), false);
  if (Buffer.isBuffer(input)) return captureBody(input, input.length, false);
  return input;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other',
  304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request',
  401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  408: 'Request Timeout', 409: 'Conflict', 412: 'Precondition Failed', 413: 'Content Too Large',
  414: 'URI Too Long', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout', 524: 'A Timeout Occurred',
};

export function makeExchange(input: ExchangeInput = {}): ExchangeRecord {
  counter += 1;
  const startMs = input.startMs ?? FAKE_START_MS;
  const req = input.request ?? {};
  const url = req.url ?? 'https://api.example.com/v1/items';
  const host = /^[a-z]+:\/\/([^/?#]*)/i.exec(url)?.[1] ?? 'api.example.com';
  const requestHeaders: HeaderPairs = req.headers ?? [['Host', host], ['User-Agent', 'test/1.0'], ['Accept', '*/*']];
  const record: ExchangeRecord = {
    v: 1,
    id: input.id ?? `test-${String(counter).padStart(6, '0')}`,
    seq: input.seq ?? counter,
    startedAt: new Date(startMs).toISOString(),
    client: { address: input.clientAddress ?? '127.0.0.1' },
    request: {
      method: req.method ?? 'GET',
      url,
      httpVersion: req.httpVersion ?? '1.1',
      headers: requestHeaders,
      body: body(req.body),
    },
    phases: { total: 50, ...input.phases },
    tunnel: input.tunnel ?? false,
    replayOf: input.replayOf ?? null,
    findings: [],
  };
  if (input.response !== null && !(input.error && input.response === undefined)) {
    const res = input.response ?? {};
    const status = res.status ?? 200;
    record.response = {
      status,
      statusText: res.statusText ?? STATUS_TEXT[status] ?? '',
      httpVersion: '1.1',
      headers: res.headers ?? [['Content-Type', 'application/json']],
      body: body(res.body),
      ...(res.trailers ? { trailers: res.trailers } : {}),
    };
  }
  if (input.error) record.error = input.error;
  if (input.upstream) record.upstream = input.upstream;
  return record;
}

/** A record `offsetMs` after FAKE_START_MS, for history sequences. */
export function at(offsetMs: number, input: ExchangeInput = {}): ExchangeRecord {
  return makeExchange({ ...input, startMs: FAKE_START_MS + offsetMs });
}
