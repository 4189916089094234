import { retryIgnored } from '../../../src/diagnosis/rules/retry-ignored';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { FAKE_START_MS, at } from '../../helpers/make-exchange';

const ctx = (history: ExchangeRecord[]): DiagnosisContext => ({ history, now: FAKE_START_MS + 60_000, userTimeouts: [] });
// Records last 50 ms, so a Retry-After: 30 answered at t=0 allows the next request from t = 30.05 s.
const throttled = (offsetMs: number, status: number, headers: Array<[string, string]>, seq = 3) =>
  at(offsetMs, { seq, response: { status, headers } });

describe('retry-ignored', () => {
  it('says how early a retry came after a 429 with Retry-After', () => {
    const history = [throttled(0, 429, [['Retry-After', '30']])];
    const [finding] = retryIgnored.check(at(2_550, { response: { status: 429 } }), ctx(history));
    expect(finding.summary).toBe('Sent 27.5 s before the Retry-After (30) of #3 (429) had passed.');
    expect(finding.severity).toBe('warn');
  });

  it('counts the requests sent during the wait', () => {
    const history = [throttled(0, 503, [['Retry-After', '10']]), at(1_000, { response: { status: 503 } }), at(2_000, { response: { status: 503 } })];
    const [finding] = retryIgnored.check(at(3_000, { response: { status: 503 } }), ctx(history));
    expect(finding.evidence).toContain('3 requests sent during the wait');
  });

  it('uses an exhausted rate-limit reset when there is no Retry-After', () => {
    const reset = String(Math.floor(FAKE_START_MS / 1000) + 120);
    const history = [throttled(0, 403, [['x-ratelimit-remaining', '0'], ['x-ratelimit-reset', reset]])];
    const [finding] = retryIgnored.check(at(60_000, { response: { status: 403 } }), ctx(history));
    expect(finding.summary).toBe('Sent 59.9 s before the rate-limit reset of #3 (403) had passed.');
  });

  it('fires for a retry that failed at the transport level', () => {
    const history = [throttled(0, 429, [['Retry-After', '120']])];
    const record = at(30_000, { error: { kind: 'reset', code: 'ECONNRESET', message: 'socket hang up' } });
    expect(retryIgnored.check(record, ctx(history))[0].explanation).toContain('failed (ECONNRESET)');
  });

  it('stays silent once the wait has passed', () => {
    const history = [throttled(0, 429, [['Retry-After', '30']])];
    expect(retryIgnored.check(at(31_000, { response: { status: 429 } }), ctx(history))).toEqual([]);
  });

  it('stays silent when the early retry succeeded', () => {
    const history = [throttled(0, 429, [['Retry-After', '30']])];
    expect(retryIgnored.check(at(5_000, { response: { status: 200 } }), ctx(history))).toEqual([]);
  });

  it('stays silent when the earlier 429 set no wait, or the earlier answer was not a throttle', () => {
    expect(retryIgnored.check(at(5_000, { response: { status: 429 } }), ctx([throttled(0, 429, [])]))).toEqual([]);
    expect(retryIgnored.check(at(5_000, { response: { status: 500 } }), ctx([throttled(0, 500, [['Retry-After', '30']])]))).toEqual([]);
    expect(retryIgnored.check(at(5_000, { response: { status: 429 } }), ctx([]))).toEqual([]);
  });
});
