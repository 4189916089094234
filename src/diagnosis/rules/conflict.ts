/**
 * 409 Conflict (RFC 9110 §15.5.10): the request conflicts with the resource's current state. For a create (POST,
 * or PUT to a new name) that usually means the name/key is already taken — often by this client's own earlier
 * attempt that timed out or failed after the server had already done the work. For an update it means a
 * concurrent change (Kubernetes: "the object has been modified; please apply your changes to the latest version").
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { bodyText } from '../../model/body';
import { splitRawUrl } from '../../model/url';
import { errorBodySummary } from '../parsers/validation-errors';
import { startedAtMs, type Rule } from '../rule';
import { isSpamCheckAnswer } from './spam-or-captcha';

const TAKEN = /already (exists|been taken|taken|in use|registered)|duplicate|not unique|unique constraint/i;
const STALE = /has been modified|version|stale|concurrent|out of date|conflicting (update|change)|\bsha\b|etag|revision/i;
/** How far back an identical attempt counts as "the same operation retried". */
const RETRY_WINDOW_MS = 10 * 60_000;

export const conflict: Rule = {
  id: 'conflict',
  description: '409: a conflicting resource exists (name taken, often by an earlier attempt) or the resource changed meanwhile.',
  check(record, context) {
    const response = record.response;
    if (!response || response.status !== 409) return [];
    // GitLab answers its spam check's CAPTCHA request with 409: spam-or-captcha explains that one.
    if (isSpamCheckAnswer(bodyText(response.body))) return [];
    const method = record.request.method.toUpperCase();
    const path = splitRawUrl(record.request.url)?.path || '/';
    const said = errorBodySummary(bodyText(response.body));
    const evidence = [`${method} ${path}`];
    if (said) evidence.push(`the server says "${said}"`);
    const reasons: string[] = [];
    const nextSteps: string[] = [];

    const earlier = earlierAttempt(record, context.history);
    if (earlier) {
      const outcome = earlier.response ? `got ${earlier.response.status}` : `failed (${earlier.error?.kind ?? 'no response'})`;
      evidence.push(`an identical ${method} #${earlier.seq} ${outcome} earlier`);
      reasons.push(
        `This client sent the same ${method} to the same path earlier (#${earlier.seq}, which ${outcome}); ` +
          'that attempt likely created the resource, and this retry now collides with it.',
      );
      nextSteps.push('Look up the resource that already exists before creating it again; make retries idempotent (an Idempotency-Key, or check-then-create)');
    }
    if (said && TAKEN.test(said)) {
      reasons.push('The server says the name or key is already used: a resource with the same unique value exists.');
      nextSteps.push('Use a different name/key, or fetch and update the existing resource instead of creating it');
    } else if (said && STALE.test(said)) {
      reasons.push('The server reports a version conflict: the resource was changed by someone else since you read it.');
      nextSteps.push('Fetch the current version, re-apply your change to it, and send it again');
    } else if (!earlier) {
      reasons.push(
        method === 'POST'
          ? 'For a create this usually means a resource with the same unique name or key already exists.'
          : 'For an update this usually means the resource changed since it was read (a concurrent edit) or is in a state that forbids the change (locked, archived, merging).',
      );
      nextSteps.push('Read the resource\'s current state and resolve the conflict (rename, refresh, or wait for the blocking operation)');
    }

    const finding: Finding = {
      rule: 'conflict',
      severity: 'error',
      summary: said
        ? `The ${method} conflicts with the current state of the resource: ${said.replace(/[.\s]+$/, '')}.`
        : `The ${method} conflicts with the current state of the resource (409).`,
      explanation: `The server understood the request but will not apply it because of the resource's current state (409). ${reasons.join(' ')}`,
      evidence,
      nextSteps,
    };
    return [finding];
  },
};

/** The most recent identical non-GET request in the window whose outcome was unclear or successful. */
function earlierAttempt(record: ExchangeRecord, history: readonly ExchangeRecord[]): ExchangeRecord | undefined {
  const method = record.request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return undefined;
  const start = startedAtMs(record);
  for (let i = history.length - 1; i >= 0; i--) {
    const previous = history[i];
    if (previous.request.method.toUpperCase() !== method || previous.request.url !== record.request.url) continue;
    const age = start - startedAtMs(previous);
    if (!(age >= 0 && age <= RETRY_WINDOW_MS)) continue;
    const status = previous.response?.status;
    if (status === undefined || (status >= 200 && status < 300) || status >= 500 || status === 408) return previous;
  }
  return undefined;
}
