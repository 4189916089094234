/**
 * Parsing `WWW-Authenticate` (and `Proxy-Authenticate`) challenges, RFC 9110 §11.6.1 / §11.3. Pure; never throws.
 *
 *   WWW-Authenticate = #challenge
 *   challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param  = token BWS "=" BWS ( token / quoted-string )
 *   token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *
 * Commas separate both challenges and the auth-params of one challenge, so after a comma the parser looks ahead:
 * `name =` continues the current challenge's params, anything else starts a new challenge (§11.6.1 note).
 *
 * Strictness: on malformed input the parser stops. It returns the challenges completed before the garbage and
 * drops the challenge in which the garbage sits (a half-read challenge would lie about its params). Each header
 * line is parsed on its own, so garbage in one repeated header does not lose the challenges of the others.
 */
import type { HeaderPairs } from '../../model/exchange';
import { headerValues } from '../../model/headers';

export interface AuthChallenge {
  /** The auth-scheme as sent (compare case-insensitively, RFC 9110 §11.1). */
  scheme: string;
  /** auth-params by lower-cased name; quoted-string values are unescaped. The first occurrence of a name wins. */
  params: Record<string, string>;
  /** The token68 form (e.g. `Negotiate <blob>`), when used instead of params. */
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

/** All challenges from one or more header values (repeated headers are equivalent to one comma-joined list). */
export function parseWwwAuthenticate(values: string | readonly string[]): AuthChallenge[] {
  const list = typeof values === 'string' ? [values] : values;
  const challenges: AuthChallenge[] = [];
  for (const value of list) {
    // One by one: spreading a huge list into push() overflows the call stack (RangeError past ~120k challenges).
    if (typeof value === 'string') for (const challenge of parseOneHeader(value)) challenges.push(challenge);
  }
  return challenges;
}

/** The challenges of a response's `WWW-Authenticate` headers. */
export function responseChallenges(headers: HeaderPairs | undefined): AuthChallenge[] {
  return headers ? parseWwwAuthenticate(headerValues(headers, 'www-authenticate')) : [];
}

/** The first challenge of a scheme (case-insensitive), if offered. */
export function findChallenge(challenges: readonly AuthChallenge[], scheme: string): AuthChallenge | undefined {
  const wanted = scheme.toLowerCase();
  return challenges.find((c) => c.scheme.toLowerCase() === wanted);
}

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(offset = 0): string {
    return this.text.charAt(this.pos + offset);
  }
  /** Skips spaces and tabs; returns how many. */
  skipWhitespace(): number {
    const start = this.pos;
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
    return this.pos - start;
  }
  readWhile(pattern: RegExp): string {
    const start = this.pos;
    while (!this.done && pattern.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
}

function parseOneHeader(value: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  const cursor = new Cursor(value);
  for (;;) {
    skipListSeparators(cursor);
    if (cursor.done) return out;
    const challenge = parseChallenge(cursor);
    if (!challenge) return out;
    out.push(challenge);
  }
}

/** Empty list elements are allowed (RFC 9110 §5.6.1): `, , Basic`. */
function skipListSeparators(cursor: Cursor): void {
  for (;;) {
    cursor.skipWhitespace();
    if (cursor.peek() !== ',') return;
    cursor.pos++;
  }
}

/** Parses one challenge and leaves the cursor on the ',' that ends it (or at the end); undefined on garbage. */
function parseChallenge(cursor: Cursor): AuthChallenge | undefined {
  const scheme = cursor.readWhile(TCHAR);
  if (scheme === '') return undefined;
  const challenge: AuthChallenge = { scheme, params: {} };
  const spaces = cursor.skipWhitespace();
  if (cursor.done || cursor.peek() === ',') return challenge;
  if (spaces === 0) return undefined; // e.g. `Bearer"x"` — the scheme must be followed by SP

  const token68 = tryToken68(cursor);
  if (token68 !== undefined) {
    challenge.token68 = token68;
    return challenge;
  }
  for (;;) {
    const param = parseAuthParam(cursor);
    if (!param) return undefined;
    // Own properties, defined rather than assigned: `in` would see Object.prototype's `constructor`, and assigning
    // `__proto__` would be ignored, so params with those names were dropped.
    if (!Object.hasOwn(challenge.params, param.name)) {
      Object.defineProperty(challenge.params, param.name, { value: param.value, enumerable: true, writable: true, configurable: true });
    }
    cursor.skipWhitespace();
    if (cursor.done) return challenge;
    if (cursor.peek() !== ',') return undefined;
    // Look past the comma(s): another `name=` belongs to this challenge, anything else starts the next one.
    const afterComma = cursor.pos;
    skipListSeparators(cursor);
    if (cursor.done || !startsAuthParam(cursor)) {
      cursor.pos = afterComma;
      return challenge;
    }
  }
}

/** A token68 is only taken when it is the whole rest of the challenge (followed by the end or a comma). */
function tryToken68(cursor: Cursor): string | undefined {
  const start = cursor.pos;
  const body = cursor.readWhile(TOKEN68_CHAR);
  const padding = cursor.readWhile(/=/);
  const value = body + padding;
  cursor.skipWhitespace();
  if (body !== '' && (cursor.done || cursor.peek() === ',')) return value;
  cursor.pos = start;
  return undefined;
}

function startsAuthParam(cursor: Cursor): boolean {
  const start = cursor.pos;
  const name = cursor.readWhile(TCHAR);
  cursor.skipWhitespace();
  const isParam = name !== '' && cursor.peek() === '=';
  cursor.pos = start;
  return isParam;
}

function parseAuthParam(cursor: Cursor): { name: string; value: string } | undefined {
  const name = cursor.readWhile(TCHAR);
  if (name === '') return undefined;
  cursor.skipWhitespace();
  if (cursor.peek() !== '=') return undefined;
  cursor.pos++;
  cursor.skipWhitespace();
  const value = cursor.peek() === '"' ? readQuotedString(cursor) : emptyToUndefined(cursor.readWhile(TCHAR));
  return value === undefined ? undefined : { name: name.toLowerCase(), value };
}

function emptyToUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}

/** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4); undefined when unterminated. */
function readQuotedString(cursor: Cursor): string | undefined {
  cursor.pos++; // opening quote
  let value = '';
  while (!cursor.done) {
    const ch = cursor.peek();
    if (ch === '"') {
      cursor.pos++;
      return value;
    }
    if (ch === '\\') {
      if (cursor.pos + 1 >= cursor.text.length) return undefined;
      value += cursor.peek(1);
      cursor.pos += 2;
      continue;
    }
    // qdtext excludes CTLs other than HTAB.
    const code = ch.charCodeAt(0);
    if ((code < 0x20 && ch !== '\t') || code === 0x7f) return undefined;
    value += ch;
    cursor.pos++;
  }
  return undefined;
}

/**
 * Challenges for a log line, e.g. `Bearer realm="gitlab"`, `Basic realm="Jira", Bearer`. Only the scheme and the
 * `realm`/`scope` params are shown: the rest (error descriptions) is reported by the rules that read them.
 */
export function describeChallenges(challenges: readonly AuthChallenge[]): string {
  return challenges
    .map((c) => {
      const shown = ['realm', 'scope'].filter((p) => c.params[p] !== undefined).map((p) => `${p}="${c.params[p]}"`);
      return shown.length > 0 ? `${c.scheme} ${shown.join(' ')}` : c.scheme;
    })
    .join(', ');
}
