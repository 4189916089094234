/**
 * Rate-limit response headers → one normalised picture. Pure, never throws; malformed values are skipped.
 *
 * Conventions understood, most specific first (the first one that gives a figure wins):
 *  1. IETF draft-ietf-httpapi-ratelimit-headers -07 and later: the Structured Fields `RateLimit` and
 *     `RateLimit-Policy`, in all three syntaxes seen in the drafts —
 *       `RateLimit: limit=100, remaining=50, reset=30` (dictionary),
 *       `RateLimit: default;r=50;t=30` / `RateLimit-Policy: default;l=100;w=10` (token items), and
 *       `RateLimit: "default";r=50;t=30` / `RateLimit-Policy: "default";q=100;w=10` (string items, -10/-11).
 *  2. Drafts -00…-06 and GitLab: `RateLimit-Limit` (possibly `100, 100;w=60`), `RateLimit-Remaining`,
 *     `RateLimit-Reset`, plus GitLab's `RateLimit-Observed` (requests counted) and `RateLimit-ResetTime`
 *     (an HTTP-date). The drafts define Reset as seconds from now; GitLab sends a Unix time.
 *  3. The de-facto `X-RateLimit-*` (GitHub lower-cased, Kong, many APIs; also `X-Rate-Limit-*`), with GitHub's
 *     `x-ratelimit-used` / `x-ratelimit-resource` and Discord's `X-RateLimit-Reset-After`.
 *
 * A reset value is read as epoch milliseconds from 10^12, as epoch seconds from 10^9 (September 2001), and as
 * seconds from now below that: no real rate-limit window lasts 31 years, and no API resets before 2001.
 */
import type { HeaderPairs } from '../../model/exchange';
import { parseHttpDate } from './retry-after';

export type ResetKind = 'delta-seconds' | 'epoch-seconds' | 'epoch-milliseconds' | 'http-date';

export interface RateLimitStatus {
  /** Requests allowed in the window (the quota). */
  limit?: number;
  /** Requests left in the current window. */
  remaining?: number;
  /** Requests already counted in the window (GitHub x-ratelimit-used, GitLab RateLimit-Observed). */
  used?: number;
  /** Length of the window in seconds, when a policy states it (`w=`). */
  windowSeconds?: number;
  /** Whole seconds from `nowMs` until the window resets; 0 when the reset time is already past. */
  resetSeconds?: number;
  /** Milliseconds since the epoch of the reset. */
  resetAtMs?: number;
  /** How the reset value was read (see the heuristic above). */
  resetKind?: ResetKind;
  /** The IETF policy name, e.g. "default". */
  policy?: string;
  /** GitHub's bucket: core, search, graphql, … */
  resource?: string;
  /** The header names that contributed, as sent, in first-seen order (for evidence). */
  headerNames: string[];
}

/** Reads every rate-limit convention present in `headers`; undefined when none is. */
export function parseRateLimit(headers: HeaderPairs, nowMs: number): RateLimitStatus | undefined {
  try {
    return parseAll(headers, nowMs);
  } catch {
    // Defensive only: every step below already tolerates malformed input.
    return undefined;
  }
}

/** True when the server says no requests are left in the window. */
export function isExhausted(status: RateLimitStatus | undefined): boolean {
  return status?.remaining === 0;
}

function parseAll(headers: HeaderPairs, nowMs: number): RateLimitStatus | undefined {
  const status: RateLimitStatus = { headerNames: [] };
  const lookup = new HeaderLookup(headers, status.headerNames);

  // 1. IETF Structured Fields.
  const structured = lookup.list('ratelimit');
  if (structured !== undefined) applyStructuredRateLimit(status, structured, nowMs);
  const policy = lookup.list('ratelimit-policy');
  if (policy !== undefined) applyPolicy(status, policy);

  // 2. Older drafts and GitLab.
  const draftLimit = lookup.scalar('ratelimit-limit');
  if (draftLimit !== undefined) applyLegacyLimit(status, draftLimit);
  setIfAbsent(status, 'remaining', nonNegativeInteger(lookup.scalar('ratelimit-remaining')));
  setIfAbsent(status, 'used', nonNegativeInteger(lookup.scalar('ratelimit-observed')));
  applyReset(status, lookup.scalar('ratelimit-reset'), nowMs);
  const resetTime = lookup.scalar('ratelimit-resettime');
  if (resetTime !== undefined && status.resetAtMs === undefined) {
    const atMs = parseHttpDate(resetTime.trim(), nowMs);
    if (atMs !== undefined) setReset(status, atMs, nowMs, 'http-date');
  }

  // 3. X-RateLimit-* and X-Rate-Limit-*.
  for (const prefix of ['x-ratelimit-', 'x-rate-limit-']) {
    setIfAbsent(status, 'limit', nonNegativeInteger(lookup.scalar(`${prefix}limit`)));
    setIfAbsent(status, 'remaining', nonNegativeInteger(lookup.scalar(`${prefix}remaining`)));
    setIfAbsent(status, 'used', nonNegativeInteger(lookup.scalar(`${prefix}used`)));
    applyReset(status, lookup.scalar(`${prefix}reset`), nowMs);
    const resetAfter = nonNegativeNumber(lookup.scalar(`${prefix}reset-after`));
    if (resetAfter !== undefined && status.resetAtMs === undefined) {
      setReset(status, nowMs + resetAfter * 1000, nowMs, 'delta-seconds');
    }
    const resource = lookup.scalar(`${prefix}resource`)?.trim();
    if (resource && /^[\w.-]{1,64}$/.test(resource)) setIfAbsent(status, 'resource', resource);
  }

  const hasFigure = [status.limit, status.remaining, status.used, status.resetAtMs, status.windowSeconds].some(
    (figure) => figure !== undefined,
  );
  return hasFigure ? status : undefined;
}

/** Finds headers case-insensitively and remembers which names were read. */
class HeaderLookup {
  constructor(
    private readonly headers: HeaderPairs,
    private readonly seen: string[],
  ) {}

  /** The first value (scalar fields). */
  scalar(lowerName: string): string | undefined {
    for (const [name, value] of this.headers) {
      if (typeof name === 'string' && name.toLowerCase() === lowerName && typeof value === 'string') {
        this.remember(name);
        return value;
      }
    }
    return undefined;
  }

  /** All values joined with ", " (list fields may be split over several lines, RFC 9110 §5.3). */
  list(lowerName: string): string | undefined {
    const values: string[] = [];
    for (const [name, value] of this.headers) {
      if (typeof name === 'string' && name.toLowerCase() === lowerName && typeof value === 'string') {
        this.remember(name);
        values.push(value);
      }
    }
    return values.length > 0 ? values.join(', ') : undefined;
  }

  private remember(name: string): void {
    if (!this.seen.some((n) => n.toLowerCase() === name.toLowerCase())) this.seen.push(name);
  }
}

/** One list member: `item;key=value;flag`, or a dictionary member `key=value;params`. */
interface Member {
  /** The bare item, unquoted ("default", "100"), or the dictionary key. */
  item: string;
  /** The dictionary value, when the member was `key=value`. */
  value?: string;
  params: Map<string, string>;
}

function applyStructuredRateLimit(status: RateLimitStatus, text: string, nowMs: number): void {
  const members = parseMembers(text);
  const dictionary = members.filter((m) => m.value !== undefined);
  if (dictionary.length > 0) {
    // Draft -07 dictionary: `limit=100, remaining=50, reset=30`.
    for (const { item, value } of dictionary) {
      if (item === 'limit') setIfAbsent(status, 'limit', nonNegativeInteger(value));
      else if (item === 'remaining') setIfAbsent(status, 'remaining', nonNegativeInteger(value));
      else if (item === 'reset') applyReset(status, value, nowMs);
    }
    return;
  }
  // Items, one per policy: the one with the fewest remaining requests is the one that bites.
  let chosen: { member: Member; remaining: number | undefined } | undefined;
  for (const member of members) {
    const remaining = nonNegativeInteger(member.params.get('r'));
    if (chosen === undefined || (remaining !== undefined && (chosen.remaining === undefined || remaining < chosen.remaining))) {
      chosen = { member, remaining };
    }
  }
  if (!chosen) return;
  if (chosen.member.item !== '') setIfAbsent(status, 'policy', chosen.member.item);
  setIfAbsent(status, 'remaining', chosen.remaining);
  // `t` is always seconds from now in these drafts.
  const delta = nonNegativeNumber(chosen.member.params.get('t'));
  if (delta !== undefined && status.resetAtMs === undefined) setReset(status, nowMs + delta * 1000, nowMs, 'delta-seconds');
}

function applyPolicy(status: RateLimitStatus, text: string): void {
  const members = parseMembers(text).filter((m) => m.value === undefined);
  // Prefer the policy the RateLimit field named; otherwise the first one listed.
  const member = members.find((m) => status.policy !== undefined && m.item === status.policy) ?? members[0];
  if (!member) return;
  // -10/-11 use q= (quota), intermediate drafts l=, drafts -05/-06 a bare integer item (`10;w=1`).
  const quota =
    nonNegativeInteger(member.params.get('q')) ??
    nonNegativeInteger(member.params.get('l')) ??
    nonNegativeInteger(member.item);
  setIfAbsent(status, 'limit', quota);
  setIfAbsent(status, 'windowSeconds', positiveInteger(member.params.get('w')));
  if (status.policy === undefined && member.item !== '' && !/^\d+$/.test(member.item)) status.policy = member.item;
}

/** `RateLimit-Limit: 100` or, in drafts -00…-02, `100, 100;w=60, 1000;w=3600` (the first is the one in force). */
function applyLegacyLimit(status: RateLimitStatus, text: string): void {
  const [first] = parseMembers(text);
  if (!first) return;
  setIfAbsent(status, 'limit', nonNegativeInteger(first.item));
  const withWindow = parseMembers(text).find((m) => m.item === first.item && m.params.has('w'));
  setIfAbsent(status, 'windowSeconds', positiveInteger(withWindow?.params.get('w')));
}

function applyReset(status: RateLimitStatus, text: string | undefined, nowMs: number): void {
  if (status.resetAtMs !== undefined) return;
  const value = nonNegativeNumber(text);
  if (value === undefined) return;
  if (value >= 1e12) setReset(status, value, nowMs, 'epoch-milliseconds');
  else if (value >= 1e9) setReset(status, value * 1000, nowMs, 'epoch-seconds');
  else setReset(status, nowMs + value * 1000, nowMs, 'delta-seconds');
}

function setReset(status: RateLimitStatus, atMs: number, nowMs: number, kind: ResetKind): void {
  if (!Number.isFinite(atMs) || !Number.isFinite(nowMs)) return;
  status.resetAtMs = Math.round(atMs);
  status.resetSeconds = atMs <= nowMs ? 0 : Math.ceil((atMs - nowMs) / 1000);
  status.resetKind = kind;
}

function setIfAbsent<K extends 'limit' | 'remaining' | 'used' | 'windowSeconds' | 'policy' | 'resource'>(
  status: RateLimitStatus,
  key: K,
  value: RateLimitStatus[K] | undefined,
): void {
  if (status[key] === undefined && value !== undefined) status[key] = value;
}

/** Splits a list or dictionary field at top-level commas (commas inside quoted strings stay). */
function parseMembers(text: string): Member[] {
  const members: Member[] = [];
  for (const raw of splitOutsideQuotes(text, ',')) {
    const [head, ...paramParts] = splitOutsideQuotes(raw, ';').map((part) => part.trim());
    if (head === undefined || (head === '' && paramParts.length === 0)) continue;
    const params = new Map<string, string>();
    for (const part of paramParts) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
      if (key !== '') params.set(key, eq < 0 ? '?1' : unquote(part.slice(eq + 1).trim()));
    }
    const eq = head.startsWith('"') ? -1 : head.indexOf('=');
    if (eq >= 0) members.push({ item: head.slice(0, eq).trim().toLowerCase(), value: unquote(head.slice(eq + 1).trim()), params });
    else members.push({ item: unquote(head), params });
  }
  return members;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** A Structured Fields sf-string (RFC 8941 §3.3.3) without its quotes and escapes; other text as is. */
function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1).replace(/\\(["\\])/g, '$1');
  return text;
}

function nonNegativeInteger(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

function positiveInteger(text: string | undefined): number | undefined {
  const value = nonNegativeInteger(text);
  return value !== undefined && value > 0 ? value : undefined;
}

/** Integers and decimals (Discord and some gateways send fractional seconds). */
function nonNegativeNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!/^\d{1,15}(\.\d{1,9})?$/.test(trimmed)) return undefined;
  return Number(trimmed);
}
