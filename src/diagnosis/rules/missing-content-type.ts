/**
 * POST/PUT/PATCH with a body but no Content-Type. Without it the server has to guess the format: RFC 9110 §8.3 lets
 * it assume application/octet-stream (or sniff), and most API frameworks (Rails/Grape, Spring, Express's and
 * Fastify's body parsers, ASP.NET) then leave the body unparsed — so required fields look missing or the server
 * answers 415. On a 2xx it is still a hazard: the server may have ignored the body and applied defaults.
 */
import type { Finding } from '../../model/exchange';
import { hasHeader } from '../../model/headers';
import { bodyText } from '../../model/body';
import { BODY_KIND_NAMES, multipartBoundaryOf, sniffBodyKind, suggestedContentType } from '../parsers/body-kind';
import type { Rule } from '../rule';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export const missingContentType: Rule = {
  id: 'missing-content-type',
  description: 'A POST/PUT/PATCH body was sent without a Content-Type header, so the server had to guess its format.',
  check(record) {
    const { request, response } = record;
    const method = request.method.toUpperCase();
    if (!BODY_METHODS.has(method) || request.body.size === 0) return [];
    if (hasHeader(request.headers, 'content-type')) return [];
    if (!response) return [];
    const failed = response.status >= 400;
    if (!failed && (response.status < 200 || response.status >= 300)) return [];

    const kind = sniffBodyKind(request.body);
    const header = suggestedContentType(kind, multipartBoundaryOf(bodyText(request.body)));
    const looksLike = kind === 'empty' ? 'an unrecognised format' : BODY_KIND_NAMES[kind];
    const evidence = [`${method} with a ${request.body.size}-byte body`, 'no Content-Type header', `body looks like ${looksLike}`];
    if (response.status === 415) evidence.push('the server answered 415 Unsupported Media Type');

    const guess =
      'Without a Content-Type the server has to guess the body\'s format (RFC 9110 §8.3 allows it to assume ' +
      'application/octet-stream), and most API frameworks then do not parse the body at all.';
    const explanation = failed
      ? `${guess} That is likely why this ${response.status} happened: ` +
        (response.status === 415
          ? 'the server refused the unlabelled body outright.'
          : 'the fields you sent never reached the API\'s validation, so it saw them as missing.') +
        (header ? ` To confirm: proxydoc replay ${record.seq} --header 'Content-Type: ${header}'.` : '')
      : `${guess} The server answered ${response.status}, but it may have ignored the body and applied defaults; ` +
        'check that the created or changed resource has the values you sent.';

    const nextSteps: string[] = [];
    if (header) nextSteps.push(`Send the header Content-Type: ${header}`);
    if (kind === 'json') nextSteps.push('Use your HTTP client\'s JSON option (e.g. fetch with headers, requests.post(json=…), curl --json) so the header is set for you');
    if (kind === 'form') nextSteps.push('Or send the fields as JSON with Content-Type: application/json if the API documents a JSON body');

    const finding: Finding = {
      rule: 'missing-content-type',
      severity: failed ? 'error' : 'warn',
      summary: `The ${method} body (${looksLike}) was sent without a Content-Type header.`,
      explanation,
      evidence,
      nextSteps,
    };
    return [finding];
  },
};
