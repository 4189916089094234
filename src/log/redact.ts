/**
 * Redaction: everything a human reads (proxydoc.log, tail, show, export, error pages, stderr) passes through here,
 * so credentials never appear in it. Pure (node:crypto only, for the short hash).
 *
 * A secret becomes `‹812 chars, sha256:3f2a9c›`: the length and a short hash stay so two values can be compared
 * (same token in two requests? did the refresh change it?) without the value being readable (DESIGN.md "Redaction").
 * Everything that is not a secret stays byte-identical, because the log is used to debug exactly those bytes
 * (`%2F`, `//`, header letter case…).
 *
 * Cost: this runs on every logged exchange, so every pattern is compiled once at module load, URLs without
 * userinfo/query/fragment take a fast path, and JSON bodies are scanned in one pass rather than parsed and
 * re-serialised (which would also lose the original bytes).
 */
import { createHash } from 'node:crypto';
import type { CapturedBody, ExchangeRecord, Finding, HeaderPairs, RecordedResponse } from '../model/exchange';
import { headerValue, mediaType } from '../model/headers';
import { decodeJwt, numericDateMs, type DecodedJwt } from '../model/jwt';
import { isCredentialHeader, isSecretParam } from '../model/secrets';

// ---------------------------------------------------------------------------------------------------------------
// Masks

/** `‹812 chars, sha256:3f2a9c›`: the length in characters (code points) and the first 6 hex digits of SHA-256. */
export function maskSecret(value: string): string {
  const digest = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 6);
  return `‹${codePointCount(value)} chars, sha256:${digest}›`;
}

/**
 * What this module writes for a secret: a mask, optionally after a JWT summary. Never masked a second time. Nor is
 * `‹not recorded›`, what the capture stores for the --proxy-auth credential (capture/access.ts NOT_RECORDED):
 * masked, it would read as a recorded 14-character password.
 */
const MASK_SHAPE = /^(?:(?:JWT\{[^\r\n]*\} )?‹\d+ chars, sha256:[0-9a-f]{6}›|‹not recorded›)$/;
/** A mask anywhere in a text (a value redacted on an earlier pass, or a JWT summary's `JWT{alg=…} ‹…›`). */
const MASK_INSIDE = /‹\d+ chars, sha256:[0-9a-f]{6}›/;
/** A mask at the start of a text (a URL's user name masked on an earlier pass). */
const LEADING_MASK = /^‹\d+ chars, sha256:[0-9a-f]{6}›/;
/** What redactBasicCredentials writes when it shows the user name: `user=alice ‹…›`. */
const REDACTED_BASIC = /^user=[^\r\n]* ‹\d+ chars, sha256:[0-9a-f]{6}›$/;

/**
 * Masks a field value. An empty value stays empty (nothing to hide, and "the password was empty" is a diagnosis),
 * and an already-masked value is left alone so redacting twice (a finding quoting a redacted line) is harmless.
 */
function maskValue(value: string): string {
  if (value === '' || MASK_SHAPE.test(value)) return value;
  return maskSecret(value);
}

/** A token: a JWT shows its decoded header and claims before the mask, anything else is just masked. */
function maskToken(token: string): string {
  if (token === '' || MASK_SHAPE.test(token)) return token;
  const jwt = token.length > 20 && token.startsWith('eyJ') ? decodeJwt(token) : undefined;
  return jwt ? `${describeJwt(jwt)} ${maskSecret(token)}` : maskSecret(token);
}

function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low surrogate is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------------------------
// JWT summaries

/** JOSE header fields worth showing: the algorithm and the key id (key rotation problems show up as an unknown kid). */
const JWT_HEADER_FIELDS = ['alg', 'kid'] as const;
/** The claims DESIGN.md names, in reading order; `scp` is Azure AD's spelling of scope. */
const JWT_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'nbf', 'scope', 'scp'] as const;
const MAX_CLAIM_CHARS = 200;
const BARE_CLAIM_VALUE = /^[^\s{}"=‹›\u0000-\u001f\u007f]+$/;

/** `JWT{alg=RS256 iss=… aud=… exp=2026-11-21T20:00:00Z …}` — never the signature. */
function describeJwt(jwt: DecodedJwt): string {
  const parts: string[] = [];
  for (const field of JWT_HEADER_FIELDS) {
    if (jwt.header[field] !== undefined) parts.push(`${field}=${formatClaimValue(jwt.header[field])}`);
  }
  for (const claim of JWT_CLAIMS) {
    if (jwt.claims[claim] === undefined) continue;
    const ms = claim === 'exp' || claim === 'iat' || claim === 'nbf' ? numericDateMs(jwt.claims, claim) : undefined;
    parts.push(`${claim}=${ms !== undefined ? formatNumericDate(ms, jwt.claims[claim]) : formatClaimValue(jwt.claims[claim])}`);
  }
  return `JWT{${parts.join(' ')}}`;
}

/** NumericDate (RFC 7519 §2) as ISO-8601 UTC to the second; out-of-range values are shown as written. */
function formatNumericDate(ms: number, raw: unknown): string {
  if (Math.abs(ms) > 8.64e15) return formatClaimValue(raw);
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

function formatClaimValue(value: unknown): string {
  if (typeof value === 'string') return BARE_CLAIM_VALUE.test(value) ? capped(value) : capped(JSON.stringify(value));
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' && BARE_CLAIM_VALUE.test(item) && !item.includes(','))) {
    return capped(`[${value.join(',')}]`);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return capped(json ?? String(value));
}

function capped(text: string): string {
  return text.length > MAX_CLAIM_CHARS ? `${text.slice(0, MAX_CLAIM_CHARS)}…` : text;
}

// ---------------------------------------------------------------------------------------------------------------
// Field names

/**
 * Names that secrets.ts's broad pattern (`token`, `secret`…) catches but that carry no secret: OAuth's
 * `token_type=Bearer`, `token_type_hint`, OIDC discovery's `token_endpoint` and `*_supported` lists, expiry times.
 * Hiding them would hide exactly what an OAuth mix-up is diagnosed from.
 */
const NOT_SECRET_FIELD = /(?:_type|_type_hint|_hint|_endpoint|_supported|_uri|_url|_expires_in|_expires_at|_expiry|_lifetime)$/;

/**
 * Names secrets.ts rightly treats as secret in URLs and forms (`?key=` is a Google API key, `code=` an OAuth
 * authorisation code) but which in JSON and prose are mostly identifiers: `"code": 404`, Jira's `"key": "PROJ-12"`,
 * `exit code=1`. There the value is masked only when it looks like a credential (see looksLikeOpaqueSecret).
 */
const AMBIGUOUS_FIELDS = new Set(['code', 'key', 'session', 'auth', 'sig', 'signature', 'pass', 'assertion']);

/** Whether a query parameter, form field or JSON key holds a secret. Rails-style `user[password]` counts too. */
function isSecretField(name: string): boolean {
  const lower = name.toLowerCase();
  if (NOT_SECRET_FIELD.test(lower)) return false;
  if (isSecretParam(lower) || JSON_CREDENTIAL_KEYS.has(lower)) return true;
  const bracket = lower.lastIndexOf('[');
  if (bracket >= 0 && lower.endsWith(']')) return isSecretField(lower.slice(bracket + 1, -1));
  return false;
}

/** Header names that appear as JSON keys (`{"headers":{"Authorization":"…"}}`) and hold credentials. */
const JSON_CREDENTIAL_KEYS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

// ---------------------------------------------------------------------------------------------------------------
// Headers

/** Challenge headers name schemes and realms, never credentials (RFC 9110 §11.6). */
const CHALLENGE_HEADERS = new Set(['www-authenticate', 'proxy-authenticate', 'authentication-info', 'proxy-authentication-info']);

/**
 * Near-misses of credential headers (`Autorization`, `Authorisation`, `X-Api-Kye`) still carry the credential the
 * app meant to send — RULES.md auth-header-misspelled diagnoses them — so they are masked like the real thing.
 */
const SUSPECT_CREDENTIAL_HEADER = /aut?h?ori[sz]|api[-_]?k|passw|secret|cooki/i;

/** Headers whose value is a URL that may carry a secret (OAuth redirects put `code=`/`#access_token=` in Location). */
const URL_HEADERS = new Set(['location', 'content-location', 'referer']);

/** RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]. */
const AUTH_SCHEME_PREFIX = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)([ \t]+)([^]*)$/;
/** Schemes recognised at the start of a non-Authorization credential header (e.g. `X-Auth-Token: Bearer …`). */
const KNOWN_SCHEMES = new Set(['bearer', 'basic', 'token', 'digest', 'negotiate', 'ntlm', 'jwt', 'dpop', 'mac', 'hoba', 'apikey', 'sso-key', 'aws4-hmac-sha256', 'gitlab']);
/**
 * Values that are bugs, not secrets (`Bearer undefined` from an unset variable). Shown verbatim because they are
 * the whole diagnosis, and no real credential is spelled like this.
 */
const PLACEHOLDER_CREDENTIALS = new Set(['undefined', 'null', 'none', 'nil', 'nan', '[object object]', 'true', 'false']);

/** The value of one header with any credential masked; other headers come back unchanged. */
export function redactHeaderValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'cookie') return redactCookieHeader(value);
  if (lower === 'set-cookie') return redactSetCookie(value);
  // HTTP/2 pseudo-headers (`:authority`) are never credentials.
  if (CHALLENGE_HEADERS.has(lower) || lower.startsWith(':')) return value;
  if (isCredentialHeader(lower) || SUSPECT_CREDENTIAL_HEADER.test(lower)) {
    const isAuthorization = lower.endsWith('authorization') || lower.endsWith('authorisation') || lower.endsWith('autorization');
    return redactCredentialValue(value, isAuthorization);
  }
  if (URL_HEADERS.has(lower)) return redactUrl(value);
  // Safety net for tokens in headers nobody listed (an ALB's X-Amzn-Oidc-Data JWT, a forwarded Authorization).
  return redactTokensInText(value);
}

export function redactHeaders(pairs: HeaderPairs): HeaderPairs {
  return pairs.map(([name, value]): [string, string] => [name, redactHeaderValue(name, value)]);
}

function redactCredentialValue(value: string, isAuthorization: boolean): string {
  const match = AUTH_SCHEME_PREFIX.exec(value);
  // A "scheme" that looks like a token is one, e.g. `Authorization: <token> Bearer` (the parts swapped) or a JWT
  // followed by junk: shown as a scheme, it would be shown in full. No auth-scheme has a dot; JWTs always do.
  if (match && match[3] !== '' && !looksLikeToken(match[1]) && !match[1].includes('.') && (isAuthorization || KNOWN_SCHEMES.has(match[1].toLowerCase()))) {
    return `${match[1]}${match[2]}${redactCredentials(match[1].toLowerCase(), match[3])}`;
  }
  // A scheme alone (`Authorization: Bearer`) is not a secret and is the whole diagnosis.
  if (KNOWN_SCHEMES.has(value.trim().toLowerCase())) return value;
  return redactCredentials('', value);
}

function redactCredentials(scheme: string, credentials: string): string {
  // `Bearer Bearer …` is a classic bug (RULES.md auth-scheme-mismatch): keep the nested schemes visible too. One
  // scheme word at a time, in a loop: recursing on the whole rest was quadratic and overflowed the stack on a long
  // `Bearer Bearer Bearer …` (a line of a pasted body).
  let shown = '';
  for (;;) {
    if (credentials.length <= 32 && PLACEHOLDER_CREDENTIALS.has(credentials.trim().toLowerCase())) return shown + credentials;
    const nested = SCHEME_AND_SPACE.exec(credentials);
    if (!nested || nested[0].length === credentials.length || !KNOWN_SCHEMES.has(nested[1].toLowerCase())) break;
    shown += nested[0];
    scheme = nested[1].toLowerCase();
    credentials = credentials.slice(nested[0].length);
  }
  if (scheme === 'basic') return shown + redactBasicCredentials(credentials);
  // RFC 6750 §2.1: Bearer credentials are a token68 only, never auth-params.
  if (scheme !== '' && scheme !== 'bearer' && AUTH_PARAMS.test(credentials)) return shown + redactAuthParams(credentials);
  return shown + maskKeepingSpace(credentials, maskToken);
}
/** The auth-scheme word and the whitespace after it, without reading the rest (AUTH_SCHEME_PREFIX captures it). */
const SCHEME_AND_SPACE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)([ \t]+)/;

/** Masks the text between leading and trailing whitespace; a trailing newline in a token is itself a diagnosis. */
function maskKeepingSpace(piece: string, mask: (value: string) => string): string {
  const start = piece.length - piece.trimStart().length;
  const end = piece.trimEnd().length;
  if (end <= start) return piece;
  return `${piece.slice(0, start)}${mask(piece.slice(start, end))}${piece.slice(end)}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

/**
 * Basic (RFC 7617): base64 of `user-id ":" password`. The user name helps debugging and is not a secret in most
 * APIs, so it is shown; the password is masked. When the "user name" is itself a key (Stripe sends `sk_live_…:`
 * with an empty password) or the payload is not `user:secret`, the whole payload is masked.
 */
function redactBasicCredentials(credentials: string): string {
  const token = credentials.trim();
  if (REDACTED_BASIC.test(token)) return token; // redacted on an earlier pass
  const decoded = decodeBasicPayload(token);
  if (!decoded) return maskValue(token);
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (password === '' || looksLikeToken(user)) return maskSecret(token);
  return `user=${user} ${maskSecret(password)}`;
}

function decodeBasicPayload(token: string): string | undefined {
  if (!BASE64.test(token)) return undefined;
  let decoded: string;
  try {
    decoded = strictUtf8.decode(Buffer.from(token, 'base64'));
  } catch {
    return undefined;
  }
  return decoded.includes(':') && !CONTROL_CHAR.test(decoded) ? decoded : undefined;
}

/** Well-known key prefixes (Stripe, GitHub, GitLab, Slack) or a long opaque string without an `@`. */
const TOKEN_PREFIX = /^(?:[sprk]k_(?:live|test)_|gh[pousr]_|github_pat_|glpat-|xox[abpr]-)/;
const OPAQUE_TOKEN = /^[A-Za-z0-9_\-.+/=~]{24,}$/;
const HAS_DIGIT = /\d/;
const HAS_LETTER = /[A-Za-z]/;
function looksLikeToken(userName: string): boolean {
  return TOKEN_PREFIX.test(userName) || (OPAQUE_TOKEN.test(userName) && HAS_DIGIT.test(userName) && HAS_LETTER.test(userName));
}

const NO_WHITESPACE_16 = /^\S{16,}$/;
/** ERROR_CODES and snake_case words are identifiers, not credentials. */
const IDENTIFIER_WORDS = /^(?:[A-Z0-9_.:-]+|[a-z_.:-]+)$/;
/** For AMBIGUOUS_FIELDS outside URLs and forms: a long unbroken mix of letters and digits, e.g. an OAuth code. */
function looksLikeOpaqueSecret(value: string): boolean {
  return NO_WHITESPACE_16.test(value) && HAS_DIGIT.test(value) && HAS_LETTER.test(value) && !IDENTIFIER_WORDS.test(value);
}

/** isSecretField for JSON keys and prose, where AMBIGUOUS_FIELDS need a credential-looking value. */
function isSecretFieldValue(name: string, value: string): boolean {
  if (!isSecretField(name)) return false;
  return !AMBIGUOUS_FIELDS.has(name.toLowerCase()) || looksLikeOpaqueSecret(value);
}

/**
 * Auth-param lists (Digest, AWS SigV4): names stay, and the values that identify rather than prove (realm, uri,
 * algorithm, signed header names) stay, because a signature mismatch is debugged from them. Anything else is masked.
 */
const AUTH_PARAMS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*=[ \t]*[^=\s]/;
/** One `name=value` or `name="value"` and the comma after it (sticky: the list must parse from end to end). */
const AUTH_PARAM_ITEM = /([!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*=[ \t]*)("(?:[^"\\]|\\.)*"|‹\d+ chars, sha256:[0-9a-f]{6}›|[^,\s"]*)([ \t]*,[ \t]*|[ \t]*$)/y;
// nonce and opaque come from the server's challenge (RFC 7616 §3.3), so they are public by construction.
const PUBLIC_AUTH_PARAMS = new Set(['username', 'realm', 'uri', 'algorithm', 'qop', 'nc', 'nonce', 'opaque', 'signedheaders', 'userhash']);
function redactAuthParams(credentials: string): string {
  let result = '';
  let position = 0;
  while (position < credentials.length) {
    AUTH_PARAM_ITEM.lastIndex = position;
    const item = AUTH_PARAM_ITEM.exec(credentials);
    // Anything that is not a clean list might hide a token between the pieces: mask all of it.
    if (!item || item[0] === '') return maskValue(credentials);
    const [whole, nameAndEquals, value, separator] = item;
    const name = nameAndEquals.slice(0, nameAndEquals.indexOf('=')).trim().toLowerCase();
    if (PUBLIC_AUTH_PARAMS.has(name)) result += whole;
    else if (value.startsWith('"')) result += `${nameAndEquals}"${maskValue(value.slice(1, -1))}"${separator}`;
    else result += `${nameAndEquals}${maskValue(value)}${separator}`;
    position += whole.length;
  }
  return result;
}

/** `Cookie: a=1; b=2` (RFC 6265 §4.2): every name kept, every value masked, separators byte-identical. */
function redactCookieHeader(value: string): string {
  return value
    .split(';')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return maskKeepingSpace(pair, maskValue);
      return `${pair.slice(0, eq)}=${maskValue(pair.slice(eq + 1))}`;
    })
    .join(';');
}

/** `Set-Cookie: sid=abc; Path=/; HttpOnly` (RFC 6265 §4.1): name and attributes kept, value masked. */
function redactSetCookie(value: string): string {
  const semi = value.indexOf(';');
  const pair = semi < 0 ? value : value.slice(0, semi);
  const attributes = semi < 0 ? '' : value.slice(semi);
  const eq = pair.indexOf('=');
  const redactedPair = eq < 0 ? maskKeepingSpace(pair, maskValue) : `${pair.slice(0, eq)}=${maskValue(pair.slice(eq + 1))}`;
  return redactedPair + attributes;
}

// ---------------------------------------------------------------------------------------------------------------
// URLs

const URL_SCHEME_AND_AUTHORITY = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#]*)/;

/**
 * A URL with `user:pass@` → `user:‹…›@` and secret query (and fragment) parameters masked. Not parsed with
 * `new URL()`, which would normalise it; every byte that is not a secret stays as written (RFC 3986 §3).
 */
export function redactUrl(url: string): string {
  // Fast path: no userinfo, query, fragment or JWT → nothing can be secret.
  if (!url.includes('@') && !url.includes('?') && !url.includes('#') && !url.includes('eyJ')) return url;
  const head = URL_SCHEME_AND_AUTHORITY.exec(url);
  let prefix = '';
  let rest = url;
  if (head) {
    prefix = head[1] + redactAuthority(head[2]);
    rest = url.slice(head[0].length);
  }
  const hashAt = rest.indexOf('#');
  const beforeHash = hashAt >= 0 ? rest.slice(0, hashAt) : rest;
  const fragment = hashAt >= 0 ? rest.slice(hashAt + 1) : undefined;
  const questionAt = beforeHash.indexOf('?');
  const path = questionAt >= 0 ? beforeHash.slice(0, questionAt) : beforeHash;
  const query = questionAt >= 0 ? beforeHash.slice(questionAt + 1) : undefined;
  let result = prefix + (path.includes('eyJ') ? redactJwtsInText(path) : path);
  if (query !== undefined) result += `?${redactFormEncoded(query)}`;
  // OAuth's implicit flow returns `#access_token=…&token_type=Bearer` (RFC 6749 §4.2.2).
  if (fragment !== undefined) result += `#${fragment.includes('=') ? redactFormEncoded(fragment) : fragment}`;
  return result;
}

function redactAuthority(authority: string): string {
  const at = authority.lastIndexOf('@');
  if (at < 0) return authority;
  const userinfo = authority.slice(0, at);
  // A user name masked on an earlier pass (`‹24 chars, sha256:…›`) holds a colon of its own.
  const colon = userinfo.indexOf(':', LEADING_MASK.exec(userinfo)?.[0].length ?? 0);
  let redacted: string;
  if (colon >= 0) {
    const user = userinfo.slice(0, colon);
    const password = percentDecode(userinfo.slice(colon + 1), false);
    // `https://oauth2:glpat-…@gitlab…`: the password is the token; `https://ghp_…:x-oauth-basic@…`: the user is.
    redacted = looksLikeToken(percentDecode(user, false)) ? `${maskSecret(percentDecode(user, false))}:${maskValue(password)}` : `${user}:${maskValue(password)}`;
  } else {
    // `https://TOKEN@github.com/…`: a lone user name that looks like a key is one.
    redacted = looksLikeToken(percentDecode(userinfo, false)) ? maskSecret(percentDecode(userinfo, false)) : userinfo;
  }
  return `${redacted}@${authority.slice(at + 1)}`;
}

/**
 * `a=1&access_token=xyz&b` with secret values masked, `&`s, names and other values byte-identical. The mask is
 * over the decoded value so it matches the mask of the same token sent in a header.
 */
function redactFormEncoded(query: string): string {
  if (!query.includes('=')) return query;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const rawValue = pair.slice(eq + 1);
      // A mask already there stays as it is (a JWT summary's `JWT{alg=…} ‹…›` has an `=` that is not a field's).
      if (rawValue === '' || MASK_INSIDE.test(rawValue)) return pair;
      const name = percentDecode(pair.slice(0, eq), true);
      if (isSecretField(name)) return `${pair.slice(0, eq + 1)}${maskToken(percentDecode(rawValue, true))}`;
      // `state=eyJ…` and friends: a JWT is a credential whatever the parameter is called.
      return rawValue.includes('eyJ') ? `${pair.slice(0, eq + 1)}${redactJwtsInText(rawValue)}` : pair;
    })
    .join('&');
}

/** Percent-decoding that never throws; `+` is a space only in form encoding (WHATWG URL, x-www-form-urlencoded). */
function percentDecode(text: string, plusIsSpace: boolean): string {
  const spaced = plusIsSpace && text.includes('+') ? text.replace(PLUS, ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
const PLUS = /\+/g;

// ---------------------------------------------------------------------------------------------------------------
// Bodies

const MULTIPART_BOUNDARY = /boundary=(?:"([^"]+)"|([^;\s]+))/i;

/**
 * A captured body's text with secret fields masked: form-encoded and JSON bodies field by field (nested JSON too),
 * multipart parts by name, anything else as free text (JWTs, `Bearer …`, `password=…`, URLs with secrets).
 */
export function redactBodyText(text: string, contentType: string | undefined): string {
  const type = mediaType(contentType);
  if (type === 'application/x-www-form-urlencoded') return redactTokensInText(redactFormEncoded(text));
  if (type === 'multipart/form-data') {
    const boundary = MULTIPART_BOUNDARY.exec(contentType ?? '');
    const delimiter = boundary ? (boundary[1] ?? boundary[2]) : undefined;
    if (delimiter) return redactMultipart(text, delimiter);
  }
  // JSON often arrives without (or with a wrong) Content-Type; the first character tells.
  const first = firstNonSpace(text);
  if (first === '{' || first === '[') {
    const json = redactJson(text);
    if (json !== undefined) return json;
  }
  return redactText(text);
}

function firstNonSpace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== ' ' && ch !== '\t' && ch !== '\r' && ch !== '\n' && ch !== '\ufeff') return ch;
  }
  return '';
}

/**
 * One pass over JSON text (RFC 8259) replacing the values under secret keys — strings, numbers, or every scalar of
 * a nested object/array — with a masked JSON string, and redacting tokens inside other strings. Bytes outside
 * replaced values are untouched. Tolerates a body truncated mid-way (an unterminated string is masked to the end).
 * Returns undefined when the text is not JSON-shaped enough to scan.
 */
function redactJson(text: string): string | undefined {
  const out: string[] = [];
  let copiedUpTo = 0;
  const replace = (start: number, end: number, replacement: string): void => {
    out.push(text.slice(copiedUpTo, start), replacement);
    copiedUpTo = end;
  };
  const containers: Array<{ isObject: boolean; expectKey: boolean }> = [];
  /** containers.length at which a secret object/array began; -1 outside one. */
  let secretDepth = -1;
  let nextValueIsSecret = false;
  let pendingKey = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (code === 0x22 /* " */) {
      const closingQuote = closingQuoteIndex(text, i);
      const end = closingQuote < 0 ? n : closingQuote + 1;
      const raw = text.slice(i + 1, closingQuote < 0 ? n : closingQuote);
      const top = containers[containers.length - 1];
      if (top?.isObject && top.expectKey) {
        top.expectKey = false;
        pendingKey = decodeJsonString(raw);
        nextValueIsSecret = secretDepth < 0 && isSecretField(pendingKey);
      } else {
        const value = decodeJsonString(raw);
        const secret = secretDepth >= 0 || (nextValueIsSecret && isSecretFieldValue(pendingKey, value));
        if (secret) {
          if (value !== '' && !MASK_SHAPE.test(value)) replace(i, end, JSON.stringify(maskToken(value)));
        } else if (mayHoldToken(raw)) {
          const redacted = redactText(value);
          if (redacted !== value) replace(i, end, JSON.stringify(redacted));
        }
        nextValueIsSecret = false;
      }
      i = end;
      continue;
    }
    if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      containers.push({ isObject: code === 0x7b, expectKey: code === 0x7b });
      // An ambiguous key (`"auth": {…}`) does not make a whole object secret; its secret keys are found inside.
      if (nextValueIsSecret && !AMBIGUOUS_FIELDS.has(pendingKey.toLowerCase())) secretDepth = containers.length;
      nextValueIsSecret = false;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      containers.pop();
      if (secretDepth >= 0 && containers.length < secretDepth) secretDepth = -1;
    } else if (code === 0x2c /* , */) {
      const top = containers[containers.length - 1];
      if (top?.isObject) top.expectKey = true;
    } else if (code === 0x3a /* : */ || code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) {
      // structure and whitespace
    } else {
      // A number or literal (or garbage in a broken body): scan to the next delimiter.
      let end = i + 1;
      while (end < n && !JSON_DELIMITERS.has(text.charCodeAt(end))) end++;
      const token = text.slice(i, end);
      // true/false/null say nothing secret and are often the diagnosis ("password": null).
      const secret = secretDepth >= 0 || (nextValueIsSecret && !AMBIGUOUS_FIELDS.has(pendingKey.toLowerCase()));
      if (secret && token !== 'true' && token !== 'false' && token !== 'null') {
        replace(i, end, JSON.stringify(maskSecret(token)));
      }
      nextValueIsSecret = false;
      i = end;
      continue;
    }
    i++;
  }
  if (copiedUpTo === 0) return text;
  out.push(text.slice(copiedUpTo));
  return out.join('');
}

const JSON_DELIMITERS = new Set([0x2c, 0x7d, 0x5d, 0x3a, 0x20, 0x09, 0x0a, 0x0d, 0x22, 0x7b, 0x5b]);

/** Index of the quote closing the string that opens at `start`, or -1 when it is unterminated (truncated body). */
function closingQuoteIndex(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c /* \ */) i++;
    else if (code === 0x22) return i;
  }
  return -1;
}

function decodeJsonString(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    const value: unknown = JSON.parse(`"${raw}"`);
    return typeof value === 'string' ? value : raw;
  } catch {
    return raw;
  }
}

/** Cheap pre-check before running the free-text passes over a JSON string value. */
function mayHoldToken(raw: string): boolean {
  return raw.includes('eyJ') || raw.includes('://') || raw.includes('=') || raw.includes(':') || SCHEME_WORD.test(raw);
}

/**
 * multipart/form-data (RFC 7578): a part whose `name` is a secret field has its content masked; other parts are
 * treated as free text. Delimiters and part headers stay byte-identical.
 */
function redactMultipart(text: string, boundary: string): string {
  const delimiter = `--${boundary}`;
  const pieces = text.split(delimiter);
  return pieces
    .map((piece, index) => {
      if (index === 0) return redactText(piece); // preamble
      const headerEnd = piece.indexOf('\r\n\r\n');
      const separatorLength = headerEnd >= 0 ? 4 : 2;
      const end = headerEnd >= 0 ? headerEnd : piece.indexOf('\n\n');
      if (end < 0) return piece;
      const headers = piece.slice(0, end);
      const content = piece.slice(end + separatorLength);
      const name = MULTIPART_NAME.exec(headers)?.[1];
      const lineBreak = content.endsWith('\r\n') ? '\r\n' : content.endsWith('\n') ? '\n' : '';
      const value = content.slice(0, content.length - lineBreak.length);
      const redacted = name !== undefined && isSecretField(name) ? maskToken(value) : redactText(value);
      return `${piece.slice(0, end + separatorLength)}${redacted}${lineBreak}`;
    })
    .join(delimiter);
}
// At the start of a header line: matched anywhere, every `content-disposition:` of a long line rescanned the line.
const MULTIPART_NAME = /^content-disposition:[^\r\n]*?\bname="([^"]*)"/im;

// ---------------------------------------------------------------------------------------------------------------
// Free text

/** `Authorization: Bearer …` lines in pasted HTTP dumps; `>`/`<` prefixes are curl -v's. */
const HEADER_LINE = /^([ \t<>]*)([!#$%&'*+.^_`|~0-9A-Za-z-]{1,100})([ \t]*:[ \t]*)([^\r\n]*)/gm;
/**
 * A URL that may carry userinfo, a query or a fragment; the scheme is bounded so scanning stays linear. A mask (or a
 * JWT summary, at most ~2000 characters) written on an earlier pass is part of the URL: its spaces would otherwise cut
 * the URL, and the cut piece be masked again.
 */
const URL_IN_TEXT = /(?<![A-Za-z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{0,30}:\/\/(?:JWT\{[^\r\n‹]{0,2100}?\} ‹\d+ chars, sha256:[0-9a-f]{6}›|‹\d+ chars, sha256:[0-9a-f]{6}›|[^\s"'<>`‹])+/g;
/**
 * `Bearer <token68>` (RFC 6750 §2.1) and `Basic <token68>`. The lookahead rejects auth-params (`Bearer realm="x"`)
 * and the `JWT{…}` this module itself writes. In `Bearer Bearer <token>` (a classic bug) the token is the one after
 * the second scheme: taking the scheme for the token would leave the real one unmasked.
 */
const SCHEME_TOKEN_IN_TEXT = /\b(Bearer|Basic)([ \t]+)(?!(?:Bearer|Basic)[ \t])([A-Za-z0-9\-._~+/]+=*)(?![A-Za-z0-9\-._~+/="{‹])/gi;
/** Cheap pre-check for SCHEME_TOKEN_IN_TEXT (case-insensitive "Bearer"/"Basic"). */
const SCHEME_WORD = /earer|asic/i;
/** Prose that follows the word "Bearer" ("missing Bearer token") is not a token. */
const PROSE_AFTER_SCHEME = new Set(['token', 'tokens', 'auth', 'authentication', 'authorization', 'scheme', 'header', 'credentials', 'is', 'was', 'required', 'missing', 'invalid', 'expected', 'with', 'and', 'or', 'the', 'a', 'an', 'not', 'for', 'to', 'in', 'but', 'instead', 'undefined', 'null']);
/** A JWS (3 parts) or JWE (5 parts) compact serialisation; the header is base64url of `{"`. */
const JWT_IN_TEXT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?/g;
/** `"password": "…"` in text that is not a whole JSON document (log lines, stack traces). */
const JSON_PAIR_IN_TEXT = /"([^"\\\r\n]{1,64})"(\s*:\s*)"((?:[^"\\\r\n]|\\.)*)"/g;
/** `client_secret=…` outside a URL (a form body sent without Content-Type, a connection string in an error). */
const KEY_VALUE_IN_TEXT = /(?<![A-Za-z0-9_.[\]-])([A-Za-z0-9_.[\]-]{1,64})=([^&\s"'<>;,‹]+)/g;

/**
 * Free text (error messages, stderr, bodies of unknown type) with credentials masked: credential header lines,
 * URLs with secrets, Bearer/Basic tokens, JWTs, and `secret_field=value` / `"secret_field": "value"` pairs.
 */
export function redactText(text: string): string {
  let result = text;
  if (result.includes(':')) result = result.replace(HEADER_LINE, redactHeaderLine);
  if (result.includes('://')) result = result.replace(URL_IN_TEXT, redactUrl);
  result = redactTokensInText(result);
  if (result.includes('"')) result = result.replace(JSON_PAIR_IN_TEXT, redactJsonPair);
  if (result.includes('=')) result = result.replace(KEY_VALUE_IN_TEXT, redactKeyValue);
  return result;
}

/**
 * The safety net for findings: prose that names credentials on purpose ("Authorization: Bearer (JWT, 154 chars…)
 * carries exp …"). Token-shaped strings, JWTs, URLs with secrets and secret field pairs are masked, but a line is
 * not read as a pasted header (that would mask the whole explanation after "Authorization:").
 */
export function redactProse(text: string): string {
  let result = text;
  if (result.includes('://')) result = result.replace(URL_IN_TEXT, redactUrl);
  result = redactTokensInText(result);
  if (result.includes('"')) result = result.replace(JSON_PAIR_IN_TEXT, redactJsonPair);
  if (result.includes('=')) result = result.replace(KEY_VALUE_IN_TEXT, redactKeyValue);
  return result;
}

/** Bearer/Basic tokens and JWTs only: for header values and strings already known not to be field pairs. */
function redactTokensInText(text: string): string {
  let result = text;
  if (SCHEME_WORD.test(result)) result = result.replace(SCHEME_TOKEN_IN_TEXT, redactSchemeToken);
  return redactJwtsInText(result);
}

function redactJwtsInText(text: string): string {
  return text.includes('eyJ') ? text.replace(JWT_IN_TEXT, maskToken) : text;
}

function redactHeaderLine(line: string, lead: string, name: string, separator: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'http' || lower === 'https' || value === '' || CHALLENGE_HEADERS.has(lower)) return line;
  if (!isCredentialHeader(lower) && !SUSPECT_CREDENTIAL_HEADER.test(lower)) return line;
  return `${lead}${name}${separator}${redactHeaderValue(name, value)}`;
}

function redactSchemeToken(whole: string, scheme: string, space: string, token: string): string {
  if (PROSE_AFTER_SCHEME.has(token.toLowerCase())) return whole;
  if (scheme.toLowerCase() === 'basic') {
    // "Basic auth failed": only a payload that decodes to user:secret is a credential.
    return decodeBasicPayload(token) ? `${scheme}${space}${redactBasicCredentials(token)}` : whole;
  }
  return `${scheme}${space}${maskToken(token)}`;
}

function redactJsonPair(whole: string, name: string, separator: string, value: string): string {
  const decoded = decodeJsonString(value);
  if (decoded === '' || MASK_SHAPE.test(decoded) || !isSecretFieldValue(name, decoded)) return whole;
  return `"${name}"${separator}${JSON.stringify(maskToken(decoded))}`;
}

function redactKeyValue(whole: string, name: string, value: string): string {
  return isSecretFieldValue(name, value) ? `${name}=${maskToken(value)}` : whole;
}

// ---------------------------------------------------------------------------------------------------------------
// Records

/**
 * A deep copy of a record fit for human eyes: headers, URL, bodies of both directions, trailers, the upstream
 * proxy URL, the error message and the findings' text (a safety net: rules quote requests) all redacted.
 */
export function redactRecord(record: ExchangeRecord): ExchangeRecord {
  const request = record.request;
  const copy: ExchangeRecord = {
    ...record,
    client: { ...record.client },
    request: {
      ...request,
      url: redactUrl(request.url),
      headers: redactHeaders(request.headers),
      body: redactBody(request.body, headerValue(request.headers, 'content-type')),
    },
    phases: { ...record.phases },
    tunnel: record.tunnel === false ? false : { ...record.tunnel },
    findings: record.findings.map(redactFinding),
  };
  if (record.response) copy.response = redactResponse(record.response);
  if (record.error) {
    copy.error = { ...record.error, message: redactText(record.error.message) };
    if (record.error.certificate) copy.error.certificate = { ...record.error.certificate };
  }
  if (record.upstream) {
    copy.upstream = { ...record.upstream };
    if (record.upstream.viaProxy !== undefined) copy.upstream.viaProxy = redactUrl(record.upstream.viaProxy);
  }
  return copy;
}

function redactResponse(response: RecordedResponse): RecordedResponse {
  const copy: RecordedResponse = {
    ...response,
    headers: redactHeaders(response.headers),
    body: redactBody(response.body, headerValue(response.headers, 'content-type')),
  };
  if (response.trailers) copy.trailers = redactHeaders(response.trailers);
  return copy;
}

export function redactFinding(finding: Finding): Finding {
  return {
    ...finding,
    summary: redactProse(finding.summary),
    explanation: redactProse(finding.explanation),
    evidence: finding.evidence.map(redactProse),
    nextSteps: finding.nextSteps.map(redactProse),
  };
}

/**
 * Text bodies are redacted in place. A base64 body (not valid UTF-8, e.g. a Latin-1 form post) is read as Latin-1;
 * if that reveals a secret, the redacted text replaces the bytes, since a masked copy can't be byte-exact anyway.
 */
function redactBody(body: CapturedBody, contentType: string | undefined): CapturedBody {
  if (body.text !== undefined) return { ...body, text: redactBodyText(body.text, contentType) };
  if (body.base64 !== undefined) {
    const latin1 = Buffer.from(body.base64, 'base64').toString('latin1');
    const redacted = redactBodyText(latin1, contentType);
    if (redacted !== latin1) return { size: body.size, text: redacted, truncated: body.truncated };
  }
  return { ...body };
}
