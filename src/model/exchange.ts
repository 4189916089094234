/**
 * The exchange record: one object per line of exchanges.jsonl (schema in ../shared/DESIGN.md).
 * Everything a diagnosis needs must be in here, because rules see nothing else.
 */

/** Raw header pairs in the order and letter case they crossed the wire; repeated names stay repeated. */
export type HeaderPairs = Array<[name: string, value: string]>;

export interface CapturedBody {
  /** Full size in bytes as it crossed the proxy (after transfer-decoding, before any content-decoding). */
  size: number;
  /** The captured prefix as text, when it is valid UTF-8 … */
  text?: string;
  /** … or base64 otherwise. Exactly one of text/base64 is present when size > 0. */
  base64?: string;
  /** True when size exceeded the capture limit and only a prefix was kept. */
  truncated: boolean;
}

export interface RecordedRequest {
  method: string;
  /**
   * Absolute URL built from the scheme, the authority and the raw request target exactly as the client sent it
   * (no normalisation: `%2F`, `//`, `/../` and a trailing `?` survive).
   */
  url: string;
  httpVersion: string;
  headers: HeaderPairs;
  body: CapturedBody;
}

export interface RecordedResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: HeaderPairs;
  body: CapturedBody;
  /** Trailers (RFC 9110 §6.5), when the upstream sent any. */
  trailers?: HeaderPairs;
}

export type TransportErrorKind =
  | 'dns'
  | 'refused'
  | 'connect-timeout'
  | 'tls'
  | 'reset'
  | 'timeout'
  | 'client-aborted'
  | 'client-tls-rejected'
  | 'protocol'
  /** proxydoc answered the client itself and forwarded nothing (407 without proxy credentials, 403 CONNECT port). */
  | 'proxydoc-refused';

export interface TransportError {
  kind: TransportErrorKind;
  /** The system or library error code, e.g. ENOTFOUND, ECONNRESET, CERT_HAS_EXPIRED, ERR_SSL_TLSV1_ALERT_UNKNOWN_CA. */
  code: string;
  message: string;
  /** When the failure happened relative to the exchange. */
  stage?: 'connect' | 'tls' | 'request' | 'response-headers' | 'response-body' | 'tunnel';
  /** The upstream certificate, for TLS failures. */
  certificate?: { subject?: string; issuer?: string; validFrom?: string; validTo?: string; altNames?: string };
}

/** Milliseconds per phase; a phase that did not happen (reused socket, IP literal, plain HTTP) is absent. */
export interface Phases {
  dns?: number;
  connect?: number;
  tls?: number;
  /** From the request being fully sent (or the connection being ready) to the first response byte. */
  ttfb?: number;
  download?: number;
  total: number;
}

export interface UpstreamInfo {
  reusedConnection: boolean;
  /** ip:port actually connected to. */
  address?: string;
  /** Negotiated TLS protocol version, e.g. TLSv1.3. */
  tls?: string;
  /** Set when the exchange went through --upstream-proxy. */
  viaProxy?: string;
  /**
   * The connection was opened while the client's TLS handshake with proxydoc ran, before this exchange began: its
   * dns/connect/tls phases are how long the upstream took, but did not all delay this exchange.
   */
  openedAhead?: boolean;
}

export interface TunnelInfo {
  /** host:port from the CONNECT line. */
  target: string;
  /** Why the tunnel was not intercepted. */
  reason: 'no-intercept' | 'not-tls' | 'websocket';
  bytesUp: number;
  bytesDown: number;
}

export type Severity = 'error' | 'warn' | 'info';

export interface Finding {
  rule: string;
  severity: Severity;
  /** One line: what happened. */
  summary: string;
  /** Why this is the likely cause, with how sure we are. */
  explanation: string;
  evidence: string[];
  nextSteps: string[];
}

export interface ExchangeRecord {
  v: 1;
  id: string;
  seq: number;
  /** ISO-8601 wall-clock time the request reached proxydoc. */
  startedAt: string;
  client: { address: string };
  request: RecordedRequest;
  response?: RecordedResponse;
  error?: TransportError;
  phases: Phases;
  upstream?: UpstreamInfo;
  /** false for ordinary exchanges; details for blind tunnels and WebSockets. */
  tunnel: false | TunnelInfo;
  /** The id of the record this one replays, or null. */
  replayOf: string | null;
  findings: Finding[];
}

export const RECORD_VERSION = 1 as const;
