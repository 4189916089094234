/**
 * One line per exchange for proxydoc.log and `proxydoc tail`:
 *   20:41:03.120 #17 GET https://host/api → 404 Not Found  61 ms (dns 2 · connect 5 · tls 12 · ttfb 40)  ↑0 B ↓1.2 KiB
 * Pure and cheap: it runs for every exchange, so it reads sizes from the record and never touches body contents.
 * Everything shown passes through the redactor (the URL) and `printable` (text that came off the wire).
 */
import type { CapturedBody, ExchangeRecord, Phases, TransportError, TunnelInfo } from '../model/exchange';
import { redactUrl } from '../log/redact';
import { formatBytes, formatClockTime, formatDuration, formatMilliseconds, paint, printable, statusStyle, type TimeZoneChoice } from './format';
import { formatFindings } from './findings';

export interface ExchangeLineOptions {
  color: boolean;
  timeZone: TimeZoneChoice;
}

/** Phases in the order they happen; `total` is shown separately. */
const PHASE_ORDER = ['dns', 'connect', 'tls', 'ttfb', 'download'] as const satisfies ReadonlyArray<keyof Phases>;

export function formatExchangeLine(record: ExchangeRecord, options: ExchangeLineOptions): string {
  const { color } = options;
  const head = `${paint(formatClockTime(record.startedAt, options.timeZone), 'dim', color)} ${paint(`#${record.seq}`, 'bold', color)}`;
  const line = record.tunnel !== false
    ? record.tunnel.reason === 'websocket'
      ? formatWebSocket(record, record.tunnel, color)
      : formatBlindTunnel(record, record.tunnel, color)
    : formatHttp(record, color);
  const replay = record.replayOf !== null ? `  ${paint(`↻ replay of ${printable(record.replayOf)}`, 'cyan', color)}` : '';
  return `${head} ${line}${replay}`;
}

/** `GET url → 404 Not Found  61 ms (dns 2 · …)  ↑0 B ↓1.2 KiB`; a transport error replaces or follows the status. */
function formatHttp(record: ExchangeRecord, color: boolean): string {
  const parts = [`${requestText(record)}${outcomeText(record, color)}`];
  parts.push(`${formatDuration(record.phases.total)}${phasesText(record.phases, color)}`);
  const sizes = [`↑${bodySize(record.request.body)}`];
  // No response at all (a transport error before the headers): there is no download to size.
  if (record.response) sizes.push(`↓${bodySize(record.response.body)}`);
  parts.push(sizes.join(' '));
  return parts.join('  ');
}

/** `CONNECT example.com:443 ⇄ tunnel (no-intercept) ↑512 B ↓4.1 KiB 1.3 s` — bytes are all a blind tunnel has. */
function formatBlindTunnel(record: ExchangeRecord, tunnel: TunnelInfo, color: boolean): string {
  const error = record.error ? ` ${errorText(record.error, color)}` : '';
  return `CONNECT ${printable(tunnel.target)} ${paint(`⇄ tunnel (${tunnel.reason})`, 'magenta', color)}${error} ${tunnelTraffic(record, tunnel)}`;
}

/** `GET wss://… → 101 Switching Protocols ⇄ websocket ↑512 B ↓4.1 KiB 1.3 s` (RFC 6455 §4.2.2). */
function formatWebSocket(record: ExchangeRecord, tunnel: TunnelInfo, color: boolean): string {
  return `${requestText(record)}${outcomeText(record, color)} ${paint('⇄ websocket', 'magenta', color)} ${tunnelTraffic(record, tunnel)}`;
}

function tunnelTraffic(record: ExchangeRecord, tunnel: TunnelInfo): string {
  return `↑${formatBytes(tunnel.bytesUp)} ↓${formatBytes(tunnel.bytesDown)} ${formatDuration(record.phases.total)}`;
}

function requestText(record: ExchangeRecord): string {
  return `${printable(record.request.method)} ${printable(redactUrl(record.request.url))}`;
}

/** ` → 404 Not Found`, ` ✖ dns ENOTFOUND`, or both when the connection broke after the headers. */
function outcomeText(record: ExchangeRecord, color: boolean): string {
  let text = '';
  if (record.response) {
    const { status, statusText } = record.response;
    const label = statusText === '' ? String(status) : `${status} ${printable(statusText)}`;
    text += ` → ${paint(label, statusStyle(status), color)}`;
  }
  if (record.error) text += ` ${errorText(record.error, color)}`;
  if (!record.response && !record.error) text += ' → (no response)';
  return text;
}

function errorText(error: TransportError, color: boolean): string {
  const code = error.code === '' ? '' : ` ${printable(error.code)}`;
  return paint(`✖ ${error.kind}${code}`, 'red', color);
}

/** ` (dns 2 · connect 5 · tls 12 · ttfb 40)`; phases that did not happen are absent (reused socket, plain HTTP). */
function phasesText(phases: Phases, color: boolean): string {
  const shown: string[] = [];
  for (const name of PHASE_ORDER) {
    const value = phases[name];
    if (value !== undefined) shown.push(`${name} ${formatMilliseconds(value)}`);
  }
  return shown.length === 0 ? '' : ` ${paint(`(${shown.join(' · ')})`, 'dim', color)}`;
}

function bodySize(body: CapturedBody): string {
  return body.truncated ? `${formatBytes(body.size)} (truncated)` : formatBytes(body.size);
}

/** The exchange line followed by its findings, as proxydoc.log and `tail` show it. */
export function formatAnnotated(record: ExchangeRecord, options: ExchangeLineOptions): string {
  const line = formatExchangeLine(record, options);
  const findings = formatFindings(record.findings, { color: options.color, seq: record.seq });
  return findings === '' ? line : `${line}\n${findings}`;
}
