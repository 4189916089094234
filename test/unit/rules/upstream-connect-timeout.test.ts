import { makeExchange } from '../../helpers/make-exchange';
import { upstreamConnectTimeout } from '../../../src/diagnosis/rules/upstream-connect-timeout';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';

const ctx: DiagnosisContext = { history: [], now: 0, userTimeouts: [] };
const timedOut = { kind: 'connect-timeout' as const, code: 'ETIMEDOUT', message: 'connect ETIMEDOUT', stage: 'connect' as const };

describe('upstream-connect-timeout', () => {
  it('names the target, the elapsed time and the firewall suspicion', () => {
    const record = makeExchange({ request: { url: 'https://api.example.com:8443/v1/x' }, response: null, error: timedOut, phases: { total: 10_000 }, upstream: { reusedConnection: false, address: '203.0.113.7:8443' } });
    const [finding] = upstreamConnectTimeout.check(record, ctx);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('Connecting to api.example.com:8443 (203.0.113.7:8443) timed out after 10.0 s — nothing answered the TCP handshake.');
    expect(finding.explanation).toContain('security group');
    expect(finding.explanation).toContain('Port 8443 is non-standard');
  });

  it('points at the VPN for a private address', () => {
    const record = makeExchange({ response: null, error: timedOut, phases: { total: 21_000 }, upstream: { reusedConnection: false, address: '10.0.3.4:443' } });
    expect(upstreamConnectTimeout.check(record, ctx)[0].evidence).toContain('10.0.3.4 is a private address');
  });

  it('stays silent on refused connections and responses', () => {
    expect(upstreamConnectTimeout.check(makeExchange({ response: null, error: { kind: 'refused', code: 'ECONNREFUSED', message: 'x' } }), ctx)).toEqual([]);
    expect(upstreamConnectTimeout.check(makeExchange({ response: { status: 504 } }), ctx)).toEqual([]);
  });
});
