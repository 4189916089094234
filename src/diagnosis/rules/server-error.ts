/**
 * server-error: a 500 (RFC 9110 §15.6.1) — the server hit an unexpected condition. The request may have been partly
 * carried out (Jira creates the issue, then a post-function fails), so a non-idempotent call must be checked before a
 * retry. Lists the request-id headers to quote to the vendor: ids are correlation handles, not secrets.
 */
import type { HeaderPairs } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import type { Rule } from '../rule';
import { identifyResponder } from '../knowledge/responder';
import { describeTimeout, formatElapsed, matchTimeouts } from '../knowledge/timeouts';
import { hostOf, isIdempotentMethod, joinList, retryCaution } from './gateway-timeout';

/** Response headers that identify the request in the vendor's logs, with who sets them. */
export const REQUEST_ID_HEADERS: readonly string[] = [
  'X-Request-Id',
  'X-Amzn-RequestId', // AWS API Gateway / Lambda
  'X-Amz-Request-Id', // S3
  'X-Amz-Cf-Id', // CloudFront
  'X-Amz-Apigw-Id',
  'CF-RAY', // Cloudflare
  'X-GitHub-Request-Id',
  'X-AREQUESTID', // Atlassian Jira / Confluence
  'X-ms-request-id', // Azure
  'X-ms-correlation-request-id',
  'X-Azure-Ref',
  'Request-Id',
  'X-Correlation-Id',
  'X-Kong-Request-Id',
  'X-Cloud-Trace-Context', // Google Cloud
  'X-Vercel-Id',
  'X-B3-TraceId',
  'X-Trace-Id',
  'traceparent', // W3C Trace Context
];

/** "Name: value" for each request-id header present; values clipped and stripped of control characters. */
export function requestIds(headers: HeaderPairs): string[] {
  const found: string[] = [];
  for (const name of REQUEST_ID_HEADERS) {
    const value = headerValue(headers, name);
    if (value === undefined || value.trim() === '') continue;
    const clean = value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
    found.push(`${name}: ${clean.length > 100 ? `${clean.slice(0, 99)}…` : clean}`);
  }
  return found;
}

export const serverError: Rule = {
  id: 'server-error',
  description: 'The server failed while handling the request (500): it may be partly done; the request ids to quote to the vendor.',
  check(record, context) {
    const response = record.response;
    if (!response || response.status !== 500) return [];
    const method = record.request.method.toUpperCase();
    const host = hostOf(record);
    const responder = identifyResponder(response);
    const elapsedSeconds = record.phases.total / 1000;
    const ids = requestIds(response.headers);
    const sentIds = requestIds(record.request.headers).filter((id) => !ids.includes(id));

    const summary = `${method} to ${host} failed with 500 Internal Server Error: the server hit an error while handling it.`;
    const explanation: string[] = [
      "A 500 means the server hit an unexpected condition (RFC 9110 §15.6.1): a bug or a failing dependency on its side, though an unusual input in this request can be what triggers it.",
    ];
    if (responder) {
      explanation.push(
        responder.intermediary
          ? `The error page is ${responder.productName}'s, so possibly the hop failed rather than the API.`
          : `The response is ${responder.strength === 'certain' ? '' : 'likely '}from ${responder.productName}.`,
      );
    }
    explanation.push(
      isIdempotentMethod(method)
        ? `${retryCaution(method)}`
        : `The request may have been partly carried out before the error (e.g. the issue was created but a post-function failed). ${retryCaution(method)}`,
    );
    const evidence: string[] = [`500 after ${formatElapsed(elapsedSeconds)} s`, ...(responder?.evidence ?? [])];
    // Some platforms report their execution limit as 500 (Azure App Service 230 s, App Engine 60 s, PHP 30 s).
    const timeouts = matchTimeouts(elapsedSeconds, {
      outcome: 500,
      products: responder ? [responder.product] : [],
      userTimeouts: context.userTimeouts,
    });
    if (timeouts.length > 0) {
      const names = joinList(timeouts.slice(0, 3).map((match) => describeTimeout(match.fact)));
      explanation.push(`It came after ${formatElapsed(elapsedSeconds)} s, which matches ${names}: possibly a timeout reported as 500.`);
      evidence.push(`${formatElapsed(elapsedSeconds)} s matches ${names}`);
    }
    if (ids.length > 0) {
      explanation.push('Quote the request ids below to the vendor: they find the stack trace in their logs with them.');
      evidence.push(...ids);
    } else {
      explanation.push(`The response carries no request-id header, so give the vendor the time (${record.startedAt}) and the endpoint.`);
    }
    if (sentIds.length > 0) evidence.push(...sentIds.map((id) => `sent ${id}`));
    explanation.push(
      `To see whether it is deterministic, run \`proxydoc replay ${record.seq}\`${isIdempotentMethod(method) ? '' : ' (only once you know the first attempt had no effect)'}.`,
    );

    const nextSteps: string[] = [];
    if (!isIdempotentMethod(method)) nextSteps.push(`Check whether the ${method} took effect (look the resource up) before retrying`);
    nextSteps.push(ids.length > 0 ? `Send ${ids[0].split(':')[0]} (and the time ${record.startedAt}) to the vendor's support` : `Send the time ${record.startedAt} and the endpoint to the vendor's support`);
    nextSteps.push('If it repeats, vary the input (smaller body, fewer fields) to find what triggers it');
    return [{ rule: 'server-error', severity: 'error', summary, explanation: explanation.join(' '), evidence, nextSteps }];
  },
};
