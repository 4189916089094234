import { makeExchange } from '../../helpers/make-exchange';
import { serverError } from '../../../src/diagnosis/rules/server-error';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';

const ctx: DiagnosisContext = { history: [], now: 0, userTimeouts: [] };

describe('server-error', () => {
  it('warns that a POST may be partly done and lists the request ids, never the credentials', () => {
    const record = makeExchange({
      seq: 9,
      request: { method: 'POST', url: 'https://jira.example.com/rest/api/2/issue', headers: [['Authorization', 'Bearer s3cr3t-token-value'], ['Content-Type', 'application/json']], body: '{"fields":{}}' },
      response: { status: 500, headers: [['X-AREQUESTID', '1234x5678x1'], ['Content-Type', 'application/json']], body: '{"errorMessages":["Internal server error"],"errors":{}}' },
    });
    const [finding] = serverError.check(record, ctx);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('POST to jira.example.com failed with 500 Internal Server Error: the server hit an error while handling it.');
    expect(finding.explanation).toContain('may have been partly carried out');
    expect(finding.evidence).toContain('X-AREQUESTID: 1234x5678x1');
    expect(finding.nextSteps[0]).toBe('Check whether the POST took effect (look the resource up) before retrying');
    expect(JSON.stringify(finding)).not.toContain('s3cr3t');
  });

  it('quotes cf-ray, X-GitHub-Request-Id and the traceparent the client sent', () => {
    const record = makeExchange({
      request: { headers: [['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']] },
      response: { status: 500, headers: [['CF-RAY', '8c1f2e3d4a5b6c7d-FRA'], ['X-GitHub-Request-Id', 'C0DE:1234:5678']], body: '' },
    });
    const [finding] = serverError.check(record, ctx);
    expect(finding.evidence).toEqual(expect.arrayContaining(['CF-RAY: 8c1f2e3d4a5b6c7d-FRA', 'X-GitHub-Request-Id: C0DE:1234:5678', 'sent traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']));
    expect(finding.explanation).toContain('GET is idempotent');
  });

  it('mentions a platform timeout reported as 500 (Azure App Service 230 s)', () => {
    const record = makeExchange({ response: { status: 500, headers: [], body: 'The request timed out.' }, phases: { total: 230_400 } });
    const [finding] = serverError.check(record, ctx);
    expect(finding.explanation).toContain('Azure App Service front-end request timeout (230 s; partly confirmed)');
  });

  it('stays silent on other statuses', () => {
    for (const status of [200, 400, 501, 502, 503]) {
      expect(serverError.check(makeExchange({ response: { status } }), ctx)).toEqual([]);
    }
    expect(serverError.check(makeExchange({ response: null, error: { kind: 'reset', code: 'ECONNRESET', message: 'x' } }), ctx)).toEqual([]);
  });
});
