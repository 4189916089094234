/**
 * insufficient-scope: the caller's token is valid but lacks a scope the endpoint needs.
 * Signals: RFC 6750 §3.1 `error="insufficient_scope"` (WWW-Authenticate, with the needed `scope`), the same code
 * in a JSON body (GitLab: `{"error":"insufficient_scope","scope":"api read_api"}`), GitHub's
 * `X-Accepted-OAuth-Scopes` (any one of them suffices) vs `X-OAuth-Scopes` (held), or a JWT whose `scope`/`scp`
 * lacks what the challenge names.
 */
import type { ExchangeRecord, Finding, Severity } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import type { Rule } from '../rule';
import { authProductHint, carriedJwts, jwtScopes } from '../credentials';
import { clipText } from '../text';
import { responseOAuthError } from '../parsers/oauth-error';
import { responseChallenges } from '../parsers/www-authenticate';

interface ScopeEvidence {
  required: string[];
  /** undefined when the token is opaque and the server does not list the held scopes. */
  held?: string[];
  heldSource?: string;
  signal: string;
  description?: string;
}

export const insufficientScope: Rule = {
  id: 'insufficient-scope',
  description: 'A 403 because the token lacks a scope (RFC 6750 insufficient_scope, GitHub scope headers, JWT scopes).',
  check(record) {
    const response = record.response;
    if (!response || ![401, 403, 404].includes(response.status)) return [];
    const found = scopeEvidence(record);
    if (!found) return [];
    // GitHub hides what a token may not see behind 404, so there the scope gap is a likely, not certain, cause.
    const severity: Severity = response.status === 404 ? 'warn' : 'error';
    return [finding(record, found, severity)];
  },
};

function scopeEvidence(record: ExchangeRecord): ScopeEvidence | undefined {
  const response = record.response;
  if (!response) return undefined;
  const held = heldScopes(record);
  const oauth = responseOAuthError(response);
  if (oauth?.error === 'insufficient_scope' && response.status !== 404) {
    return {
      required: splitScopes(oauth.scope),
      ...held,
      signal: `error="insufficient_scope" in ${oauth.source === 'www-authenticate' ? 'WWW-Authenticate' : 'the response body'}`,
      description: oauth.description,
    };
  }
  const accepted = headerValue(response.headers, 'x-accepted-oauth-scopes');
  const githubHeld = headerValue(response.headers, 'x-oauth-scopes');
  if (accepted !== undefined && githubHeld !== undefined) {
    const required = splitScopes(accepted);
    const have = splitScopes(githubHeld);
    if (required.length > 0 && !required.some((s) => have.includes(s) || have.some((h) => impliesGithubScope(h, s)))) {
      return { required, held: have, heldSource: 'X-OAuth-Scopes', signal: `X-Accepted-OAuth-Scopes: ${accepted}` };
    }
    return undefined;
  }
  if (response.status !== 403 || held.held === undefined) return undefined;
  const challengeScope = responseChallenges(response.headers).find((c) => c.params.scope !== undefined)?.params.scope;
  const required = splitScopes(challengeScope);
  if (required.length === 0 || required.every((s) => held.held?.includes(s))) return undefined;
  return { required, ...held, signal: `WWW-Authenticate scope="${challengeScope}"` };
}

/** GitHub's parent scopes include their children: `repo` covers `repo:status`, `admin:org` covers `write:org` and `read:org`. */
function impliesGithubScope(held: string, wanted: string): boolean {
  if (wanted.startsWith(`${held}:`)) return true;
  const rank: Record<string, number> = { read: 0, write: 1, admin: 2 };
  const [heldLevel, heldResource] = held.split(':');
  const [wantedLevel, wantedResource] = wanted.split(':');
  if (heldResource === undefined || heldResource !== wantedResource) return false;
  return heldLevel in rank && wantedLevel in rank && rank[heldLevel] >= rank[wantedLevel];
}

function heldScopes(record: ExchangeRecord): { held?: string[]; heldSource?: string } {
  for (const c of carriedJwts(record.request)) {
    const scopes = jwtScopes(c.jwt);
    if (scopes.length > 0) return { held: scopes, heldSource: `the JWT's ${c.jwt.claims.scp !== undefined ? 'scp' : 'scope'} claim` };
  }
  return {};
}

function splitScopes(text: string | undefined): string[] {
  return text === undefined ? [] : [...new Set(text.split(/[\s,]+/).filter((s) => s !== ''))];
}

function finding(record: ExchangeRecord, found: ScopeEvidence, severity: Severity): Finding {
  const status = record.response?.status ?? 0;
  const needs = found.required.length > 0 ? found.required.join(' ') : undefined;
  const holds = found.held === undefined ? undefined : found.held.length > 0 ? found.held.join(' ') : 'no scopes';
  const missing = found.held === undefined ? [] : found.required.filter((s) => !found.held?.includes(s));
  const product = authProductHint(record);
  const summary =
    needs && holds
      ? `The token lacks the scope this endpoint needs: needs ${needs}, holds ${holds}.`
      : needs
        ? `The token lacks the scope this endpoint needs (${needs}).`
        : 'The token lacks a scope this endpoint needs (the server did not say which).';
  const isGithub = found.signal.startsWith('X-Accepted-OAuth-Scopes');
  return {
    rule: 'insufficient-scope',
    severity,
    summary,
    explanation: [
      `The server identified the caller but answered ${status} because the token's scopes do not cover this call (${found.signal}).`,
      isGithub ? 'GitHub accepts any one of the scopes in X-Accepted-OAuth-Scopes; the token has none of them.' : '',
      status === 404 ? 'GitHub answers 404 instead of 403 for resources a token may not see, so this is likely the reason.' : '',
      holds ? `Held (from ${found.heldSource}): ${holds}.` : 'The token is opaque, so proxydoc cannot list the scopes it holds.',
      found.description ? `Server says: "${clipText(found.description)}".` : '',
      `To confirm, replay with a token that has ${needs ?? 'the needed scope'}: \`proxydoc replay ${record.seq} --header 'Authorization: Bearer <token>'\`.`,
    ]
      .filter((s) => s !== '')
      .join(' '),
    evidence: [
      found.signal,
      ...(needs ? [`needs: ${needs}`] : []),
      ...(holds ? [`holds: ${holds}`] : []),
      ...(missing.length > 0 && missing.length < found.required.length ? [`missing: ${missing.join(' ')}`] : []),
    ],
    nextSteps: [
      product?.product === 'gitlab'
        ? `Create a GitLab token with ${needs ? `the ${needs.split(' ')[0]} scope` : 'the needed scope'} (User settings → Access tokens); existing tokens cannot gain scopes.`
        : `Issue a token with ${needs ?? 'the needed scope'}: for OAuth, request it in the authorization request's scope parameter and have the user consent again; a refresh never adds scopes.`,
    ],
  };
}
