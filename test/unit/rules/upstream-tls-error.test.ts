import { upstreamTlsError } from '../../../src/diagnosis/rules/upstream-tls-error';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import type { TransportError } from '../../../src/model/exchange';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const context: DiagnosisContext = { history: [], now: FAKE_START_MS + 100, userTimeouts: [] };
const tls = (error: Omit<TransportError, 'kind'>, url = 'https://api.example.com/v1') =>
  upstreamTlsError.check(makeExchange({ seq: 9, request: { url }, error: { kind: 'tls', ...error } }), context);

describe('upstream-tls-error', () => {
  it('explains an expired certificate with its validity', () => {
    const [finding] = tls({
      code: 'CERT_HAS_EXPIRED',
      message: 'certificate has expired',
      certificate: { subject: 'CN=api.example.com', issuer: "CN=R3, O=Let's Encrypt", validFrom: 'Aug  1 00:00:00 2026 GMT', validTo: 'Oct 30 00:00:00 2026 GMT' },
    });
    expect(finding.summary).toBe('TLS handshake with api.example.com:443 failed: CERT_HAS_EXPIRED.');
    expect(finding.explanation).toContain("the server's certificate (or one in its chain) has expired (it expired Oct 30 00:00:00 2026 GMT)");
    expect(finding.evidence).toEqual([
      'CERT_HAS_EXPIRED: certificate has expired',
      'subject CN=api.example.com',
      "issuer CN=R3, O=Let's Encrypt",
      'valid Aug  1 00:00:00 2026 GMT – Oct 30 00:00:00 2026 GMT',
    ]);
    expect(finding.nextSteps).toContain('Then replay: proxydoc replay 9');
  });

  it('suggests --upstream-ca for a private CA', () => {
    const [finding] = tls({ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' });
    expect(finding.nextSteps[0]).toBe('If the server uses a private/corporate CA, give proxydoc that CA: proxydoc start --upstream-ca FILE.pem');
    expect(finding.nextSteps[1]).toContain('--insecure-upstream');
  });

  it('names the host missing from the certificate', () => {
    const [finding] = tls({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      message: "Hostname/IP does not match certificate's altnames",
      certificate: { altNames: 'DNS:*.example.org' },
    });
    expect(finding.explanation).toContain('(api.example.com is not among DNS:*.example.org)');
  });

  it('recognises TLS spoken to a plain-HTTP port', () => {
    const [finding] = tls(
      { code: 'EPROTO', message: 'C0:error:0A00010B:SSL routines:ssl3_get_record:wrong version number' },
      'https://api.example.com:8080/v1',
    );
    expect(finding.summary).toBe('TLS handshake with api.example.com:8080 failed (EPROTO): the port does not speak TLS.');
    expect(finding.evidence).toContain('https:// to port 8080');
    expect(finding.nextSteps[0]).toBe('Use http:// for this port, or the port where the service speaks HTTPS (443, 8443)');
  });

  it('still reports an unknown code with the library message', () => {
    const [finding] = tls({ code: 'ERR_SOMETHING_NEW', message: 'odd failure' });
    expect(finding.summary).toBe('TLS handshake with api.example.com:443 failed: ERR_SOMETHING_NEW.');
    expect(finding.explanation).toContain('is not one proxydoc knows in detail');
  });

  it('stays silent on other errors, on client-side TLS rejections and on responses', () => {
    const client = makeExchange({ error: { kind: 'client-tls-rejected', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', message: 'alert unknown ca' } });
    expect(upstreamTlsError.check(client, context)).toEqual([]);
    expect(upstreamTlsError.check(makeExchange({ response: { status: 526 } }), context)).toEqual([]);
  });
});
