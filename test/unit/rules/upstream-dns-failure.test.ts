import { upstreamDnsFailure } from '../../../src/diagnosis/rules/upstream-dns-failure';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const context: DiagnosisContext = { history: [], now: FAKE_START_MS + 100, userTimeouts: [] };
const failing = (url: string, code: string, kind: 'dns' | 'reset' = 'dns') =>
  upstreamDnsFailure.check(makeExchange({ seq: 4, request: { url }, error: { kind, code, message: `getaddrinfo ${code} x` } }), context);

describe('upstream-dns-failure', () => {
  it('names the host and suggests checking the spelling for ENOTFOUND', () => {
    const [finding] = failing('https://api.exmaple.com/v1', 'ENOTFOUND');
    expect(finding.summary).toBe("DNS lookup of api.exmaple.com failed (ENOTFOUND): the name does not resolve from proxydoc's machine.");
    expect(finding.severity).toBe('error');
    expect(finding.nextSteps[0]).toBe("Check the spelling of api.exmaple.com in the app's configuration");
    expect(finding.nextSteps).toContain('If the app reaches api.exmaple.com directly, add it to NO_PROXY (e.g. NO_PROXY=api.exmaple.com)');
  });

  it('hints at NO_PROXY for an internal-looking name', () => {
    const [finding] = failing('http://payments.svc.cluster.local:8080/charge', 'ENOTFOUND');
    expect(finding.evidence).toContain('payments.svc.cluster.local looks like a private-network name');
    expect(finding.explanation).toContain("add it to the app's NO_PROXY");
    expect(finding.nextSteps).toContain('If the app reaches payments.svc.cluster.local directly, add it to NO_PROXY (e.g. NO_PROXY=.cluster.local)');
  });

  it('treats a single-label Docker service name as internal', () => {
    expect(failing('http://billing:3000/x', 'ENOTFOUND')[0].evidence).toContain('billing looks like a private-network name');
  });

  it('calls EAI_AGAIN a temporary resolver failure', () => {
    const [finding] = failing('https://api.example.com/', 'EAI_AGAIN');
    expect(finding.summary).toBe('DNS lookup of api.example.com failed temporarily (EAI_AGAIN).');
    expect(finding.nextSteps[0]).toBe('Retry: proxydoc replay 4');
  });

  it('stays silent on other transport errors and on responses', () => {
    expect(failing('https://api.example.com/', 'ECONNRESET', 'reset')).toEqual([]);
    expect(upstreamDnsFailure.check(makeExchange({ response: { status: 502 } }), context)).toEqual([]);
  });
});
