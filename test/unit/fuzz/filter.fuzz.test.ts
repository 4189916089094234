/**
 * Record filters: any text either parses or fails with a FilterError (never another exception); a generated filter
 * expression (terms in any order, case and spacing) parses to a filter that keeps exactly the records a reference
 * reading of the same terms keeps.
 */
import fc from 'fast-check';
import { FilterError, matchesFilter, parseFilterExpression, parseHostList, parseMethodList, parseSince, parseStatusList, type RecordFilter } from '../../../src/log/filter';
import type { ExchangeRecord, Severity } from '../../../src/model/exchange';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';
import { anyText, fromPieces } from './arbitraries';

function parsesOrFilterError<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    expect(error).toBeInstanceOf(FilterError);
    expect((error as FilterError).code).toBe('PROXYDOC_ERR_USAGE');
    return undefined;
  }
}

describe('never throws anything but a FilterError', () => {
  const pieces = ['status=', 'host=', 'method=', 'rule=', 'since=', 'errors', ' ', '\t', ',', '=', '4xx', '504', '500-502', '600-500', '5XX', '*.', 'example.com', ':8443', 'post', '10m', '1h30m', '1.5s', '2026-11-21T20:00', '2026-13-45', 'ms', 'd', '-', '.'];
  const text = fc.oneof(anyText(40), fromPieces(pieces, 12));

  it('parseFilterExpression, parseStatusList, parseSince, parseHostList, parseMethodList', () => {
    fc.assert(
      fc.property(text, (input) => {
        const filter = parsesOrFilterError(() => parseFilterExpression(input));
        if (filter) for (const range of filter.statuses ?? []) expect(range.min).toBeLessThanOrEqual(range.max);
        for (const range of parsesOrFilterError(() => parseStatusList(input)) ?? []) {
          expect(Number.isInteger(range.min) && Number.isInteger(range.max)).toBe(true);
          expect(range.min).toBeLessThanOrEqual(range.max);
        }
        const since = parsesOrFilterError(() => parseSince(input));
        if (since?.sinceMs !== undefined) expect(since.sinceMs).toBeGreaterThanOrEqual(0);
        if (since?.sinceEpochMs !== undefined) expect(Number.isFinite(since.sinceEpochMs)).toBe(true);
        for (const host of parsesOrFilterError(() => parseHostList(input)) ?? []) expect(host).toBe(host.toLowerCase());
        for (const method of parsesOrFilterError(() => parseMethodList(input)) ?? []) expect(method).toBe(method.toUpperCase());
      }),
      { numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Round trip: expression → parse → matches

const HOSTS = ['example.com', 'api.example.com', 'a.b.example.com', 'other.test', 'example.co'];
const RULES = ['encoded-slash', 'auth-missing', 'token-expired', 'gateway-timeout'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

type Status = { text: string; min: number; max: number };
const statusItem: fc.Arbitrary<Status> = fc.oneof(
  fc.integer({ min: 100, max: 599 }).map((code) => ({ text: String(code), min: code, max: code })),
  fc.tuple(fc.integer({ min: 1, max: 5 }), fc.constantFrom('xx', 'XX', 'xX')).map(([d, x]) => ({ text: `${d}${x}`, min: d * 100, max: d * 100 + 99 })),
  fc.tuple(fc.integer({ min: 100, max: 599 }), fc.integer({ min: 0, max: 150 })).map(([a, span]) => ({ text: `${a}-${Math.min(999, a + span)}`, min: a, max: Math.min(999, a + span) })),
);
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const duration = fc.array(fc.tuple(fc.nat(90), fc.constantFrom('ms', 's', 'm', 'h', 'd', 'MS', 'H')), { minLength: 1, maxLength: 3 }).map((parts) => ({
  text: parts.map(([n, unit]) => `${n}${unit}`).join(''),
  ms: parts.reduce((sum, [n, unit]) => sum + n * UNITS[unit.toLowerCase()], 0),
}));

type Term =
  | { kind: 'status'; items: Status[] }
  | { kind: 'host'; items: Array<{ text: string; host: string; port?: number }> }
  | { kind: 'method'; items: string[] }
  | { kind: 'rule'; items: string[] }
  | { kind: 'since'; ms?: number; epochMs?: number; text: string }
  | { kind: 'errors' };

const term: fc.Arbitrary<Term> = fc.oneof(
  fc.array(statusItem, { minLength: 1, maxLength: 3 }).map((items) => ({ kind: 'status' as const, items })),
  fc
    .array(fc.tuple(fc.constantFrom(...HOSTS), fc.boolean(), fc.boolean(), fc.option(fc.constantFrom(443, 80, 8443), { nil: undefined })), { minLength: 1, maxLength: 2 })
    .map((hosts) => ({
      kind: 'host' as const,
      items: hosts.map(([host, wildcard, upper, port]) => ({ text: `${wildcard ? '*.' : ''}${upper ? host.toUpperCase() : host}${port !== undefined ? `:${port}` : ''}`, host, port })),
    })),
  fc.array(fc.constantFrom(...METHODS), { minLength: 1, maxLength: 2 }).chain((methods) =>
    fc.array(fc.boolean(), { minLength: methods.length, maxLength: methods.length }).map((lower) => ({ kind: 'method' as const, items: methods.map((m, i) => (lower[i] ? m.toLowerCase() : m)) })),
  ),
  fc.array(fc.constantFrom(...RULES), { minLength: 1, maxLength: 2 }).map((items) => ({ kind: 'rule' as const, items })),
  fc.oneof(
    duration.map(({ text, ms }) => ({ kind: 'since' as const, text, ms })),
    fc.integer({ min: FAKE_START_MS - 86_400_000, max: FAKE_START_MS }).map((epochMs) => ({ kind: 'since' as const, text: new Date(epochMs).toISOString(), epochMs })),
  ),
  fc.constant({ kind: 'errors' as const }),
);

function termText(t: Term, separator: string): string {
  switch (t.kind) {
    case 'status':
      return `status=${t.items.map((i) => i.text).join(separator)}`;
    case 'host':
      return `host=${t.items.map((i) => i.text).join(separator)}`;
    case 'method':
      return `method=${t.items.join(separator)}`;
    case 'rule':
      return `rule=${t.items.join(separator)}`;
    case 'since':
      return `since=${t.text}`;
    case 'errors':
      return 'errors';
  }
}

/** The same terms read independently: every kind narrows, the items of one kind widen, the last since wins. */
function reference(terms: Term[], rec: ExchangeRecord, now: number): boolean {
  const of = <K extends Term['kind']>(kind: K): Array<Extract<Term, { kind: K }>> => terms.filter((t): t is Extract<Term, { kind: K }> => t.kind === kind);
  const statuses = of('status').flatMap((t) => t.items);
  if (statuses.length > 0) {
    const status = rec.response?.status;
    if (status === undefined || !statuses.some((s) => status >= s.min && status <= s.max)) return false;
  }
  const hosts = of('host').flatMap((t) => t.items);
  if (hosts.length > 0) {
    const url = new URL(rec.request.url);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    if (!hosts.some((h) => (url.hostname === h.host || url.hostname.endsWith(`.${h.host}`)) && (h.port === undefined || h.port === port))) return false;
  }
  const methods = of('method').flatMap((t) => t.items.map((m) => m.toUpperCase()));
  if (methods.length > 0 && !methods.includes(rec.request.method)) return false;
  const rules = of('rule').flatMap((t) => t.items);
  if (rules.length > 0 && !rec.findings.some((f) => rules.includes(f.rule))) return false;
  if (of('errors').length > 0 && !(rec.error !== undefined || rec.findings.some((f) => f.severity === 'error'))) return false;
  const started = Date.parse(rec.startedAt);
  const sinceMs = of('since').filter((t) => t.ms !== undefined).pop()?.ms;
  const sinceEpochMs = of('since').filter((t) => t.epochMs !== undefined).pop()?.epochMs;
  if (sinceMs !== undefined && started < now - sinceMs) return false;
  if (sinceEpochMs !== undefined && started < sinceEpochMs) return false;
  return true;
}

const recordArb: fc.Arbitrary<ExchangeRecord> = fc
  .record({
    host: fc.constantFrom(...HOSTS, 'notexample.com'),
    scheme: fc.constantFrom('http', 'https'),
    port: fc.option(fc.constantFrom(443, 80, 8443), { nil: undefined }),
    method: fc.constantFrom(...METHODS),
    status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
    findings: fc.array(fc.tuple(fc.constantFrom(...RULES, 'other-rule'), fc.constantFrom<Severity>('error', 'warn', 'info')), { maxLength: 2 }),
    ageMs: fc.integer({ min: 0, max: 2 * 86_400_000 }),
  })
  .map(({ host, scheme, port, method, status, findings, ageMs }) => {
    const rec = makeExchange({
      startMs: FAKE_START_MS - ageMs,
      request: { method, url: `${scheme}://${host}${port !== undefined ? `:${port}` : ''}/x` },
      ...(status === undefined ? { response: null, error: { kind: 'refused' as const, code: 'ECONNREFUSED', message: 'refused' } } : { response: { status } }),
    });
    rec.findings = findings.map(([rule, severity]) => ({ rule, severity, summary: 's', explanation: 'e', evidence: [], nextSteps: [] }));
    return rec;
  });

describe('parseFilterExpression round trip', () => {
  it('keeps exactly the records the terms describe, whatever their order, spacing and letter case', () => {
    fc.assert(
      fc.property(
        fc.array(term, { minLength: 1, maxLength: 5 }),
        fc.array(fc.constantFrom(' ', '  ', '\t', '\n', ' \r\n '), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(',', ',', ', '),
        fc.array(recordArb, { minLength: 1, maxLength: 12 }),
        (terms, spaces, listSeparator, records) => {
          const separator = listSeparator === ', ' ? ',' : listSeparator; // a space would end the term
          const text = spaces[0] + terms.map((t) => termText(t, separator)).join(spaces[spaces.length - 1]) + spaces[0];
          const filter: RecordFilter = parseFilterExpression(text);
          for (const rec of records) expect(matchesFilter(rec, filter, FAKE_START_MS)).toBe(reference(terms, rec, FAKE_START_MS));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads status lists and durations exactly', () => {
    fc.assert(
      fc.property(fc.array(statusItem, { minLength: 1, maxLength: 5 }), fc.constantFrom(',', ', ', ' ,'), duration, (items, separator, d) => {
        expect(parseStatusList(items.map((i) => i.text).join(separator))).toEqual(items.map(({ min, max }) => ({ min, max })));
        expect(parseSince(` ${d.text} `)).toEqual({ sinceMs: d.ms });
      }),
      { numRuns: 150 },
    );
  });
});
