/**
 * A captured body as `proxydoc show` prints it: JSON reindented, binary as an `xxd`-style hex dump, compressed
 * bodies decoded, secrets masked, at most a given number of bytes, and nothing that could act on the terminal.
 * Pure: zlib works on buffers in memory; no sockets, files or clock.
 */
import * as zlib from 'node:zlib';
import type { CapturedBody } from '../model/exchange';
import { bodyBytes, captureBody } from '../model/body';
import { redactBodyText } from '../log/redact';
import { formatBytes, printableLines } from './format';

export interface BodyViewOptions {
  /** The Content-Type of the message, which decides how secrets are found (form fields, JSON keys…). */
  contentType: string | undefined;
  /** The Content-Encoding of the message: gzip, deflate and br bodies are decoded before they are shown. */
  contentEncoding: string | undefined;
  includeSecrets: boolean;
  /** Bytes of the body to print (of the decoded body when it was compressed); 0 prints none. */
  maxBytes: number;
}

export interface BodyView {
  /** How it is shown, for the body's heading: `JSON, reindented`, `binary, hex dump`, `gzip-decoded`… */
  descriptions: string[];
  /** The printable lines of the body, without indentation; empty when there is nothing to show. */
  lines: string[];
  /** What the reader must know about what is not shown (cut, truncated at capture, not decodable). */
  notes: string[];
}

/**
 * Decoded bodies are held in memory whole, so a small compressed capture can't expand without bound
 * (a "zip bomb" response): past this the encoded bytes are shown instead.
 */
const MAX_DECODED_BYTES = 16 * 1024 * 1024;

export function viewBody(body: CapturedBody, options: BodyViewOptions): BodyView {
  const view: BodyView = { descriptions: [], lines: [], notes: [] };
  if (body.size === 0) return view;
  const captured = bodyBytes(body);
  if (captured.length === 0) {
    view.notes.push(truncationNote(0, body.size));
    return view;
  }

  let content: CapturedBody = body;
  const decoded = decodeContent(captured, options.contentEncoding, body.truncated);
  if (decoded !== undefined) {
    if ('bytes' in decoded) {
      // captureBody decides text or binary exactly as the recorder does, and drops a character cut in half.
      content = decoded.bytes.length === 0 ? { size: 0, text: '', truncated: false } : captureBody(decoded.bytes, decoded.bytes.length, body.truncated);
      view.descriptions.push(`${decoded.coding}-decoded from ${formatBytes(captured.length)}`);
    } else {
      view.notes.push(decoded.problem);
    }
  }

  if (content.text !== undefined) {
    const text = options.includeSecrets ? content.text : redactBodyText(content.text, options.contentType);
    showText(view, text, !body.truncated, options);
  } else {
    const bytes = bodyBytes(content);
    const latin1 = bytes.toString('latin1');
    const redacted = options.includeSecrets ? latin1 : redactBodyText(latin1, options.contentType);
    if (redacted !== latin1) {
      // A hex dump would spell the secret out in its ASCII column (a form posted in Latin-1, say); the masked
      // text can't be byte-exact anyway, so it is shown as text.
      view.descriptions.push('not UTF-8, shown as Latin-1 text with its credentials masked');
      showText(view, redacted, false, options);
    } else {
      view.descriptions.push('binary, hex dump');
      const shown = bytes.subarray(0, options.maxBytes);
      view.lines = hexDump(shown);
      if (shown.length < bytes.length) view.notes.push(cutNote(shown.length, bytes.length));
    }
  }

  if (body.truncated) view.notes.push(truncationNote(captured.length, body.size));
  return view;
}

function truncationNote(captured: number, size: number): string {
  return `… body truncated: ${formatBytes(captured)} of ${formatBytes(size)} captured`;
}

function showText(view: BodyView, text: string, complete: boolean, options: BodyViewOptions): void {
  const total = Buffer.byteLength(text, 'utf8');
  const shown = cutUtf8(text, options.maxBytes);
  // Only a whole body that parses is reindented: reindenting a broken one would hide where it breaks.
  const json = complete && looksLikeJson(text) && parses(text);
  if (json) view.descriptions.push('JSON, reindented');
  if (shown !== '') {
    view.lines = printableLines(json ? reindentJson(shown) : shown);
    // The final line break of a text body ends its last line; it does not start an empty one (as `cat` shows it).
    if (view.lines.length > 1 && view.lines[view.lines.length - 1] === '') view.lines.pop();
  }
  const shownBytes = Buffer.byteLength(shown, 'utf8');
  if (shownBytes < total) view.notes.push(cutNote(shownBytes, total));
}

function cutNote(shown: number, total: number): string {
  return `… ${formatBytes(shown)} of ${formatBytes(total)} shown; a larger --body-limit shows more`;
}

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8 without splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // Back up over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

// ---------------------------------------------------------------------------------------------------------------
// Content-Encoding (RFC 9110 §8.4.1)

type Decoded = { coding: string; bytes: Buffer } | { problem: string };

/**
 * The body with its content coding removed, undefined when it has none (or `identity`). A truncated capture is
 * decoded as far as it goes (Z_SYNC_FLUSH / BROTLI_OPERATION_FLUSH do not demand the end of the stream).
 */
function decodeContent(bytes: Buffer, contentEncoding: string | undefined, truncated: boolean): Decoded | undefined {
  if (contentEncoding === undefined) return undefined;
  const codings = contentEncoding.split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return undefined;
  if (codings.length > 1) return { problem: `Content-Encoding ${codings.join(', ')}: several codings, shown as received` };
  const coding = codings[0];
  const zlibOptions = { maxOutputLength: MAX_DECODED_BYTES, ...(truncated ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}) };
  try {
    if (coding === 'gzip' || coding === 'x-gzip') return { coding: 'gzip', bytes: zlib.gunzipSync(bytes, zlibOptions) };
    if (coding === 'br') {
      const brotliOptions = { maxOutputLength: MAX_DECODED_BYTES, ...(truncated ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : {}) };
      return { coding: 'br', bytes: zlib.brotliDecompressSync(bytes, brotliOptions) };
    }
    if (coding === 'deflate') {
      // "deflate" means the zlib format (RFC 9110 §8.4.1.2), but some servers send a raw deflate stream.
      try {
        return { coding: 'deflate', bytes: zlib.inflateSync(bytes, zlibOptions) };
      } catch {
        return { coding: 'deflate', bytes: zlib.inflateRawSync(bytes, zlibOptions) };
      }
    }
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? `decodes to more than ${formatBytes(MAX_DECODED_BYTES)}` : 'does not decode';
    return { problem: `Content-Encoding ${coding}: the body ${reason}; shown as received` };
  }
  return { problem: `Content-Encoding ${coding} is not one proxydoc decodes; shown as received` };
}

// ---------------------------------------------------------------------------------------------------------------
// JSON

/**
 * An object or array, whatever the Content-Type says: JSON often arrives as text/plain, and a scalar (`42`,
 * `"ok"`) has nothing to reindent.
 */
function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const JSON_WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const JSON_STRUCTURE = new Set(['{', '}', '[', ']', ',', ':', '"']);

/**
 * JSON with two-space indentation. Only whitespace between tokens changes: strings and numbers are copied as
 * written, so `1.10`, `12345678901234567890`, `\u00e9` and duplicate keys look exactly as the server sent them
 * (JSON.stringify(JSON.parse(…)) would round the number and keep only the last duplicate). Tolerates a prefix of
 * a document, so a cut body is reindented as far as it goes.
 */
export function reindentJson(text: string): string {
  const out: string[] = [];
  let depth = 0;
  const newline = (): string => `\n${'  '.repeat(depth)}`;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      out.push(text.slice(i, end + 1));
      i = end + 1;
    } else if (ch === '{' || ch === '[') {
      let next = i + 1;
      while (next < text.length && JSON_WHITESPACE.has(text[next])) next++;
      const close = ch === '{' ? '}' : ']';
      if (text[next] === close) {
        out.push(ch, close); // `{}` and `[]` stay on one line
        i = next + 1;
      } else {
        depth++;
        out.push(ch, newline());
        i++;
      }
    } else if (ch === '}' || ch === ']') {
      depth = Math.max(0, depth - 1);
      out.push(newline(), ch);
      i++;
    } else if (ch === ',') {
      out.push(',', newline());
      i++;
    } else if (ch === ':') {
      out.push(': ');
      i++;
    } else if (JSON_WHITESPACE.has(ch)) {
      i++;
    } else {
      let end = i + 1;
      while (end < text.length && !JSON_STRUCTURE.has(text[end]) && !JSON_WHITESPACE.has(text[end])) end++;
      out.push(text.slice(i, end));
      i = end;
    }
  }
  // A prefix cut right after a comma or an opening bracket would end in an indented empty line.
  if (out.length > 0 && out[out.length - 1].startsWith('\n')) out.pop();
  return out.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Hex dump

const BYTES_PER_ROW = 16;

/**
 * `xxd`'s default layout: `00000010: 4865 6c6c 6f0a 0001 …  Hello...`, an 8-digit hex offset, the bytes in groups
 * of two, and the printable ASCII range (0x20–0x7e) as itself, everything else as `.`.
 */
export function hexDump(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += BYTES_PER_ROW) {
    const row = bytes.subarray(offset, offset + BYTES_PER_ROW);
    const groups: string[] = [];
    let ascii = '';
    for (let i = 0; i < row.length; i += 2) {
      groups.push(Array.from(row.subarray(i, i + 2), (byte) => byte.toString(16).padStart(2, '0')).join(''));
    }
    for (const byte of row) ascii += byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte) : '.';
    const hex = groups.join(' ').padEnd((BYTES_PER_ROW / 2) * 5 - 1);
    lines.push(`${offset.toString(16).padStart(8, '0')}: ${hex}  ${ascii}`);
  }
  return lines;
}
