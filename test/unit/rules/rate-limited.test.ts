import { rateLimited } from '../../../src/diagnosis/rules/rate-limited';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { FAKE_START_MS, at, makeExchange } from '../../helpers/make-exchange';

// makeExchange records last 50 ms: the response arrives at FAKE_START_MS + 50 = 20:41:03.170Z.
const ctx = (history: ExchangeRecord[] = []): DiagnosisContext => ({ history, now: FAKE_START_MS + 50, userTimeouts: [] });
const NOW_EPOCH_S = Math.floor(FAKE_START_MS / 1000);

describe('rate-limited', () => {
  it('gives Retry-After as a wait and a time, and counts the last minute of requests', () => {
    const history = [at(-70_000), at(-30_000), at(-10_000), at(-1_000)];
    const record = makeExchange({
      seq: 12,
      response: { status: 429, headers: [['Retry-After', '30'], ['RateLimit', 'limit=100, remaining=0, reset=30']] },
    });
    const [finding] = rateLimited.check(record, ctx(history));
    expect(finding.summary).toBe('Rate limited (429 Too Many Requests): retry after 30 s, at 2026-11-21T20:41:33Z.');
    expect(finding.severity).toBe('error');
    expect(finding.evidence).toEqual([
      'Retry-After: 30 (wait 30 s, until 2026-11-21T20:41:33Z)',
      '0 remaining of 100, resets at 2026-11-21T20:41:33Z (RateLimit)',
      '4 requests from this client to https://api.example.com:443 in the last minute',
    ]);
    expect(finding.nextSteps[1]).toContain('exponential backoff and jitter');
  });

  it('uses the GitHub reset for a 403 with x-ratelimit-remaining: 0', () => {
    const record = makeExchange({
      request: { url: 'https://api.github.com/user/repos' },
      response: {
        status: 403,
        headers: [
          ['x-ratelimit-limit', '60'],
          ['x-ratelimit-remaining', '0'],
          ['x-ratelimit-reset', String(NOW_EPOCH_S + 600)],
          ['x-ratelimit-resource', 'core'],
        ],
        body: '{"message":"API rate limit exceeded for 203.0.113.7."}',
      },
    });
    const [finding] = rateLimited.check(record, ctx());
    expect(finding.summary).toBe('Rate limited (403 with no requests remaining): the window resets in 10 min, at 2026-11-21T20:51:03Z.');
    expect(finding.explanation).toContain('The advertised quota is 60 requests for the "core" resource');
  });

  it('recognises a GitHub secondary limit 403 by its message', () => {
    const record = makeExchange({
      response: { status: 403, body: '{"message":"You have exceeded a secondary rate limit. Please wait a few minutes."}' },
    });
    const [finding] = rateLimited.check(record, ctx());
    expect(finding.summary).toBe('Rate limited (403 with a rate-limit message): the response does not say when to retry.');
  });

  it('reads an HTTP-date Retry-After', () => {
    const record = makeExchange({ response: { status: 429, headers: [['Retry-After', 'Sat, 21 Nov 2026 20:43:03 GMT']] } });
    expect(rateLimited.check(record, ctx())[0].summary).toBe(
      'Rate limited (429 Too Many Requests): retry after 2 min, at 2026-11-21T20:43:03Z.',
    );
  });

  it('says when Retry-After is malformed', () => {
    const record = makeExchange({ response: { status: 429, headers: [['Retry-After', 'soon']] } });
    const [finding] = rateLimited.check(record, ctx());
    expect(finding.evidence[0]).toBe('Retry-After is present but malformed (not seconds and not an HTTP-date)');
    expect(finding.summary).toBe('Rate limited (429 Too Many Requests): the response does not say when to retry.');
  });

  it.each([
    ['a plain 403', 403, [] as Array<[string, string]>, '{"message":"Forbidden"}'],
    ['a 403 with requests remaining', 403, [['X-RateLimit-Remaining', '10']] as Array<[string, string]>, ''],
    ['a 200 with remaining 0', 200, [['X-RateLimit-Remaining', '0']] as Array<[string, string]>, ''],
    ['a 503 with Retry-After', 503, [['Retry-After', '5']] as Array<[string, string]>, ''],
  ])('stays silent on %s', (_label, status, headers, body) => {
    expect(rateLimited.check(makeExchange({ response: { status, headers, body } }), ctx())).toEqual([]);
  });
});
