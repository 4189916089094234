/**
 * A request sent before the `Retry-After` of an earlier 429/503 from the same origin had passed
 * (RFC 9110 §10.2.3: "how long the user agent ought to wait before making a follow-up request").
 * GitHub sends Retry-After on 403 secondary-limit answers too. An exhausted rate-limit window (remaining 0 with a reset time) on an earlier 429/403 counts the same way.
 * Fires only when this request failed too: an early retry the server accepted is healthy traffic.
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import { humanDuration, isoSeconds } from '../text';
import { isExhausted, parseRateLimit } from '../parsers/rate-limit';
import { parseRetryAfter } from '../parsers/retry-after';
import { startedAtMs, type Rule } from '../rule';
import { responseTimeMs } from './rate-limited';

interface Deadline {
  record: ExchangeRecord;
  atMs: number;
  /** Which header set the deadline, for the evidence. */
  from: string;
}

export const retryIgnored: Rule = {
  id: 'retry-ignored',
  description: 'A request repeated before the Retry-After (or rate-limit reset) of an earlier 429/503 from the same origin had passed.',
  check(record, context) {
    const status = record.response?.status;
    if (status !== undefined && status < 400) return [];
    const start = startedAtMs(record);
    if (!Number.isFinite(start)) return [];

    const deadline = latestDeadline(context.history, start);
    if (!deadline || start >= deadline.atMs) return [];

    const earlyMs = deadline.atMs - start;
    const throttled = deadline.record;
    const throttledStatus = throttled.response?.status;
    const sentInWindow = context.history.filter((r) => {
      const t = startedAtMs(r);
      return r !== throttled && t > startedAtMs(throttled) && t < deadline.atMs;
    }).length + 1;
    const outcome = status !== undefined ? `got ${status}` : `failed (${record.error?.code ?? 'no response'})`;

    const finding: Finding = {
      rule: 'retry-ignored',
      severity: 'warn',
      summary: `Sent ${formatEarly(earlyMs)} before the ${deadline.from} of #${throttled.seq} (${throttledStatus}) had passed.`,
      explanation:
        `#${throttled.seq} answered ${throttledStatus} and asked the client to wait until ${isoSeconds(deadline.atMs)}; ` +
        `this request came ${formatEarly(earlyMs)} early and ${outcome}. ` +
        (sentInWindow > 1 ? `It is request ${sentInWindow} inside that wait. ` : '') +
        'The client likely retries on a fixed schedule without reading Retry-After, which keeps it throttled and can ' +
        'extend the block (GitHub penalises integrations that keep hitting secondary limits).',
      evidence: [
        `#${throttled.seq} ${throttledStatus} ${deadline.from} → wait until ${isoSeconds(deadline.atMs)}`,
        `this request at ${isoSeconds(start)}, ${formatEarly(earlyMs)} early`,
        ...(sentInWindow > 1 ? [`${sentInWindow} requests sent during the wait`] : []),
      ],
      nextSteps: [
        'Make the client honour Retry-After (seconds or an HTTP-date) before retrying',
        'Back off exponentially with jitter when no Retry-After is given',
      ],
    };
    return [finding];
  },
};

/** The most recent throttling answer before `start` that set a wait, with the time that wait ends. */
function latestDeadline(history: readonly ExchangeRecord[], start: number): Deadline | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const earlier = history[i];
    const response = earlier.response;
    if (!response || startedAtMs(earlier) >= start) continue;
    if (response.status !== 429 && response.status !== 503 && response.status !== 403) continue;
    const arrived = responseTimeMs(earlier);
    const retryAfterValue = headerValue(response.headers, 'retry-after');
    const retryAfter = retryAfterValue !== undefined ? parseRetryAfter(retryAfterValue, arrived) : undefined;
    if (retryAfter) return { record: earlier, atMs: retryAfter.atMs, from: `Retry-After (${retryAfterValue?.trim()})` };
    if (response.status === 503) continue;
    const limits = parseRateLimit(response.headers, arrived);
    if (isExhausted(limits) && limits?.resetAtMs !== undefined) {
      return { record: earlier, atMs: limits.resetAtMs, from: 'rate-limit reset' };
    }
  }
  return undefined;
}

/** "2.4 s" under a minute (the precision matters for tight retry loops), else a human duration. */
function formatEarly(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : humanDuration(ms);
}
