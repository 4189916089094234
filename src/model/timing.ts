/**
 * Raw timing marks of one exchange → phases. Pure. Modelled on got's timings: marks are recorded as they happen,
 * phases are derived, and a phase that did not happen is absent (never NaN): a reused connection has no dns,
 * connect or tls; an IP literal has no dns; plain HTTP has no tls.
 */
import type { Phases } from './exchange';

/** Monotonic milliseconds (any common origin) at which each event happened. */
export interface TimingMarks {
  /** The request reached proxydoc. */
  start: number;
  /** An upstream socket was assigned (new or reused). */
  socket?: number;
  /** DNS lookup finished (absent for IP literals and reused sockets). */
  lookup?: number;
  /** TCP connection established. */
  connect?: number;
  /** TLS handshake with the upstream finished. */
  secureConnect?: number;
  /** The whole request (headers and body) was handed to the upstream socket. */
  requestSent?: number;
  /** The response headers arrived. */
  firstByte?: number;
  /** The exchange ended (response complete, or failed). */
  end: number;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function span(from: number | undefined, to: number | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  return round(Math.max(0, to - from));
}

export function phasesFromMarks(marks: TimingMarks): Phases {
  const phases: Phases = { total: round(Math.max(0, marks.end - marks.start)) };
  const dns = span(marks.socket, marks.lookup);
  const connect = span(marks.lookup ?? marks.socket, marks.connect);
  const tls = span(marks.connect, marks.secureConnect);
  // The wait for the first byte starts when the request is fully sent — unless the server answered before it had
  // read the whole body (an early 413/401), then it starts when the connection was ready.
  const ready = marks.secureConnect ?? marks.connect ?? marks.socket;
  const waitFrom =
    marks.requestSent !== undefined && marks.firstByte !== undefined && marks.requestSent <= marks.firstByte
      ? marks.requestSent
      : ready;
  const ttfb = span(waitFrom, marks.firstByte);
  const download = span(marks.firstByte, marks.firstByte === undefined ? undefined : marks.end);
  if (dns !== undefined) phases.dns = dns;
  if (connect !== undefined && marks.connect !== undefined) phases.connect = connect;
  if (tls !== undefined) phases.tls = tls;
  if (ttfb !== undefined) phases.ttfb = ttfb;
  if (download !== undefined) phases.download = download;
  return phases;
}
