/**
 * auth-scheme-mismatch: the Authorization scheme sent is not the one the server asks for, or the value is
 * malformed so no server could accept it. Grammar: RFC 9110 §11.4 (`auth-scheme 1*SP ( token68 / #auth-param )`),
 * Bearer's b64token: RFC 6750 §2.1, Basic's base64(user-id ":" password): RFC 7617 §2.
 * Jira: Cloud takes Basic with email:API token; Data Center takes Bearer with a personal access token
 * (Atlassian docs "Basic auth for REST APIs" and "Using Personal Access Tokens").
 */
import type { ExchangeRecord, Finding, Severity } from '../../model/exchange';
import { headerValue, headerValues } from '../../model/headers';
import type { Rule } from '../rule';
import { authProductHint, isKnownAuthScheme, splitAuthorization, type AuthProductHint } from '../credentials';
import { decodeJwt } from '../../model/jwt';
import { responseChallenges, type AuthChallenge } from '../parsers/www-authenticate';

interface SchemeProblem {
  summary: string;
  evidence: string[];
  fix: string;
  /** How sure: a malformed value is certain, a product-based guess only likely. */
  certainty: 'certain' | 'likely' | 'possible';
}

/** RFC 6750 §2.1 b64token characters, plus trailing '=' padding. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Names for characters that betray how a token was mangled; the characters themselves are not echoed. */
const CHARACTER_NAMES: Record<string, string> = {
  '"': 'double quote', "'": 'single quote', '%': 'percent sign (URL-encoded?)', '{': 'brace (JSON?)', '}': 'brace (JSON?)',
  ',': 'comma', ';': 'semicolon', ':': 'colon', '\\': 'backslash', '<': 'angle bracket', '>': 'angle bracket',
};
/** Schemes whose credentials are a single token (quotes or spaces in them are mistakes). */
const SINGLE_TOKEN_SCHEMES = new Set(['bearer', 'basic', 'token', 'dpop', 'ssws', 'jwt', 'apikey', 'api-key', 'key', 'geniekey']);

export const authSchemeMismatch: Rule = {
  id: 'auth-scheme-mismatch',
  description: 'The Authorization scheme differs from the one the server asks for, or the value is malformed.',
  check(record) {
    const response = record.response;
    if (!response || ![400, 401, 403].includes(response.status)) return [];
    const values = headerValues(record.request.headers, 'authorization');
    if (values.length === 0) return [];
    const challenges = responseChallenges(response.headers);
    const product = authProductHint(record);
    const problems: SchemeProblem[] = [];
    if (values.length > 1) {
      problems.push({
        summary: `Authorization was sent ${values.length} times; servers see one comma-joined value that is no valid credential.`,
        evidence: [`${values.length} Authorization headers`],
        fix: 'Send exactly one Authorization header (check for a default header plus a per-request one).',
        certainty: 'certain',
      });
    }
    problems.push(...malformations(values[0], product));
    if (problems.length === 0 && response.status === 401) {
      const mismatch = schemeMismatch(values[0], challenges, product, record);
      if (mismatch) problems.push(mismatch);
    }
    if (problems.length === 0) return [];

    const sentScheme = splitAuthorization(values[0]).scheme ?? 'no scheme';
    const expected = expectedSchemes(challenges, product);
    const primary = problems[0];
    const severity: Severity = primary.certainty === 'possible' ? 'warn' : 'error';
    const how = primary.certainty === 'certain' ? 'This is almost certainly why' : primary.certainty === 'likely' ? 'This is likely why' : 'This is possibly why';
    const finding: Finding = {
      rule: 'auth-scheme-mismatch',
      severity,
      summary: primary.summary,
      explanation: [
        `Scheme sent: ${sentScheme}; expected: ${expected}.`,
        `${how} the server answered ${response.status}.`,
        product ? `${product.expects}.` : '',
        `To confirm, replay with a corrected value: \`proxydoc replay ${record.seq} --header 'Authorization: ${firstExpectedScheme(challenges, product)} <credentials>'\`.`,
      ]
        .filter((s) => s !== '')
        .join(' '),
      evidence: [...problems.flatMap((p) => p.evidence), ...(product ? [product.evidence] : [])],
      nextSteps: [...new Set(problems.map((p) => p.fix))],
    };
    return [finding];
  },
};

function malformations(value: string, product: AuthProductHint | undefined): SchemeProblem[] {
  const problems: SchemeProblem[] = [];
  const rawTrailing = /[ \t\r\n]+$/.exec(value);
  if (rawTrailing || /[\r\n]/.test(value)) {
    problems.push({
      summary: 'The Authorization value contains a newline or trailing whitespace, which becomes part of the token.',
      evidence: [`value has ${describeWhitespace(rawTrailing?.[0] ?? value.match(/[\r\n]/)?.[0] ?? '')}`],
      fix: 'Trim the token where it is read (files and environment variables often end with a newline).',
      certainty: 'certain',
    });
  }
  const trimmed = value.trim();
  const colonScheme = /^([A-Za-z][A-Za-z0-9-]*):/.exec(trimmed);
  if (colonScheme && isKnownAuthScheme(colonScheme[1])) {
    problems.push({
      summary: `The Authorization value starts with "${colonScheme[1]}:" — the scheme must be followed by a space, not a colon.`,
      evidence: [`value starts with ${colonScheme[1]}:`],
      fix: `Send \`Authorization: ${colonScheme[1]} <credentials>\`.`,
      certainty: 'certain',
    });
    return problems;
  }
  const glued = /^(Bearer|Basic|Token)([A-Za-z0-9\-._~+/]+=*)$/i.exec(trimmed);
  if (glued) {
    problems.push({
      summary: `The Authorization value "${glued[1]}…" has no space between the scheme and the credentials.`,
      evidence: [`${glued[1]} glued to a ${glued[2].length}-char credential`],
      fix: `Put one space after ${glued[1]}: \`Authorization: ${glued[1]} <credentials>\`.`,
      certainty: 'certain',
    });
    return problems;
  }
  const split = splitAuthorization(value);
  if (split.scheme === undefined) {
    const jwt = decodeJwt(split.credentials) !== undefined;
    problems.push({
      summary: `The Authorization value is a bare ${jwt ? 'JWT' : 'token'} with no scheme in front.`,
      evidence: [`Authorization: ‹${split.credentials.length} chars${jwt ? ', JWT' : ''}›, no scheme`],
      fix: 'Prefix the token with its scheme, usually `Bearer ` (RFC 6750 §2.1).',
      certainty: 'certain',
    });
    return problems;
  }
  const scheme = split.scheme;
  const credentials = split.credentials.replace(/[ \t\r\n]+$/, '');
  if (credentials === '') {
    problems.push({
      summary: `The Authorization header is "${scheme}" with no credentials after it.`,
      evidence: [`Authorization: ${scheme} (nothing after the scheme)`],
      fix: 'Check the variable holding the token: it was empty or undefined when the header was built.',
      certainty: 'certain',
    });
    return problems;
  }
  const second = /^([^ \t]+)[ \t]+/.exec(credentials);
  if (second && isKnownAuthScheme(second[1])) {
    problems.push({
      summary: `The Authorization value repeats the scheme: "${scheme} ${second[1]} …".`,
      evidence: [`Authorization: ${scheme} ${second[1]} ‹…›`],
      fix: `Send the scheme once; the stored token probably already includes "${second[1]} ".`,
      certainty: 'certain',
    });
    return problems;
  }
  const lowerScheme = scheme.toLowerCase();
  if (SINGLE_TOKEN_SCHEMES.has(lowerScheme)) {
    if (/^["']|["']$/.test(credentials)) {
      problems.push({
        summary: `The ${scheme} token is wrapped in quotes, which the server takes as part of the token.`,
        evidence: ['token starts or ends with a quote character'],
        fix: 'Remove the quotes (often left over from a .env file or a JSON-encoded secret).',
        certainty: 'certain',
      });
    }
    if (/\\[nrt]$|%0A$|%0D$/i.test(credentials)) {
      problems.push({
        summary: `The ${scheme} token ends with an escaped newline ("\\n" or "%0A") that became part of the token.`,
        evidence: ['token ends with a literal \\n / %0A'],
        fix: 'Strip the escaped newline where the token is loaded.',
        certainty: 'certain',
      });
    }
    if (/[ \t]/.test(credentials)) {
      problems.push({
        summary: `The ${scheme} credentials contain whitespace; a ${scheme} credential is a single token.`,
        evidence: ['whitespace inside the token'],
        fix: 'Send the token without spaces (check for a pasted line break or two values joined).',
        certainty: 'certain',
      });
    }
  }
  if (lowerScheme === 'basic' && problems.length === 0) {
    const basic = basicProblem(credentials, product);
    if (basic) problems.push(basic);
  } else if (lowerScheme === 'bearer' && problems.length === 0 && !B64TOKEN.test(credentials)) {
    const bad = [...new Set([...credentials.replace(/[A-Za-z0-9\-._~+/=]/g, '')].map((c) => CHARACTER_NAMES[c] ?? 'other characters'))].join(', ');
    problems.push({
      summary: 'The Bearer token contains characters a bearer token cannot have (RFC 6750 §2.1).',
      evidence: [`characters outside b64token: ${bad}`],
      fix: 'Check the token is the raw access token, not a JSON object, URL-encoded string or a whole response.',
      certainty: 'likely',
    });
  }
  return problems;
}

function basicProblem(credentials: string, product: AuthProductHint | undefined): SchemeProblem | undefined {
  if (credentials.includes(':')) {
    return {
      summary: 'The Basic credentials are user:secret in plain text; Basic needs them base64-encoded.',
      evidence: ['Basic payload contains ":" (not base64)'],
      fix: 'Send `Authorization: Basic base64(user:secret)` (RFC 7617 §2), e.g. `printf %s "$USER:$TOKEN" | base64`.',
      certainty: 'certain',
    };
  }
  if (!BASE64.test(credentials) || credentials.replace(/=+$/, '').length % 4 === 1) {
    return {
      summary: 'The Basic payload is not valid base64.',
      evidence: [`Basic payload of ${credentials.length} chars is not base64`],
      fix: 'Encode `user:secret` with standard base64 (RFC 7617 §2); a raw API token is not a Basic credential.',
      certainty: 'certain',
    };
  }
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return {
      summary: 'The Basic payload decodes to a value without ":", so it is not user:secret.',
      evidence: [`base64 decodes to ${decoded.length} chars with no ":"`],
      fix: product?.product === 'jira-cloud'
        ? 'Jira Cloud wants base64(email:API token), not the token alone.'
        : 'Encode `user:secret` (RFC 7617 §2), not the token alone; or send a token as `Bearer`.',
      certainty: 'certain',
    };
  }
  if (/[\r\n]$/.test(decoded)) {
    return {
      summary: 'The Basic payload decodes to user:secret followed by a newline, so the secret is wrong by one character.',
      evidence: ['decoded Basic payload ends with \\n'],
      fix: 'Encode without the newline: `printf %s "user:secret" | base64` rather than `echo "user:secret" | base64`.',
      certainty: 'certain',
    };
  }
  if (colon === 0) {
    return {
      summary: 'The Basic payload has an empty user name.',
      evidence: ['decoded Basic payload starts with ":"'],
      fix: 'Put the user (for Jira Cloud the account email) before the ":".',
      certainty: 'likely',
    };
  }
  if (product?.product === 'jira-cloud' && !decoded.slice(0, colon).includes('@')) {
    return {
      summary: 'The Basic user is not an email address; Jira Cloud wants email:API token.',
      evidence: ['Basic user part has no "@"'],
      fix: 'Use the Atlassian account email as the user and an API token (id.atlassian.com) as the secret.',
      certainty: 'likely',
    };
  }
  return undefined;
}

function schemeMismatch(
  value: string,
  challenges: readonly AuthChallenge[],
  product: AuthProductHint | undefined,
  record: ExchangeRecord,
): SchemeProblem | undefined {
  const sent = splitAuthorization(value).scheme;
  if (sent === undefined) return undefined;
  const offered = challenges.map((c) => c.scheme.toLowerCase());
  if (offered.length > 0) {
    if (offered.includes(sent.toLowerCase())) return undefined;
    const names = challenges.map((c) => c.scheme).join(', ');
    return {
      summary: `${sent} credentials were sent but the server asks for ${names}.`,
      evidence: [`Authorization: ${sent} ‹…›`, `WWW-Authenticate: ${names}`],
      fix: `Send the credential with the scheme the server offers (${names}).`,
      certainty: 'certain',
    };
  }
  if (product?.product === 'jira-cloud' && sent.toLowerCase() === 'bearer' && !hostIs(record, 'api.atlassian.com')) {
    return {
      summary: 'Bearer was sent to Jira Cloud, which takes API tokens only as Basic email:token.',
      evidence: [`Authorization: ${sent} ‹…›`],
      fix: 'Send `Authorization: Basic base64(email:API token)`; Bearer personal access tokens are a Jira Data Center feature.',
      certainty: 'likely',
    };
  }
  if (product?.product === 'jira-data-center' && sent.toLowerCase() === 'basic') {
    const reason = headerValue(record.response?.headers ?? [], 'x-seraph-loginreason');
    return {
      summary: 'Basic was sent to Jira Data Center; a personal access token must be sent as Bearer.',
      evidence: [`Authorization: ${sent} ‹…›`, ...(reason ? [`X-Seraph-LoginReason: ${reason}`] : [])],
      fix: 'If the secret is a personal access token, send `Authorization: Bearer <PAT>`; Basic only works with username:password.',
      certainty: 'possible',
    };
  }
  return undefined;
}

function hostIs(record: ExchangeRecord, host: string): boolean {
  return new RegExp(`^[a-z]+://([^/@]*@)?${host.replace(/\./g, '\\.')}(:|/|$)`, 'i').test(record.request.url);
}

function expectedSchemes(challenges: readonly AuthChallenge[], product: AuthProductHint | undefined): string {
  if (challenges.length > 0) return `${challenges.map((c) => c.scheme).join(' or ')} (WWW-Authenticate)`;
  if (product?.product === 'jira-cloud') return 'Basic email:API token (Jira Cloud)';
  if (product?.product === 'jira-data-center') return 'Bearer personal access token (Jira Data Center)';
  return 'a well-formed `<scheme> <credentials>` value (the response names no scheme)';
}

function firstExpectedScheme(challenges: readonly AuthChallenge[], product: AuthProductHint | undefined): string {
  if (challenges.length > 0) return challenges[0].scheme;
  if (product?.product === 'jira-cloud') return 'Basic';
  return 'Bearer';
}

function describeWhitespace(ws: string): string {
  if (ws.includes('\n') || ws.includes('\r')) return 'a newline (CR/LF) in it';
  return `${ws.length} trailing space/tab character${ws.length === 1 ? '' : 's'}`;
}
