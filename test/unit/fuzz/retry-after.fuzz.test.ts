/**
 * Retry-After and HTTP-date (RFC 9110 §10.2.3, §5.6.7): never throws on any input; every accepted form (delay-seconds
 * with OWS, IMF-fixdate, RFC 850 with its two-digit year, asctime) round-trips; near-valid dates are rejected.
 */
import fc from 'fast-check';
import { parseHttpDate, parseRetryAfter } from '../../../src/diagnosis/parsers/retry-after';
import { anyText, fromPieces, ows } from './arbitraries';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');
const YEAR_MS = 365.25 * 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** Whole seconds between year 0 and 9999, as HTTP-dates can say. */
const dateMs = fc.integer({ min: -62167219200, max: 253402300799 }).map((s) => s * 1000);
/** A "now" in years 1970–2200. */
const nowMs = fc.integer({ min: 0, max: 7258118400000 });

function imfFixdate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCFullYear()).padStart(4, '0')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}
function rfc850(ms: number): string {
  const d = new Date(ms);
  return `${LONG_DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}
function asctime(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${String(d.getUTCFullYear()).padStart(4, '0')}`;
}

function expectRetryAfterShape(parsed: ReturnType<typeof parseRetryAfter>): void {
  if (parsed === undefined) return;
  expect(Number.isSafeInteger(parsed.delaySeconds)).toBe(true);
  expect(parsed.delaySeconds).toBeGreaterThanOrEqual(0);
  expect(Number.isFinite(parsed.atMs)).toBe(true);
}

describe('parseRetryAfter / parseHttpDate never throw', () => {
  const datePieces = ['Sun', 'Sunday', 'Nov', ', ', ' ', '  ', '-', ':', '06', '6', '94', '1994', '08:49:37', 'GMT', 'UTC', '+0000', '\t', '0', '9', '-1', '.5', 'e3'];

  it('on arbitrary text, near-valid dates and any "now" (even NaN or infinite)', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyText(60), fromPieces(datePieces, 14)),
        fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.double()),
        (value, now) => {
          expectRetryAfterShape(parseRetryAfter(value, now));
          const ms = parseHttpDate(value, now);
          if (ms !== undefined) expect(Number.isInteger(ms)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('on values that are not strings at all', () => {
    fc.assert(
      fc.property(fc.anything().filter((value) => typeof value !== 'string'), (value) => {
        expect(parseRetryAfter(value as string, 0)).toBeUndefined();
        expect(parseHttpDate(value as string, 0)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});

describe('round trips', () => {
  it('delay-seconds with optional whitespace', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(100_000), fc.maxSafeNat()), ows, ows, fc.nat(3), nowMs, (seconds, before, after, zeros, now) => {
        expect(parseRetryAfter(`${before}${'0'.repeat(zeros)}${seconds}${after}`, now)).toEqual({ delaySeconds: seconds, atMs: now + seconds * 1000 });
      }),
    );
  });

  it('IMF-fixdate and asctime, years 0000–9999 (names are exact, no zone but GMT)', () => {
    fc.assert(
      fc.property(dateMs, nowMs, (ms, now) => {
        expect(parseHttpDate(imfFixdate(ms), now)).toBe(ms);
        expect(parseHttpDate(asctime(ms), now)).toBe(ms);
      }),
      { numRuns: 250 },
    );
  });

  it('RFC 850 dates within 49 years of now resolve their two-digit year to that date', () => {
    fc.assert(
      fc.property(nowMs, fc.integer({ min: Math.round(-49 * YEAR_MS), max: Math.round(49 * YEAR_MS) }), (now, offset) => {
        const ms = Math.floor((now + offset) / 1000) * 1000;
        expect(parseHttpDate(rfc850(ms), now)).toBe(ms);
      }),
      { numRuns: 250 },
    );
  });

  it('gives a date as the whole seconds until it, or 0 once it is past', () => {
    fc.assert(
      fc.property(dateMs, nowMs, fc.constantFrom(imfFixdate, asctime), (ms, now, format) => {
        expect(parseRetryAfter(format(ms), now)).toEqual({ delaySeconds: ms <= now ? 0 : Math.ceil((ms - now) / 1000), atMs: ms });
      }),
      { numRuns: 150 },
    );
  });
});

describe('near-valid values are rejected', () => {
  it('negative, fractional, signed, exponent or grouped numbers', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.constantFrom('-{}', '+{}', '{}.5', '{}.', '{}e1', '0x{}', '{} s', '{},000', '{}\u00a0'), (n, shape) => {
        expect(parseRetryAfter(shape.replace('{}', String(n)), 0)).toBeUndefined();
      }),
    );
  });

  it('a date with one field out of range, a zone other than GMT, or a lower-case name', () => {
    const broken = [
      (s: string) => s.replace(/ \d{2} /, ' 32 '),
      (s: string) => s.replace(/ \d{2}:/, ' 24:'),
      (s: string) => s.replace(/:\d{2}:/, ':60:'),
      (s: string) => s.replace(/:\d{2} GMT/, ':61 GMT'),
      (s: string) => s.replace('GMT', 'UTC'),
      (s: string) => s.replace('GMT', '+0000'),
      (s: string) => s.toLowerCase(),
      (s: string) => s.replace(', ', ' '),
      (s: string) => `${s} `.replace(' GMT ', ' GMT x'),
    ];
    fc.assert(
      fc.property(dateMs, fc.nat(broken.length - 1), (ms, which) => {
        const text = imfFixdate(ms);
        const mutated = broken[which](text);
        if (mutated !== text) expect(parseHttpDate(mutated, 0)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it('a day that does not exist in its month (31 Apr, 29 Feb of a common year) instead of rolling over', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.nat(11), (year, month) => {
        const daysInMonth = month === 1 && isLeap(year) ? 29 : DAYS_IN_MONTH[month];
        const text = `Mon, ${two(daysInMonth + 1)} ${MONTHS[month]} ${String(year).padStart(4, '0')} 00:00:00 GMT`;
        expect(parseHttpDate(text, 0)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
