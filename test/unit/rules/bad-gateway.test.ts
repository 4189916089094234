import { makeExchange } from '../../helpers/make-exchange';
import { badGateway } from '../../../src/diagnosis/rules/bad-gateway';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';

const ctx: DiagnosisContext = { history: [], now: 0, userTimeouts: [] };
const NGINX_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const APACHE_502 = '<html><head><title>502 Proxy Error</title></head><body><h1>Proxy Error</h1><p>Reason: <strong>Error reading from remote server</strong></p></body></html>';

describe('bad-gateway', () => {
  it('names nginx as the hop for a quick nginx 502', () => {
    const record = makeExchange({ response: { status: 502, headers: [['Server', 'nginx/1.24.0']], body: NGINX_502 }, phases: { total: 120 } });
    const [finding] = badGateway.check(record, ctx);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('502 Bad Gateway from nginx: it got no valid response from the server behind it.');
    expect(finding.explanation).toContain('upstream prematurely closed connection');
    expect(finding.nextSteps[0]).toContain("nginx's error.log");
  });

  it('says a 502 after 60 s without a fingerprint possibly is a timeout (Apache answers 502 at 60 s)', () => {
    const record = makeExchange({ response: { status: 502, headers: [], body: '' }, phases: { total: 60_000 } });
    const [finding] = badGateway.check(record, ctx);
    expect(finding.summary).toBe('502 Bad Gateway from a proxy between proxydoc and the API: it got no valid response from the server behind it.');
    expect(finding.explanation).toContain('It came after 60.0 s, which matches Apache httpd Timeout (60 s)');
    expect(finding.explanation).toContain('possibly a timeout reported as 502');
  });

  it('quotes the Envoy reset reason', () => {
    const record = makeExchange({ response: { status: 502, headers: [['server', 'envoy']], body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination' } });
    const [finding] = badGateway.check(record, ctx);
    expect(finding.evidence).toContain('Envoy reset reason: connection termination');
  });

  it("explains Cloudflare's 521", () => {
    const record = makeExchange({ response: { status: 521, headers: [['Server', 'cloudflare'], ['CF-RAY', 'abc-FRA']], body: '<html></html>' } });
    const [finding] = badGateway.check(record, ctx);
    expect(finding.summary).toBe('521 from Cloudflare: the origin refused the connection.');
  });

  it('stays silent on near misses', () => {
    // Apache's 502 at its 60 s Timeout belongs to gateway-timeout
    expect(badGateway.check(makeExchange({ response: { status: 502, headers: [['Server', 'Apache']], body: APACHE_502 }, phases: { total: 60_200 } }), ctx)).toEqual([]);
    expect(badGateway.check(makeExchange({ response: { status: 504, body: NGINX_502 } }), ctx)).toEqual([]);
    expect(badGateway.check(makeExchange({ response: { status: 200 } }), ctx)).toEqual([]);
    // a 521 that is not Cloudflare's
    expect(badGateway.check(makeExchange({ response: { status: 521, headers: [], body: '' } }), ctx)).toEqual([]);
    expect(badGateway.check(makeExchange({ response: null, error: { kind: 'reset', code: 'ECONNRESET', message: 'x' } }), ctx)).toEqual([]);
  });
});
