/**
 * token-expired: a JWT the request carried had expired at the request time (RFC 7519 §4.1.4 `exp`), or the
 * server said the token is invalid (RFC 6750 §3.1 `invalid_token`: expired, revoked, malformed or otherwise
 * invalid). On a 2xx, a JWT that expires within the next minute is a hazard: the next call will fail.
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { numericDateMs } from '../../model/jwt';
import { startedAtMs, type Rule } from '../rule';
import { carriedCredentials, carriedJwts, credentialPlace, describeCredential, type CarriedCredential } from '../credentials';
import { clipText, humanDuration, isoSeconds } from '../text';
import { responseOAuthError, type OAuthError } from '../parsers/oauth-error';
import type { DecodedJwt } from '../../model/jwt';

/** A 2xx whose token expires within this window gets a warning (RULES.md: "expires in the next minute"). */
const EXPIRY_HAZARD_MS = 60_000;
/** Validators commonly allow this much clock skew; an expiry this recent may be a skew or refresh-margin issue. */
const TYPICAL_SKEW_MS = 30_000;

type JwtCredential = CarriedCredential & { jwt: DecodedJwt };

export const tokenExpired: Rule = {
  id: 'token-expired',
  description: 'A JWT whose exp is before the request time, or a server-reported invalid_token.',
  check(record) {
    const response = record.response;
    if (!response) return [];
    const start = startedAtMs(record);
    if (!Number.isFinite(start)) return [];
    const status = response.status;
    const jwts = carriedJwts(record.request);

    if (status < 400) {
      const soon = jwts.find((c) => {
        const exp = numericDateMs(c.jwt.claims, 'exp');
        return exp !== undefined && exp > start && exp - start <= EXPIRY_HAZARD_MS;
      });
      return soon ? [expiresSoonFinding(record, soon, start)] : [];
    }
    const oauth = responseOAuthError(response);
    const invalidToken = oauth?.error === 'invalid_token' ? oauth : undefined;

    const expired = jwts.filter((c) => {
      const exp = numericDateMs(c.jwt.claims, 'exp');
      return exp !== undefined && exp <= start;
    });
    if (expired.length > 0) return [expiredFinding(record, expired, start, invalidToken)];
    if (invalidToken && carriedCredentials(record.request).length > 0) return [invalidTokenFinding(record, invalidToken, jwts, start)];
    return [];
  },
};

function expiredFinding(record: ExchangeRecord, expired: JwtCredential[], start: number, invalidToken: OAuthError | undefined): Finding {
  const status = record.response?.status ?? 0;
  const first = expired[0];
  const exp = numericDateMs(first.jwt.claims, 'exp') ?? start;
  const ago = start - exp;
  const issuer = issuerOf(first.jwt);
  const lifetime = lifetimeOf(first.jwt);
  // An expired JWT in a side cookie next to a live Authorization credential is a weaker suspect.
  const otherLiveAuthorization =
    !(first.where === 'header' && first.name.toLowerCase() === 'authorization') &&
    carriedCredentials(record.request).some((c) => c.where === 'header' && c.name.toLowerCase() === 'authorization' && !expired.some((e) => e.hash === c.hash));
  const authStatus = (status === 401 || status === 403 || invalidToken !== undefined) && !otherLiveAuthorization;
  return {
    rule: 'token-expired',
    severity: authStatus ? 'error' : 'warn',
    summary: `The JWT in ${credentialPlace(first)} expired ${humanDuration(ago)} before the request (exp ${isoSeconds(exp)}${issuer ? `, issued by ${issuer}` : ''}).`,
    explanation: [
      `${describeCredential(first)} carries exp ${isoSeconds(exp)}, and the request was sent at ${isoSeconds(start)}.`,
      authStatus
        ? `An API validating this token rejects it after exp (RFC 7519 §4.1.4), so the ${status} is almost certainly the expiry.`
        : otherLiveAuthorization
          ? `The request also carried an Authorization credential that is not expired, so the ${status} is possibly about that one; the expired ${credentialPlace(first)} is a suspect only if the API reads it.`
          : `The ${status} may have another cause, but the token is expired either way and will be rejected by anything that checks it.`,
      invalidToken ? `The server confirms it: error="invalid_token"${invalidToken.description ? ` ("${clipText(invalidToken.description)}")` : ''}.` : '',
      ago <= TYPICAL_SKEW_MS ? `It expired only ${humanDuration(ago)} earlier: refresh tokens a minute before exp, and check the clocks of this machine and the issuer.` : '',
      lifetime !== undefined ? `The token was valid for ${humanDuration(lifetime)} from iat; the application is probably reusing a cached token past that.` : '',
      first.where === 'header' || first.where === 'cookie'
        ? `To confirm, replay with a fresh token: \`proxydoc replay ${record.seq} --header '${replayHeader(first)}'\`.`
        : `To confirm, replay it with a fresh token in the ${credentialPlace(first)}.`,
    ]
      .filter((s) => s !== '')
      .join(' '),
    evidence: [
      ...expired.map((c) => `${describeCredential(c)}: exp ${isoSeconds(numericDateMs(c.jwt.claims, 'exp') ?? start)}, ${humanDuration(start - (numericDateMs(c.jwt.claims, 'exp') ?? start))} before the request`),
      ...(issuer ? [`iss ${issuer}`] : []),
      ...(invalidToken ? [`error="invalid_token" (${invalidToken.source})`] : []),
    ],
    nextSteps: [
      issuer ? `Fetch a new token from ${issuer} (refresh_token grant or sign in again) and retry.` : 'Fetch a new token (refresh_token grant or sign in again) and retry.',
      'Refresh tokens before exp (with a margin of a minute) instead of reusing a cached one until it fails.',
    ],
  };
}

function invalidTokenFinding(record: ExchangeRecord, error: OAuthError, jwts: JwtCredential[], start: number): Finding {
  const status = record.response?.status ?? 0;
  const saysExpired = /expire/i.test(error.description ?? '');
  const valid = jwts.find((c) => (numericDateMs(c.jwt.claims, 'exp') ?? Infinity) > start);
  const validExp = valid ? numericDateMs(valid.jwt.claims, 'exp') : undefined;
  const explanationParts = [
    `The server answered ${status} with error="invalid_token" (RFC 6750 §3.1: the token is expired, revoked, malformed or invalid for another reason)${error.description ? `: "${clipText(error.description)}"` : ''}.`,
  ];
  if (valid) {
    explanationParts.push(
      `The JWT itself is not expired by its own claims${validExp !== undefined ? ` (exp ${isoSeconds(validExp)}, ${humanDuration(validExp - start)} after the request)` : ''}, so it is more likely revoked, issued for another audience or issuer, or signed with a key the API does not trust` +
        ` (${describeJwtOrigin(valid.jwt)}).`,
    );
  } else if (saysExpired) {
    explanationParts.push('The description says the token expired; an opaque token carries no exp proxydoc could check, so trust the server here.');
  } else {
    explanationParts.push('The token is opaque (not a JWT), so proxydoc cannot see its expiry; expiry or revocation are the usual reasons.');
  }
  explanationParts.push(`To confirm, replay with a freshly issued token: \`proxydoc replay ${record.seq} --header 'Authorization: Bearer <new token>'\`.`);
  const creds = carriedCredentials(record.request);
  return {
    rule: 'token-expired',
    severity: 'error',
    summary: saysExpired && !valid ? `The server rejected the token as expired (error="invalid_token").` : `The server rejected the token as invalid (error="invalid_token").`,
    explanation: explanationParts.join(' '),
    evidence: [
      `${status} error="invalid_token" (${error.source})`,
      ...(error.description ? [`description: ${clipText(error.description)}`] : []),
      ...creds.slice(0, 2).map(describeCredential),
    ],
    nextSteps: valid
      ? ['Check the token was issued for this API (aud) by the issuer it trusts (iss), and has not been revoked.', 'Fetch a new token and retry.']
      : ['Fetch a new token (refresh_token grant or sign in again) and retry.'],
  };
}

function expiresSoonFinding(record: ExchangeRecord, credential: JwtCredential, start: number): Finding {
  const exp = numericDateMs(credential.jwt.claims, 'exp') ?? start;
  const issuer = issuerOf(credential.jwt);
  return {
    rule: 'token-expired',
    severity: 'warn',
    summary: `The JWT in ${credentialPlace(credential)} expires ${humanDuration(exp - start)} after this request (exp ${isoSeconds(exp)}).`,
    explanation:
      `This call succeeded, but ${describeCredential(credential)} expires at ${isoSeconds(exp)}${issuer ? ` (issued by ${issuer})` : ''}. ` +
      'The next requests with it will get 401 unless the application refreshes it first; a refresh only after a failure causes a burst of errors.',
    evidence: [`exp ${isoSeconds(exp)}, ${humanDuration(exp - start)} after the request`, ...(issuer ? [`iss ${issuer}`] : [])],
    nextSteps: ['Refresh the token before it expires (a minute of margin) rather than after the first 401.'],
  };
}

function replayHeader(c: CarriedCredential): string {
  return c.where === 'cookie' ? `Cookie: ${c.name}=<fresh token>` : `${c.name}: ${c.scheme ? `${c.scheme} ` : ''}<fresh token>`;
}

function issuerOf(jwt: DecodedJwt): string | undefined {
  return typeof jwt.claims.iss === 'string' && jwt.claims.iss !== '' ? jwt.claims.iss : undefined;
}

function lifetimeOf(jwt: DecodedJwt): number | undefined {
  const exp = numericDateMs(jwt.claims, 'exp');
  const iat = numericDateMs(jwt.claims, 'iat');
  return exp !== undefined && iat !== undefined && exp > iat ? exp - iat : undefined;
}

function describeJwtOrigin(jwt: DecodedJwt): string {
  const parts: string[] = [];
  if (issuerOf(jwt)) parts.push(`iss ${issuerOf(jwt)}`);
  const aud = jwt.claims.aud;
  if (typeof aud === 'string') parts.push(`aud ${aud}`);
  else if (Array.isArray(aud)) parts.push(`aud ${aud.filter((a) => typeof a === 'string').join(', ')}`);
  if (typeof jwt.header.alg === 'string') parts.push(`alg ${jwt.header.alg}`);
  if (typeof jwt.header.kid === 'string') parts.push(`kid ${jwt.header.kid}`);
  return parts.length > 0 ? parts.join(', ') : 'no iss/aud claims';
}
