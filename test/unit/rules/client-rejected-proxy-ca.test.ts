import { clientRejectedProxyCa } from '../../../src/diagnosis/rules/client-rejected-proxy-ca';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import type { HeaderPairs } from '../../../src/model/exchange';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const context: DiagnosisContext = { history: [], now: FAKE_START_MS + 100, userTimeouts: [] };
const rejected = (headers: HeaderPairs, message = 'tlsv1 alert unknown ca', code = 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA') =>
  clientRejectedProxyCa.check(
    makeExchange({
      request: { url: 'https://api.example.com/', headers },
      error: { kind: 'client-tls-rejected', code, message },
    }),
    context,
  );

describe('client-rejected-proxy-ca', () => {
  it('names the host and lists every runtime fix', () => {
    const [finding] = rejected([]);
    expect(finding.summary).toBe("The app rejected proxydoc's certificate for api.example.com: it does not trust proxydoc's CA.");
    expect(finding.severity).toBe('error');
    const steps = finding.nextSteps.join('\n');
    for (const fix of ['NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'curl --cacert', 'keytool -importcert -cacerts', 'GIT_SSL_CAINFO']) {
      expect(steps).toContain(fix);
    }
    expect(finding.nextSteps[0]).toContain('certs/ca.pem (or your --ca-dir; `proxydoc ca` shows it)');
  });

  it('puts the runtime named by the User-Agent first', () => {
    const [finding] = rejected([['User-Agent', 'python-requests/2.32.3']]);
    expect(finding.nextSteps[1]).toContain('REQUESTS_CA_BUNDLE');
    expect(finding.explanation).toContain('The User-Agent says Python');
    expect(rejected([['User-Agent', 'curl/8.5.0']])[0].nextSteps[1]).toContain('curl --cacert');
    expect(rejected([['User-Agent', 'git/2.43.0']])[0].nextSteps[1]).toContain('GIT_SSL_CAINFO');
    expect(rejected([['User-Agent', 'Java/21.0.2']])[0].nextSteps[1]).toContain('keytool');
  });

  it('is less sure when the alert does not say the CA was distrusted', () => {
    const [finding] = rejected([], 'socket hang up during handshake', 'ECONNRESET');
    expect(finding.explanation).toContain('it most likely does not have');
  });

  it('stays silent on upstream TLS failures and on responses', () => {
    const upstream = makeExchange({ error: { kind: 'tls', code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' } });
    expect(clientRejectedProxyCa.check(upstream, context)).toEqual([]);
    expect(clientRejectedProxyCa.check(makeExchange(), context)).toEqual([]);
  });
});
