/**
 * Retry-After (RFC 9110 §10.2.3) and HTTP-date (RFC 9110 §5.6.7) parsing. Pure, strict, never throws.
 *
 *   Retry-After = HTTP-date / delay-seconds
 *   delay-seconds = 1*DIGIT
 *
 * Recipients MUST accept all three HTTP-date forms (§5.6.7): IMF-fixdate, the obsolete RFC 850 form and
 * ANSI C's asctime() form. Anything else — a negative or fractional number, a date with a time zone other
 * than GMT, a day 31 in a 30-day month — is rejected rather than guessed at.
 */

export interface RetryAfter {
  /** Whole seconds from `nowMs` until the retry is allowed; 0 when the date is already past. */
  delaySeconds: number;
  /** Milliseconds since the epoch at which the retry is allowed. */
  atMs: number;
}

/** Optional whitespace a field parser leaves around a value (RFC 9110 §5.6.3). */
function trimOws(text: string): string {
  // Not /[ \t]+$/: a regex retries that at every space of a long inner run, quadratic in the run's length.
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}

export function parseRetryAfter(value: string, nowMs: number): RetryAfter | undefined {
  if (typeof value !== 'string' || !Number.isFinite(nowMs)) return undefined;
  const text = trimOws(value);
  if (/^\d+$/.test(text)) {
    const delaySeconds = Number(text);
    // Beyond 2^53 the number is no longer exact: nobody means that, so treat it as malformed.
    if (!Number.isSafeInteger(delaySeconds)) return undefined;
    return { delaySeconds, atMs: nowMs + delaySeconds * 1000 };
  }
  const atMs = parseHttpDate(text, nowMs);
  if (atMs === undefined) return undefined;
  // A date in the past means "retry now" (RFC 9110 §10.2.3 gives no other meaning to it).
  const delaySeconds = atMs <= nowMs ? 0 : Math.ceil((atMs - nowMs) / 1000);
  return { delaySeconds, atMs };
}

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const LONG_DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const DAY_NAME = DAY_NAMES.join('|');
const LONG_DAY_NAME = LONG_DAY_NAMES.join('|');
const MONTH = MONTHS.join('|');
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` (names are case-sensitive, §5.6.7). */
const IMF_FIXDATE = new RegExp(`^(?:${DAY_NAME}), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
/** rfc850-date: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^(?:${LONG_DAY_NAME}), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`);
/** asctime-date: `Sun Nov  6 08:49:37 1994` (day is 2DIGIT or SP DIGIT). */
const ASCTIME_DATE = new RegExp(`^(?:${DAY_NAME}) (${MONTH}) (\\d{2}| \\d) ${TIME} (\\d{4})$`);

/**
 * An HTTP-date as milliseconds since the epoch, or undefined. `nowMs` resolves the two-digit year of the
 * RFC 850 form: a date that would be more than 50 years in the future means the most recent past year with
 * those digits (RFC 9110 §5.6.7).
 */
export function parseHttpDate(value: string, nowMs: number): number | undefined {
  if (typeof value !== 'string') return undefined;
  let match = IMF_FIXDATE.exec(value);
  if (match) return utc(Number(match[3]), match[2], Number(match[1]), match[4], match[5], match[6]);
  match = ASCTIME_DATE.exec(value);
  if (match) return utc(Number(match[6]), match[1], Number(match[2].trim()), match[3], match[4], match[5]);
  match = RFC850_DATE.exec(value);
  if (match) {
    if (!Number.isFinite(nowMs)) return undefined;
    const day = Number(match[1]);
    const year = Math.floor(new Date(nowMs).getUTCFullYear() / 100) * 100 + Number(match[3]);
    const ms = utc(year, match[2], day, match[4], match[5], match[6]);
    if (ms === undefined) return undefined;
    const fiftyYearsFromNow = new Date(nowMs);
    fiftyYearsFromNow.setUTCFullYear(fiftyYearsFromNow.getUTCFullYear() + 50);
    if (ms > fiftyYearsFromNow.getTime()) return utc(year - 100, match[2], day, match[4], match[5], match[6]);
    // In a century's second half the digits may name the next one: in 2060, "05" is 2105 (45 years ahead), not 2005.
    const nextCentury = utc(year + 100, match[2], day, match[4], match[5], match[6]);
    return nextCentury !== undefined && nextCentury <= fiftyYearsFromNow.getTime() ? nextCentury : ms;
  }
  return undefined;
}

function utc(year: number, monthName: string, day: number, h: string, m: string, s: string): number | undefined {
  const month = MONTHS.indexOf(monthName);
  const hour = Number(h);
  const minute = Number(m);
  // time-of-day allows second 60 for a leap second (RFC 9110 §5.6.7); Date.UTC rolls it into the next minute.
  const second = Number(s);
  if (month < 0 || hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  // Reject impossible calendar days (31 Apr, 29 Feb 2023) instead of letting them roll over.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined;
  date.setUTCHours(hour, minute, second, 0);
  const ms = date.getTime();
  return Number.isFinite(ms) ? ms : undefined;
}
