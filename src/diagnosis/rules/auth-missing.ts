/**
 * auth-missing: the server demanded authentication and the request carried no credential at all.
 * RFC 9110 §15.5.2: a 401 means the request lacks valid credentials and MUST carry a WWW-Authenticate challenge.
 * Many APIs answer anonymous callers with 403 instead (GitHub, AWS API Gateway), and a few with 400 plus a
 * challenge, so those count too when nothing was sent.
 */
import type { Finding } from '../../model/exchange';
import { bodyText } from '../../model/body';
import type { Rule } from '../rule';
import { authProductHint, carriedCredentials, misspelledCredentialHeaders } from '../credentials';
import { describeChallenges, responseChallenges } from '../parsers/www-authenticate';

export const authMissing: Rule = {
  id: 'auth-missing',
  description: 'A 401/403 (or a 400 with a challenge) to a request that carried no credential at all.',
  check(record) {
    const response = record.response;
    if (!response) return [];
    const status = response.status;
    const challenges = responseChallenges(response.headers);
    if (!(status === 401 || status === 403 || (status === 400 && challenges.length > 0))) return [];
    if (carriedCredentials(record.request).length > 0) return [];

    const evidence: string[] = [
      `${status} ${response.statusText}`.trim(),
      'no Authorization, Cookie, API-key/token header, token query parameter or secret body field',
    ];
    const nextSteps: string[] = [];
    const product = authProductHint(record);
    const misspelled = misspelledCredentialHeaders(record.request.headers);
    const apiGatewayMissingToken = status === 403 && /Missing Authentication Token/.test(bodyText(response.body) ?? '');

    let asks: string;
    if (challenges.length > 0) {
      asks = `its WWW-Authenticate asks for ${describeChallenges(challenges)}`;
      evidence.push(`WWW-Authenticate: ${describeChallenges(challenges)}`);
      const scheme = challenges[0].scheme;
      nextSteps.push(`Send \`Authorization: ${scheme} <credentials>\` — the scheme the server asks for.`);
    } else {
      asks = `it sent no WWW-Authenticate header, so it does not say which scheme it wants`;
      evidence.push('no WWW-Authenticate in the response');
      nextSteps.push('Look up in the API documentation which header carries the credential and add it.');
    }
    if (product) {
      evidence.push(product.evidence);
      nextSteps.push(`${product.expects}.`);
    }
    for (const m of misspelled) evidence.push(`header ${m.sent} looks like a misspelling of ${m.meant} (see auth-header-misspelled)`);
    if (apiGatewayMissingToken) evidence.push('body says "Missing Authentication Token" (AWS API Gateway)');

    const statusWord = status === 401 ? 'a 401' : status === 403 ? 'a 403' : 'a 400 with an authentication challenge';
    const explanation = [
      `The request reached the server without any credential under a name proxydoc recognises, and the server answered with ${statusWord}; ${asks}.`,
      status === 401
        ? 'That is almost certainly why it failed.'
        : status === 403
          ? 'Many APIs answer anonymous callers with 403 rather than 401, so the missing credential is the likely cause.'
          : 'The challenge on the 400 suggests the server wanted credentials first, so the missing credential is the likely cause.',
      misspelled.length > 0 ? `A header that looks like a misspelled credential header was sent instead (${misspelled.map((m) => m.sent).join(', ')}).` : '',
      apiGatewayMissingToken
        ? 'AWS API Gateway also says "Missing Authentication Token" for a path or method that does not exist, so check the URL as well.'
        : '',
      'If the application does set the credential, check that it is set on this code path and not dropped by the HTTP client on a redirect (curl, Python requests and Node fetch drop Authorization when a redirect changes host).',
      `To confirm, replay it with a credential: \`proxydoc replay ${record.seq} --header 'Authorization: ${challenges[0]?.scheme ?? 'Bearer'} <token>'\`.`,
    ]
      .filter((s) => s !== '')
      .join(' ');
    nextSteps.push('Check the application sets the credential on this request (log it before sending, or replay with it added).');

    const finding: Finding = {
      rule: 'auth-missing',
      severity: 'error',
      summary:
        challenges.length > 0
          ? `No credential was sent; the server answered ${status} and asks for ${describeChallenges(challenges)}.`
          : `No credential was sent; the server answered ${status} without saying which scheme it wants.`,
      explanation,
      evidence,
      nextSteps,
    };
    return [finding];
  },
};
