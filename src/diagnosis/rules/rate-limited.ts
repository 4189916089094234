/**
 * 429 Too Many Requests (RFC 6585 §4), or a 403 that is really a rate limit: GitHub answers its primary limit
 * with 403 or 429 and `x-ratelimit-remaining: 0`, and its secondary limits with 403/429 and "You have exceeded
 * a secondary rate limit" (docs.github.com, rate limits for the REST API).
 *
 * When to retry comes from `Retry-After` (RFC 9110 §10.2.3) first; failing that, from the reset of an exhausted
 * window (RateLimit-* / X-RateLimit-*); failing both, GitHub's advice for secondary limits — wait at least a
 * minute — and exponential backoff with jitter.
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import { bodyText } from '../../model/body';
import { originOf } from '../../model/url';
import { humanDuration, isoSeconds } from '../text';
import { isExhausted, parseRateLimit, type RateLimitStatus } from '../parsers/rate-limit';
import { parseRetryAfter } from '../parsers/retry-after';
import { startedAtMs, type Rule } from '../rule';

const WINDOW_MS = 60_000;
/** Wording of rate-limit errors in 403 bodies (GitHub primary and secondary limits, many gateways). */
const RATE_LIMIT_TEXT = /rate limit|too many requests/i;

export const rateLimited: Rule = {
  id: 'rate-limited',
  description: 'A 429, or a 403 whose rate-limit headers or message show the limit is used up: when to retry and how fast this client was going.',
  check(record, context) {
    const response = record.response;
    if (!response) return [];
    // Only a 429 or a 403 can be a rate limit here; parsing every 2xx's headers cost ~10 µs per exchange.
    if (response.status !== 429 && response.status !== 403) return [];
    const arrivedMs = responseTimeMs(record);
    const limits = parseRateLimit(response.headers, arrivedMs);
    const body = bodyText(response.body) ?? '';
    const is403Limit = response.status === 403 && (isExhausted(limits) || RATE_LIMIT_TEXT.test(body.slice(0, 2000)));
    if (response.status !== 429 && !is403Limit) return [];

    const evidence: string[] = [];
    const nextSteps: string[] = [];
    const statusLabel =
      response.status === 429 ? '429 Too Many Requests' : `403 with ${isExhausted(limits) ? 'no requests remaining' : 'a rate-limit message'}`;

    const retryAfterValue = headerValue(response.headers, 'retry-after');
    const retryAfter = retryAfterValue !== undefined ? parseRetryAfter(retryAfterValue, arrivedMs) : undefined;
    if (retryAfterValue !== undefined) {
      evidence.push(
        retryAfter
          ? `Retry-After: ${retryAfterValue.trim()} (wait ${humanDuration(retryAfter.delaySeconds * 1000)}, until ${isoSeconds(retryAfter.atMs)})`
          : `Retry-After is present but malformed (not seconds and not an HTTP-date)`,
      );
    }
    if (limits) evidence.push(describeLimits(limits));

    const recent = requestsInWindow(record, context.history);
    const origin = originOf(record.request.url) ?? 'this origin';
    evidence.push(`${recent} request${recent === 1 ? '' : 's'} from this client to ${origin} in the last minute`);

    let when: string;
    if (retryAfter) {
      when = `retry after ${humanDuration(retryAfter.delaySeconds * 1000)}, at ${isoSeconds(retryAfter.atMs)}`;
      nextSteps.push(`Wait until ${isoSeconds(retryAfter.atMs)} (Retry-After) before the next call to ${origin}`);
    } else if (limits?.resetAtMs !== undefined && (isExhausted(limits) || response.status === 429)) {
      when = `the window resets in ${humanDuration((limits.resetSeconds ?? 0) * 1000)}, at ${isoSeconds(limits.resetAtMs)}`;
      nextSteps.push(`Wait until ${isoSeconds(limits.resetAtMs)} (the rate-limit reset) before the next call to ${origin}`);
    } else {
      when = 'the response does not say when to retry';
      nextSteps.push('Wait at least a minute before retrying (GitHub\'s advice when no Retry-After or reset is given)');
    }
    nextSteps.push('Retry with exponential backoff and jitter (e.g. 1 s, 2 s, 4 s … capped, each randomised), and honour Retry-After');
    if (recent > 1) nextSteps.push(`Slow the client down: it sent ${recent} requests in the last minute; batch, cache or use conditional requests (ETag)`);

    const explanation =
      `The server (or a gateway in front of it) is throttling this client: ${when}. ` +
      (limits?.limit !== undefined
        ? `The advertised quota is ${limits.limit} request${limits.limit === 1 ? '' : 's'}${limits.windowSeconds ? ` per ${humanDuration(limits.windowSeconds * 1000)}` : ''}${limits.resource ? ` for the "${limits.resource}" resource` : ''}; `
        : '') +
      `this client sent ${recent} request${recent === 1 ? '' : 's'} to ${origin} in the minute up to this one. ` +
      'Retrying at once usually extends the block (GitHub may ban an integration that keeps hitting secondary limits), ' +
      `so the call is expected to fail until then. \`proxydoc replay ${record.seq}\` after that time confirms the limit has lifted.`;

    const finding: Finding = {
      rule: 'rate-limited',
      severity: 'error',
      summary: `Rate limited (${statusLabel}): ${when}.`,
      explanation,
      evidence,
      nextSteps,
    };
    return [finding];
  },
};

/** When the response reached proxydoc: the start plus the exchange's duration (time comes from the record). */
export function responseTimeMs(record: ExchangeRecord): number {
  const start = startedAtMs(record);
  const total = record.phases?.total;
  return typeof total === 'number' && Number.isFinite(total) && total >= 0 ? start + total : start;
}

/** Requests in the minute up to and including `record` (the history is already this client and origin). */
function requestsInWindow(record: ExchangeRecord, history: readonly ExchangeRecord[]): number {
  const start = startedAtMs(record);
  let count = 1;
  for (const earlier of history) {
    const age = start - startedAtMs(earlier);
    if (age >= 0 && age <= WINDOW_MS) count++;
  }
  return count;
}

function describeLimits(limits: RateLimitStatus): string {
  const parts: string[] = [];
  if (limits.remaining !== undefined) parts.push(`${limits.remaining} remaining${limits.limit !== undefined ? ` of ${limits.limit}` : ''}`);
  else if (limits.limit !== undefined) parts.push(`limit ${limits.limit}`);
  if (limits.used !== undefined) parts.push(`${limits.used} used`);
  if (limits.windowSeconds !== undefined) parts.push(`window ${humanDuration(limits.windowSeconds * 1000)}`);
  if (limits.resetAtMs !== undefined) parts.push(`resets at ${isoSeconds(limits.resetAtMs)}`);
  if (limits.resource) parts.push(`resource ${limits.resource}`);
  if (limits.policy) parts.push(`policy ${limits.policy}`);
  return `${parts.join(', ')} (${limits.headerNames.join(', ')})`;
}
