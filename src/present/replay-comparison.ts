/**
 * What changed between an exchange and its replay, printed under the replay's annotated line:
 *   compared with #17:
 *     status    401 Unauthorized → 200 OK
 *     request   ~ Authorization: Bearer ‹40 chars, sha256:1a2b3c› → Bearer ‹26 chars, sha256:4d5e6f›
 *     response  − WWW-Authenticate: Bearer realm="Jira"
 *               ~ Content-Length: 131 → 75
 *     timing    total 61 ms → 40 ms · ttfb 40 ms → 22 ms
 *     findings  gone: auth-scheme-mismatch · new: none
 * Pure. Header values and URLs pass through the redactor, so credentials never show; text off the wire through
 * `printable`.
 */
import { forwardedRequestHeaders } from '../capture/headers-forwarding';
import type { CapturedBody, ExchangeRecord, HeaderPairs } from '../model/exchange';
import { bodyBytes } from '../model/body';
import { pairsFromRaw } from '../model/headers';
import { redactHeaderValue, redactUrl } from '../log/redact';
import { replayTarget } from '../replay/plan';
import { formatBytes, formatDuration, paint, printable } from './format';

export interface ReplayComparisonOptions {
  color: boolean;
}

const LABEL_WIDTH = 10;
const INDENT = '  ';

/**
 * Response headers left out of the comparison because they differ on every response by design: Date is the time the
 * response was generated (RFC 9110 §6.6.1).
 */
const ALWAYS_DIFFERENT = new Set(['date']);

export function formatReplayComparison(original: ExchangeRecord, replay: ExchangeRecord, options: ReplayComparisonOptions): string {
  const { color } = options;
  const lines = [`compared with #${original.seq}:`];
  const section = (label: string, items: string[]): void => {
    items.forEach((item, index) => {
      const head = index === 0 ? paint(label.padEnd(LABEL_WIDTH), 'dim', color) : ' '.repeat(LABEL_WIDTH);
      lines.push(`${INDENT}${head}${item}`);
    });
  };
  section('status', [`${outcome(original, color)} → ${outcome(replay, color)}`]);
  const requestChanges = requestDiff(original, replay);
  section('request', requestChanges.length > 0 ? requestChanges : ['sent as recorded']);
  if (original.response && replay.response) {
    const changes = headerDiff(original.response.headers, replay.response.headers, ALWAYS_DIFFERENT);
    const body = bodyDiff(original.response.body, replay.response.body);
    if (body) changes.push(body);
    section('response', changes.length > 0 ? changes : ['same headers and body']);
  }
  section('timing', [timingDiff(original, replay)]);
  section('findings', [findingsDiff(original, replay, color)]);
  return lines.join('\n');
}

/** `404 Not Found`, `✖ refused ECONNREFUSED`, or both when the connection broke after the headers. */
function outcome(record: ExchangeRecord, color: boolean): string {
  const parts: string[] = [];
  if (record.response) {
    const { status, statusText } = record.response;
    const label = statusText === '' ? String(status) : `${status} ${printable(statusText)}`;
    parts.push(paint(label, status >= 400 ? 'red' : 'green', color));
  }
  if (record.error) parts.push(paint(`✖ ${record.error.kind} ${printable(record.error.code)}`, 'red', color));
  return parts.length > 0 ? parts.join(' ') : '(no response)';
}

/**
 * The request as it went upstream each time: the original's recorded headers minus what the forwarder never sends
 * (hop-by-hop fields, RFC 9110 §7.6.1), so only real edits show up.
 */
function requestDiff(original: ExchangeRecord, replay: ExchangeRecord): string[] {
  const changes: string[] = [];
  if (original.request.method !== replay.request.method) {
    changes.push(`method ${printable(original.request.method)} → ${printable(replay.request.method)}`);
  }
  if (original.request.url !== replay.request.url) {
    changes.push(`url ${printable(redactUrl(original.request.url))} → ${printable(redactUrl(replay.request.url))}`);
  }
  const authority = replayTarget(original.request)?.authority;
  const flat = original.request.headers.flatMap(([name, value]) => [name, value]);
  const sent = forwardedRequestHeaders(flat, { upgrade: false, hostFromTarget: authority });
  changes.push(...headerDiff(pairsFromRaw(sent), replay.request.headers, new Set()));
  const body = bodyDiff(original.request.body, replay.request.body);
  if (body) changes.push(body);
  return changes;
}

interface HeaderGroup {
  /** The name as first written. */
  name: string;
  values: string[];
}

function groupHeaders(headers: HeaderPairs, ignored: ReadonlySet<string>): Map<string, HeaderGroup> {
  const groups = new Map<string, HeaderGroup>();
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (ignored.has(lower)) continue;
    const group = groups.get(lower);
    if (group) group.values.push(value);
    else groups.set(lower, { name, values: [value] });
  }
  return groups;
}

/** `+ Name: value` added, `− Name: value` removed, `~ Name: old → new` changed; in the order they appear. */
function headerDiff(before: HeaderPairs, after: HeaderPairs, ignored: ReadonlySet<string>): string[] {
  const old = groupHeaders(before, ignored);
  const now = groupHeaders(after, ignored);
  const changes: string[] = [];
  for (const [lower, group] of old) {
    const next = now.get(lower);
    if (!next) changes.push(`− ${headerText(group.name, group.values)}`);
    else if (next.values.join('\n') !== group.values.join('\n')) {
      changes.push(`~ ${printable(next.name)}: ${valuesText(group.name, group.values)} → ${valuesText(next.name, next.values)}`);
    } else if (next.name !== group.name) {
      changes.push(`~ ${printable(group.name)} → ${printable(next.name)} (letter case)`);
    }
  }
  for (const [lower, group] of now) {
    if (!old.has(lower)) changes.push(`+ ${headerText(group.name, group.values)}`);
  }
  return changes;
}

function headerText(name: string, values: string[]): string {
  return `${printable(name)}: ${valuesText(name, values)}`;
}

/** Repeated fields shown as their combined value (RFC 9110 §5.3), each one redacted on its own. */
function valuesText(name: string, values: string[]): string {
  return values.map((value) => printable(redactHeaderValue(name, value))).join(', ');
}

/** `body 12 B → 40 B`, `body changed (12 B)`, or nothing when the bytes are the same. */
function bodyDiff(before: CapturedBody, after: CapturedBody): string | undefined {
  if (before.size !== after.size) return `body ${formatBytes(before.size)} → ${formatBytes(after.size)}`;
  if (before.truncated || after.truncated) return undefined; // only prefixes were kept: equal as far as known
  return bodyBytes(before).equals(bodyBytes(after)) ? undefined : `body changed (${formatBytes(after.size)})`;
}

function timingDiff(original: ExchangeRecord, replay: ExchangeRecord): string {
  const parts = [`total ${formatDuration(original.phases.total)} → ${formatDuration(replay.phases.total)}`];
  const before = original.phases.ttfb;
  const after = replay.phases.ttfb;
  if (before !== undefined || after !== undefined) {
    parts.push(`ttfb ${before === undefined ? '—' : formatDuration(before)} → ${after === undefined ? '—' : formatDuration(after)}`);
  }
  return parts.join(' · ');
}

/** Rule ids that went away and that appeared; the unchanged ones when nothing moved. */
function findingsDiff(original: ExchangeRecord, replay: ExchangeRecord, color: boolean): string {
  const before = new Set(original.findings.map((finding) => finding.rule));
  const after = new Set(replay.findings.map((finding) => finding.rule));
  const gone = [...before].filter((rule) => !after.has(rule));
  const added = [...after].filter((rule) => !before.has(rule));
  if (gone.length === 0 && added.length === 0) {
    return before.size === 0 ? 'none, as before' : `same (${[...before].map(printable).join(', ')})`;
  }
  const list = (rules: string[], style: 'green' | 'red'): string => (rules.length === 0 ? 'none' : paint(rules.map(printable).join(', '), style, color));
  return `gone: ${list(gone, 'green')} · new: ${list(added, 'red')}`;
}
