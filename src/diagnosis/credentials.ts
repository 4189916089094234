/**
 * What credential did a request carry? Shared by the authentication rules. Pure (no sockets, no clock).
 *
 * Everything here describes a credential by where it was (header, cookie, query parameter, body field), its
 * scheme, its length, a short hash and — for a JWT — its claims; never by its value, so that a finding built from
 * these descriptions can go into proxydoc.log unredacted (DESIGN.md, "Redaction").
 */
import { createHash } from 'node:crypto';
import type { ExchangeRecord, HeaderPairs, RecordedRequest } from '../model/exchange';
import { headerValue, mediaType } from '../model/headers';
import { bodyText } from '../model/body';
import { decodeJwt, numericDateMs, type DecodedJwt } from '../model/jwt';
import { isCredentialHeader, isSecretParam } from '../model/secrets';
import { rawQueryParams, safeDecode, splitRawUrl } from '../model/url';
import { parseJsonObject } from './parsers/json-cache';
import { isoSeconds } from './text';

export type CredentialLocation = 'header' | 'cookie' | 'query' | 'body' | 'userinfo';

export interface CarriedCredential {
  where: CredentialLocation;
  /** Header name as sent, cookie name, query parameter or body field name. */
  name: string;
  /** Auth scheme as sent (`Bearer`, `Basic`…) for scheme-style values; absent for bare tokens and cookies. */
  scheme?: string;
  /** Length in characters of the secret part (after the scheme). */
  length: number;
  /** First 6 hex digits of the secret's SHA-256: lets two credentials be compared without revealing either. */
  hash: string;
  /** Decoded header and claims when the secret is a JWT (RFC 7519); never the signature. */
  jwt?: DecodedJwt;
}

/**
 * Authentication schemes seen in the wild (IANA HTTP Authentication Scheme Registry plus common vendor ones).
 * Used to tell `Authorization: <scheme> <credentials>` from a bare token and to spot a doubled scheme.
 */
export const KNOWN_AUTH_SCHEMES: readonly string[] = [
  'Basic', 'Bearer', 'Digest', 'DPoP', 'HOBA', 'Mutual', 'Negotiate', 'NTLM', 'OAuth', 'SCRAM-SHA-1',
  'SCRAM-SHA-256', 'vapid', 'AWS4-HMAC-SHA256', 'Token', 'SSWS', 'GenieKey', 'ApiKey', 'Api-Key', 'JWT', 'Hawk',
  'Splunk', 'Key',
];

const KNOWN_SCHEME_SET = new Set(KNOWN_AUTH_SCHEMES.map((s) => s.toLowerCase()));

export function isKnownAuthScheme(word: string): boolean {
  return KNOWN_SCHEME_SET.has(word.toLowerCase());
}

export interface SplitAuthorization {
  /** The scheme as sent; undefined for a bare token (`Authorization: eyJhbGci…`). */
  scheme?: string;
  /** Everything after the scheme and its separating whitespace (may be ''). */
  credentials: string;
}

/** What an unregistered scheme name looks like; longer or stranger first words are treated as part of a token. */
const PLAUSIBLE_SCHEME = /^[A-Za-z][A-Za-z0-9-]{0,19}$/;

/**
 * `Authorization = credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]` (RFC 9110 §11.4).
 * The first word is the scheme when it is a known scheme name, or a short scheme-like word followed by
 * credentials; otherwise the whole value is a bare token. Being strict here matters: a scheme is echoed in
 * findings, so a bare secret followed by a stray space must never be mistaken for one.
 */
export function splitAuthorization(value: string): SplitAuthorization {
  const match = /^([^ \t]+)[ \t]+([\s\S]*)$/.exec(value.replace(/^[ \t]+/, ''));
  if (match && (isKnownAuthScheme(match[1]) || (PLAUSIBLE_SCHEME.test(match[1]) && match[2].trim() !== ''))) {
    return { scheme: match[1], credentials: match[2] };
  }
  const whole = value.trim();
  if (isKnownAuthScheme(whole)) return { scheme: whole, credentials: '' };
  return { credentials: whole };
}

/**
 * Headers secrets.ts masks but that do not authenticate the caller: `X-Atlassian-Token: no-check` only disables
 * Jira's XSRF check, and CSRF tokens pair with a session cookie rather than identify anyone. Counting them would
 * hide an anonymous request from auth-missing.
 */
const NOT_AUTHENTICATING_HEADERS = new Set(['x-atlassian-token', 'x-csrf-token', 'x-xsrf-token', 'x-csrftoken']);

/** Headers whose value is `<scheme> <credentials>` (RFC 9110 §11.6.2, §11.7.2 style). */
const SCHEME_STYLE_HEADERS = new Set(['authorization']);

/**
 * Every credential the request carried to the origin: credential headers (`Authorization`, `PRIVATE-TOKEN`,
 * `X-Api-Key`…), each cookie, token-ish query parameters, secret form/JSON body fields, URL user-info.
 * `Proxy-Authorization` is left out: it authenticates to the proxy hop, not to the API (RFC 9110 §11.7.2); so are
 * the non-authenticating headers above.
 * Empty query/body values are left out (nothing was sent); an empty credential header is kept (something was
 * attempted, and the rules explain it).
 */
export function carriedCredentials(request: RecordedRequest): CarriedCredential[] {
  const found: CarriedCredential[] = [];
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (lower === 'proxy-authorization' || lower === 'set-cookie') continue;
    if (lower === 'cookie') {
      for (const [cookieName, cookieValue] of parseCookieHeader(value)) {
        if (cookieValue !== '') found.push(credential('cookie', cookieName, undefined, safeDecode(cookieValue)));
      }
      continue;
    }
    if (!isCredentialHeader(name) || NOT_AUTHENTICATING_HEADERS.has(lower)) continue;
    const split = SCHEME_STYLE_HEADERS.has(lower) || schemePrefixed(value) ? splitAuthorization(value) : { credentials: value.trim() };
    found.push(credential('header', name, split.scheme, split.credentials));
  }
  const url = splitRawUrl(request.url);
  if (url?.userinfo) found.push(credential('userinfo', 'URL user-info', undefined, url.userinfo));
  for (const [rawName, rawValue] of rawQueryParams(url?.query)) {
    const name = safeDecode(rawName);
    if (isSecretParam(name) && rawValue !== '') found.push(credential('query', name, undefined, safeDecode(rawValue)));
  }
  for (const [name, value] of secretBodyFields(request)) found.push(credential('body', name, undefined, value));
  return found;
}

/** True when the request carried any credential at all (header, cookie, query, body, user-info). */
export function carriesCredential(request: RecordedRequest): boolean {
  return carriedCredentials(request).length > 0;
}

/** The JWTs among the carried credentials. */
export function carriedJwts(request: RecordedRequest): Array<CarriedCredential & { jwt: DecodedJwt }> {
  return carriedCredentials(request).filter((c): c is CarriedCredential & { jwt: DecodedJwt } => c.jwt !== undefined);
}

/**
 * A credential described without its value, e.g. "Authorization: Bearer (JWT, 812 chars, sha256:3f2a9c)",
 * "cookie JSESSIONID (32 chars, sha256:…)", "query parameter access_token (40 chars, sha256:…)".
 */
export function describeCredential(c: CarriedCredential): string {
  const size = `${c.length} char${c.length === 1 ? '' : 's'}`;
  const kind = c.jwt ? `JWT, ${size}` : size;
  const shape = `(${kind}, sha256:${c.hash})`;
  switch (c.where) {
    case 'header':
      return c.scheme ? `${c.name}: ${c.scheme} ${shape}` : `${c.name} header ${shape}`;
    case 'cookie':
      return `cookie ${c.name} ${shape}`;
    case 'query':
      return `query parameter ${c.name} ${shape}`;
    case 'body':
      return `body field ${c.name} ${shape}`;
    case 'userinfo':
      return `user-info in the URL ${shape}`;
  }
}

/** The claims the redaction rules allow to be shown (DESIGN.md): iss, aud, exp, nbf, iat, scope/scp. */
export function describeJwtClaims(jwt: DecodedJwt): string {
  const parts: string[] = [];
  const claims = jwt.claims;
  if (typeof claims.iss === 'string') parts.push(`iss ${claims.iss}`);
  const aud = Array.isArray(claims.aud) ? claims.aud.filter((a) => typeof a === 'string').join(', ') : claims.aud;
  if (typeof aud === 'string' && aud !== '') parts.push(`aud ${aud}`);
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const ms = numericDateMs(claims, name);
    if (ms !== undefined) parts.push(`${name} ${isoSeconds(ms)}`);
  }
  const scopes = jwtScopes(jwt);
  if (scopes.length > 0) parts.push(`scope ${scopes.join(' ')}`);
  return parts.join(', ');
}

/** Scopes held by a JWT: `scope` (RFC 8693 §4.2, space-separated) or `scp` (Azure AD string, Okta array). */
export function jwtScopes(jwt: DecodedJwt): string[] {
  const scopes: string[] = [];
  for (const claim of [jwt.claims.scope, jwt.claims.scp]) {
    if (typeof claim === 'string') scopes.push(...claim.split(/\s+/));
    else if (Array.isArray(claim)) for (const s of claim) if (typeof s === 'string') scopes.push(...s.split(/\s+/));
  }
  return [...new Set(scopes.filter((s) => s !== ''))];
}



/** Which flavour of a well-known API the exchange talks to, and how that API wants to be authenticated. */
export interface AuthProductHint {
  product: 'jira-cloud' | 'jira-data-center' | 'gitlab' | 'github';
  productName: string;
  /** What the product accepts, in one sentence. */
  expects: string;
  /** Why we think it is this product. */
  evidence: string;
}

const JIRA_CLOUD_EXPECTS =
  'Jira Cloud wants `Authorization: Basic base64(email:API token)` (API token from id.atlassian.com); Bearer is only for OAuth 2.0 apps via api.atlassian.com';
const JIRA_DC_EXPECTS =
  'Jira Data Center/Server wants `Authorization: Bearer <personal access token>` for a PAT (Basic only with username:password, if basic auth is allowed)';

/**
 * Guesses the API product from the host and response headers. Jira answers with `X-AREQUESTID` and, for
 * authentication outcomes, `X-Seraph-LoginReason` (Atlassian's Seraph filter); Cloud lives on *.atlassian.net.
 */
export function authProductHint(record: ExchangeRecord): AuthProductHint | undefined {
  const host = splitRawUrl(record.request.url)?.host.toLowerCase() ?? '';
  const responseHeaders: HeaderPairs = record.response?.headers ?? [];
  if (host.endsWith('.atlassian.net') || host.endsWith('.jira.com') || host === 'api.atlassian.com') {
    return { product: 'jira-cloud', productName: 'Jira Cloud', expects: JIRA_CLOUD_EXPECTS, evidence: `host ${host} is Atlassian Cloud` };
  }
  const jiraHeader = ['x-arequestid', 'x-seraph-loginreason', 'x-ausername'].find((h) => headerValue(responseHeaders, h) !== undefined);
  if (jiraHeader || /(^|[.-])jira([.-]|$)/.test(host)) {
    return {
      product: 'jira-data-center',
      productName: 'Jira Data Center',
      expects: JIRA_DC_EXPECTS,
      evidence: jiraHeader ? `the response has Jira's ${canonicalHeaderName(jiraHeader)} header on a non-Atlassian host` : `host ${host} looks like a self-hosted Jira`,
    };
  }
  const gitlabHeader = ['x-gitlab-meta', 'gitlab-lb', 'gitlab-sv'].find((h) => headerValue(responseHeaders, h) !== undefined);
  if (gitlabHeader || /(^|[.-])gitlab([.-]|$)/.test(host)) {
    return {
      product: 'gitlab',
      productName: 'GitLab',
      expects: 'GitLab wants `PRIVATE-TOKEN: <token>` or `Authorization: Bearer <token>` (personal, project, group or OAuth token)',
      evidence: gitlabHeader ? `the response has GitLab's ${canonicalHeaderName(gitlabHeader)} header` : `host ${host} looks like GitLab`,
    };
  }
  if (host === 'api.github.com' || host.endsWith('.ghe.com')) {
    return {
      product: 'github',
      productName: 'GitHub',
      expects: 'GitHub wants `Authorization: Bearer <token>` (classic `token <PAT>` also works)',
      evidence: `host ${host} is GitHub's API`,
    };
  }
  return undefined;
}

function canonicalHeaderName(lower: string): string {
  const special: Record<string, string> = { 'x-arequestid': 'X-AREQUESTID', 'x-ausername': 'X-AUSERNAME', 'gitlab-lb': 'GitLab-LB', 'gitlab-sv': 'GitLab-SV' };
  return special[lower] ?? lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** A request header whose name is a near miss of a credential header name. */
export interface MisspelledHeader {
  /** The header name as sent. */
  sent: string;
  /** The credential header it most likely meant. */
  meant: string;
  kind: 'typo' | 'british-spelling' | 'underscore' | 'name-in-value';
}

/**
 * Credential header names clients are told to send (and that are therefore worth matching typos against).
 * Spelled the way the products document them.
 */
const CREDENTIAL_HEADER_TARGETS: readonly string[] = [
  'Authorization', 'Proxy-Authorization', 'Cookie', 'PRIVATE-TOKEN', 'JOB-TOKEN', 'X-Gitlab-Token', 'X-Api-Key',
  'Api-Key', 'X-Auth-Token', 'X-Access-Token', 'X-Vault-Token', 'X-Goog-Api-Key', 'Ocp-Apim-Subscription-Key',
  'X-Functions-Key', 'X-Atlassian-Token', 'X-Shopify-Access-Token', 'X-Figma-Token', 'X-Session-Token',
  'X-CSRF-Token', 'X-XSRF-Token', 'X-Amz-Security-Token',
];

/**
 * Real headers that sit within a typo's distance of a target but are legitimate names of their own; never
 * reported as misspellings.
 */
const LEGITIMATE_NEIGHBOURS = new Set([
  'cookie2', // RFC 2965 (obsolete, but real)
  'x-authorization', // used by several APIs alongside Authorization
  'x-app-key',
  'app-key',
  'x-apikey',
  'apikey',
  'x-api-token',
  'x-auth-key',
  'x-access-key',
  'x-csrftoken', // Django's default CSRF header name
  'x-xsrf-token',
  'x-csrf-token',
]);

const TARGETS_LOWER = CREDENTIAL_HEADER_TARGETS.map((t) => t.toLowerCase());

/**
 * Near misses of credential header names among the request headers:
 * - typos: optimal-string-alignment distance ≤ 2 (≤ 1 for names under 8 characters) from a target name,
 *   a transposition counting as one edit (`Autorization`, `X-Api-Kye`, `Cookies`);
 * - the British `Authorisation`;
 * - `_` instead of `-` (`PRIVATE_TOKEN`): nginx drops such names by default (`underscores_in_headers off`);
 * - a header name repeated inside its own value (`Authorization: Authorization: Bearer …`).
 */
export function misspelledCredentialHeaders(headers: HeaderPairs): MisspelledHeader[] {
  const found: MisspelledHeader[] = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    const exactIndex = TARGETS_LOWER.indexOf(lower);
    if (exactIndex >= 0) {
      const echoed = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*:/.exec(value);
      if (echoed && (echoed[1].toLowerCase() === lower || nearestTarget(echoed[1].toLowerCase()) === exactIndex)) {
        found.push({ sent: name, meant: CREDENTIAL_HEADER_TARGETS[exactIndex], kind: 'name-in-value' });
      }
      continue;
    }
    if (LEGITIMATE_NEIGHBOURS.has(lower)) continue;
    if (lower === 'authorisation' || lower === 'proxy-authorisation') {
      found.push({ sent: name, meant: lower.startsWith('proxy') ? 'Proxy-Authorization' : 'Authorization', kind: 'british-spelling' });
      continue;
    }
    const hyphenated = lower.replace(/_/g, '-');
    const underscoreIndex = TARGETS_LOWER.indexOf(hyphenated);
    if (lower.includes('_') && underscoreIndex >= 0) {
      found.push({ sent: name, meant: CREDENTIAL_HEADER_TARGETS[underscoreIndex], kind: 'underscore' });
      continue;
    }
    const typoIndex = nearestTarget(hyphenated);
    if (typoIndex >= 0) found.push({ sent: name, meant: CREDENTIAL_HEADER_TARGETS[typoIndex], kind: 'typo' });
  }
  return found;
}

/**
 * Index of the target within typo distance of a lower-case name, or -1. Header names repeat across nearly every
 * request (Accept, User-Agent, Content-Type…), so answers are remembered: this runs on the hot path of every record.
 */
function nearestTarget(lower: string): number {
  const known = nearestTargetMemo.get(lower);
  if (known !== undefined) return known;
  let best = -1;
  let bestDistance = Infinity;
  TARGETS_LOWER.forEach((target, index) => {
    const allowed = target.length >= 8 ? 2 : target.length >= 5 ? 1 : 0;
    if (Math.abs(target.length - lower.length) > allowed) return;
    const distance = osaDistance(lower, target);
    if (distance > 0 && distance <= allowed && distance < bestDistance) {
      best = index;
      bestDistance = distance;
    }
  });
  // Bounded: a client inventing header names can't grow it without limit.
  if (nearestTargetMemo.size >= 4096) nearestTargetMemo.clear();
  nearestTargetMemo.set(lower, best);
  return best;
}

const nearestTargetMemo = new Map<string, number>();
/** One scratch table for every distance computation (three rows suffice for the transposition look-back). */
let scratch = new Uint16Array(0);

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions as one edit (Damerau). */
export function osaDistance(a: string, b: string): number {
  const cols = b.length + 1;
  if (scratch.length < cols * 3) scratch = new Uint16Array(cols * 3);
  const d = scratch;
  // Rows rotate through three slots: i-2, i-1 and i.
  const row = (i: number): number => (i % 3) * cols;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const current = row(i);
    const previous = row(i - 1);
    const beforePrevious = row(i - 2 + 3);
    d[current] = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[previous + j] + 1, d[current + j - 1] + 1, d[previous + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[beforePrevious + j - 2] + 1);
      d[current + j] = value;
    }
  }
  return d[row(a.length) + b.length];
}

function credential(where: CredentialLocation, name: string, scheme: string | undefined, secret: string): CarriedCredential {
  const jwt = decodeJwt(secret);
  const result: CarriedCredential = { where, name, length: secret.length, hash: shortHash(secret) };
  if (scheme !== undefined) result.scheme = scheme;
  if (jwt) result.jwt = jwt;
  return result;
}

function shortHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 6);
}

/** `X-Auth: Bearer …` style values on headers other than Authorization. */
function schemePrefixed(value: string): boolean {
  const first = /^\s*([^ \t]+)[ \t]+\S/.exec(value);
  return first !== null && isKnownAuthScheme(first[1]);
}

/** `Cookie: a=b; c=d` (RFC 6265 §4.2.1) → pairs; tolerant of missing spaces and stray separators. */
export function parseCookieHeader(value: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let cookieValue = part.slice(eq + 1).trim();
    if (cookieValue.length >= 2 && cookieValue.startsWith('"') && cookieValue.endsWith('"')) cookieValue = cookieValue.slice(1, -1);
    if (name !== '') pairs.push([name, cookieValue]);
  }
  return pairs;
}

/** Form fields of a request body (application/x-www-form-urlencoded), decoded; [] for other types. */
export function requestFormFields(request: RecordedRequest): Array<[string, string]> {
  const text = bodyText(request.body);
  if (text === undefined || mediaType(headerValue(request.headers, 'content-type')) !== 'application/x-www-form-urlencoded') return [];
  return text
    .split('&')
    .filter((p) => p !== '')
    .map((p): [string, string] => {
      const eq = p.indexOf('=');
      return eq < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, eq)), safeDecode(p.slice(eq + 1))];
    });
}

/** Top-level fields of a JSON object request body with string values; [] when not JSON or not an object. */
export function requestJsonFields(request: RecordedRequest): Array<[string, string]> {
  const text = bodyText(request.body);
  const type = mediaType(headerValue(request.headers, 'content-type'));
  if (text === undefined || type === undefined || !(type === 'application/json' || type.endsWith('+json'))) return [];
  {
    const value = parseJsonObject(text);
    if (value === undefined) return [];
    return Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  }
}

function secretBodyFields(request: RecordedRequest): Array<[string, string]> {
  return [...requestFormFields(request), ...requestJsonFields(request)].filter(([name, value]) => value !== '' && isSecretParam(name));
}

/** Where a credential was, for a summary line: "Authorization (Bearer)", "cookie session", "query parameter token". */
export function credentialPlace(c: CarriedCredential): string {
  switch (c.where) {
    case 'header':
      return c.scheme ? `${c.name} (${c.scheme})` : c.name;
    case 'cookie':
      return `cookie ${c.name}`;
    case 'query':
      return `query parameter ${c.name}`;
    case 'body':
      return `body field ${c.name}`;
    case 'userinfo':
      return 'the URL user-info';
  }
}
