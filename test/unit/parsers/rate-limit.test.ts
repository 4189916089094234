import fc from 'fast-check';
import { isExhausted, parseRateLimit } from '../../../src/diagnosis/parsers/rate-limit';
import type { HeaderPairs } from '../../../src/model/exchange';

const NOW = Date.parse('2026-11-21T20:41:03.120Z');
const NOW_EPOCH_S = Math.floor(NOW / 1000);

describe('parseRateLimit', () => {
  it('returns undefined when no rate-limit header is present', () => {
    expect(parseRateLimit([['Content-Type', 'application/json']], NOW)).toBeUndefined();
    expect(parseRateLimit([], NOW)).toBeUndefined();
  });

  it('reads GitHub x-ratelimit-* with the reset as epoch seconds', () => {
    const status = parseRateLimit(
      [
        ['x-ratelimit-limit', '5000'],
        ['x-ratelimit-remaining', '0'],
        ['x-ratelimit-used', '5000'],
        ['x-ratelimit-reset', String(NOW_EPOCH_S + 600)],
        ['x-ratelimit-resource', 'core'],
      ],
      NOW,
    );
    expect(status).toEqual({
      limit: 5000,
      remaining: 0,
      used: 5000,
      resetAtMs: (NOW_EPOCH_S + 600) * 1000,
      resetSeconds: 600,
      resetKind: 'epoch-seconds',
      resource: 'core',
      headerNames: ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-used', 'x-ratelimit-reset', 'x-ratelimit-resource'],
    });
    expect(isExhausted(status)).toBe(true);
  });

  it('reads an X-RateLimit-Reset below 10^9 as seconds from now (Kong style)', () => {
    const status = parseRateLimit([['X-RateLimit-Limit', '60'], ['X-RateLimit-Remaining', '3'], ['X-RateLimit-Reset', '42']], NOW);
    expect(status).toMatchObject({ limit: 60, remaining: 3, resetSeconds: 42, resetAtMs: NOW + 42_000, resetKind: 'delta-seconds' });
    expect(isExhausted(status)).toBe(false);
  });

  it('reads a reset in epoch milliseconds', () => {
    const status = parseRateLimit([['X-RateLimit-Reset', String(NOW + 5000)]], NOW);
    expect(status).toMatchObject({ resetAtMs: NOW + 5000, resetSeconds: 5, resetKind: 'epoch-milliseconds' });
  });

  it('gives 0 seconds for an epoch reset already past', () => {
    expect(parseRateLimit([['X-RateLimit-Reset', String(NOW_EPOCH_S - 100)]], NOW)).toMatchObject({ resetSeconds: 0 });
  });

  it('reads X-Rate-Limit-* and Discord reset-after with fractions', () => {
    expect(parseRateLimit([['x-rate-limit-remaining', '0'], ['X-RateLimit-Reset-After', '1.5']], NOW)).toMatchObject({
      remaining: 0,
      resetSeconds: 2,
      resetAtMs: NOW + 1500,
    });
  });

  it('reads GitLab RateLimit-* with Observed, a Unix reset and ResetTime', () => {
    const status = parseRateLimit(
      [
        ['RateLimit-Limit', '600'],
        ['RateLimit-Observed', '601'],
        ['RateLimit-Remaining', '0'],
        ['RateLimit-Reset', String(NOW_EPOCH_S + 30)],
        ['RateLimit-ResetTime', 'Sat, 21 Nov 2026 20:41:34 GMT'],
      ],
      NOW,
    );
    expect(status).toMatchObject({ limit: 600, used: 601, remaining: 0, resetSeconds: 30, resetKind: 'epoch-seconds' });
  });

  it('falls back to GitLab RateLimit-ResetTime when there is no usable RateLimit-Reset', () => {
    const status = parseRateLimit([['RateLimit-Remaining', '0'], ['RateLimit-ResetTime', 'Sat, 21 Nov 2026 20:42:03 GMT']], NOW);
    expect(status).toMatchObject({ resetKind: 'http-date', resetAtMs: Date.parse('2026-11-21T20:42:03Z'), resetSeconds: 60 });
  });

  it('reads old-draft RateLimit-Limit with quota policies', () => {
    const status = parseRateLimit([['RateLimit-Limit', '10, 10;w=1, 50;w=60'], ['RateLimit-Remaining', '9'], ['RateLimit-Reset', '1']], NOW);
    expect(status).toMatchObject({ limit: 10, windowSeconds: 1, remaining: 9, resetSeconds: 1, resetKind: 'delta-seconds' });
  });

  it('reads the draft -07 dictionary RateLimit field', () => {
    expect(parseRateLimit([['RateLimit', 'limit=100, remaining=0, reset=30']], NOW)).toMatchObject({
      limit: 100,
      remaining: 0,
      resetSeconds: 30,
      headerNames: ['RateLimit'],
    });
  });

  it('reads current-draft RateLimit and RateLimit-Policy with quoted names', () => {
    const status = parseRateLimit(
      [
        ['RateLimit-Policy', '"burst";q=100;w=60, "daily";q=1000;w=86400'],
        ['RateLimit', '"burst";r=40;t=20, "daily";r=0;t=3600'],
      ],
      NOW,
    );
    // The daily policy is the one that is exhausted, so it is the one that explains a 429.
    expect(status).toMatchObject({ policy: 'daily', remaining: 0, resetSeconds: 3600, limit: 1000, windowSeconds: 86400 });
  });

  it('reads intermediate-draft token items with l=', () => {
    const status = parseRateLimit([['RateLimit', 'default;r=50;t=5'], ['RateLimit-Policy', 'default;l=100;w=10']], NOW);
    expect(status).toMatchObject({ policy: 'default', remaining: 50, resetSeconds: 5, limit: 100, windowSeconds: 10 });
  });

  it('reads drafts -05/-06 RateLimit-Policy bare quota items', () => {
    expect(parseRateLimit([['RateLimit-Policy', '10;w=1, 50;w=60']], NOW)).toMatchObject({ limit: 10, windowSeconds: 1 });
  });

  it('prefers the IETF fields over X-RateLimit-* when both are present', () => {
    const status = parseRateLimit([['X-RateLimit-Remaining', '7'], ['RateLimit', 'default;r=0;t=9']], NOW);
    expect(status).toMatchObject({ remaining: 0, resetSeconds: 9 });
    expect(status?.headerNames).toEqual(['RateLimit', 'X-RateLimit-Remaining']);
  });

  it.each<[string, HeaderPairs]>([
    ['negative numbers', [['X-RateLimit-Remaining', '-1']]],
    ['words', [['X-RateLimit-Limit', 'lots'], ['X-RateLimit-Reset', 'soon']]],
    ['an empty RateLimit', [['RateLimit', '']]],
    ['garbage structured fields', [['RateLimit', ';;,,="'], ['RateLimit-Policy', '"unterminated;q=1']]],
    ['a non-date ResetTime', [['RateLimit-ResetTime', 'tomorrow']]],
  ])('ignores malformed values: %s', (_label, headers) => {
    expect(parseRateLimit(headers, NOW)).toBeUndefined();
  });

  it('never throws on arbitrary header values (property)', () => {
    const names = fc.constantFrom(
      'RateLimit', 'RateLimit-Policy', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Observed',
      'RateLimit-ResetTime', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'x-ratelimit-used',
      'x-ratelimit-resource', 'X-RateLimit-Reset-After', 'Other',
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(names, fc.string())), fc.integer({ min: 0, max: 4e12 }), (headers, now) => {
        const status = parseRateLimit(headers, now);
        if (status?.resetSeconds !== undefined) expect(status.resetSeconds).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
