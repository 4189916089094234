import { makeExchange } from '../../helpers/make-exchange';
import { clientAborted } from '../../../src/diagnosis/rules/client-aborted';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';

const ctx: DiagnosisContext = { history: [], now: 0, userTimeouts: [] };
const aborted = { kind: 'client-aborted' as const, code: 'ECONNRESET', message: 'client closed' };

describe('client-aborted', () => {
  it("says the client's own 30 s timeout tripped", () => {
    const record = makeExchange({ request: { method: 'POST' }, response: null, error: aborted, phases: { total: 30_050 } });
    const [finding] = clientAborted.check(record, ctx);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('The client gave up after 30.1 s, before the response ended — its own timeout tripped (30 s is a common client timeout).');
    expect(finding.explanation).toContain('may do it twice');
  });

  it('names undici headersTimeout at 300 s', () => {
    const record = makeExchange({ response: null, error: aborted, phases: { total: 300_500 } });
    expect(clientAborted.check(record, ctx)[0].summary).toBe(
      'The client gave up after 300.5 s, before the response ended — its own timeout tripped (matches undici / Node.js fetch headersTimeout (300 s)).',
    );
  });

  it("uses the user's configured client timeout", () => {
    const record = makeExchange({ response: null, error: aborted, phases: { total: 25_000 } });
    const [finding] = clientAborted.check(record, { ...ctx, userTimeouts: [{ name: 'billing client', seconds: 25 }] });
    expect(finding.summary).toContain('(matches your "billing client" timeout (25 s, from the config))');
  });

  it('is only a warning for a quick close with no round figure', () => {
    const record = makeExchange({ response: { status: 200, body: 'partial' }, error: aborted, phases: { total: 2_300 } });
    const [finding] = clientAborted.check(record, ctx);
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toBe('The client closed the connection after 2.3 s, before the response ended.');
  });

  it('stays silent when the client did not abort', () => {
    expect(clientAborted.check(makeExchange({ response: { status: 200 }, phases: { total: 30_000 } }), ctx)).toEqual([]);
    expect(clientAborted.check(makeExchange({ response: null, error: { kind: 'reset', code: 'ECONNRESET', message: 'x' }, phases: { total: 30_000 } }), ctx)).toEqual([]);
  });
});
