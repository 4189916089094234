/**
 * Node/OpenSSL error codes → the record's transport error kinds (DESIGN.md). Pure.
 * One funnel, so every failure gets the same classification wherever it surfaced.
 */
import type { TransportError, TransportErrorKind } from '../model/exchange';
import type { TimingMarks } from '../model/timing';

/** Our own error for an upstream connect that took longer than --connect-timeout. */
export const CONNECT_TIMEOUT_CODE = 'PROXYDOC_ERR_CONNECT_TIMEOUT';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);
const REFUSED_CODES = new Set(['ECONNREFUSED']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);

/** OpenSSL verification codes Node reports for a certificate the upstream presented. */
const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|INVALID_CA|PATH_LENGTH_EXCEEDED|INVALID_PURPOSE|CERT_UNTRUSTED|CERT_REJECTED|ERR_OSSL_)/;

export interface ErrorLike {
  code?: unknown;
  message?: unknown;
}

export function errorCode(error: ErrorLike): string {
  return typeof error.code === 'string' && error.code !== '' ? error.code : 'UNKNOWN';
}

export function classifyUpstreamError(error: ErrorLike, stage: NonNullable<TransportError['stage']>): TransportError {
  const code = errorCode(error);
  const message = typeof error.message === 'string' ? error.message : String(error);
  let kind: TransportErrorKind;
  if (code === CONNECT_TIMEOUT_CODE) kind = 'connect-timeout';
  else if (DNS_CODES.has(code)) kind = 'dns';
  else if (REFUSED_CODES.has(code) || UNREACHABLE_CODES.has(code)) kind = 'refused';
  else if (TLS_CODE.test(code) || code === 'EPROTO' || stage === 'tls') kind = 'tls';
  else if (code === 'ETIMEDOUT') kind = stage === 'connect' ? 'connect-timeout' : 'timeout';
  else if (RESET_CODES.has(code) || /socket hang up/i.test(message)) kind = 'reset';
  else if (code.startsWith('HPE_')) kind = 'protocol'; // llhttp parse errors: the upstream spoke broken HTTP
  else kind = 'reset';
  return { kind, code, message, stage };
}

/** What a client that sees proxydoc's error page should read, one paragraph. */
export function describeFailure(error: TransportError, target: string): string {
  switch (error.kind) {
    case 'dns':
      return `proxydoc could not resolve the host name of ${target} (${error.code}): the request was not sent. Check the host name for typos, and VPN or split-DNS settings.`;
    case 'refused':
      return `proxydoc could not connect to ${target}: the connection was refused (${error.code}). Nothing is listening on that port, or a firewall rejects it; the request was not sent.`;
    case 'connect-timeout':
      return `proxydoc could not connect to ${target}: no answer to the TCP connection attempt in time (${error.code}). A firewall may be dropping packets, or the host is down; the request was not sent.`;
    case 'tls':
      return `proxydoc refused the TLS connection to ${target}: ${error.message} (${error.code}). The upstream's certificate or TLS setup is not valid for this host; the request was not sent. Use --upstream-ca FILE if it is signed by a private CA.`;
    case 'reset':
      return `The connection to ${target} was closed or reset by the upstream before a complete response arrived (${error.code}). The upstream may have received and even processed the request.`;
    case 'protocol':
      return `The upstream at ${target} sent a response that is not valid HTTP (${error.code}: ${error.message}).`;
    case 'timeout':
      return `The upstream at ${target} did not answer in time (${error.code}).`;
    default:
      return `The exchange with ${target} failed: ${error.message} (${error.code}).`;
  }
}

/**
 * Where in an exchange an upstream error struck, from the timing marks reached so far: before the TCP connect, during
 * the TLS handshake, while the request was going out (a reused socket is ready from the start), or once it was all
 * sent, waiting for the response head. The last two must not be confused: a failure while sending means the server
 * probably did not process the request; one after it means it may have (don't blindly retry a POST).
 */
export function failureStage(
  marks: Pick<TimingMarks, 'connect' | 'secureConnect' | 'requestSent'>,
  error: NodeJS.ErrnoException,
  reused: boolean,
  scheme: 'http' | 'https',
): NonNullable<TransportError['stage']> {
  const { connect, secureConnect } = marks;
  if (error.code === CONNECT_TIMEOUT_CODE) return connect !== undefined ? 'tls' : 'connect';
  const ready = reused || secureConnect !== undefined || (scheme === 'http' && connect !== undefined);
  if (ready) return marks.requestSent !== undefined ? 'response-headers' : 'request';
  return connect !== undefined ? 'tls' : 'connect';
}
