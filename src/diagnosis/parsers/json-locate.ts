/**
 * JSON parsing that says WHERE it failed: message, 1-based line/column and a snippet with a caret. Pure, never throws.
 *
 * V8 words its errors differently across Node versions: Node 20 says "… in JSON at position 7", Node 22+ adds
 * "(line 1 column 8)", and some messages carry no position at all ("Unexpected end of JSON input",
 * "Unexpected token 'x', "x…" is not valid JSON"). We take V8's position when it gives one and otherwise scan the
 * text ourselves (RFC 8259 grammar). The snippet masks values of secret-looking fields so it can go into a finding.
 */
import { isCredentialHeader, isSecretParam } from '../../model/secrets';
import { parseJsonCached } from './json-cache';

export type JsonLocateResult =
  | { ok: true; value: unknown }
  | {
      ok: false;
      /** The parser's message without position suffixes or echoed body text, e.g. "Expected ',' or '}' after property value". */
      message: string;
      /** 1-based. */
      line: number;
      /** 1-based, in UTF-16 code units like V8. */
      column: number;
      /** 0-based offset into the text. */
      offset: number;
      /** Two lines: the (windowed) source line and a caret under the error; secret values masked. */
      snippet: string;
    };

const SNIPPET_WIDTH = 60;

export function parseJsonLocated(text: string): JsonLocateResult {
  const parsed = parseJsonCached(text);
  if (parsed.ok) return { ok: true, value: parsed.value };
  const rawMessage = parsed.message;
  const scanned = scanJsonError(text);
  let offset = positionFromV8Message(text, rawMessage) ?? scanned?.offset ?? text.length;
  offset = Math.max(0, Math.min(offset, text.length));
  // An error "at the end" reads better pointing just past the last real character than at a blank last line.
  const contentEnd = text.trimEnd().length;
  if (offset > contentEnd) offset = contentEnd;
  let message = cleanV8Message(rawMessage);
  if (message === '' && scanned) message = scanned.message;
  const { line, column } = lineColumnAt(text, offset);
  return { ok: false, message, line, column, offset, snippet: caretSnippet(maskSecretValues(text), offset) };
}

/** Offset from "(line L column C)" (Node 22+) or "at position N" (Node 20+), when present. */
export function positionFromV8Message(text: string, message: string): number | undefined {
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) return offsetAt(text, Number(lineColumn[1]), Number(lineColumn[2]));
  const position = /at position (\d+)/.exec(message);
  if (position) return Number(position[1]);
  return undefined;
}

/** Strips the position suffix and the echo of the body V8 puts in some messages (it may contain a secret). */
export function cleanV8Message(message: string): string {
  return message
    // `Unexpected token 'x', "…"… is not valid JSON`, `…, ..."…" is not …` (error mid-text), or the whole message: `"NaN" is not …`.
    .replace(/(^|,\s*)(\.\.\.)?".*?"(\.\.\.)?\s+is not valid JSON\s*$/s, '')
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s+in JSON at position \d+/, '')
    .replace(/\s+at position \d+/, '')
    .trim();
}

/** 1-based line and column of a 0-based offset; "\r\n" and "\n" end lines. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** 0-based offset of a 1-based line/column (clamped to the text). */
export function offsetAt(text: string, line: number, column: number): number {
  let currentLine = 1;
  let i = 0;
  while (currentLine < line && i < text.length) {
    if (text.charCodeAt(i) === 10) currentLine += 1;
    i += 1;
  }
  return Math.min(i + Math.max(column, 1) - 1, text.length);
}

/** The line around `offset`, windowed to SNIPPET_WIDTH characters, and a caret line under the offset. */
export function caretSnippet(text: string, offset: number): string {
  // lastIndexOf(…, -1) searches from 0 and would find a newline at offset 0 itself.
  const lineStart = offset === 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  if (lineEnd > lineStart && text[lineEnd - 1] === '\r') lineEnd -= 1;
  const column = offset - lineStart;
  let from = lineStart;
  if (column > SNIPPET_WIDTH / 2) from = lineStart + column - Math.floor(SNIPPET_WIDTH / 2);
  const to = Math.min(lineEnd, from + SNIPPET_WIDTH);
  const prefix = from > lineStart ? '…' : '';
  const suffix = to < lineEnd ? '…' : '';
  // Control characters (tabs, a raw CR) would shift the caret; show them as spaces.
  const visible = text.slice(from, to).replace(/[\u0000-\u001f]/g, ' ');
  const caretColumn = prefix.length + (offset - from);
  return `${prefix}${visible}${suffix}\n${' '.repeat(caretColumn)}^`;
}

// A name starts a word and is at most 64 characters: a name that could start anywhere in a long word made the scan
// quadratic in the word's length (30 KB of letters took seconds).
const SECRET_JSON_MEMBER = /(["']?)(?<![A-Za-z0-9_])([A-Za-z_][\w.-]{0,63})\1(\s*:\s*)(["'])((?:\\.|(?!\4)[^\\\n])*)/g;
const SECRET_FORM_PAIR = /(^|[&?\s])([A-Za-z_][\w.-]*)=([^&\s]*)/g;

/**
 * Replaces the values of secret-named members (`"password": "…"`, `'access_token': '…'`, `client_secret=…`)
 * with '*' of the same length, so offsets, lines and columns stay valid.
 */
export function maskSecretValues(text: string): string {
  const isSecret = (name: string): boolean => isSecretParam(name) || isCredentialHeader(name);
  return text
    .replace(SECRET_JSON_MEMBER, (whole: string, q: string, name: string, colon: string, open: string, value: string) =>
      isSecret(name) ? `${q}${name}${q}${colon}${open}${'*'.repeat(value.length)}` : whole,
    )
    .replace(SECRET_FORM_PAIR, (whole: string, lead: string, name: string, value: string) =>
      isSecret(name) ? `${lead}${name}=${'*'.repeat(value.length)}` : whole,
    );
}

/**
 * The likely human cause of a JSON syntax error, from what sits at the error offset. Undefined when nothing
 * recognisable is there.
 */
export function explainJsonError(text: string, offset: number, message: string): string | undefined {
  const at = text.slice(offset);
  const before = text.slice(0, offset).trimEnd();
  if (text.startsWith('\uFEFF')) return 'the body starts with a byte-order mark (U+FEFF), which RFC 8259 §8.1 forbids in JSON sent over the network';
  if (text.includes('[object Object]')) return "the body contains '[object Object]': an object was concatenated into a string instead of serialised with JSON.stringify()";
  if (/^(True|False|None)\b/.test(at)) return 'True/False/None are Python literals: the body looks like str(dict) instead of json.dumps()';
  if (at.startsWith("'")) return "single-quoted strings are not JSON (Python's str(dict) or a JavaScript literal?); JSON needs double quotes";
  if (/^(NaN|-?Infinity|undefined)\b/.test(at)) return 'NaN, Infinity and undefined are not JSON values; send null or a number';
  if (/^\/[/*]/.test(at)) return 'JSON has no comments';
  if (/^[}\]]/.test(at) && before.endsWith(',')) return 'a trailing comma before the closing bracket is not allowed in JSON';
  if (/^[A-Za-z_$][\w$]*\s*:/.test(at)) return 'property names must be double-quoted in JSON (this looks like a JavaScript object literal)';
  if (/after JSON/i.test(message)) return 'a second value follows the first JSON document; send one document (or newline-delimited JSON only where the API accepts it)';
  if (/control character/i.test(message)) return 'a raw line break or tab inside a string must be escaped as \\n or \\t';
  if (/end of (JSON )?input|unterminated/i.test(message) || offset >= text.trimEnd().length) return 'the JSON ends early: brackets or quotes are not closed (cut off, or built by string concatenation?)';
  return undefined;
}

/** Offset of the first byte that is not valid UTF-8 (RFC 3629), or undefined when all are valid. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    let length: number;
    let min: number;
    if (lead < 0x80) length = 1, min = 0;
    else if (lead >= 0xc2 && lead <= 0xdf) length = 2, min = 0x80;
    else if (lead >= 0xe0 && lead <= 0xef) length = 3, min = 0x800;
    else if (lead >= 0xf0 && lead <= 0xf4) length = 4, min = 0x10000;
    else return i;
    if (i + length > bytes.length) return i;
    let codePoint = length === 1 ? lead : lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if ((next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += length;
  }
  return undefined;
}

interface ScanError {
  offset: number;
  message: string;
}

type ScanState = 'value' | 'value-or-end' | 'key-or-end' | 'key' | 'colon' | 'comma-or-end' | 'done';

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'];

/**
 * Our own RFC 8259 scan for the first syntax error, used when V8's message has no position. Iterative (an explicit
 * stack), so deeply nested input cannot overflow the call stack.
 */
export function scanJsonError(text: string): ScanError | undefined {
  const stack: Array<'{' | '['> = [];
  let state: ScanState = 'value';
  let i = 0;
  const n = text.length;
  const endOfInput = (): ScanError => ({ offset: n, message: 'Unexpected end of JSON input' });
  const stateAfterValue = (): ScanState => (stack.length > 0 ? 'comma-or-end' : 'done');
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (state === 'done') return i < n ? { offset: i, message: 'Unexpected non-whitespace character after JSON' } : undefined;
    if (i >= n) return endOfInput();
    const c = text[i];
    if (state === 'value' || state === 'value-or-end') {
      if (state === 'value-or-end' && c === ']') {
        stack.pop();
        i++;
        state = stateAfterValue();
      } else if (c === '{') {
        stack.push('{');
        i++;
        state = 'key-or-end';
      } else if (c === '[') {
        stack.push('[');
        i++;
        state = 'value-or-end';
      } else if (c === '"') {
        const end = scanString(text, i);
        if (typeof end !== 'number') return end;
        i = end;
        state = stateAfterValue();
      } else if (c === '-' || (c >= '0' && c <= '9')) {
        NUMBER.lastIndex = i;
        const match = NUMBER.exec(text);
        if (!match) return i + 1 >= n ? endOfInput() : { offset: i + 1, message: 'No number after minus sign' };
        i += match[0].length;
        state = stateAfterValue();
      } else {
        const literal = LITERALS.find((word) => text.startsWith(word, i));
        if (literal) {
          i += literal.length;
          state = stateAfterValue();
        } else if (LITERALS.some((word) => word.startsWith(text.slice(i)))) {
          return endOfInput();
        } else {
          return { offset: i, message: `Unexpected token '${c}'` };
        }
      }
    } else if (state === 'key-or-end' || state === 'key') {
      if (state === 'key-or-end' && c === '}') {
        stack.pop();
        i++;
        state = stateAfterValue();
      } else if (c === '"') {
        const end = scanString(text, i);
        if (typeof end !== 'number') return end;
        i = end;
        state = 'colon';
      } else {
        return {
          offset: i,
          message: state === 'key-or-end' ? "Expected property name or '}'" : 'Expected double-quoted property name',
        };
      }
    } else if (state === 'colon') {
      if (c !== ':') return { offset: i, message: "Expected ':' after property name" };
      i++;
      state = 'value';
    } else {
      const open = stack[stack.length - 1];
      const close = open === '{' ? '}' : ']';
      if (c === ',') {
        i++;
        state = open === '{' ? 'key' : 'value';
      } else if (c === close) {
        stack.pop();
        i++;
        state = stateAfterValue();
      } else {
        return {
          offset: i,
          message: `Expected ',' or '${close}' after ${open === '{' ? 'property value' : 'array element'}`,
        };
      }
    }
  }
}

/** Scans a string starting at the opening quote; returns the offset after the closing quote, or the error. */
function scanString(text: string, start: number): number | ScanError {
  let j = start + 1;
  while (j < text.length) {
    const code = text.charCodeAt(j);
    if (code === 34) return j + 1;
    if (code < 0x20) return { offset: j, message: 'Bad control character in string literal' };
    if (code === 92) {
      const escape = text[j + 1];
      if (escape === undefined) break;
      if (escape === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) {
          return j + 6 > text.length && /^[0-9a-fA-F]*$/.test(text.slice(j + 2))
            ? { offset: text.length, message: 'Unterminated string in JSON' }
            : { offset: j + 1, message: 'Bad Unicode escape' };
        }
        j += 6;
        continue;
      }
      if (!'"\\/bfnrt'.includes(escape)) return { offset: j + 1, message: 'Bad escaped character' };
      j += 2;
      continue;
    }
    j++;
  }
  return { offset: text.length, message: 'Unterminated string in JSON' };
}
