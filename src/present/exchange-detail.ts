/**
 * One exchange in full, for `proxydoc show`: what happened (title, timing, connection), everything that crossed
 * the wire (headers in their raw order and case, bodies, trailers), how it failed (transport error, tunnel) and
 * why (every finding with its explanation, evidence and next steps). Findings come last so they are what stays
 * on the screen.
 *
 * Pure. Credentials are masked unless `includeSecrets`, and text that came off the wire is made printable.
 */
import type { CapturedBody, ExchangeRecord, Finding, HeaderPairs, Phases, TransportError, TunnelInfo } from '../model/exchange';
import { headerValue } from '../model/headers';
import { requestTarget } from '../model/url';
import { redactHeaders, redactProse, redactText, redactUrl } from '../log/redact';
import { viewBody } from './body-view';
import { severityMark } from './findings';
import { formatBytes, formatClockTime, formatDuration, paint, printable, printableLines, statusStyle, type Style, type TimeZoneChoice } from './format';

export interface ExchangeDetailOptions {
  color: boolean;
  timeZone: TimeZoneChoice;
  /** Show credentials as recorded instead of masked. */
  includeSecrets: boolean;
  /** Bytes of each body to print. */
  maxBodyBytes: number;
}

const INDENT = '  ';
const BODY_INDENT = '    ';

export function formatExchangeDetail(record: ExchangeRecord, options: ExchangeDetailOptions): string {
  const sections = [
    [title(record, options), ...meta(record, options)],
    timing(record, options),
    request(record, options),
    response(record, options),
    transportError(record.error, options),
    tunnel(record, options),
    findings(record, options),
  ];
  return sections
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join('\n'))
    .join('\n\n');
}

/** The rule printed between records when several are shown. */
export function recordSeparator(color: boolean): string {
  return paint('─'.repeat(72), 'dim', color);
}

// ---------------------------------------------------------------------------------------------------------------
// Title and facts

/** `#17 GET https://host/path → 404 Not Found  61 ms`, like the log's line without the details shown below it. */
function title(record: ExchangeRecord, options: ExchangeDetailOptions): string {
  const { color } = options;
  let outcome = '';
  if (record.tunnel && record.tunnel.reason !== 'websocket') outcome += ` ${paint(`⇄ tunnel (${record.tunnel.reason})`, 'magenta', color)}`;
  if (record.response) outcome += ` → ${paint(statusLabel(record.response.status, record.response.statusText), statusStyle(record.response.status), color)}`;
  if (record.error) outcome += ` ${paint(`✖ ${errorLabel(record.error)}`, 'red', color)}`;
  if (!record.response && !record.error && !record.tunnel) outcome += ' → (no response)';
  const request = `${printable(record.request.method)} ${printable(url(record.request.url, options))}`;
  return `${paint(`#${record.seq}`, 'bold', color)} ${request}${outcome}  ${formatDuration(record.phases.total)}`;
}

function meta(record: ExchangeRecord, options: ExchangeDetailOptions): string[] {
  const lines = [
    fact('id', printable(record.id), options.color),
    fact('started', formatTimestamp(record.startedAt, options.timeZone), options.color),
    fact('client', printable(record.client.address), options.color),
  ];
  if (record.replayOf) lines.push(fact('replay of', printable(record.replayOf), options.color));
  return lines;
}

const FACT_WIDTH = 12;

function fact(label: string, value: string, color: boolean): string {
  return `${INDENT}${paint(label.padEnd(FACT_WIDTH), 'dim', color)}${value}`;
}

/** `2026-11-21 20:41:03.120 UTC`, or in the machine's zone with its offset: `2026-11-21 21:41:03.120 +01:00`. */
export function formatTimestamp(isoTimestamp: string, timeZone: TimeZoneChoice): string {
  const ms = Date.parse(isoTimestamp);
  if (!Number.isFinite(ms)) return printable(isoTimestamp);
  const date = new Date(ms);
  const utc = timeZone === 'utc';
  const year = utc ? date.getUTCFullYear() : date.getFullYear();
  const month = (utc ? date.getUTCMonth() : date.getMonth()) + 1;
  const day = utc ? date.getUTCDate() : date.getDate();
  const datePart = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return `${datePart} ${formatClockTime(isoTimestamp, timeZone)} ${utc ? 'UTC' : utcOffset(date)}`;
}

function utcOffset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const absolute = Math.abs(minutes);
  return `${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}:${String(absolute % 60).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Timing and connection

const PHASE_ORDER = ['dns', 'connect', 'tls', 'ttfb', 'download'] as const satisfies ReadonlyArray<keyof Phases>;
const BAR_WIDTH = 30;
/** Eighths of a cell, so a 1 % phase still shows as a sliver next to a 60 % one. */
const PARTIAL_BLOCKS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * Each phase with its duration, its share of the total and a bar of that share. The phases need not add up to
 * the total: sending the request body and proxydoc's own work fall between them.
 */
function timing(record: ExchangeRecord, options: ExchangeDetailOptions): string[] {
  const { color } = options;
  const phases = record.phases;
  const lines = [`${heading('Timing', color)}  ${formatDuration(phases.total)} total`];
  const rows = PHASE_ORDER.filter((name) => phases[name] !== undefined).map((name) => ({ name, ms: phases[name] as number }));
  const durationWidth = Math.max(0, ...rows.map((row) => formatDuration(row.ms).length));
  const share = phases.total > 0 && Number.isFinite(phases.total);
  // A connection opened ahead made its handshakes before the exchange began: no share of its total to draw.
  const ranAhead = (name: string): boolean => record.upstream?.openedAhead === true && (name === 'dns' || name === 'connect' || name === 'tls');
  for (const row of rows) {
    const duration = formatDuration(row.ms).padStart(durationWidth);
    const fraction = share && !ranAhead(row.name) ? Math.min(1, Math.max(0, row.ms / phases.total)) : undefined;
    const proportion =
      fraction === undefined
        ? ranAhead(row.name)
          ? `  ${paint('(ahead, during the client handshake)', 'dim', color)}`
          : ''
        : `  ${`${Math.round(fraction * 100)}%`.padStart(4)}  ${paint(bar(fraction), 'cyan', color)}`;
    lines.push(`${INDENT}${paint(row.name.padEnd(FACT_WIDTH), 'dim', color)}${duration}${proportion}`.trimEnd());
  }
  const connection = connectionText(record, options);
  if (connection !== undefined) lines.push(fact('connection', connection, color));
  return lines;
}

function bar(fraction: number): string {
  const eighths = Math.round(fraction * BAR_WIDTH * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + PARTIAL_BLOCKS[eighths % 8];
}

/** `new · 203.0.113.7:443 · TLSv1.3 · via proxy http://proxy:3128`. */
function connectionText(record: ExchangeRecord, options: ExchangeDetailOptions): string | undefined {
  const upstream = record.upstream;
  if (!upstream) return undefined;
  // A kept-alive socket (RFC 9112 §9.3) was already open: that is why it has no dns, connect or tls phase.
  const parts = [
    upstream.reusedConnection
      ? 'reused (keep-alive, so no dns, connect or tls)'
      : upstream.openedAhead
        ? "new, opened ahead during the client's TLS handshake"
        : 'new',
  ];
  if (upstream.address) parts.push(printable(upstream.address));
  if (upstream.tls) parts.push(printable(upstream.tls));
  if (upstream.viaProxy) parts.push(`via proxy ${printable(url(upstream.viaProxy, options))}`);
  return parts.join(' · ');
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

function request(record: ExchangeRecord, options: ExchangeDetailOptions): string[] {
  const message = record.request;
  return [
    // The request line in origin-form (RFC 9112 §3.2.1), as a server reads it; the full URL is in the title.
    `${heading('Request', options.color)}  ${printable(message.method)} ${printable(url(requestTarget(message.url), options))} HTTP/${printable(message.httpVersion)}`,
    ...headerLines(message.headers, options),
    '',
    ...bodyLines(message.body, message.headers, options),
  ];
}

function response(record: ExchangeRecord, options: ExchangeDetailOptions): string[] {
  const { color } = options;
  const message = record.response;
  if (!message) {
    // A blind tunnel has no HTTP response by nature; anything else without one failed before it arrived.
    if (record.tunnel && record.tunnel.reason !== 'websocket') return [];
    return [`${heading('Response', color)}  ${record.error ? 'none: the exchange failed first (see Transport error)' : 'none'}`];
  }
  const status = paint(statusLabel(message.status, message.statusText), statusStyle(message.status), color);
  const lines = [
    `${heading('Response', color)}  HTTP/${printable(message.httpVersion)} ${status}`,
    ...headerLines(message.headers, options),
    '',
    ...bodyLines(message.body, message.headers, options),
  ];
  if (message.trailers && message.trailers.length > 0) {
    // Trailers arrive after the body (RFC 9110 §6.5), so they are listed after it.
    lines.push('', `${INDENT}${paint('trailers', 'dim', color)}`, ...headerLines(message.trailers, options).map((line) => `${INDENT}${line}`));
  }
  return lines;
}

function headerLines(headers: HeaderPairs, options: ExchangeDetailOptions): string[] {
  if (headers.length === 0) return [`${INDENT}${paint('(no headers)', 'dim', options.color)}`];
  const shown = options.includeSecrets ? headers : redactHeaders(headers);
  return shown.map(([name, value]) => `${INDENT}${paint(`${printable(name)}:`, 'bold', options.color)} ${printable(value)}`);
}

function bodyLines(body: CapturedBody, headers: HeaderPairs, options: ExchangeDetailOptions): string[] {
  const label = `${INDENT}${paint('body', 'dim', options.color)}  `;
  if (body.size === 0) return [`${label}none`];
  const view = viewBody(body, {
    contentType: headerValue(headers, 'content-type'),
    contentEncoding: headerValue(headers, 'content-encoding'),
    includeSecrets: options.includeSecrets,
    maxBytes: options.maxBodyBytes,
  });
  return [
    `${label}${[formatBytes(body.size), ...view.descriptions].join(' · ')}`,
    ...view.lines.map((line) => `${BODY_INDENT}${line}`),
    ...view.notes.map((note) => `${BODY_INDENT}${paint(note, 'yellow', options.color)}`),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Failures and tunnels

const STAGE_TEXT: Record<NonNullable<TransportError['stage']>, string> = {
  connect: 'while connecting to the upstream',
  tls: 'during the TLS handshake with the upstream',
  request: 'while sending the request',
  'response-headers': 'while waiting for the response headers',
  'response-body': 'while receiving the response body',
  tunnel: 'in the tunnel',
};

function transportError(error: TransportError | undefined, options: ExchangeDetailOptions): string[] {
  if (!error) return [];
  const { color } = options;
  const stage = error.stage ? `, ${STAGE_TEXT[error.stage] ?? printable(error.stage)}` : '';
  const lines = [`${heading('Transport error', color)}  ${paint(errorLabel(error), 'red', color)}${stage}`];
  const message = options.includeSecrets ? error.message : redactText(error.message);
  for (const line of printableLines(message)) lines.push(`${INDENT}${line}`);
  const certificate = error.certificate;
  if (certificate) {
    lines.push(`${INDENT}${paint('upstream certificate', 'dim', color)}`);
    const facts: Array<[string, string | undefined]> = [
      ['subject', certificate.subject],
      ['issuer', certificate.issuer],
      ['valid from', certificate.validFrom],
      ['valid to', certificate.validTo],
      ['names', certificate.altNames],
    ];
    for (const [label, value] of facts) if (value !== undefined) lines.push(`${INDENT}${fact(label, printable(value), color)}`);
  }
  return lines;
}

const TUNNEL_TEXT: Record<TunnelInfo['reason'], string> = {
  'no-intercept': 'blind: the host is in --no-intercept, so its TLS was passed through without decrypting it',
  'not-tls': "blind: the client's first bytes were neither TLS nor HTTP, so they were passed through unread",
  websocket: 'WebSocket (RFC 6455): after the upgrade the frames were relayed, not recorded',
};

function tunnel(record: ExchangeRecord, options: ExchangeDetailOptions): string[] {
  const info = record.tunnel;
  if (!info) return [];
  const { color } = options;
  return [
    `${heading('Tunnel', color)}  to ${printable(info.target)}`,
    `${INDENT}${TUNNEL_TEXT[info.reason] ?? printable(info.reason)}`,
    fact('↑ up', `${formatBytes(info.bytesUp)} from the client`, color),
    fact('↓ down', `${formatBytes(info.bytesDown)} from the upstream`, color),
    fact('open for', formatDuration(record.phases.total), color),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Findings

/**
 * Fuller than the log's findings (findings.ts): the explanation keeps its line breaks, and evidence and next
 * steps are one item per line.
 */
function findings(record: ExchangeRecord, options: ExchangeDetailOptions): string[] {
  const { color } = options;
  if (record.findings.length === 0) return [`${heading('Findings', color)}  none`];
  const lines = [heading('Findings', color)];
  record.findings.forEach((finding, index) => {
    if (index > 0) lines.push('');
    lines.push(...formatFinding(finding, record.seq, options));
  });
  return lines;
}

function formatFinding(finding: Finding, seq: number, options: ExchangeDetailOptions): string[] {
  const { color } = options;
  const severity = severityMark(finding.severity);
  const prose = (text: string): string[] => printableLines(options.includeSecrets ? text : redactProse(text)).map((line) => line.trimEnd());
  const summary = prose(finding.summary).join(' ');
  const lines = [`${INDENT}${paint(severity.mark, severity.style, color)} ${paint(printable(finding.rule), 'bold', color)} ${paint(`(${printable(finding.severity)})`, 'dim', color)}  ${summary}`];
  const explanation = prose(finding.explanation);
  if (explanation.join(' ').trim() !== summary.trim()) lines.push(...explanation.filter((line) => line !== '').map((line) => `${BODY_INDENT}${line}`));
  const list = (label: string, items: string[]): void => {
    const shown = items.map((item) => prose(item).join(' ').trim()).filter((item) => item !== '');
    if (shown.length === 0) return;
    lines.push(`${BODY_INDENT}${paint(label, 'dim', color)}`);
    for (const item of shown) lines.push(`${BODY_INDENT}  - ${item}`);
  };
  list('evidence:', finding.evidence);
  // Errors get the command that reproduces the call outside the app, as in the log (findings.ts).
  list('next steps:', finding.severity === 'error' ? [...finding.nextSteps, `reproduce: proxydoc export ${seq} --format curl`] : finding.nextSteps);
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Small pieces

function heading(text: string, color: boolean): string {
  return paint(text, 'bold', color);
}

function url(value: string, options: ExchangeDetailOptions): string {
  return options.includeSecrets ? value : redactUrl(value);
}

function statusLabel(status: number, statusText: string): string {
  return statusText === '' ? String(status) : `${status} ${printable(statusText)}`;
}

function errorLabel(error: TransportError): string {
  return error.code === '' ? printable(error.kind) : `${printable(error.kind)} ${printable(error.code)}`;
}
