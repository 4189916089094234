/**
 * `export --format curl`: a bash command that sends the recorded request again, directly to the server, so that the
 * server receives the same bytes it received through proxydoc. Pure: the body file it may need is returned for the
 * command to write.
 *
 * What curl would change by itself, and how it is prevented (curl 7.88 behaviour, checked by the integration test):
 * - It adds User-Agent, Accept (and Host) when not given: `-H 'Name:'` removes a default the original lacked.
 * - With a body it adds `Content-Type: application/x-www-form-urlencoded` and, for bodies over 1 MiB (1 KiB before
 *   curl 7.76), `Expect: 100-continue`: removed the same way unless recorded.
 * - The recorded Content-Length is passed as a header, and curl then sends it instead of its own; a recorded
 *   `Transfer-Encoding: chunked` makes curl chunk the body itself. The record keeps the decoded body, so the bytes
 *   of the body are the same; only the chunk boundaries may differ.
 * - It removes `.` and `..` segments (`--path-as-is` keeps them), reads `[]{}` as globs (`--globoff`), and cannot
 *   send a target that is not a path or holds a `#` (`--request-target` sends it verbatim).
 * - It negotiates HTTP/2 for https (`--http1.1` pins the recorded version).
 * - It cannot place Host anywhere but first, nor spell it other than `Host`: said in a note when that differs.
 * - A header with an empty value is written `-H 'Name;'`; curl then sends `Name:` without the space Node writes
 *   after the colon (RFC 9112 §5.1: that whitespace is optional and not part of the value).
 *
 * Credentials are replaced by shell variables (`-H "Authorization: Bearer ${TOKEN:?}"`) unless `includeSecrets`,
 * with a `# export TOKEN=…` comment giving each variable's length and hash to compare against.
 */
import * as path from 'node:path';
import type { ExchangeRecord } from '../model/exchange';
import { headerValue } from '../model/headers';
import { bodyBytes } from '../model/body';
import { safeDecode } from '../model/url';
import { maskSecret, redactBodyText, redactHeaderValue, redactRecord, redactUrl } from '../log/redact';
import { truncationNote, wireRequest } from './raw';
import { commentText, shellQuote, shellQuoteBytes, shellWord, type WordPart } from './shell-quote';

/** Longer text bodies go to a file: Linux limits one argument to 128 KiB (MAX_ARG_STRLEN), and nobody reads them inline. */
export const INLINE_BODY_MAX = 64 * 1024;

/** curl ≥ 7.76 adds `Expect: 100-continue` above 1 MiB; older versions above 1 KiB. */
const EXPECT_THRESHOLD = 1024;

export interface CurlOptions {
  includeSecrets: boolean;
  /** Absolute directory where a body that can't be inline is written (proxydoc-body-<seq>.bin). */
  bodyDir: string;
  /** Shared by every record of one export, so one variable name means one value. */
  variables: ShellVariables;
}

export interface CurlExport {
  /** `# …` comment lines, then the command, ending in a newline. */
  script: string;
  /** A body file the command reads with `--data-binary @FILE`, for the caller to write (mode 0600). */
  bodyFile?: { path: string; bytes: Buffer };
  notes: string[];
  /** The command does not send exactly what was recorded (a truncated body, credentials that stayed masked). */
  incomplete: boolean;
}

export function exportCurl(record: ExchangeRecord, options: CurlOptions): CurlExport | { unsupported: string } {
  const wire = wireRequest(record);
  if ('unsupported' in wire) return wire;
  if (record.tunnel !== false) return { unsupported: 'a WebSocket: curl cannot hold the connection open for its frames (use --format raw or har)' };
  const notes: string[] = [];
  let incomplete = false;
  const usedVariables: string[] = [];
  const secrets = new SecretParts(options, usedVariables);
  const lower = new Set(wire.headers.map(([name]) => name.toLowerCase()));
  const hasBody = wire.bodySize > 0 || lower.has('content-length') || wire.chunked;

  const args: string[] = [];
  if (wire.method === 'HEAD' && !hasBody) args.push('--head');
  else if (wire.method !== (hasBody ? 'POST' : 'GET')) args.push(`--request ${shellQuote(wire.method)}`);

  const origin = `${wire.scheme}://${wire.authority}`;
  const target = secrets.inUrl(wire.target);
  if (target.masked) {
    notes.push('credentials in the URL could not be turned into variables: it is exported masked (add --include-secrets to export it as sent)');
    incomplete = true;
  }
  const targetParts = target.parts;
  let url: string;
  if (!wire.target.startsWith('/') || /[^\x21-\x7e]|#/.test(wire.target)) {
    url = shellQuote(`${origin}/`);
    args.push(`--request-target ${shellWord(targetParts)}`);
  } else {
    url = shellWord([origin, ...targetParts]);
    const pathPart = wire.target.split('?', 1)[0];
    if (/(^|\/)\.\.?(\/|$)/.test(pathPart) || pathPart.includes('//')) args.push('--path-as-is');
  }
  if (/[[\]{}]/.test(origin + wire.target)) args.push('--globoff');

  const hostIndex = wire.headers.findIndex(([name]) => name.toLowerCase() === 'host');
  if (hostIndex > 0 || (hostIndex === 0 && wire.headers[0][0] !== 'Host')) {
    notes.push(`curl always sends Host first and spelled "Host"; the original sent "${wire.headers[hostIndex][0]}" as header ${hostIndex + 1}`);
  }
  for (const [name, value] of wire.headers) {
    // A truncated body can't match the recorded length; curl then computes it from what was captured.
    if (wire.truncated && name.toLowerCase() === 'content-length') continue;
    const header = secrets.inHeader(name, value);
    if (header.masked) {
      notes.push(`the ${name} header is not valid UTF-8 and holds a credential: it is exported masked (add --include-secrets to export it as sent)`);
      incomplete = true;
    }
    args.push(`-H ${header.word}`);
  }
  if (hostIndex < 0) args.push(`-H ${shellQuote('Host:', { bare: false })}`);
  if (!lower.has('user-agent')) args.push(`-H ${shellQuote('User-Agent:', { bare: false })}`);
  if (!lower.has('accept')) args.push(`-H ${shellQuote('Accept:', { bare: false })}`);
  if (hasBody && !lower.has('content-type')) args.push(`-H ${shellQuote('Content-Type:', { bare: false })}`);
  if (hasBody && wire.body.length > EXPECT_THRESHOLD && !lower.has('expect')) args.push(`-H ${shellQuote('Expect:', { bare: false })}`);

  let bodyFile: CurlExport['bodyFile'];
  if (hasBody) {
    if (wire.truncated) {
      notes.push(truncationNote(wire));
      incomplete = true;
    }
    const text = wire.body.length === 0 ? '' : record.request.body.text;
    const contentType = headerValue(wire.headers, 'content-type');
    if (text !== undefined && wire.body.length <= INLINE_BODY_MAX) {
      const body = secrets.inBody(text, contentType);
      if (body.masked) {
        notes.push('credentials in the body could not be turned into variables: it is exported masked (add --include-secrets to export it as sent)');
        incomplete = true;
      }
      // `--data-binary @x` would read the file x; --data-raw takes a leading @ literally.
      args.push(`${text.startsWith('@') ? '--data-raw' : '--data-binary'} ${shellWord(body.parts)}`);
    } else {
      const filePath = path.join(options.bodyDir, `proxydoc-body-${record.seq}.bin`);
      let bytes = wire.body;
      if (!options.includeSecrets) {
        const redacted = bodyBytes(redactRecord(record).request.body);
        if (!redacted.equals(bytes)) {
          notes.push(`the body holds credentials: ${filePath} has them masked (add --include-secrets to export it as sent)`);
          incomplete = true;
          bytes = redacted;
        }
      }
      bodyFile = { path: filePath, bytes };
      args.push(`--data-binary ${shellQuote(`@${filePath}`)}`);
    }
  }
  args.push(wire.httpVersion === '1.0' ? '--http1.0' : '--http1.1');

  const comments = [`# ${commentText(describeRecord(record, options.includeSecrets))}`, ...usedVariables.map((name) => options.variables.exportComment(name))];
  const command = [`curl ${url}`, ...args].join(' \\\n  ');
  return { script: `${comments.join('\n')}\n${command}\n`, bodyFile, notes, incomplete };
}

/** `#17 POST https://api.example.com/x → 404 Not Found`, the URL redacted unless secrets are included. */
function describeRecord(record: ExchangeRecord, includeSecrets: boolean): string {
  const url = includeSecrets ? record.request.url : redactUrl(record.request.url);
  const outcome = record.response
    ? `${record.response.status} ${record.response.statusText}`.trim()
    : record.error
      ? `${record.error.kind} (${record.error.code})`
      : 'no response';
  return `#${record.seq} ${record.request.method} ${url} → ${outcome}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Credentials as shell variables

/**
 * The variables of one export. A name stands for one value: the same token in two requests is one variable, two
 * different tokens become TOKEN and TOKEN_2.
 */
export class ShellVariables {
  private readonly values = new Map<string, { value: string; description: string }>();
  /** `base NUL value` → its variable, and the next suffix to try per base: `export --all` of thousands of distinct
   * tokens under one header name stays linear (trying TOKEN, TOKEN_2, … each time was quadratic). */
  private readonly named = new Map<string, string>();
  private readonly nextSuffix = new Map<string, number>();

  /** The variable holding `value`, named after `base` (already a valid name): the same value keeps its variable. */
  nameFor(base: string, value: string, description: string): string {
    const key = `${base}\u0000${value}`;
    const known = this.named.get(key);
    if (known !== undefined) return known;
    let n = this.nextSuffix.get(base) ?? 1;
    let name = n === 1 ? base : `${base}_${n}`;
    // A name may be taken by another base already (a header literally called Token-2 gives TOKEN_2).
    while (this.values.has(name)) name = `${base}_${++n}`;
    this.nextSuffix.set(base, n + 1);
    this.values.set(name, { value, description });
    this.named.set(key, name);
    return name;
  }

  /** `# export TOKEN=…  (Bearer, 812 chars, sha256:3f2a9c)`: what to set, and a length and hash to check it by. */
  exportComment(name: string): string {
    const entry = this.values.get(name);
    if (!entry) throw new RangeError(`unknown variable ${name}`);
    return `# export ${name}=…  (${commentText(entry.description)}, ${maskSecret(entry.value).slice(1, -1)})`;
  }
}

/** An environment variable name from a header or field name: `X-Api-Key` → X_API_KEY, `user[password]` → USER_PASSWORD. */
export function variableName(text: string): string {
  const name = text.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (name === '') return 'SECRET';
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Splits headers, targets and bodies into literal text and variables for their credentials. */
class SecretParts {
  constructor(
    private readonly options: CurlOptions,
    private readonly used: string[],
  ) {}

  private variable(base: string, value: string, description: string): { variable: string } {
    const name = this.options.variables.nameFor(base, value, description);
    if (!this.used.includes(name)) this.used.push(name);
    return { variable: name };
  }

  /**
   * `-H` argument for one header. Node reads header bytes as Latin-1, so the recorded value is turned back into
   * its bytes; valid UTF-8 (nearly always) is handled as text, anything else is quoted byte by byte.
   */
  inHeader(name: string, value: string): { word: string; masked: boolean } {
    if (value === '') return { word: shellQuote(`${name};`, { bare: false }), masked: false };
    const bytes = Buffer.from(value, 'latin1');
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      if (this.options.includeSecrets || redactHeaderValue(name, value) === value) {
        return { word: shellQuoteBytes(Buffer.concat([Buffer.from(`${name}: `, 'latin1'), bytes])), masked: false };
      }
      return { word: shellQuote(`${name}: ${redactHeaderValue(name, value)}`, { bare: false }), masked: true };
    }
    if (this.options.includeSecrets || redactHeaderValue(name, text) === text) return { word: shellQuote(`${name}: ${text}`, { bare: false }), masked: false };
    const scheme = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)([ \t]+)(\S[^]*)$/.exec(text);
    if (name.toLowerCase() === 'authorization' && scheme) {
      // RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]; the scheme is no secret.
      const kind = scheme[1].toLowerCase();
      const base = kind === 'bearer' ? 'TOKEN' : kind === 'basic' ? 'BASIC_CREDENTIALS' : 'AUTHORIZATION';
      return { word: shellWord([`${name}: ${scheme[1]}${scheme[2]}`, this.variable(base, scheme[3], scheme[1])]), masked: false };
    }
    return { word: shellWord([`${name}: `, this.variable(variableName(name), text, `header ${name}`)]), masked: false };
  }

  /** The request target with secret query parameters (and JWTs in the path) as variables. */
  inUrl(target: string): { parts: WordPart[]; masked: boolean } {
    if (this.options.includeSecrets || !target.startsWith('/')) return { parts: [target], masked: false };
    const origin = 'http://h';
    return this.split(target, redactUrl(`${origin}${target}`).slice(origin.length), 'query parameter');
  }

  /** A text body with secret JSON/form fields as variables. */
  inBody(text: string, contentType: string | undefined): { parts: WordPart[]; masked: boolean } {
    if (this.options.includeSecrets) return { parts: [text], masked: false };
    return this.split(text, redactBodyText(text, contentType), 'form field');
  }

  /** `masked` when the secrets could not be told apart from the text: the redacted text is used as it is. */
  private split(text: string, redacted: string, formWord: string): { parts: WordPart[]; masked: boolean } {
    if (redacted === text) return { parts: [text], masked: false };
    const aligned = alignMasked(text, redacted);
    if (!aligned) return { parts: [redacted], masked: true };
    return { parts: this.withVariables(aligned, formWord), masked: false };
  }

  private withVariables(aligned: AlignedPart[], formWord: string): WordPart[] {
    // Only the end of the text before a secret names it: keeping just that much, the scan per secret stays short
    // (reading the whole text before every secret was quadratic in the number of secrets).
    let before = '';
    return aligned.map((part) => {
      if (typeof part === 'string') {
        before = (before + part).slice(-CONTEXT_CHARS);
        return part;
      }
      const { base, description } = nameFromContext(before, formWord);
      before = (before + part.secret).slice(-CONTEXT_CHARS);
      return this.variable(base, part.secret, description);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Finding the secrets redaction replaced

type AlignedPart = string | { secret: string };

const MASK = String.raw`(?:JWT\{[^\r\n]*?\} )?‹\d+ chars, sha256:[0-9a-f]{6}›`;
/** A mask as redact.ts writes it, with the quotes of the JSON string it replaced when it replaced one. */
const MASK_IN_TEXT = new RegExp(`"${MASK}"|${MASK}`, 'g');

/**
 * Lines up a text with its redacted copy: the redactor leaves every byte that is not a secret as it was and puts
 * a mask where each secret was, so the text between masks must appear in the original in the same order, and what
 * lies between those pieces there is the secret. Returns undefined when they don't line up (redaction re-encoded
 * something, e.g. a JSON string with escapes): the caller then keeps the masks.
 */
export function alignMasked(original: string, redacted: string): AlignedPart[] | undefined {
  const literals: string[] = [];
  const masks: string[] = [];
  let last = 0;
  for (const match of redacted.matchAll(MASK_IN_TEXT)) {
    literals.push(redacted.slice(last, match.index));
    masks.push(match[0]);
    last = match.index + match[0].length;
  }
  literals.push(redacted.slice(last));
  if (masks.length === 0 || !original.startsWith(literals[0])) return undefined;
  const parts: AlignedPart[] = [literals[0]];
  let position = literals[0].length;
  for (let k = 1; k < literals.length; k++) {
    const next = literals[k];
    const quoted = masks[k - 1].startsWith('"');
    let end: number;
    if (quoted && original[position] === '"') {
      end = closingQuote(original, position) + 1;
      if (end === 0) return undefined;
    } else if (k === literals.length - 1) {
      end = original.length - next.length;
    } else {
      if (next === '') return undefined;
      end = original.indexOf(next, position + 1);
    }
    if (end <= position || !original.startsWith(next, end)) return undefined;
    const secret = original.slice(position, end);
    if (secret === masks[k - 1]) parts.push(secret); // a mask-shaped text that was already in the original
    else if (quoted && secret.length >= 2 && secret.startsWith('"') && secret.endsWith('"')) parts.push('"', { secret: secret.slice(1, -1) }, '"');
    else parts.push({ secret });
    parts.push(next);
    position = end + next.length;
  }
  if (position !== original.length) return undefined;
  return parts;
}

function closingQuote(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** How much of the text before a secret can name it: a JSON key, a field name, a part's headers. */
const CONTEXT_CHARS = 4096;

/** The name a secret gets from what precedes it: a JSON key, a form or query field, a multipart part, a scheme. */
function nameFromContext(before: string, formWord: string): { base: string; description: string } {
  let match = /"((?:[^"\\]|\\.)*)"\s*:\s*"?$/.exec(before);
  if (match) return { base: variableName(match[1]), description: `JSON field ${match[1]}` };
  match = /(?:^|[&?;/])([^&=?;/#\s]+)=$/.exec(before);
  if (match) {
    const field = safeDecode(match[1]);
    return { base: variableName(field), description: `${formWord} ${field}` };
  }
  const part = before.lastIndexOf('name="');
  if (part >= 0) {
    match = /^name="([^"]*)"[^]*\r?\n\r?\n$/.exec(before.slice(part));
    if (match) return { base: variableName(match[1]), description: `multipart field ${match[1]}` };
  }
  match = /\b(Bearer|Basic)\s+$/i.exec(before);
  if (match) return match[1].toLowerCase() === 'bearer' ? { base: 'TOKEN', description: 'Bearer' } : { base: 'BASIC_CREDENTIALS', description: 'Basic' };
  match = /([A-Za-z0-9_.-]+)\s*[=:]\s*"?$/.exec(before);
  if (match) return { base: variableName(match[1]), description: `field ${match[1]}` };
  return { base: 'SECRET', description: 'credential' };
}
