import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';
import { serviceUnavailable } from '../../../src/diagnosis/rules/service-unavailable';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';

const ctx: DiagnosisContext = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };
const VARNISH_503 = '<!DOCTYPE html><html><head><title>503 Backend fetch failed</title></head><body><h1>Error 503 Backend fetch failed</h1><h3>Guru Meditation:</h3><p>XID: 32770</p><p>Varnish cache server</p></body></html>';

describe('service-unavailable', () => {
  it('names Varnish and reads Retry-After as a wait and a time', () => {
    const record = makeExchange({
      response: { status: 503, headers: [['Via', '1.1 varnish (Varnish/7.4)'], ['Retry-After', '5']], body: VARNISH_503 },
      phases: { total: 1_000 },
    });
    const [finding] = serviceUnavailable.check(record, ctx);
    expect(finding.severity).toBe('error');
    // response received at 20:41:04.120Z; + 5 s
    expect(finding.summary).toBe('503 Service Unavailable from Varnish ("Backend fetch failed"); Retry-After asks to wait 5 s (until 2026-11-21T20:41:09.120Z).');
    expect(finding.nextSteps[0]).toBe('Wait 5 s (until 2026-11-21T20:41:09.120Z) before retrying, as Retry-After asks');
  });

  it('reads an HTTP-date Retry-After', () => {
    const record = makeExchange({ response: { status: 503, headers: [['Retry-After', 'Sat, 21 Nov 2026 20:43:04 GMT']], body: '{"error":"maintenance"}' }, phases: { total: 1_000 } });
    const [finding] = serviceUnavailable.check(record, ctx);
    expect(finding.summary).toBe('503 Service Unavailable from the API itself; Retry-After asks to wait 120 s (until 2026-11-21T20:43:04.000Z).');
  });

  it('names the Envoy connect failure and advises backoff without Retry-After', () => {
    const record = makeExchange({ response: { status: 503, headers: [['server', 'envoy']], body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure' }, phases: { total: 40 } });
    const [finding] = serviceUnavailable.check(record, ctx);
    expect(finding.summary).toBe('503 Service Unavailable from Envoy ("upstream connect error").');
    expect(finding.evidence).toContain('Envoy reset reason: connection failure');
    expect(finding.nextSteps[0]).toContain('exponential backoff');
  });

  it('stays silent on near misses', () => {
    // Heroku H12 at 30 s is a timeout: gateway-timeout explains it
    expect(serviceUnavailable.check(makeExchange({ response: { status: 503, headers: [['Via', '1.1 vegur']], body: '<iframe src="//www.herokucdn.com/error-pages/application-error.html"></iframe>' }, phases: { total: 30_100 } }), ctx)).toEqual([]);
    expect(serviceUnavailable.check(makeExchange({ response: { status: 502 } }), ctx)).toEqual([]);
    expect(serviceUnavailable.check(makeExchange({ response: { status: 429, headers: [['Retry-After', '5']] } }), ctx)).toEqual([]);
    expect(serviceUnavailable.check(makeExchange({ response: { status: 200 } }), ctx)).toEqual([]);
  });
});
