import { upstreamConnectionRefused } from '../../../src/diagnosis/rules/upstream-connection-refused';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const context: DiagnosisContext = { history: [], now: FAKE_START_MS + 100, userTimeouts: [] };
const refused = (url: string) =>
  upstreamConnectionRefused.check(
    makeExchange({ request: { url }, error: { kind: 'refused', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.5:8080' } }),
    context,
  );

describe('upstream-connection-refused', () => {
  it('names host:port', () => {
    const [finding] = refused('http://10.0.0.5:8081/health');
    expect(finding.summary).toBe('Connection to 10.0.0.5:8081 was refused (ECONNREFUSED): nothing is listening there.');
    expect(finding.severity).toBe('error');
    expect(finding.nextSteps[0]).toBe('Check that the service is running and listening on 10.0.0.5:8081');
  });

  it('points at an https/http port mix-up', () => {
    const [finding] = refused('https://api.internal:8080/v1');
    expect(finding.explanation).toContain('Port 8080 is usually plain HTTP, yet the URL says https://');
    expect(finding.evidence).toContain('https:// with port 8080');
  });

  it('mentions the default port when the URL has none', () => {
    expect(refused('https://api.example.com/v1')[0].evidence).toContain('no port in the URL, so https used its default 443');
  });

  it('explains loopback as seen from proxydoc', () => {
    const [finding] = refused('http://localhost:3000/api');
    expect(finding.explanation).toContain('localhost is loopback as seen from proxydoc');
  });

  it('stays silent on other errors and on responses', () => {
    const timeout = makeExchange({ error: { kind: 'connect-timeout', code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' } });
    expect(upstreamConnectionRefused.check(timeout, context)).toEqual([]);
    expect(upstreamConnectionRefused.check(makeExchange({ response: { status: 503 } }), context)).toEqual([]);
  });
});
