import { makeExchange } from '../../helpers/make-exchange';
import { gatewayTimeout, isTimeoutShaped } from '../../../src/diagnosis/rules/gateway-timeout';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import fc from 'fast-check';
import { badGateway } from '../../../src/diagnosis/rules/bad-gateway';
import { serviceUnavailable } from '../../../src/diagnosis/rules/service-unavailable';
import { serverError } from '../../../src/diagnosis/rules/server-error';
import { upstreamReset } from '../../../src/diagnosis/rules/upstream-reset';
import { clientAborted } from '../../../src/diagnosis/rules/client-aborted';
import { upstreamConnectTimeout } from '../../../src/diagnosis/rules/upstream-connect-timeout';

const ctx: DiagnosisContext = { history: [], now: 0, userTimeouts: [] };
const NGINX_504 =
  '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const APACHE_502 =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>502 Proxy Error</title>\n</head><body>\n<h1>Proxy Error</h1>\n<p>Reason: <strong>Error reading from remote server</strong></p>\n</body></html>\n';
const HEROKU_503 = '<iframe src="//www.herokucdn.com/error-pages/application-error.html"></iframe>';

describe('gateway-timeout', () => {
  it('names nginx proxy_read_timeout for an nginx 504 after 60.1 s, and warns about the POST', () => {
    const record = makeExchange({
      seq: 17,
      request: { method: 'POST', url: 'https://gitlab.example.com/api/v4/projects/1/issues' },
      response: { status: 504, headers: [['Server', 'nginx'], ['Content-Type', 'text/html']], body: NGINX_504 },
      phases: { total: 60_100 },
    });
    const [finding] = gatewayTimeout.check(record, ctx);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe(
      "504 after 60.1 s — matches nginx proxy_read_timeout (60 s), Kong Gateway Service read_timeout (60 s), AWS ALB idle timeout (60 s) and 2 more; the body is nginx's error page (<center>nginx</center>), so nginx is the likely hop.",
    );
    expect(finding.explanation).toContain('The upstream may still be processing the request and may complete it');
    expect(finding.explanation).toContain('POST is not idempotent');
    expect(finding.explanation).toContain('proxydoc replay 17');
    expect(finding.nextSteps[0]).toBe(
      'Raise nginx proxy_read_timeout (now 60 s) on the hop that answered, or make the operation asynchronous (answer 202 and let the client poll)',
    );
  });

  it('names the ALB when the 504 carries Server: awselb/2.0', () => {
    const record = makeExchange({
      response: { status: 504, headers: [['Server', 'awselb/2.0']], body: '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>' },
      phases: { total: 60_300 },
    });
    const [finding] = gatewayTimeout.check(record, ctx);
    expect(finding.summary).toBe('504 after 60.3 s — matches AWS ALB idle timeout (60 s), nginx proxy_read_timeout (60 s), Kong Gateway Service read_timeout (60 s) and 2 more; Server: awselb/2.0, so AWS ALB is the likely hop.');
  });

  it("takes Apache's 502 after 60 s as its Timeout", () => {
    const record = makeExchange({ response: { status: 502, headers: [['Server', 'Apache/2.4.57']], body: APACHE_502 }, phases: { total: 60_050 } });
    const [finding] = gatewayTimeout.check(record, ctx);
    expect(finding.summary).toContain('502 after 60.1 s — matches Apache httpd Timeout (60 s)');
    expect(finding.summary).toContain('so Apache httpd is the likely hop.');
    expect(finding.explanation).toContain('reports an upstream timeout as 502, not 504');
    expect(isTimeoutShaped(record, ctx)).toBe(true);
  });

  it('takes a Heroku 503 at 30 s as H12', () => {
    const record = makeExchange({ response: { status: 503, headers: [['Via', '1.1 vegur']], body: HEROKU_503 }, phases: { total: 30_400 } });
    const [finding] = gatewayTimeout.check(record, ctx);
    expect(finding.summary).toBe("503 after 30.4 s — matches Heroku router request timeout (H12) (30 s), Azure Front Door origin response timeout (30 s) and AWS API Gateway (HTTP API) maximum integration timeout (30 s; partly confirmed); the body is Heroku's router error page, so Heroku router is the likely hop.");
  });

  it('explains a Cloudflare 524 at 100 s and flags the conflicting sources', () => {
    const record = makeExchange({ response: { status: 524, headers: [['Server', 'cloudflare'], ['CF-RAY', '8c1f2e3d4a5b6c7d-FRA']], body: '<html>A timeout occurred</html>' }, phases: { total: 100_400 } });
    const [finding] = gatewayTimeout.check(record, ctx);
    expect(finding.summary).toBe("524 after 100.4 s — matches Cloudflare Proxy Read Timeout (100 s; sources disagree); status 524 is Cloudflare's own code for an origin failure, so Cloudflare is the likely hop.");
    expect(finding.explanation).toContain('Sources disagree');
  });

  it("names Envoy's 15 s route timeout", () => {
    const record = makeExchange({ response: { status: 504, headers: [['server', 'envoy']], body: 'upstream request timeout' }, phases: { total: 15_020 } });
    const [finding] = gatewayTimeout.check(record, ctx);
    expect(finding.summary).toBe("504 after 15.0 s — matches Envoy route timeout (15 s); the body is one of Envoy's plain-text local replies, so Envoy is the likely hop.");
  });

  it('still explains a 504 after 7 s that matches nothing, without naming a culprit', () => {
    const record = makeExchange({ response: { status: 504, headers: [], body: '' }, phases: { total: 7_000 } });
    const [finding] = gatewayTimeout.check(record, ctx);
    expect(finding.summary).toBe('504 Gateway Timeout after 7.0 s — no known default timeout matches, so a hop with a custom timeout gave up waiting for the upstream.');
    expect(finding.explanation).toContain('may still be processing');
  });

  it("counts the user's configured thresholds as candidates", () => {
    const record = makeExchange({ response: { status: 504, headers: [], body: '' }, phases: { total: 45_200 } });
    const [finding] = gatewayTimeout.check(record, { ...ctx, userTimeouts: [{ name: 'corporate proxy', seconds: 45 }] });
    expect(finding.summary).toBe('504 after 45.2 s — matches your "corporate proxy" timeout (45 s, from the config).');
    expect(finding.nextSteps[0]).toContain('Raise your "corporate proxy" timeout (45 s)');
  });

  it('fires on a 408 from a proxy', () => {
    const record = makeExchange({ response: { status: 408, headers: [], body: "<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n" }, phases: { total: 5_000 } });
    expect(gatewayTimeout.check(record, ctx)).toHaveLength(1);
  });

  it('stays silent on near misses', () => {
    // a 502 from Apache that came quickly: a crash, not a timeout
    expect(gatewayTimeout.check(makeExchange({ response: { status: 502, headers: [['Server', 'Apache']], body: APACHE_502 }, phases: { total: 300 } }), ctx)).toEqual([]);
    // a 502 at 60 s with no fingerprint: bad-gateway mentions the timeout, this rule does not claim it
    expect(gatewayTimeout.check(makeExchange({ response: { status: 502, headers: [], body: '' }, phases: { total: 60_000 } }), ctx)).toEqual([]);
    // nginx at 60 s but answering 503: nginx reports its timeouts as 504
    expect(gatewayTimeout.check(makeExchange({ response: { status: 503, headers: [['Server', 'nginx']], body: NGINX_504.replace(/504 Gateway Time-out/g, '503 Service Temporarily Unavailable') }, phases: { total: 60_000 } }), ctx)).toEqual([]);
    // the API's own JSON 408
    expect(gatewayTimeout.check(makeExchange({ response: { status: 408, body: '{"error":"slow"}' }, phases: { total: 200 } }), ctx)).toEqual([]);
    // healthy and unrelated
    expect(gatewayTimeout.check(makeExchange({ response: { status: 200 }, phases: { total: 60_000 } }), ctx)).toEqual([]);
    expect(gatewayTimeout.check(makeExchange({ response: { status: 500 }, phases: { total: 60_000 } }), ctx)).toEqual([]);
  });
});

describe('the server-side rules on arbitrary records', () => {
  it('never throw', () => {
    const rules = [gatewayTimeout, badGateway, serviceUnavailable, serverError, upstreamReset, clientAborted, upstreamConnectTimeout];
    const kinds = ['reset', 'timeout', 'client-aborted', 'connect-timeout', 'refused'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(408, 500, 502, 503, 504, 520, 524),
        fc.array(fc.tuple(fc.constantFrom('Server', 'Retry-After', 'Via', 'cf-ray', 'X-Request-Id', 'x'), fc.string())),
        fc.string(),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.option(fc.constantFrom(...kinds)),
        fc.string(),
        (status, headers, body, total, kind, address) => {
          const record = makeExchange({
            response: kind === 'connect-timeout' ? null : { status, headers, body },
            ...(kind ? { error: { kind, code: '', message: '' } } : {}),
            phases: { total },
            upstream: { reusedConnection: total % 2 === 0, address },
          });
          for (const rule of rules) rule.check(record, { ...ctx, userTimeouts: [{ name: 'x', seconds: total / 1000 }] });
        },
      ),
    );
  });
});
