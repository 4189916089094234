/**
 * Small pure formatters shared by the exchange line, findings and the CLI (tail, show). Colour is decided by the
 * caller (a flag derived from the terminal, NO_COLOR, --color): this code never looks at a terminal.
 */

export type TimeZoneChoice = 'utc' | 'local';

/** SGR codes (ECMA-48 §8.3.117). */
const ANSI = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  magenta: '\u001b[35m',
  cyan: '\u001b[36m',
} as const;

export type Style = Exclude<keyof typeof ANSI, 'reset'>;

/** `text` wrapped in an SGR style when colour is on, unchanged otherwise. */
export function paint(text: string, style: Style, color: boolean): string {
  return color && text !== '' ? `${ANSI[style]}${text}${ANSI.reset}` : text;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/**
 * Bytes in binary units (IEC 80000-13): `0 B`, `512 B`, `1.2 KiB`, `4.1 MiB`, `123 MiB`. One decimal below 100 of a
 * unit, none above, so a column of sizes stays short.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '? B';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  let text = value < 100 ? value.toFixed(1) : String(Math.round(value));
  // 1023.96 KiB rounds to "1024 KiB": say 1.0 MiB instead.
  if (text === '1024' && unit < BYTE_UNITS.length - 1) {
    unit++;
    text = '1.0';
  }
  return `${text} ${BYTE_UNITS[unit]}`;
}

/** `61 ms` below a second, `60.1 s` from a second on. */
export function formatDuration(ms: number): string {
  const short = formatMilliseconds(ms);
  return short.endsWith(' s') ? short : `${short} ms`;
}

/** Phase durations inside the parentheses: a bare millisecond count (`40`), or `60.1 s` from a second on. */
export function formatMilliseconds(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const rounded = Math.round(ms);
  if (rounded < 1000) return String(rounded);
  return `${(ms / 1000).toFixed(1)} s`;
}

/** HH:MM:SS.mmm of an ISO timestamp, in UTC or the machine's zone as the caller chose. */
export function formatClockTime(isoTimestamp: string, timeZone: TimeZoneChoice): string {
  const ms = Date.parse(isoTimestamp);
  if (!Number.isFinite(ms)) return '--:--:--.---';
  const date = new Date(ms);
  const utc = timeZone === 'utc';
  const hours = utc ? date.getUTCHours() : date.getHours();
  const minutes = utc ? date.getUTCMinutes() : date.getMinutes();
  const seconds = utc ? date.getUTCSeconds() : date.getSeconds();
  const millis = utc ? date.getUTCMilliseconds() : date.getMilliseconds();
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * Characters that would break the one-line-per-entry log or act on the reader's terminal: C0/C1 controls
 * (an ESC from a hostile statusText could rewrite the screen), Unicode line separators, and bidi overrides
 * (CVE-2021-42574 "Trojan Source" style reordering).
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAKS = /\r\n|[\r\n\t]/g;

/** One printable line: line breaks and tabs become spaces, other controls a visible `\x1b`/`\u202e` escape. */
export function printable(text: string): string {
  let result = text;
  if (result.includes('\n') || result.includes('\r') || result.includes('\t')) result = result.replace(LINE_BREAKS, ' ');
  return result.replace(UNPRINTABLE, escapeCharacter);
}

function escapeCharacter(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The colour of a status code: green 2xx, cyan 3xx, yellow 4xx, red 5xx. */
export function statusStyle(status: number): Style {
  if (status >= 500) return 'red';
  if (status >= 400) return 'yellow';
  if (status >= 300) return 'cyan';
  return 'green';
}

/**
 * The controls `printableLines` escapes in a block of text: like UNPRINTABLE, but LF and tab are kept. A lone CR is
 * escaped too: it could print over the start of its line.
 */
const UNPRINTABLE_IN_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Multi-line text (a body, an explanation) as printable lines: LF and CRLF end lines, tabs stay, every other control
 * becomes a visible `\x1b` / `\u202e` escape. The one-line form is `printable`.
 */
export function printableLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.replace(UNPRINTABLE_IN_BLOCK, escapeCharacter));
}
