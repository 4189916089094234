import { authFailureLoop } from '../../../src/diagnosis/rules/auth-failure-loop';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { FAKE_START_MS, at } from '../../helpers/make-exchange';

const SECRET = 'api-token-0123456789';

function attempt(offsetMs: number, seq: number, status: number, token = SECRET, responseHeaders: Array<[string, string]> = []): ExchangeRecord {
  return at(offsetMs, { seq, request: { headers: [['X-Api-Key', token]] }, response: { status, headers: responseHeaders } });
}

const ctx = (history: ExchangeRecord[]): DiagnosisContext => ({ history, now: FAKE_START_MS + 60_000, userTimeouts: [] });

describe('auth-failure-loop', () => {
  it('fires on the third consecutive 401 within a minute with the same credential', () => {
    const history = [attempt(0, 1, 401), attempt(10_000, 2, 401)];
    const [finding] = authFailureLoop.check(attempt(20_000, 3, 401), ctx(history));
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toBe('This client got 3 consecutive 401/403 from this host in 20 s, each time with the same credential.');
    expect(finding.evidence[0]).toBe('3 consecutive 401/403 in 20 s (#1–#3)');
    expect(JSON.stringify(finding)).not.toContain(SECRET);
  });

  it('counts mixed 401/403 and says when credentials changed', () => {
    const history = [attempt(0, 1, 403, 'one'), attempt(1000, 2, 401, 'two')];
    const [finding] = authFailureLoop.check(attempt(2000, 3, 401, 'three'), ctx(history));
    expect(finding.summary).toBe('This client got 3 consecutive 401/403 from this host in 2 s.');
    expect(finding.evidence).toContain('3 different credentials');
  });

  it("mentions Jira's CAPTCHA when X-Seraph-LoginReason says AUTHENTICATION_DENIED", () => {
    const denied: Array<[string, string]> = [['X-Seraph-LoginReason', 'AUTHENTICATION_DENIED']];
    const [finding] = authFailureLoop.check(attempt(2000, 3, 401, SECRET, denied), ctx([attempt(0, 1, 401), attempt(1000, 2, 401)]));
    expect(finding.nextSteps).toContain('Log in once in the browser and solve the CAPTCHA to unlock the account.');
  });

  it.each([
    ['only two failures', [attempt(0, 1, 200), attempt(10_000, 2, 401)], attempt(20_000, 3, 401)],
    ['a success in between', [attempt(0, 1, 401), attempt(5000, 2, 200), attempt(10_000, 3, 401)], attempt(20_000, 4, 401)],
    ['failures spread over more than a minute', [attempt(0, 1, 401), attempt(30_000, 2, 401)], attempt(61_000, 3, 401)],
    ['the current exchange succeeded', [attempt(0, 1, 401), attempt(1000, 2, 401)], attempt(2000, 3, 200)],
    ['no history', [], attempt(0, 1, 401)],
  ] as Array<[string, ExchangeRecord[], ExchangeRecord]>)('stays silent with %s', (_label, history, current) => {
    expect(authFailureLoop.check(current, ctx(history))).toEqual([]);
  });
});
