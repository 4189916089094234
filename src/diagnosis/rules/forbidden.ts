/**
 * forbidden (fallback): any other 403. RFC 9110 §15.5.4: the server understood the request and refuses it;
 * re-authenticating with the same credential will not help. Runs only when no specific rule explained the call
 * (missing credential, bad scope, rate limit…). It still tells apart the 403s that are not about the user's
 * permissions: Jira's XSRF check, CSRF protection, a WAF/CDN block, AWS API Gateway's "Missing Authentication Token".
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { bodyText } from '../../model/body';
import { headerValue } from '../../model/headers';
import type { Rule } from '../rule';
import { authProductHint, carriedCredentials, describeCredential } from '../credentials';
import { clipText } from '../text';
import { parseJsonObject } from '../parsers/json-cache';

interface Special {
  summary: string;
  explanation: string;
  evidence: string[];
  nextSteps: string[];
}

export const forbidden: Rule = {
  id: 'forbidden',
  description: 'Any other 403: the caller was identified but lacks permission.',
  fallback: true,
  check(record) {
    const response = record.response;
    if (!response || response.status !== 403) return [];
    if (isRateLimited(record)) return []; // rate-limited explains these (GitHub's 403 with X-RateLimit-Remaining: 0)
    const credentials = carriedCredentials(record.request);
    if (credentials.length === 0) return []; // auth-missing explains anonymous 403s
    const message = serverMessage(bodyText(response.body))?.replace(/[.!\s]+$/, '');
    const special = specialCase(record, message);
    if (special) return [{ rule: 'forbidden', severity: 'error', ...special }];

    const product = authProductHint(record);
    const who = credentials.slice(0, 2).map(describeCredential).join(' and ');
    return [
      {
        rule: 'forbidden',
        severity: 'error',
        summary: `The server identified the caller but refused the request (403)${message ? `: "${clipText(message, 100)}"` : ''}.`,
        explanation: [
          `The request carried ${who}, and the server answered 403 Forbidden, which means it understood who is calling and that this user or token may not do this (RFC 9110 §15.5.4); sending the same credential again will not help.`,
          'Usual causes: the user lacks a role or project permission, the resource belongs to another project or tenant, or the token is restricted (read-only, IP allow-list, expired account).',
          product?.product === 'jira-cloud' || product?.product === 'jira-data-center'
            ? 'In Jira, check the project\'s permission scheme ("Browse projects", "Create issues") for this user.'
            : '',
          product?.product === 'gitlab' ? 'In GitLab, check the user\'s role in the project (Reporter cannot push or manage; Developer cannot change settings).' : '',
          `To confirm, make the same call with an administrator's credential: \`proxydoc replay ${record.seq} --header 'Authorization: <admin credential>'\`; if that works, it is a permission of this user.`,
        ]
          .filter((s) => s !== '')
          .join(' '),
        evidence: ['403 Forbidden', ...(message ? [`server says: ${clipText(message, 120)}`] : []), `credential: ${who}`],
        nextSteps: [
          'Try the same call as an admin, or open the resource in the UI as this user to see what is allowed.',
          'Grant the user the missing role or permission, or use a credential of a user that has it.',
        ],
      },
    ];
  },
};

function specialCase(record: ExchangeRecord, message: string | undefined): Special | undefined {
  const response = record.response;
  if (!response) return undefined;
  const text = bodyText(response.body) ?? '';
  const server = headerValue(response.headers, 'server') ?? '';
  if (/XSRF check failed/i.test(text)) {
    return {
      summary: "Jira's XSRF check rejected the request; it needs `X-Atlassian-Token: no-check`.",
      explanation:
        'Jira refuses state-changing requests that look like browser form posts (multipart uploads such as attachments, form-encoded bodies) unless they carry `X-Atlassian-Token: no-check`. ' +
        `This is not a permission problem. Confirm with \`proxydoc replay ${record.seq} --header 'X-Atlassian-Token: no-check'\`.`,
      evidence: ['body says "XSRF check failed"'],
      nextSteps: ['Add the header `X-Atlassian-Token: no-check` to this request.'],
    };
  }
  if (/\bcsrf\b|csrf[ _-]?token|xsrf[ _-]?token/i.test(text)) {
    return {
      summary: 'CSRF protection rejected the request (403), not a missing permission.',
      explanation:
        "The body mentions CSRF: the server treats this as a browser-session call (it carried a cookie) and wants the anti-CSRF token echoed in a header (Django's X-CSRFToken, Spring's X-CSRF-TOKEN / X-XSRF-TOKEN) or an API token instead of the session cookie. " +
        'Possibly the token header is missing or stale.',
      evidence: [`body mentions CSRF${message ? `: ${clipText(message, 100)}` : ''}`],
      nextSteps: ['Authenticate with an API token instead of the session cookie, or fetch the CSRF token and send it in the header the framework expects.'],
    };
  }
  const waf = wafBlock(text, server, record);
  if (waf) {
    return {
      summary: `The 403 came from ${waf.who}, not from the API: a firewall or bot rule blocked the request.`,
      explanation:
        `The response is ${waf.who}'s block page, so the API never saw the request and the credential was never checked. ` +
        'Firewall rules often trigger on the User-Agent (default library UAs such as python-requests or Go-http-client), the source IP or country, or a payload that looks like an injection. ' +
        'Quote the reference id to the site owner.',
      evidence: waf.evidence,
      nextSteps: ['Send a descriptive User-Agent and retry; if still blocked, ask the API owner to allow-list the caller (quote the reference id).'],
    };
  }
  if (/Missing Authentication Token/.test(text) && headerValue(response.headers, 'x-amzn-requestid') !== undefined) {
    return {
      summary: 'AWS API Gateway answered "Missing Authentication Token": the path or method likely does not exist.',
      explanation:
        'API Gateway returns this 403 for any route it does not have, even when credentials were sent; the usual cause is a wrong path, a missing stage name (/prod/…) or the wrong HTTP method, not a credential.',
      evidence: ['body: Missing Authentication Token', 'x-amzn-RequestId present'],
      nextSteps: ['Check the URL includes the stage and the exact resource path, and that the method is deployed.'],
    };
  }
  return undefined;
}

function wafBlock(text: string, server: string, record: ExchangeRecord): { who: string; evidence: string[] } | undefined {
  const headers = record.response?.headers ?? [];
  if (/cloudflare/i.test(server) && /Attention Required|Sorry, you have been blocked|cf-error-details|Cloudflare Ray ID/i.test(text)) {
    const ray = headerValue(headers, 'cf-ray');
    return { who: 'Cloudflare', evidence: ['Server: cloudflare', 'Cloudflare block page', ...(ray ? [`cf-ray ${ray}`] : [])] };
  }
  if (/AkamaiGHost/i.test(server) || (/Access Denied/.test(text) && /Reference #[0-9a-f.]+/i.test(text))) {
    return { who: 'Akamai', evidence: ['Akamai "Access Denied" page', ...(/AkamaiGHost/i.test(server) ? ['Server: AkamaiGHost'] : [])] };
  }
  if (/Request blocked\./.test(text) && /cloudfront/i.test(text + (headerValue(headers, 'x-cache') ?? ''))) {
    return { who: 'AWS CloudFront/WAF', evidence: ['CloudFront "Request blocked" page'] };
  }
  return undefined;
}

function isRateLimited(record: ExchangeRecord): boolean {
  const headers = record.response?.headers ?? [];
  for (const name of ['x-ratelimit-remaining', 'ratelimit-remaining']) {
    const value = headerValue(headers, name);
    if (value !== undefined && value.trim() === '0') return true;
  }
  return /rate limit/i.test(bodyText(record.response?.body) ?? '');
}

/** The error message of a JSON error body: message, error, detail, errorMessages[0] (Jira), error.message. */
function serverMessage(text: string | undefined): string | undefined {
  if (text === undefined || !text.trim().startsWith('{')) return undefined;
  const body = parseJsonObject(text);
  if (body === undefined) return undefined;
  const candidates: unknown[] = [
    body.message,
    body.error_description,
    body.detail,
    Array.isArray(body.errorMessages) ? body.errorMessages[0] : undefined,
    typeof body.error === 'object' && body.error !== null ? (body.error as Record<string, unknown>).message : body.error,
  ];
  const found = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
  return found?.trim();
}
