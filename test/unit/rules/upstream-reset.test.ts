import { makeExchange } from '../../helpers/make-exchange';
import { upstreamReset } from '../../../src/diagnosis/rules/upstream-reset';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';

const ctx: DiagnosisContext = { history: [], now: 0, userTimeouts: [] };
const reset = (stage?: 'request' | 'response-headers' | 'response-body') => ({ kind: 'reset' as const, code: 'ECONNRESET', message: 'socket hang up', ...(stage ? { stage } : {}) });

describe('upstream-reset', () => {
  it('names the AWS NLB idle timeout for a reset before any response after 350 s', () => {
    const record = makeExchange({ request: { method: 'POST', url: 'https://api.example.com/v1/reports' }, response: null, error: reset('response-headers'), phases: { total: 350_200 } });
    const [finding] = upstreamReset.check(record, ctx);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('api.example.com closed the connection after the request was sent, before any response (ECONNRESET after 350.2 s) — 350.2 s matches AWS NLB TCP idle timeout (350 s).');
    expect(finding.explanation).toContain('L4 balancer');
    expect(finding.explanation).toContain('POST is not idempotent');
  });

  it('names the Azure LB idle timeout at 240 s', () => {
    const record = makeExchange({ response: null, error: reset('response-headers'), phases: { total: 241_000 } });
    expect(upstreamReset.check(record, ctx)[0].summary).toContain('matches Azure Load Balancer idle timeout (240 s)');
  });

  it('calls a quick reset on a reused connection a keep-alive race', () => {
    const record = makeExchange({ response: null, error: reset('request'), phases: { total: 3 }, upstream: { reusedConnection: true } });
    const [finding] = upstreamReset.check(record, ctx);
    expect(finding.summary).toBe('api.example.com closed the connection while the request was still being sent (ECONNRESET after 0.0 s) — on a reused keep-alive connection, likely a keep-alive race.');
    expect(finding.explanation).toContain('A retry on a fresh connection usually succeeds');
  });

  it('says a mid-body reset truncated the response', () => {
    const record = makeExchange({ response: { status: 200, body: '{"items":[1,2' }, error: reset('response-body'), phases: { total: 12_000 } });
    const [finding] = upstreamReset.check(record, ctx);
    expect(finding.summary).toBe('api.example.com closed the connection mid-body, after the 200 headers (ECONNRESET after 12.0 s).');
    expect(finding.explanation).toContain('truncated body');
  });

  it('explains an upstream that went silent until the connection timed out', () => {
    const record = makeExchange({ response: null, error: { kind: 'timeout', code: 'ETIMEDOUT', message: 'timeout', stage: 'response-headers' }, phases: { total: 120_000 } });
    expect(upstreamReset.check(record, ctx)[0].summary).toBe('The connection to api.example.com went silent and timed out after the request was sent, before any response (ETIMEDOUT after 120.0 s).');
  });

  it('stays silent on other errors and on healthy exchanges', () => {
    expect(upstreamReset.check(makeExchange({ response: null, error: { kind: 'refused', code: 'ECONNREFUSED', message: 'x' } }), ctx)).toEqual([]);
    expect(upstreamReset.check(makeExchange({ response: null, error: { kind: 'client-aborted', code: 'ECONNRESET', message: 'x' } }), ctx)).toEqual([]);
    expect(upstreamReset.check(makeExchange({ response: { status: 200 }, phases: { total: 350_000 } }), ctx)).toEqual([]);
  });

  it('does not blame a keep-alive timer (nginx keepalive_timeout 75 s) for a mid-exchange reset', () => {
    const record = makeExchange({ response: null, error: reset('response-headers'), phases: { total: 75_000 } });
    expect(upstreamReset.check(record, ctx)[0].summary).not.toContain('keepalive_timeout');
  });
});
