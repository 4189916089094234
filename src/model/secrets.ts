/**
 * Which header names, query parameters and body fields carry credentials. Pure.
 * Shared by the redactor (what to mask) and the auth rules (did the request carry any credential?).
 */

/** Headers whose whole value is a secret (compared lower-case). */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-apikey',
  'x-auth-token',
  'x-access-token',
  'x-token',
  'private-token', // GitLab personal access tokens
  'job-token', // GitLab CI job tokens
  'x-gitlab-token', // GitLab webhook secret
  'x-hub-signature', // GitHub webhook HMAC
  'x-hub-signature-256',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
  'x-goog-api-key',
  'ocp-apim-subscription-key', // Azure API Management
  'x-functions-key', // Azure Functions
  'x-atlassian-token',
  'x-vault-token',
  'x-shopify-access-token',
  'x-figma-token',
  'x-session-token',
  'x-refresh-token',
  'x-client-secret',
]);

/** Header name patterns that are credentials even when not listed (X-Foo-Token, Custom-Auth, X-Secret…). */
const CREDENTIAL_HEADER_PATTERN = /(^|[-_])(token|secret|api[-_]?key|apikey|auth|authorization|password|passwd|signature|session)([-_]|$)/i;

/** Headers the credential pattern would catch that carry no secret. */
const NOT_SECRET_HEADERS = new Set(['www-authenticate', 'proxy-authenticate', 'authentication-info', 'x-gitlab-spam-log-id']);

/** Query parameters and form/JSON fields that carry secrets (compared lower-case). */
const SECRET_PARAMS = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'client_secret',
  'client_assertion',
  'password',
  'passwd',
  'pass',
  'secret',
  'api_key',
  'apikey',
  'api-key',
  'key',
  'private_token',
  'auth',
  'code', // OAuth authorisation codes are single-use credentials
  'code_verifier',
  'assertion',
  'signature',
  'sig',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'session',
  'sessionid',
  'jwt',
]);

const SECRET_PARAM_PATTERN = /(token|secret|password|passwd|api[-_]?key|credential)/i;

export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (NOT_SECRET_HEADERS.has(lower)) return false;
  return CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_HEADER_PATTERN.test(lower);
}

export function isSecretParam(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_PARAMS.has(lower) || SECRET_PARAM_PATTERN.test(lower);
}
