/**
 * 412 Precondition Failed (RFC 9110 §15.5.13): a conditional header evaluated to false — for If-Match /
 * If-Unmodified-Since that means the resource changed since the client read it (optimistic concurrency, §13.1.1,
 * §13.1.4); for If-None-Match: * on a write it means the resource already exists (§13.1.2). Two traps worth
 * naming: If-Match uses the strong comparison, so a weak validator (W/"…") never matches (§8.8.3.2), and some
 * proxies weaken ETags when they compress the response (nginx gzip turns strong ETags weak).
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import { bodyText } from '../../model/body';
import { splitRawUrl } from '../../model/url';
import { errorBodySummary } from '../parsers/validation-errors';
import type { Rule } from '../rule';

/** Standard conditional headers (RFC 9110 §13.1) and vendor variants (S3 x-amz-*-if-*, Azure x-ms-if-*). */
const STANDARD_CONDITIONS = ['if-match', 'if-none-match', 'if-unmodified-since', 'if-modified-since', 'if-range'];
const VENDOR_CONDITION = /^x-(amz|ms|goog)(-[a-z]+)*-if-/i;

export const preconditionFailed: Rule = {
  id: 'precondition-failed',
  description: '412: the conditional headers sent (If-Match, If-Unmodified-Since, …) and that the resource changed meanwhile.',
  check(record) {
    const response = record.response;
    if (!response || response.status !== 412) return [];
    const method = record.request.method.toUpperCase();
    const path = splitRawUrl(record.request.url)?.path || '/';
    const conditions = conditionalHeaders(record);
    const currentEtag = headerValue(response.headers, 'etag');
    const said = errorBodySummary(bodyText(response.body));
    const evidence = conditions.map(([name, value]) => `${name}: ${value}`);
    if (conditions.length === 0) evidence.push('no conditional header was sent');
    if (currentEtag !== undefined) evidence.push(`current ETag: ${currentEtag}`);
    if (said) evidence.push(`the server says "${said}"`);

    const ifMatch = conditions.find(([name]) => name.toLowerCase() === 'if-match')?.[1];
    const ifNoneMatch = conditions.find(([name]) => name.toLowerCase() === 'if-none-match')?.[1];
    const reasons: string[] = [];
    const nextSteps: string[] = [];
    if (ifMatch !== undefined && /(^|,)\s*W\//.test(ifMatch)) {
      reasons.push(
        'If-Match carries a weak ETag (W/"…"), and If-Match uses strong comparison (RFC 9110 §13.1.1), so it can never match: this is likely the cause. ' +
          'Weak ETags often come from a proxy that compresses responses (nginx gzip weakens strong ETags).',
      );
      nextSteps.push('Send the strong ETag (without W/), e.g. read it with Accept-Encoding: identity, or ask the API for a version field instead');
    }
    if (ifNoneMatch?.trim() === '*' && method !== 'GET' && method !== 'HEAD') {
      reasons.push('If-None-Match: * asks to create only if nothing exists yet (RFC 9110 §13.1.2); the resource already exists.');
      nextSteps.push('Update the existing resource (with If-Match and its ETag) instead of creating it');
    } else if (conditions.length > 0 && reasons.length === 0) {
      reasons.push(
        'The resource changed after the client read it (another client or process updated it), so the version the client holds is stale; the server refused to overwrite the newer state (optimistic concurrency).',
      );
      if (ifMatch !== undefined && currentEtag !== undefined && currentEtag !== ifMatch) {
        reasons.push(`The server's current ETag ${currentEtag} differs from the one sent.`);
      }
      nextSteps.push('GET the resource again for its current ETag/version, re-apply your change, and retry with the new If-Match');
      nextSteps.push('Do not just drop the condition: it is what protects the other writer\'s change');
    }
    if (conditions.length === 0) {
      reasons.push(
        'No conditional header was sent, so the server uses 412 for an application-specific precondition (a required state, a lease, a version field in the body); the response body should say which.',
      );
      nextSteps.push('Read the response body and the API documentation for the precondition this endpoint checks');
    }

    const finding: Finding = {
      rule: 'precondition-failed',
      severity: 'error',
      summary:
        conditions.length > 0
          ? `The ${method} ${path} was refused because its precondition (${conditions.map(([n]) => n).join(', ')}) no longer holds.`
          : `The ${method} ${path} was refused with 412 Precondition Failed.`,
      explanation: reasons.join(' '),
      evidence,
      nextSteps,
    };
    return [finding];
  },
};

function conditionalHeaders(record: ExchangeRecord): Array<[string, string]> {
  return record.request.headers.filter(
    ([name]) => STANDARD_CONDITIONS.includes(name.toLowerCase()) || VENDOR_CONDITION.test(name),
  );
}
