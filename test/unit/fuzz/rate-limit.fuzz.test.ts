/**
 * Rate-limit headers: any header list gives a well-formed status (or none); figures written in each convention
 * (IETF dictionary and policy items, the older drafts and GitLab, X-RateLimit-*) read back, with the documented
 * precedence when several conventions are present at once.
 */
import fc from 'fast-check';
import { parseRateLimit, type RateLimitStatus } from '../../../src/diagnosis/parsers/rate-limit';
import type { HeaderPairs } from '../../../src/model/exchange';
import { anyCase, anyText, fromPieces, ows } from './arbitraries';

const NOW = Date.parse('2026-11-21T20:41:03.120Z');
const KNOWN = [
  'ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-observed', 'ratelimit-resettime',
  'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-used', 'x-ratelimit-reset', 'x-ratelimit-reset-after', 'x-ratelimit-resource',
  'x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-used', 'x-rate-limit-reset', 'x-rate-limit-reset-after', 'x-rate-limit-resource',
];

function expectWellFormed(status: RateLimitStatus | undefined, headers: HeaderPairs): void {
  if (status === undefined) return;
  for (const key of ['limit', 'remaining', 'used', 'windowSeconds', 'resetSeconds'] as const) {
    const value = status[key];
    if (value !== undefined) {
      expect(Number.isSafeInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
  }
  if (status.windowSeconds !== undefined) expect(status.windowSeconds).toBeGreaterThan(0);
  const hasReset = [status.resetAtMs, status.resetSeconds, status.resetKind].map((v) => v !== undefined);
  expect(hasReset).toEqual([hasReset[0], hasReset[0], hasReset[0]]);
  if (status.resetAtMs !== undefined) {
    expect(Number.isInteger(status.resetAtMs)).toBe(true);
    expect(['delta-seconds', 'epoch-seconds', 'epoch-milliseconds', 'http-date']).toContain(status.resetKind);
  }
  const lowerNames = status.headerNames.map((n) => n.toLowerCase());
  expect(new Set(lowerNames).size).toBe(lowerNames.length);
  for (const name of status.headerNames) {
    expect(headers.some(([n]) => n === name)).toBe(true);
    expect(KNOWN).toContain(name.toLowerCase());
  }
  if (status.resource !== undefined) expect(status.resource).toMatch(/^[\w.-]{1,64}$/);
}

describe('parseRateLimit never throws and stays well-formed', () => {
  const valuePieces = ['0', '1', '42', '100', '1700000000', '1700000000000', '9'.repeat(16), '-1', '1.5', '.', ',', ', ', ';', '=', '"', '\\', ' ', 'limit', 'remaining', 'reset', 'r', 't', 'q', 'l', 'w', 'default', '"default"', 'Sun, 06 Nov 1994 08:49:37 GMT', 'core', '\u0000', 'é'];
  const name = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KNOWN).chain(anyCase) }, { weight: 1, arbitrary: anyText(12) });
  const value = fc.oneof({ weight: 4, arbitrary: fromPieces(valuePieces, 12) }, { weight: 1, arbitrary: anyText(30) });

  it('on header lists built from the conventions\' names and value pieces, at any "now" (even NaN or infinite)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 10 }), fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.constantFrom(NaN, Infinity, -Infinity)), (headers, now) => {
        expectWellFormed(parseRateLimit(headers, now), headers);
      }),
      { numRuns: 400 },
    );
  });

  it('on pairs that are not strings (a hand-written record)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...KNOWN), fc.anything()), fc.oneof(fc.string(), fc.anything())), { maxLength: 6 }), (headers) => {
        expectWellFormed(parseRateLimit(headers as HeaderPairs, NOW), headers as HeaderPairs);
      }),
      { numRuns: 200 },
    );
  });

  it('ignores headers that belong to no convention', () => {
    const unrelated = fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/).filter((n) => !KNOWN.includes(n.toLowerCase())), anyText(20));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 6 }), fc.array(unrelated, { maxLength: 4 }), fc.nat(), (headers, others, seed) => {
        const mixed: HeaderPairs = [...headers];
        others.forEach((pair, i) => mixed.splice((seed + i * 7) % (mixed.length + 1), 0, pair));
        expect(parseRateLimit(mixed, NOW)).toEqual(parseRateLimit(headers, NOW));
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Round trips

type Reset = { kind: 'delta-seconds'; value: number } | { kind: 'epoch-seconds'; value: number } | { kind: 'epoch-milliseconds'; value: number };

const reset: fc.Arbitrary<Reset> = fc.oneof(
  fc.integer({ min: 0, max: 999_999_999 }).map((value) => ({ kind: 'delta-seconds' as const, value })),
  fc.integer({ min: 1e9, max: 1e12 - 1 }).map((value) => ({ kind: 'epoch-seconds' as const, value })),
  fc.integer({ min: 1e12, max: 1e15 - 1 }).map((value) => ({ kind: 'epoch-milliseconds' as const, value })),
);

function expectedReset(r: Reset, now: number): Pick<RateLimitStatus, 'resetAtMs' | 'resetSeconds' | 'resetKind'> {
  const atMs = r.kind === 'delta-seconds' ? now + r.value * 1000 : r.kind === 'epoch-seconds' ? r.value * 1000 : r.value;
  return { resetAtMs: Math.round(atMs), resetSeconds: atMs <= now ? 0 : Math.ceil((atMs - now) / 1000), resetKind: r.kind };
}

const count = fc.oneof(fc.nat(10_000), fc.integer({ min: 0, max: 999_999_999_999_999 }));
const figures = fc.record(
  { limit: count, remaining: count, used: count, reset },
  { requiredKeys: [] },
);

interface Conventions {
  dictionary?: { limit?: number; remaining?: number; reset?: Reset };
  legacy?: { limit?: number; window?: number; remaining?: number; used?: number; reset?: Reset };
  x?: { prefix: string; limit?: number; remaining?: number; used?: number; reset?: Reset; resource?: string };
}

const conventions: fc.Arbitrary<Conventions> = fc.record(
  {
    dictionary: figures.map(({ limit, remaining, reset: r }) => ({ limit, remaining, reset: r })),
    legacy: fc.tuple(figures, fc.option(fc.integer({ min: 1, max: 86_400 }), { nil: undefined })).map(([f, window]) => ({ ...f, window: f.limit === undefined ? undefined : window })),
    x: fc.tuple(figures, fc.constantFrom('x-ratelimit-', 'x-rate-limit-'), fc.option(fc.stringMatching(/^[\w.-]{1,20}$/), { nil: undefined })).map(([f, prefix, resource]) => ({ ...f, prefix, resource })),
  },
  { requiredKeys: [] },
);

/** Headers for the conventions present, names in random letter case, values with optional whitespace. */
function serialise(c: Conventions, cases: readonly boolean[], space: string): HeaderPairs {
  let i = 0;
  const name = (lower: string): string => [...lower].map((ch) => (cases[i++ % cases.length] ? ch.toUpperCase() : ch)).join('');
  const headers: HeaderPairs = [];
  const d = c.dictionary;
  if (d) {
    const members = [
      d.limit !== undefined ? `limit=${d.limit}` : undefined,
      d.remaining !== undefined ? `remaining=${d.remaining}` : undefined,
      d.reset !== undefined ? `reset=${d.reset.value}` : undefined,
    ].filter((m): m is string => m !== undefined);
    if (members.length > 0) headers.push([name('ratelimit'), members.join(`${space},${space}`)]);
  }
  const l = c.legacy;
  if (l) {
    if (l.limit !== undefined) headers.push([name('ratelimit-limit'), l.window !== undefined ? `${space}${l.limit}, ${l.limit};w=${l.window}` : `${space}${l.limit}${space}`]);
    if (l.remaining !== undefined) headers.push([name('ratelimit-remaining'), `${space}${l.remaining}`]);
    if (l.used !== undefined) headers.push([name('ratelimit-observed'), `${l.used}${space}`]);
    if (l.reset !== undefined) headers.push([name('ratelimit-reset'), `${space}${l.reset.value}${space}`]);
  }
  const x = c.x;
  if (x) {
    if (x.limit !== undefined) headers.push([name(`${x.prefix}limit`), `${x.limit}`]);
    if (x.remaining !== undefined) headers.push([name(`${x.prefix}remaining`), `${space}${x.remaining}`]);
    if (x.used !== undefined) headers.push([name(`${x.prefix}used`), `${x.used}`]);
    if (x.reset !== undefined) headers.push([name(`${x.prefix}reset`), `${x.reset.value}${space}`]);
    if (x.resource !== undefined) headers.push([name(`${x.prefix}resource`), `${space}${x.resource}${space}`]);
  }
  return headers;
}

/** Each figure from the most specific convention that gives it: IETF, then the older drafts, then X-RateLimit-*. */
function expected(c: Conventions, headers: HeaderPairs, now: number): RateLimitStatus | undefined {
  const first = <T>(...values: Array<T | undefined>): T | undefined => values.find((v) => v !== undefined);
  const status: RateLimitStatus = { headerNames: headers.map(([n]) => n) };
  const set = <K extends keyof RateLimitStatus>(key: K, value: RateLimitStatus[K] | undefined): void => {
    if (value !== undefined) status[key] = value;
  };
  set('limit', first(c.dictionary?.limit, c.legacy?.limit, c.x?.limit));
  set('remaining', first(c.dictionary?.remaining, c.legacy?.remaining, c.x?.remaining));
  set('used', first(c.legacy?.used, c.x?.used));
  set('windowSeconds', c.legacy?.window);
  set('resource', c.x?.resource);
  const r = first(c.dictionary?.reset, c.legacy?.reset, c.x?.reset);
  if (r) Object.assign(status, expectedReset(r, now));
  const figure = [status.limit, status.remaining, status.used, status.resetAtMs, status.windowSeconds].some((v) => v !== undefined);
  return figure ? status : undefined;
}

const sortNames = (status: RateLimitStatus | undefined): RateLimitStatus | undefined =>
  status && { ...status, headerNames: [...status.headerNames].sort() };

describe('parseRateLimit round trip', () => {
  it('reads back figures written in any mix of conventions, the most specific winning', () => {
    fc.assert(
      fc.property(conventions, fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }), ows, fc.integer({ min: 1e12, max: 4e12 }), (c, cases, space, now) => {
        const headers = serialise(c, cases, space);
        expect(sortNames(parseRateLimit(headers, now))).toEqual(sortNames(expected(c, headers, now)));
      }),
      { numRuns: 250 },
    );
  });

  it('reads IETF policy items (token or sf-string names, q/l quota, w window) and picks the policy with the fewest left', () => {
    const policyName = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/).map((text) => ({ text, written: text })),
      fc.string({ unit: fc.constantFrom(...'ab ,;="\\'), minLength: 1, maxLength: 8 }).map((text) => ({ text, written: `"${text.replace(/[\\"]/g, '\\$&')}"` })),
    );
    const policy = fc.record({ name: policyName, remaining: fc.option(count, { nil: undefined }), t: fc.option(fc.nat(100_000), { nil: undefined }), quota: count, quotaKey: fc.constantFrom('q', 'l', 'Q'), window: fc.option(fc.integer({ min: 1, max: 86_400 }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.uniqueArray(policy, { minLength: 1, maxLength: 3, selector: (p) => p.name.text }), ows, (policies, space) => {
        const items = policies.map((p) => [p.name.written, ...(p.remaining !== undefined ? [`r=${p.remaining}`] : []), ...(p.t !== undefined ? [`t=${p.t}`] : [])].join(';'));
        const quotas = policies.map((p) => [p.name.written, `${p.quotaKey}=${p.quota}`, ...(p.window !== undefined ? [`w=${p.window}`] : [])].join(';'));
        const headers: HeaderPairs = [['RateLimit', items.join(`${space},${space}`)], ['RateLimit-Policy', quotas.join(`,${space}`)]];
        // The first policy with the fewest remaining; one that states no remaining only when none does.
        let chosen = policies[0];
        for (const p of policies) if (p.remaining !== undefined && (chosen.remaining === undefined || p.remaining < chosen.remaining)) chosen = p;
        const status = parseRateLimit(headers, NOW);
        expect(status).toMatchObject({ policy: chosen.name.text, limit: chosen.quota });
        expect(status?.remaining).toBe(chosen.remaining);
        expect(status?.windowSeconds).toBe(chosen.window);
        if (chosen.t !== undefined) expect(status).toMatchObject({ resetSeconds: chosen.t, resetAtMs: NOW + chosen.t * 1000, resetKind: 'delta-seconds' });
        else expect(status?.resetAtMs).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it('refuses counts that are negative, fractional, signed or longer than 15 digits', () => {
    fc.assert(
      fc.property(fc.constantFrom('x-ratelimit-limit', 'ratelimit-remaining', 'x-rate-limit-used'), fc.nat(), fc.constantFrom('-{}', '+{}', '{}.5', '{}e2', '1{}0000000000000000', '0x{}', '{} 1'), (header, n, shape) => {
        expect(parseRateLimit([[header, shape.replace('{}', String(n))]], NOW)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
