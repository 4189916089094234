/**
 * OAuth 2.0 error responses. Pure; never throws.
 * - RFC 6749 §5.2: token endpoint errors as a JSON object `{"error": "...", "error_description": "...",
 *   "error_uri": "..."}`. Some providers (GitHub's /login/oauth/access_token without `Accept: application/json`)
 *   answer the same fields application/x-www-form-urlencoded, so that form is read too.
 * - RFC 6750 §3: resource server errors as attributes of a `WWW-Authenticate: Bearer` (or DPoP, RFC 9449 §7.1)
 *   challenge: `error`, `error_description`, `error_uri`, `scope`.
 *
 * Strictness: `error` must be a single lower-case code (`invalid_grant`, `redirect_uri_mismatch`…). RFC 6749
 * allows more characters, but every registered and every common vendor code is lower-case snake_case, and
 * requiring it keeps generic error bodies out — Spring Boot's `{"status":401,"error":"Unauthorized"}` or
 * `{"error":"Not Found"}` are not OAuth errors. An `error` that is an object (Google APIs' `{"error":{"code":…}}`)
 * is not one either.
 */
import type { HeaderPairs } from '../../model/exchange';
import { headerValue, mediaType } from '../../model/headers';
import { safeDecode } from '../../model/url';
import type { AuthChallenge } from './www-authenticate';
import { responseChallenges } from './www-authenticate';
import { parseJsonObject } from './json-cache';

export interface OAuthError {
  error: string;
  description?: string;
  uri?: string;
  /** Space-separated scopes the server names (RFC 6750 §3; GitLab also puts it in the JSON body). */
  scope?: string;
  /** Where the error was found. */
  source: 'json' | 'form' | 'www-authenticate';
}

const ERROR_CODE = /^[a-z][a-z0-9_.-]{0,99}$/;
/** Far above any real `error=…&error_description=…&error_uri=…` answer (GitHub's are under 300 bytes). */
const MAX_FORM_ERROR_LENGTH = 8192;
const FORM_BODY = /^[A-Za-z0-9_.~%+-]+=[^&\s]*(?:&[A-Za-z0-9_.~%+-]+=[^&\s]*)*$/;

/**
 * An OAuth error from a response body. `contentType` decides JSON vs form; with no (or a text/plain) type the
 * body is sniffed: a JSON object, or a strict `name=value&…` form.
 */
export function parseOAuthErrorBody(text: string | undefined, contentType?: string): OAuthError | undefined {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const type = mediaType(contentType);
  const jsonAllowed = type === undefined || type === 'text/plain' || type === 'application/json' || /\+json$/.test(type);
  const formAllowed = type === undefined || type === 'text/plain' || type === 'application/x-www-form-urlencoded';
  if (jsonAllowed && trimmed.startsWith('{')) return fromJson(trimmed);
  // An OAuth error form is a few short fields; the cheap checks keep the regex off every large text/plain body.
  if (formAllowed && trimmed.length <= MAX_FORM_ERROR_LENGTH && trimmed.includes('error=') && FORM_BODY.test(trimmed)) return fromForm(trimmed);
  return undefined;
}

/** The RFC 6750 error attributes of the first challenge that carries an `error`. */
export function oauthErrorFromChallenges(challenges: readonly AuthChallenge[]): OAuthError | undefined {
  for (const challenge of challenges) {
    const code = challenge.params.error;
    if (code === undefined || !ERROR_CODE.test(code)) continue;
    return withOptional({ error: code, source: 'www-authenticate' }, {
      description: challenge.params.error_description,
      uri: challenge.params.error_uri,
      scope: challenge.params.scope,
    });
  }
  return undefined;
}

/** The OAuth error a response carries: the body first (it is more specific), then `WWW-Authenticate`. */
export function responseOAuthError(response: { headers: HeaderPairs; body: { text?: string } } | undefined): OAuthError | undefined {
  if (!response) return undefined;
  // Several rules ask about the same response of one record; the answer is computed once per response object
  // (null = none). Records are never mutated after capture, and the result is treated as read-only.
  const known = answered.get(response);
  if (known !== undefined) return known ?? undefined;
  const found =
    parseOAuthErrorBody(response.body.text, headerValue(response.headers, 'content-type')) ??
    oauthErrorFromChallenges(responseChallenges(response.headers));
  answered.set(response, found ?? null);
  return found;
}

const answered = new WeakMap<object, OAuthError | null>();

function fromJson(text: string): OAuthError | undefined {
  const fields = parseJsonObject(text);
  if (fields === undefined) return undefined;
  const code = fields.error;
  if (typeof code !== 'string' || !ERROR_CODE.test(code)) return undefined;
  return withOptional({ error: code, source: 'json' }, {
    description: stringField(fields.error_description),
    uri: stringField(fields.error_uri),
    scope: scopeField(fields.scope),
  });
}

function fromForm(text: string): OAuthError | undefined {
  const fields = new Map<string, string>();
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    const name = safeDecode(pair.slice(0, eq));
    if (!fields.has(name)) fields.set(name, safeDecode(pair.slice(eq + 1)));
  }
  const code = fields.get('error');
  if (code === undefined || !ERROR_CODE.test(code)) return undefined;
  return withOptional({ error: code, source: 'form' }, {
    description: fields.get('error_description'),
    uri: fields.get('error_uri'),
    scope: fields.get('scope'),
  });
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `scope` is a space-separated string in RFC 6749; a few servers send an array. */
function scopeField(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value.join(' ');
  return undefined;
}

function withOptional(base: OAuthError, optional: Pick<OAuthError, 'description' | 'uri' | 'scope'>): OAuthError {
  const result: OAuthError = { ...base };
  if (optional.description !== undefined && optional.description !== '') result.description = optional.description;
  if (optional.uri !== undefined && optional.uri !== '') result.uri = optional.uri;
  if (optional.scope !== undefined && optional.scope !== '') result.scope = optional.scope;
  return result;
}
