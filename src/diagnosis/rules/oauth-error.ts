/**
 * oauth-error: an OAuth 2.0 error response (RFC 6749 §5.2 codes, redirect_uri_mismatch, the device-flow and
 * OIDC extensions, GitHub's variants), or a token request whose shape is wrong (RFC 6749 §3.2: POST;
 * Appendix B / §4.1.3: application/x-www-form-urlencoded; a grant_type). The finding names the code, its usual
 * causes and fixes, and what in *this* request matches one of the causes.
 * `invalid_token` and `insufficient_scope` (RFC 6750) are left to token-expired and insufficient-scope.
 */
import { createHash } from 'node:crypto';
import type { ExchangeRecord, Finding, RecordedRequest, Severity } from '../../model/exchange';
import { headerValue, headerValues, mediaType } from '../../model/headers';
import { rawQueryParams, safeDecode, splitRawUrl } from '../../model/url';
import type { DiagnosisContext, Rule } from '../rule';
import { requestFormFields, requestJsonFields, splitAuthorization } from '../credentials';
import { clipText } from '../text';
import { responseOAuthError, type OAuthError } from '../parsers/oauth-error';

interface CodeKnowledge {
  meaning: string;
  causes: string;
  fix: string;
  severity?: Severity;
}

/** What each code means and what usually causes it (RFC 6749 §4.1.2.1, §5.2; RFC 8628 §3.5; OIDC Core §3.1.2.6). */
const CODES: Record<string, CodeKnowledge> = {
  invalid_request: {
    meaning: 'the request is missing a required parameter, repeats one, or is malformed',
    causes: 'a missing grant_type, code, redirect_uri or code_verifier; a parameter sent twice; a JSON body where the server wants form encoding',
    fix: 'Send a POST with Content-Type application/x-www-form-urlencoded carrying grant_type and the parameters that grant needs.',
  },
  invalid_client: {
    meaning: 'client authentication failed',
    causes: 'a wrong or rotated client_secret; a client_id from another environment or tenant; the secret sent in the body when the client is registered for HTTP Basic (client_secret_basic) or the reverse; credentials sent both ways; a secret with special characters not form-encoded before Basic (RFC 6749 §2.3.1)',
    fix: "Check client_id and client_secret against the provider's client registration and send them one way only (Basic, or client_id/client_secret in the body).",
  },
  invalid_grant: {
    meaning: 'the authorization code, refresh token or password is invalid, expired, revoked, already used or issued to another client',
    causes: 'an authorization code used twice (codes are single-use and live about 1–10 minutes); a refresh token already rotated; a PKCE code_verifier that does not match the code_challenge; a redirect_uri different from the one in the authorization request; a revoked consent or changed password',
    fix: 'Start the flow again for a new code (or sign in again for a new refresh token), and use each code and rotated refresh token exactly once.',
  },
  unauthorized_client: {
    meaning: 'this client is not allowed to use this grant type',
    causes: 'the grant (client_credentials, password, refresh_token, device code) is not enabled for the client in the provider',
    fix: "Enable the grant type in the client's settings (e.g. Keycloak \"Service accounts\", Okta \"Client Credentials\", Azure app registration) or use a grant it allows.",
  },
  unsupported_grant_type: {
    meaning: 'the server does not support this grant_type, or did not find one',
    causes: 'a misspelled grant_type; a body the server could not read as a form (JSON, or a missing Content-Type), so grant_type looked absent',
    fix: 'Send grant_type with a registered value in an application/x-www-form-urlencoded body.',
  },
  invalid_scope: {
    meaning: 'the requested scope is invalid, unknown, malformed or more than the client may have',
    causes: 'a scope name that does not exist; scopes separated by commas instead of spaces; a resource format the provider wants (Azure: api://<app>/.default); asking for more than the original grant on refresh',
    fix: 'Request only scopes the client is registered for, separated by spaces.',
  },
  access_denied: {
    meaning: 'the resource owner or the authorization server denied the request',
    causes: 'the user declined consent; an administrator must consent first; a policy (conditional access, group assignment) blocks this user',
    fix: 'Have the user (or an admin) grant consent, or assign the user to the application.',
  },
  unsupported_response_type: {
    meaning: 'the authorization server does not support this response_type for the client',
    causes: 'an implicit or hybrid response_type not enabled for the client',
    fix: 'Use response_type=code (with PKCE) or enable the response type for the client.',
  },
  server_error: {
    meaning: 'the authorization server hit an unexpected error',
    causes: 'a fault or outage at the provider',
    fix: "Retry with backoff; if it persists, report it to the provider with the response's request id.",
  },
  temporarily_unavailable: {
    meaning: 'the authorization server is overloaded or in maintenance',
    causes: 'load or maintenance at the provider',
    fix: 'Retry with exponential backoff.',
  },
  redirect_uri_mismatch: {
    meaning: 'the redirect_uri does not match one registered for the client',
    causes: 'a different scheme, host, port or path; a trailing slash; localhost vs 127.0.0.1; a redirect_uri at the token endpoint that differs from the authorization request',
    fix: "Register the exact redirect_uri the application sends, or send exactly the registered one (character for character).",
  },
  authorization_pending: {
    meaning: 'the user has not yet completed the device authorization (RFC 8628 §3.5)',
    causes: 'normal while polling the device flow',
    fix: 'Keep polling at the advertised interval.',
    severity: 'info',
  },
  slow_down: {
    meaning: 'the client polls the device flow too fast (RFC 8628 §3.5)',
    causes: 'a polling interval shorter than the one the server asked for',
    fix: 'Add 5 seconds to the polling interval, as RFC 8628 §3.5 requires.',
    severity: 'warn',
  },
  expired_token: {
    meaning: 'the device code expired before the user finished (RFC 8628 §3.5)',
    causes: 'the user took longer than the device code lifetime',
    fix: 'Start a new device authorization request.',
  },
  login_required: {
    meaning: 'silent authentication (prompt=none) needs the user to sign in (OIDC Core §3.1.2.6)',
    causes: 'no session at the provider',
    fix: 'Fall back to an interactive sign-in.',
  },
  consent_required: {
    meaning: 'silent authentication (prompt=none) needs the user to consent (OIDC Core §3.1.2.6)',
    causes: 'consent not yet given for the requested scopes',
    fix: 'Fall back to an interactive sign-in with consent.',
  },
  interaction_required: {
    meaning: 'the provider needs user interaction (OIDC Core §3.1.2.6)',
    causes: 'MFA, terms of use or another prompt pending',
    fix: 'Fall back to an interactive sign-in.',
  },
  invalid_dpop_proof: {
    meaning: 'the DPoP proof is invalid (RFC 9449)',
    causes: 'a wrong htm/htu, a stale iat or a reused jti in the DPoP header',
    fix: 'Build a fresh DPoP proof for this method and URL.',
  },
  use_dpop_nonce: {
    meaning: 'the server wants a DPoP nonce (RFC 9449 §8)',
    causes: 'normal on the first DPoP request',
    fix: 'Retry with the nonce from the DPoP-Nonce response header.',
    severity: 'warn',
  },
  bad_verification_code: {
    meaning: "GitHub's name for invalid_grant: the code is wrong, expired or already used",
    causes: 'a code used twice or older than 10 minutes',
    fix: 'Send the user through the authorization step again for a new code.',
  },
  incorrect_client_credentials: {
    meaning: "GitHub's name for invalid_client: the client_id or client_secret is wrong",
    causes: 'a wrong or regenerated client secret',
    fix: "Copy the client ID and a current client secret from the OAuth app's settings.",
  },
};

/**
 * Codes only a token endpoint returns (RFC 6749 §5.2, RFC 8628 §3.5, GitHub): a body with one of them marks the
 * request as a token request even on an unusual path. Generic-sounding codes (invalid_request, access_denied,
 * server_error) do not, because ordinary APIs use those words too.
 */
const TOKEN_ENDPOINT_CODES = new Set([
  'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'authorization_pending', 'slow_down',
  'expired_token', 'bad_verification_code', 'incorrect_client_credentials',
]);

/** A form body with grant_type is a token request wherever it is sent. */
function looksLikeTokenRequest(request: RecordedRequest): boolean {
  return requestFormFields(request).some(([name]) => name === 'grant_type');
}

/** Codes other rules explain (RFC 6750 resource-server errors). */
const LEFT_TO_OTHER_RULES = new Set(['invalid_token', 'insufficient_scope']);

const KNOWN_GRANT_TYPES = new Set([
  'authorization_code',
  'client_credentials',
  'refresh_token',
  'password',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:saml2-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'implicit',
]);

/** A request problem in plain words: `short` completes "this request …", `detail` explains. */
interface RequestProblem {
  short: string;
  detail: string;
  /** The imperative next step for this problem. */
  fix: string;
  /** The codes this problem typically produces. */
  codes: string[];
}

export const oauthError: Rule = {
  id: 'oauth-error',
  description: 'An OAuth 2.0 error (RFC 6749) or a malformed token request, with what in this request matches a cause.',
  check(record, context) {
    const response = record.response;
    if (!response) return [];
    const oauth = responseOAuthError(response);
    const tokenEndpoint =
      isTokenEndpoint(record.request.url) ||
      (oauth !== undefined && oauth.source !== 'www-authenticate' && TOKEN_ENDPOINT_CODES.has(oauth.error)) ||
      looksLikeTokenRequest(record.request);
    if (oauth && LEFT_TO_OTHER_RULES.has(oauth.error)) return [];
    const problems = tokenEndpoint ? tokenRequestProblems(record, context) : [];
    if (oauth) {
      const known = CODES[oauth.error];
      if (!known && !tokenEndpoint) return [];
      return [codeFinding(record, oauth, known, problems, tokenEndpoint)];
    }
    if (tokenEndpoint && response.status >= 400 && problems.length > 0) return [shapeFinding(record, problems)];
    return [];
  },
};

/** Token endpoints by path: /token, /oauth/token, /oauth2/v1/token, /oauth2/v2.0/token, /connect/token, GitHub's /login/oauth/access_token. */
export function isTokenEndpoint(url: string): boolean {
  const path = splitRawUrl(url)?.path ?? '';
  return /\/(?:access_)?token\/?$/i.test(path);
}

function codeFinding(record: ExchangeRecord, oauth: OAuthError, known: CodeKnowledge | undefined, problems: RequestProblem[], tokenEndpoint: boolean): Finding {
  const status = record.response?.status ?? 0;
  const matching = problems.filter((p) => p.codes.includes(oauth.error));
  const others = problems.filter((p) => !p.codes.includes(oauth.error));
  const where = tokenEndpoint ? 'The token endpoint' : 'The server';
  const meaning = known?.meaning ?? 'a provider-specific code';
  const first = matching[0] ?? others[0];
  const aadsts = /\bAADSTS(\d{5,6})\b/.exec(oauth.description ?? '');
  const explanation = [
    `${where} answered ${status} with OAuth error "${oauth.error}": ${meaning}${known ? ` (RFC 6749 §5.2 and extensions)` : ''}.`,
    oauth.description ? `It says: "${clipText(oauth.description)}".` : '',
    known ? `Usual causes: ${known.causes}.` : '',
    matching.length > 0 ? `In this request: ${matching.map((p) => p.detail).join(' ')} That is likely the cause.` : '',
    others.length > 0 ? `Also wrong in this request: ${others.map((p) => p.detail).join(' ')}` : '',
    status === 200 ? 'Note the status is 200: some providers (GitHub) report OAuth errors in a successful response, so check the body, not just the status.' : '',
    aadsts ? `Look the Microsoft Entra code up at https://login.microsoftonline.com/error?code=${aadsts[1]}.` : '',
    `After fixing, confirm with \`proxydoc replay ${record.seq}\` and the corrected body or headers.`,
  ]
    .filter((s) => s !== '')
    .join(' ');
  return {
    rule: 'oauth-error',
    severity: known?.severity ?? 'error',
    summary: `${where} returned OAuth error ${oauth.error} (${meaning})${first ? `; this request ${first.short}` : ''}.`,
    explanation,
    evidence: [
      `error=${oauth.error} (${oauth.source === 'www-authenticate' ? 'WWW-Authenticate' : `${oauth.source} body`})`,
      ...(oauth.description ? [`error_description: ${clipText(oauth.description, 120)}`] : []),
      ...(oauth.uri ? [`error_uri: ${oauth.uri}`] : []),
      ...problems.map((p) => `request ${p.short}`),
    ],
    nextSteps: [...problems.map((p) => p.fix), known?.fix ?? 'Look the code up in the provider\'s documentation (error_uri, if given).'],
  };
}

function shapeFinding(record: ExchangeRecord, problems: RequestProblem[]): Finding {
  const status = record.response?.status ?? 0;
  return {
    rule: 'oauth-error',
    severity: 'error',
    summary: `The token request ${problems[0].short}; the token endpoint answered ${status}.`,
    explanation: [
      `The URL looks like an OAuth token endpoint and the request does not have the shape RFC 6749 requires (POST, form-encoded, with grant_type):`,
      problems.map((p) => p.detail).join(' '),
      `That is likely why the endpoint answered ${status}. After fixing, confirm with \`proxydoc replay ${record.seq}\` and the corrected request.`,
    ].join(' '),
    evidence: problems.map((p) => `request ${p.short}`),
    nextSteps: problems.map((p) => p.fix),
  };
}

/** What about this token request matches a known cause. Parameter values are never shown except grant_type. */
function tokenRequestProblems(record: ExchangeRecord, context: DiagnosisContext): RequestProblem[] {
  const request = record.request;
  const problems: RequestProblem[] = [];
  const method = request.method.toUpperCase();
  const queryFields = rawQueryParams(splitRawUrl(request.url)?.query).map(([n, v]): [string, string] => [safeDecode(n), safeDecode(v)]);
  const type = mediaType(headerValue(request.headers, 'content-type'));
  const formFields = requestFormFields(request);
  const jsonFields = requestJsonFields(request);
  const bodyPresent = request.body.size > 0;

  if (method !== 'POST') {
    problems.push({
      short: `was sent as ${method}`,
      detail: `It was sent as ${method}; RFC 6749 §3.2 requires POST for the token endpoint, and most providers answer 405 or invalid_request.`,
      fix: 'Send the token request as POST (RFC 6749 §3.2).',
      codes: ['invalid_request', 'unsupported_grant_type'],
    });
  } else if (bodyPresent && type !== 'application/x-www-form-urlencoded') {
    problems.push({
      short: type ? `has a body of type ${type}, not form-encoded` : 'has a body without Content-Type, not form-encoded',
      detail: `The body is ${type ?? 'sent without a Content-Type'}; RFC 6749 wants application/x-www-form-urlencoded, and providers such as Okta, Keycloak, Microsoft Entra and Google reject JSON, so grant_type is not seen.`,
      fix: 'Send the body as application/x-www-form-urlencoded (grant_type=…&…), with that Content-Type.',
      codes: ['invalid_request', 'unsupported_grant_type', 'invalid_client'],
    });
  }
  const fields = new Map<string, string>();
  for (const [name, value] of [...queryFields, ...jsonFields, ...formFields]) fields.set(name, value);
  const inBody = new Set([...formFields, ...jsonFields].map(([name]) => name));

  if (method === 'POST' && queryFields.some(([name]) => name === 'grant_type') && !inBody.has('grant_type')) {
    problems.push({
      short: 'carries its parameters in the URL query string',
      detail: 'grant_type and the other parameters are in the URL query string instead of the form body, where RFC 6749 §4.1.3 puts them (and secrets in URLs end up in logs).',
      fix: 'Move the parameters from the URL query into the form body.',
      codes: ['invalid_request', 'unsupported_grant_type'],
    });
  }
  const grantType = fields.get('grant_type');
  if (grantType === undefined || grantType === '') {
    problems.push({
      short: 'has no grant_type',
      detail: 'There is no grant_type parameter, which every token request needs (RFC 6749 §4.1.3, §4.4.2, §6).',
      fix: 'Add grant_type (authorization_code, client_credentials, refresh_token…) to the form body.',
      codes: ['invalid_request', 'unsupported_grant_type'],
    });
  } else if (!KNOWN_GRANT_TYPES.has(grantType)) {
    problems.push({
      short: `has grant_type "${clipText(grantType, 60)}", which is not a registered grant type`,
      detail: `grant_type is "${clipText(grantType, 60)}"; registered values are authorization_code, client_credentials, refresh_token, password and the urn:ietf:params:oauth:grant-type:* URNs.`,
      fix: 'Use a registered grant_type value (check the spelling and the provider\'s docs).',
      codes: ['unsupported_grant_type', 'invalid_request'],
    });
  } else {
    problems.push(...grantProblems(grantType, fields));
  }

  const basic = basicClient(request);
  const bodySecret = fields.has('client_secret') && fields.get('client_secret') !== '';
  if (basic && (bodySecret || fields.has('client_assertion'))) {
    problems.push({
      short: 'sends the client credentials twice (HTTP Basic and in the body)',
      detail: 'The client authenticates both with HTTP Basic and with client_secret/client_assertion in the body; RFC 6749 §2.3.1 forbids using more than one method, and many servers answer invalid_request or invalid_client.',
      fix: 'Authenticate the client one way only: HTTP Basic or client_id/client_secret in the body (RFC 6749 §2.3.1).',
      codes: ['invalid_request', 'invalid_client'],
    });
  } else if (!basic && !fields.has('client_id') && !fields.has('client_assertion') && grantType !== 'password') {
    problems.push({
      short: 'identifies no client (no Basic, no client_id)',
      detail: 'Neither an Authorization: Basic header nor a client_id parameter identifies the client.',
      fix: 'Identify the client: HTTP Basic with client_id:client_secret, or client_id (and client_secret) in the body.',
      codes: ['invalid_client', 'invalid_request', 'unauthorized_client'],
    });
  }
  if (basic?.clientId !== undefined && fields.get('client_id') !== undefined && fields.get('client_id') !== basic.clientId) {
    problems.push({
      short: 'names a different client_id in Basic and in the body',
      detail: 'The client_id in the body differs from the user of the Authorization: Basic header.',
      fix: 'Use one client_id: drop it from the body or make it match the Basic user.',
      codes: ['invalid_client', 'invalid_request'],
    });
  }
  if (basic?.secretNeedsEncoding) {
    problems.push({
      short: 'has a Basic client secret with characters RFC 6749 §2.3.1 wants form-encoded first',
      detail: 'The Basic client secret contains characters such as "+", "/", "=", ":" or "%" that RFC 6749 §2.3.1 says to form-encode before base64; servers differ on decoding, so the secret may not match. Sending client_secret in the body avoids the ambiguity.',
      fix: 'Form-encode client_id and client_secret before base64, or send client_secret in the form body instead.',
      codes: ['invalid_client'],
    });
  }
  if (grantType === 'authorization_code') {
    const reuse = reusedCode(record, fields.get('code'), context);
    if (reuse !== undefined) {
      problems.push({
        short: `re-sends an authorization code already used in #${reuse}`,
        detail: `The same authorization code was already sent to this endpoint in exchange #${reuse}; codes are single-use (RFC 6749 §4.1.2), so the second exchange fails (and a server may revoke the tokens from the first).`,
        fix: 'Exchange each authorization code once; get a new code for a new attempt.',
        codes: ['invalid_grant', 'bad_verification_code'],
      });
    }
  }
  return problems;
}

function grantProblems(grantType: string, fields: Map<string, string>): RequestProblem[] {
  const missing = (names: string[], codes: string[], why: string): RequestProblem[] =>
    names
      .filter((n) => !fields.get(n))
      .map((n) => ({
        short: `has no ${n}`,
        detail: `grant_type=${grantType} needs ${n} (${why}), and it is missing.`,
        fix: `Add ${n} to the token request.`,
        codes,
      }));
  switch (grantType) {
    case 'authorization_code':
      return [
        ...missing(['code'], ['invalid_request', 'invalid_grant'], 'RFC 6749 §4.1.3'),
        ...missing(['redirect_uri'], ['invalid_request', 'invalid_grant', 'redirect_uri_mismatch'], 'required when the authorization request had one, RFC 6749 §4.1.3'),
      ];
    case 'refresh_token':
      return missing(['refresh_token'], ['invalid_request', 'invalid_grant'], 'RFC 6749 §6');
    case 'password':
      return missing(['username', 'password'], ['invalid_request', 'invalid_grant'], 'RFC 6749 §4.3.2');
    case 'urn:ietf:params:oauth:grant-type:device_code':
      return missing(['device_code'], ['invalid_request', 'invalid_grant'], 'RFC 8628 §3.4');
    default:
      return [];
  }
}

function basicClient(request: RecordedRequest): { clientId?: string; secretNeedsEncoding: boolean } | undefined {
  for (const value of headerValues(request.headers, 'authorization')) {
    const split = splitAuthorization(value);
    if (split.scheme?.toLowerCase() !== 'basic') continue;
    const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(split.credentials.trim()) ? Buffer.from(split.credentials.trim(), 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) return { secretNeedsEncoding: false };
    return { clientId: safeDecode(decoded.slice(0, colon)), secretNeedsEncoding: /[+/=:% ]/.test(decoded.slice(colon + 1)) };
  }
  return undefined;
}

/** The seq of an earlier exchange to the same token endpoint that sent the same code (compared by hash only). */
function reusedCode(record: ExchangeRecord, code: string | undefined, context: DiagnosisContext): number | undefined {
  if (!code) return undefined;
  const path = splitRawUrl(record.request.url)?.path;
  const wanted = hash(code);
  for (let i = context.history.length - 1; i >= 0; i--) {
    const earlier = context.history[i];
    if (splitRawUrl(earlier.request.url)?.path !== path) continue;
    const earlierCode = [...requestFormFields(earlier.request), ...requestJsonFields(earlier.request)].find(([n]) => n === 'code')?.[1];
    if (earlierCode !== undefined && hash(earlierCode) === wanted) return earlier.seq;
  }
  return undefined;
}

function hash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
