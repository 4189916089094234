import { FilterError, matchesFilter, parseFilterExpression, parseSince, parseStatusList } from '../../../src/log/filter';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const notFound = makeExchange({
  request: { method: 'GET', url: 'https://api.example.com:8443/v1/x' },
  response: { status: 404 },
});
const timedOut = makeExchange({ request: { method: 'POST', url: 'http://other.test/y' }, response: { status: 504 } });
const refused = makeExchange({
  request: { url: 'http://down.test/' },
  response: null,
  error: { kind: 'refused', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
});
const withFinding = makeExchange({ response: { status: 401 } });
withFinding.findings = [{ rule: 'auth-missing', severity: 'error', summary: 's', explanation: 'e', evidence: [], nextSteps: [] }];

describe('parsing filter values', () => {
  it('reads codes, classes and ranges', () => {
    expect(parseStatusList('4xx, 504,500-502')).toEqual([
      { min: 400, max: 499 },
      { min: 504, max: 504 },
      { min: 500, max: 502 },
    ]);
  });

  it.each(['4x', '99', '600-500', ''])('rejects status "%s" with the accepted forms', (text) => {
    expect(() => parseStatusList(text)).toThrow(FilterError);
  });

  it('reads durations and times', () => {
    expect(parseSince('10m')).toEqual({ sinceMs: 600_000 });
    expect(parseSince('1h30m')).toEqual({ sinceMs: 5_400_000 });
    expect(parseSince('2026-11-21T20:00:00Z')).toEqual({ sinceEpochMs: Date.parse('2026-11-21T20:00:00Z') });
    expect(() => parseSince('yesterday')).toThrow('invalid --since "yesterday": use a duration (30s, 10m, 2h, 1d) or a time (2026-11-21T20:00)');
  });

  it('parses an export --filter expression', () => {
    expect(parseFilterExpression('status=4xx host=*.Example.com errors method=post rule=a,b since=5s')).toEqual({
      statuses: [{ min: 400, max: 499 }],
      hosts: ['example.com'],
      errorsOnly: true,
      methods: ['POST'],
      rules: ['a', 'b'],
      sinceMs: 5000,
    });
    expect(() => parseFilterExpression('color=red')).toThrow(/invalid filter term "color=red"/);
  });
});

describe('matchesFilter', () => {
  const now = FAKE_START_MS;
  it('matches status classes and exact codes', () => {
    const filter = { statuses: parseStatusList('4xx,504') };
    expect([notFound, timedOut, refused].map((r) => matchesFilter(r, filter, now))).toEqual([true, true, false]);
  });

  it('matches a host with its subdomains and an optional port', () => {
    expect(matchesFilter(notFound, { hosts: ['example.com'] }, now)).toBe(true);
    expect(matchesFilter(notFound, { hosts: ['example.com:8443'] }, now)).toBe(true);
    expect(matchesFilter(notFound, { hosts: ['example.com:443'] }, now)).toBe(false);
    expect(matchesFilter(notFound, { hosts: ['ample.com'] }, now)).toBe(false);
  });

  it('keeps transport errors and error findings with errorsOnly', () => {
    expect([notFound, refused, withFinding].map((r) => matchesFilter(r, { errorsOnly: true }, now))).toEqual([false, true, true]);
  });

  it('matches rules and methods', () => {
    expect(matchesFilter(withFinding, { rules: ['auth-missing'] }, now)).toBe(true);
    expect(matchesFilter(notFound, { rules: ['auth-missing'] }, now)).toBe(false);
    expect(matchesFilter(timedOut, { methods: ['POST'] }, now)).toBe(true);
  });

  it('measures --since from the injected now', () => {
    expect(matchesFilter(notFound, { sinceMs: 1000 }, now + 999)).toBe(true);
    expect(matchesFilter(notFound, { sinceMs: 1000 }, now + 1001)).toBe(false);
  });

  it('ANDs criteria', () => {
    expect(matchesFilter(notFound, { statuses: parseStatusList('404'), methods: ['POST'] }, now)).toBe(false);
  });
});
