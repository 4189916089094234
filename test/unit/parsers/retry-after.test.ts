import fc from 'fast-check';
import { parseHttpDate, parseRetryAfter } from '../../../src/diagnosis/parsers/retry-after';

const NOW = Date.parse('2026-11-21T20:41:03.120Z');

describe('parseRetryAfter: delay-seconds', () => {
  it('reads a non-negative integer as a delay from now', () => {
    expect(parseRetryAfter('120', NOW)).toEqual({ delaySeconds: 120, atMs: NOW + 120_000 });
    expect(parseRetryAfter('0', NOW)).toEqual({ delaySeconds: 0, atMs: NOW });
  });

  it('ignores optional whitespace around the value', () => {
    expect(parseRetryAfter(' 5\t', NOW)).toEqual({ delaySeconds: 5, atMs: NOW + 5000 });
  });

  it.each(['-5', '1.5', '+5', '5s', '', ' ', '1e3', '0x10', '5 5', 'soon', '９'])('rejects %p', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('rejects a number too large to be exact', () => {
    expect(parseRetryAfter('99999999999999999999', NOW)).toBeUndefined();
  });
});

describe('parseRetryAfter: HTTP-date', () => {
  it('reads an IMF-fixdate in the future as the wait until then', () => {
    expect(parseRetryAfter('Sat, 21 Nov 2026 20:42:00 GMT', NOW)).toEqual({
      delaySeconds: 57, // 56.88 s rounded up: waiting less would still be too early
      atMs: Date.parse('2026-11-21T20:42:00Z'),
    });
  });

  it('gives delay 0 for a date in the past, keeping the date', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toEqual({
      delaySeconds: 0,
      atMs: Date.parse('1994-11-06T08:49:37Z'),
    });
  });

  it('accepts the obsolete RFC 850 and asctime forms (RFC 9110 §5.6.7 MUST)', () => {
    const expected = Date.parse('1994-11-06T08:49:37Z');
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(expected);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994', NOW)).toBe(expected);
    expect(parseHttpDate('Sun Nov 16 08:49:37 1994', NOW)).toBe(Date.parse('1994-11-16T08:49:37Z'));
  });

  it('puts a two-digit RFC 850 year in the future only when it is at most 50 years ahead', () => {
    expect(parseHttpDate('Monday, 01-Jan-70 00:00:00 GMT', NOW)).toBe(Date.parse('2070-01-01T00:00:00Z'));
    expect(parseHttpDate('Monday, 01-Jan-80 00:00:00 GMT', NOW)).toBe(Date.parse('1980-01-01T00:00:00Z'));
    expect(parseHttpDate('Saturday, 21-Nov-26 20:42:00 GMT', NOW)).toBe(Date.parse('2026-11-21T20:42:00Z'));
  });

  it('keeps four-digit years below 100 as written', () => {
    expect(parseHttpDate('Mon, 01 Jan 0050 00:00:00 GMT', NOW)).toBe(new Date('0050-01-01T00:00:00Z').getTime());
  });

  it.each([
    'Sat, 21 Nov 2026 20:42:00 UTC', // only GMT is allowed
    'Sat, 21 Nov 2026 20:42:00 +0000',
    'sat, 21 nov 2026 20:42:00 GMT', // names are case-sensitive
    'Sat, 31 Apr 2026 20:42:00 GMT', // no 31 April
    'Sun, 29 Feb 2026 20:42:00 GMT', // 2026 is no leap year
    'Sat, 21 Nov 2026 24:00:00 GMT',
    'Sat, 21 Nov 2026 20:60:00 GMT',
    'Sat, 1 Nov 2026 20:42:00 GMT', // IMF-fixdate day is 2DIGIT
    'Sat 21 Nov 2026 20:42:00 GMT',
    '2026-11-21T20:42:00Z', // ISO 8601 is not an HTTP-date
    'Sat, 00 Nov 2026 20:42:00 GMT',
    'Funday, 06-Nov-94 08:49:37 GMT',
  ])('rejects %p', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('never throws and never returns a negative or non-integer delay (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: -8.64e15, max: 8.64e15 }), (value, now) => {
        const parsed = parseRetryAfter(value, now);
        if (parsed !== undefined) {
          expect(Number.isInteger(parsed.delaySeconds)).toBe(true);
          expect(parsed.delaySeconds).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('round-trips any IMF-fixdate that Date can print (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799 }), (seconds) => {
        const ms = seconds * 1000;
        expect(parseHttpDate(new Date(ms).toUTCString(), NOW)).toBe(ms);
      }),
    );
  });
});
