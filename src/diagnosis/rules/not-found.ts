/**
 * Any 404 no more specific rule explained (fallback).
 *
 * Three causes worth naming beyond "the path is wrong":
 *  - the resource was created moments ago by this same client and is not visible yet (read replicas, search
 *    indexes and caches lag behind the write that answered 201);
 *  - the API hides resources the caller may not see behind 404 instead of 403, so their existence does not leak
 *    (GitHub: "Requests that require authentication will return 404 Not Found, instead of 403 Forbidden, in some
 *    places"; GitLab likewise answers `404 Project Not Found` for private projects; Jira "does not exist or you do
 *    not have permission to see it");
 *  - the 404 came from a proxy or router in front of the API (its HTML page / plain text), so the base path or
 *    route is wrong rather than the resource id.
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { headerValue, mediaType } from '../../model/headers';
import { bodyText } from '../../model/body';
import { rawQueryParams, splitRawUrl } from '../../model/url';
import { carriesCredential } from '../credentials';
import { humanDuration } from '../text';
import { identifyResponder } from '../knowledge/responder';
import { startedAtMs, type Rule } from '../rule';
import { parseJsonObject } from '../parsers/json-cache';

/** How far back a write by the same client counts as "just created" (replication/indexing lag is seconds). */
const RECENT_WRITE_WINDOW_MS = 60_000;

export const notFound: Rule = {
  id: 'not-found',
  description: 'Any other 404: the path as sent, a resource created moments ago, or an API hiding what the caller may not see.',
  fallback: true,
  check(record, context) {
    const response = record.response;
    if (!response || response.status !== 404) return [];
    const url = splitRawUrl(record.request.url);
    const path = url?.path || '/';
    const method = record.request.method;
    const evidence: string[] = [`path as sent: ${path}`];
    const queryNames = rawQueryParams(url?.query).map(([name]) => name);
    if (queryNames.length > 0) evidence.push(`query parameters: ${queryNames.join(', ')}`);
    const reasons: string[] = [];
    const nextSteps: string[] = [];

    const message = apiErrorMessage(record);
    if (message) evidence.push(`the API says "${message}"`);

    let responder;
    try {
      responder = identifyResponder(response);
    } catch {
      responder = undefined;
    }
    if (responder?.intermediary) {
      evidence.push(`the 404 came from ${responder.productName} (${responder.evidence.join(', ')}), not from the API`);
      reasons.push(
        `The 404 was produced by ${responder.productName} in front of the API, so the request most likely never reached ` +
          'the API: the base path or route prefix is probably wrong (a missing "/api/v4", "/rest/api/2" or context path, ' +
          'or a proxy location that does not cover this path).',
      );
      nextSteps.push('Compare the base URL and path prefix with the API documentation (e.g. /api/v4/… for GitLab)');
    }

    const write = recentWrite(record, context.history);
    if (write) {
      const ago = humanDuration(startedAtMs(record) - startedAtMs(write.record));
      evidence.push(`#${write.record.seq} ${write.record.request.method} ${write.path} got ${write.record.response?.status} ${ago} earlier`);
      reasons.push(
        `This client created something on this origin ${ago} earlier (#${write.record.seq}). ` +
          (write.related
            ? `The path is under what was created, so the new resource is ${write.pathMatches ? 'likely' : 'possibly'} not visible yet: `
            : 'The new resource is possibly not visible yet: ') +
          'many APIs serve reads from replicas, caches or search indexes that lag behind the write by seconds.',
      );
      nextSteps.push(`Retry after a short delay (poll with backoff) before concluding the resource is missing: proxydoc replay ${record.seq}`);
    }

    const hiding = hidingApi(record, message);
    const authenticated = carriesCredential(record.request);
    if (hiding) {
      reasons.push(
        `${hiding} answers 404 instead of 403 for resources the caller may not see, ` +
          (authenticated
            ? 'so the resource may exist but the token lacks access to it (wrong user, project membership, or scope).'
            : 'and this request carried no credential at all: a private resource looks exactly like a missing one.'),
      );
      nextSteps.push(
        authenticated
          ? 'Open the same URL in the browser as the token\'s user, or check the token\'s scopes and the user\'s membership'
          : 'Send the API token and retry',
      );
    } else {
      reasons.push(
        'Some APIs (GitHub, GitLab, Jira) answer 404 instead of 403 when the caller may not see a resource, so check the ' +
          `credential's access too${authenticated ? '' : ' — this request carried no credential'}.`,
      );
    }

    if (path.length > 1 && path.endsWith('/')) evidence.push('path ends with "/"; some routers treat /x/ and /x as different routes');
    nextSteps.unshift(`Check the path ${path} against the API documentation (ids, spelling, API version)`);

    const finding: Finding = {
      rule: 'not-found',
      severity: 'error',
      summary: `${method} ${path} got 404 Not Found${responder?.intermediary ? ` from ${responder.productName}` : ''}.`,
      explanation: `The server found nothing at ${path}. ` + reasons.join(' '),
      evidence,
      nextSteps,
    };
    return [finding];
  },
};

interface RecentWrite {
  record: ExchangeRecord;
  path: string;
  /** The 404 path lies under the write's path or its Location. */
  related: boolean;
  /** The 404 path is exactly the Location the write returned. */
  pathMatches: boolean;
}

/** The latest write (a 201, or a 2xx POST/PUT) by this client on this origin within the window before `record`. */
function recentWrite(record: ExchangeRecord, history: readonly ExchangeRecord[]): RecentWrite | undefined {
  const start = startedAtMs(record);
  const path = splitRawUrl(record.request.url)?.path ?? '';
  for (let i = history.length - 1; i >= 0; i--) {
    const earlier = history[i];
    const status = earlier.response?.status;
    if (status === undefined) continue;
    const age = start - startedAtMs(earlier);
    if (!(age >= 0 && age <= RECENT_WRITE_WINDOW_MS)) continue;
    const method = earlier.request.method.toUpperCase();
    const isWrite = status === 201 || ((method === 'POST' || method === 'PUT') && status >= 200 && status < 300);
    if (!isWrite) continue;
    const writePath = splitRawUrl(earlier.request.url)?.path ?? '';
    const location = locationPath(earlier);
    const pathMatches = location !== undefined && location === path;
    const related = pathMatches || (writePath !== '' && path.startsWith(writePath.replace(/\/$/, '') + '/')) || path === writePath;
    return { record: earlier, path: writePath || '/', related, pathMatches };
  }
  return undefined;
}

function locationPath(record: ExchangeRecord): string | undefined {
  const location = record.response ? headerValue(record.response.headers, 'location') : undefined;
  if (!location) return undefined;
  try {
    return new URL(location, record.request.url).pathname;
  } catch {
    return undefined;
  }
}

/** The product known to hide forbidden resources behind 404, when this exchange talks to it. */
function hidingApi(record: ExchangeRecord, message: string | undefined): string | undefined {
  const host = splitRawUrl(record.request.url)?.host.toLowerCase() ?? '';
  const headers = record.response?.headers ?? [];
  if (host === 'api.github.com' || host === 'github.com' || headerValue(headers, 'x-github-request-id') !== undefined) return 'GitHub';
  if (
    /(^|\.)gitlab\./.test(host) ||
    headerValue(headers, 'gitlab-lb') !== undefined ||
    headerValue(headers, 'gitlab-sv') !== undefined ||
    headerValue(headers, 'x-gitlab-meta') !== undefined ||
    (message !== undefined && /^404 .*Not Found$/.test(message))
  ) {
    return 'GitLab';
  }
  if (message !== undefined && /not have permission to see it/i.test(message)) return 'Jira';
  return undefined;
}

/** The API's own error text from a JSON body (GitLab `message`, Jira `errorMessages`, RFC 9457 `detail`/`title`). */
function apiErrorMessage(record: ExchangeRecord): string | undefined {
  const response = record.response;
  if (!response) return undefined;
  const type = mediaType(headerValue(response.headers, 'content-type'));
  if (type === undefined || !(type === 'application/json' || type.endsWith('+json'))) return undefined;
  const text = bodyText(response.body);
  if (text === undefined || response.body.truncated) return undefined;
  const body = parseJsonObject(text);
  if (body === undefined) return undefined;
  const candidates: unknown[] = [
    body.message,
    Array.isArray(body.errorMessages) ? body.errorMessages[0] : undefined,
    body.detail,
    body.error_description,
    body.error,
    body.title,
  ];
  const found = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
  if (found === undefined) return undefined;
  const oneLine = found.replace(/\s+/g, ' ').trim();
  return oneLine.length > 160 ? `${oneLine.slice(0, 157)}…` : oneLine;
}
