/**
 * Which records a command looks at: `tail --status 4xx,504 --host api.example.com --errors --since 10m` and
 * `export --filter 'status=4xx host=api.example.com errors'` build the same RecordFilter. Pure: "now" comes in.
 *
 * Every criterion narrows (AND); a list inside one criterion widens (OR), like mitmproxy's `~c 404 | ~c 504`.
 */
import type { ExchangeRecord } from '../model/exchange';
import { splitHostPort, splitRawUrl } from '../model/url';

export interface StatusRange {
  min: number;
  max: number;
}

export interface RecordFilter {
  statuses?: StatusRange[];
  /** Lower-case host names (optionally host:port); a name also matches its subdomains. */
  hosts?: string[];
  /** Upper-case methods. */
  methods?: string[];
  rules?: string[];
  /** Only exchanges with an error-level finding or a transport error. */
  errorsOnly?: boolean;
  /** Only records that started at most this many milliseconds before `now`. */
  sinceMs?: number;
  /** …or at or after this epoch time (`--since 2026-11-21T20:00`). */
  sinceEpochMs?: number;
}

/** A filter value the user typed wrongly; the message names the value and the accepted forms. */
export class FilterError extends Error {
  readonly code = 'PROXYDOC_ERR_USAGE';
  override name = 'FilterError';
}

/** `4xx,504,200-299` → ranges. `5xx` covers 500–599. */
export function parseStatusList(text: string): StatusRange[] {
  const ranges: StatusRange[] = [];
  for (const item of splitList(text)) {
    const lower = item.toLowerCase();
    let match: RegExpExecArray | null;
    if ((match = /^([1-5])xx$/.exec(lower))) {
      const hundred = Number(match[1]) * 100;
      ranges.push({ min: hundred, max: hundred + 99 });
    } else if ((match = /^(\d{3})$/.exec(lower))) {
      ranges.push({ min: Number(match[1]), max: Number(match[1]) });
    } else if ((match = /^(\d{3})-(\d{3})$/.exec(lower)) && Number(match[1]) <= Number(match[2])) {
      ranges.push({ min: Number(match[1]), max: Number(match[2]) });
    } else {
      throw new FilterError(`invalid status "${item}": use a code (404), a class (4xx) or a range (500-504), comma-separated`);
    }
  }
  if (ranges.length === 0) throw new FilterError('empty status list: use e.g. --status 4xx,504');
  return ranges;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration back from now (`90s`, `10m`, `2h`, `1d`, `1h30m`) or an ISO-8601 time
 * (`2026-11-21T20:00`, read in the machine's zone when it has no offset, as `date -d` does).
 */
export function parseSince(text: string, parseTime: (iso: string) => number = Date.parse): Pick<RecordFilter, 'sinceMs' | 'sinceEpochMs'> {
  const trimmed = text.trim();
  if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/i.test(trimmed)) {
    let total = 0;
    for (const part of trimmed.toLowerCase().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(part[1]) * DURATION_UNITS_MS[part[2]];
    return { sinceMs: total };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const epoch = parseTime(trimmed);
    if (Number.isFinite(epoch)) return { sinceEpochMs: epoch };
  }
  throw new FilterError(`invalid --since "${text}": use a duration (30s, 10m, 2h, 1d) or a time (2026-11-21T20:00)`);
}

export function parseHostList(text: string): string[] {
  const hosts = splitList(text).map((host) => host.toLowerCase().replace(/^\*\./, ''));
  if (hosts.length === 0) throw new FilterError('empty host list: use e.g. --host api.example.com');
  return hosts;
}

export function parseMethodList(text: string): string[] {
  const methods = splitList(text).map((method) => method.toUpperCase());
  if (methods.length === 0) throw new FilterError('empty method list: use e.g. --method POST,PUT');
  return methods;
}

export function parseRuleList(text: string): string[] {
  const rules = splitList(text);
  if (rules.length === 0) throw new FilterError('empty rule list: use e.g. --rule encoded-slash');
  return rules;
}

function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** Combines several filters (tail's flags given several times) into one. */
export function mergeFilters(...filters: RecordFilter[]): RecordFilter {
  const merged: RecordFilter = {};
  for (const filter of filters) mergeInto(merged, filter);
  return merged;
}

/**
 * Adds one filter to `merged`, whose lists are its own and grow in place: copying them for every filter was quadratic
 * in the number of terms.
 */
function mergeInto(merged: RecordFilter, filter: RecordFilter): RecordFilter {
  for (const key of ['statuses', 'hosts', 'methods', 'rules'] as const) {
    const values = filter[key] as unknown[] | undefined;
    if (values) {
      const list = ((merged as Record<string, unknown[]>)[key] ??= []);
      for (const value of values) list.push(value);
    }
  }
  if (filter.errorsOnly) merged.errorsOnly = true;
  if (filter.sinceMs !== undefined) merged.sinceMs = filter.sinceMs;
  if (filter.sinceEpochMs !== undefined) merged.sinceEpochMs = filter.sinceEpochMs;
  return merged;
}

/**
 * `export --filter` syntax: space-separated terms `status=4xx,504`, `host=api.example.com`, `method=POST`,
 * `rule=encoded-slash`, `since=10m`, and the bare word `errors`.
 */
export function parseFilterExpression(text: string, parseTime?: (iso: string) => number): RecordFilter {
  const parts: RecordFilter[] = [];
  for (const term of text.trim().split(/\s+/).filter((t) => t !== '')) {
    if (term === 'errors') {
      parts.push({ errorsOnly: true });
      continue;
    }
    const eq = term.indexOf('=');
    const key = eq < 0 ? term : term.slice(0, eq);
    const value = eq < 0 ? '' : term.slice(eq + 1);
    switch (key) {
      case 'status':
        parts.push({ statuses: parseStatusList(value) });
        break;
      case 'host':
        parts.push({ hosts: parseHostList(value) });
        break;
      case 'method':
        parts.push({ methods: parseMethodList(value) });
        break;
      case 'rule':
        parts.push({ rules: parseRuleList(value) });
        break;
      case 'since':
        parts.push(parseSince(value, parseTime));
        break;
      default:
        throw new FilterError(
          `invalid filter term "${term}": use status=4xx,504 host=NAME method=POST rule=ID since=10m errors, separated by spaces`,
        );
    }
  }
  if (parts.length === 0) throw new FilterError('empty --filter: use e.g. --filter "status=4xx host=api.example.com"');
  // Not mergeFilters(...parts): spreading 100k+ terms into a call overflows the stack (a RangeError, not a FilterError).
  return parts.reduce<RecordFilter>((merged, part) => mergeInto(merged, part), {});
}

export function isEmptyFilter(filter: RecordFilter): boolean {
  return Object.values(filter).every((value) => value === undefined || value === false);
}

/** Does `record` pass every criterion of `filter`? `nowMs` anchors `--since 10m`. */
export function matchesFilter(record: ExchangeRecord, filter: RecordFilter, nowMs: number): boolean {
  if (filter.statuses) {
    const status = record.response?.status;
    if (status === undefined || !filter.statuses.some((range) => status >= range.min && status <= range.max)) return false;
  }
  if (filter.methods && !filter.methods.includes(record.request.method.toUpperCase())) return false;
  if (filter.hosts && !hostMatches(record, filter.hosts)) return false;
  if (filter.rules && !record.findings.some((finding) => filter.rules!.includes(finding.rule))) return false;
  if (filter.errorsOnly && !isFailedExchange(record)) return false;
  if (filter.sinceMs !== undefined || filter.sinceEpochMs !== undefined) {
    const started = Date.parse(record.startedAt);
    if (!Number.isFinite(started)) return false;
    if (filter.sinceMs !== undefined && started < nowMs - filter.sinceMs) return false;
    if (filter.sinceEpochMs !== undefined && started < filter.sinceEpochMs) return false;
  }
  return true;
}

/** An error-level finding or a transport error: what `--errors` keeps. */
export function isFailedExchange(record: ExchangeRecord): boolean {
  return record.error !== undefined || record.findings.some((finding) => finding.severity === 'error');
}

/** The host and port an exchange went to: the URL's, or a blind tunnel's CONNECT target. */
export function targetOf(record: ExchangeRecord): { host: string; port: number } | undefined {
  const parts = splitRawUrl(record.request.url);
  if (parts) return { host: parts.host.toLowerCase(), port: parts.port };
  if (record.tunnel !== false) {
    const { host, port } = splitHostPort(record.tunnel.target, 443);
    return { host: host.toLowerCase(), port };
  }
  return undefined;
}

/** `example.com` matches example.com and *.example.com; `example.com:8443` also pins the port. */
function hostMatches(record: ExchangeRecord, hosts: readonly string[]): boolean {
  const target = targetOf(record);
  if (!target) return false;
  return hosts.some((pattern) => {
    const { host, port } = splitHostPort(pattern, -1);
    if (port !== -1 && port !== target.port) return false;
    return target.host === host || target.host.endsWith(`.${host}`);
  });
}
