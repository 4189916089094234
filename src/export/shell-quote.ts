/**
 * Quoting text for bash so that pasting it gives back exactly the same string. Pure.
 *
 * Plain text goes in single quotes, where bash interprets nothing (bash manual §3.1.2.2), a `'` becoming `'\''`.
 * Text with control characters goes in ANSI-C quotes `$'…'` (§3.1.2.4), written as `\xHH` escapes so the command
 * stays on one line and no terminal escape sequence reaches the screen. In `$'…'` a quote is written `\x27` rather
 * than `\'`: interactive bash's history expansion does not know `\'` and would take `!` after it for an event.
 * Variable references go in double quotes, the only quotes that expand them (§3.1.2.3); literal pieces that double
 * quotes would change (`"`, `\`, `$`, backquote, and `!`, history expansion again) are single-quoted next to them.
 */

/** Words bash takes literally without quotes: no glob, tilde, brace, expansion or separator characters. */
const BARE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Characters that must not appear raw: C0 controls, DEL, C1 controls (a terminal may read U+009B as CSI), the
 * Unicode line separators, invisible zero-width characters and byte-order marks, and the bidirectional overrides
 * that can make a command read differently from what it runs (CVE-2021-42574, "Trojan Source").
 */
const NEEDS_ESCAPE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
const NEEDS_ESCAPE_GLOBAL = new RegExp(NEEDS_ESCAPE.source, 'g');

const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One shell word that evaluates to `text`. Throws for NUL, which no shell argument can hold. `bare: false` quotes
 * even words that need no quotes, for arguments that read better quoted (`-H 'Accept:'`).
 */
export function shellQuote(text: string, options: { bare?: boolean } = {}): string {
  if (text.includes('\u0000')) throw new RangeError('a shell argument cannot contain a NUL character');
  if (text === '') return "''";
  if (options.bare !== false && BARE_WORD.test(text)) return text;
  if (!NEEDS_ESCAPE.test(text)) return `'${text.replace(/'/g, `'\\''`)}'`;
  return ansiCQuote(text);
}

function ansiCQuote(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/'/g, '\\x27')
    .replace(NEEDS_ESCAPE_GLOBAL, (ch) => SHORT_ESCAPES[ch] ?? hexEscapes(ch));
  return `$'${escaped}'`;
}

// ignoreBOM keeps a leading U+FEFF: by default TextDecoder drops it and the bytes would not round-trip.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * One shell word that evaluates to these bytes. Valid UTF-8 is quoted as text; anything else (a Latin-1 header
 * value) is written byte by byte in `$'…'`, where `\xHH` is one byte whatever the locale.
 */
export function shellQuoteBytes(bytes: Uint8Array): string {
  let text: string | undefined;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined) return shellQuote(text);
  if (bytes.includes(0)) throw new RangeError('a shell argument cannot contain a NUL byte');
  let escaped = '';
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte);
    if (byte >= 0x80 || NEEDS_ESCAPE.test(ch)) escaped += SHORT_ESCAPES[ch] ?? `\\x${byte.toString(16).padStart(2, '0')}`;
    else if (ch === '\\') escaped += '\\\\';
    else if (ch === "'") escaped += '\\x27';
    else escaped += ch;
  }
  return `$'${escaped}'`;
}

/** `\xHH` for each UTF-8 byte: bash writes those bytes whatever the locale, unlike `\u` which depends on it. */
function hexEscapes(ch: string): string {
  return [...Buffer.from(ch, 'utf8')].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
}

/** A piece of a shell word: literal text, or the value of an environment variable. */
export type WordPart = string | { variable: string };

/** Characters double quotes do not keep literal, plus `!` (history expansion in an interactive shell). */
const DOUBLE_QUOTE_UNSAFE = /["\\$`!]/;

/**
 * One shell word made of literal text and variable references, e.g. `"Authorization: Bearer ${TOKEN:?}"`.
 * `${NAME:?}` makes bash refuse to run the command when the variable is unset or empty (§3.5.3), instead of
 * silently sending an empty credential.
 */
export function shellWord(parts: readonly WordPart[]): string {
  const merged = mergeLiterals(parts);
  if (merged.every((part) => typeof part === 'string')) return shellQuote(merged.join(''));
  const literals = merged.filter((part): part is string => typeof part === 'string');
  if (literals.every((text) => !DOUBLE_QUOTE_UNSAFE.test(text) && !NEEDS_ESCAPE.test(text))) {
    return `"${merged.map((part) => (typeof part === 'string' ? part : variableReference(part.variable))).join('')}"`;
  }
  return merged
    .map((part) => (typeof part === 'string' ? (part === '' ? '' : shellQuote(part)) : `"${variableReference(part.variable)}"`))
    .join('');
}

function variableReference(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`not a shell variable name: ${name}`);
  return `\${${name}:?}`;
}

function mergeLiterals(parts: readonly WordPart[]): WordPart[] {
  const merged: WordPart[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else merged.push(part);
  }
  return merged;
}

/**
 * Text made safe for a `# comment` line: control and bidirectional characters as `\xHH`, so a newline in a URL or
 * a header can never end the comment and turn the rest into a command.
 */
export function commentText(text: string): string {
  return text.replace(NEEDS_ESCAPE_GLOBAL, hexEscapes);
}
