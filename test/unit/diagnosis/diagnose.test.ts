import { diagnose } from '../../../src/diagnosis/diagnose';
import type { Rule } from '../../../src/diagnosis/rule';
import type { Finding } from '../../../src/model/exchange';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };
const finding = (rule: string, severity: Finding['severity']): Finding => ({ rule, severity, summary: `${rule}.`, explanation: '', evidence: [], nextSteps: [] });
const fixed = (id: string, severity: Finding['severity'] | undefined, fallback = false): Rule => ({
  id,
  description: id,
  fallback,
  check: () => (severity ? [finding(id, severity)] : []),
});

describe('diagnose', () => {
  test('fallback rules run only when no specific rule found an error', () => {
    const record = makeExchange({ response: { status: 403 } });
    expect(diagnose(record, context, [fixed('specific', 'error'), fixed('generic', 'error', true)]).map((f) => f.rule)).toEqual(['specific']);
    expect(diagnose(record, context, [fixed('specific', 'warn'), fixed('generic', 'error', true)]).map((f) => f.rule)).toEqual(['specific', 'generic']);
    expect(diagnose(record, context, [fixed('generic', 'error', true), fixed('specific', undefined)]).map((f) => f.rule)).toEqual(['generic']);
  });

  test('a rule that throws becomes an info finding; the other rules still run', () => {
    const broken: Rule = { id: 'broken', description: 'x', check: () => { throw new TypeError('boom'); } };
    const findings = diagnose(makeExchange(), context, [broken, fixed('ok', 'warn')]);
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['broken', 'info'], ['ok', 'warn']]);
    expect(findings[0].summary).toBe('The broken diagnosis failed on this exchange; this is a proxydoc bug.');
  });

  test("proxydoc's own refusals are not read as an upstream's answer (a 403 CONNECT is not auth-missing)", () => {
    const refused = makeExchange({
      request: { method: 'CONNECT', url: 'example.com:25', headers: [['Host', 'example.com:25']] },
      response: { status: 403, statusText: 'Forbidden', body: 'proxydoc does not open tunnels to port 25\n' },
      error: { kind: 'proxydoc-refused', code: 'PROXYDOC_CONNECT_PORT_NOT_ALLOWED', message: 'x', stage: 'request' },
    });
    expect(diagnose(refused, context, [fixed('any', 'error')])).toEqual([]);
    // The same answer from an upstream is diagnosed.
    const upstream = makeExchange({ request: refused.request, response: { status: 403, statusText: 'Forbidden' } });
    expect(diagnose(upstream, context, [fixed('any', 'error')]).map((f) => f.rule)).toEqual(['any']);
  });

  test('the real table leaves a healthy exchange without findings', () => {
    const record = makeExchange({ response: { status: 200, headers: [['Content-Type', 'application/json']], body: '{"ok":true}' } });
    expect(diagnose(record, context)).toEqual([]);
  });
});
