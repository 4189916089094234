/**
 * 405 Method Not Allowed: the path exists but not for this method. RFC 9110 §15.5.6 requires an Allow header
 * listing the methods the resource supports. The usual mix-ups: POST to a search/list endpoint that wants GET
 * (or the reverse), PUT where the API updates with PATCH, PUT/PATCH/DELETE on a collection URL with no id, and
 * nginx's own 405 for a POST that landed on static files — the request never reached the API.
 */
import type { Finding } from '../../model/exchange';
import { headerValues } from '../../model/headers';
import { bodyText } from '../../model/body';
import { splitRawUrl } from '../../model/url';
import type { Rule } from '../rule';

const SEARCH_PATH = /(^|\/)(search|find|query|list|lookup|filter)(\/|$|\.|\?)/i;
const ITEM_ID = /\/(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Z][A-Z0-9]+-\d+)\/?$/i;

export const methodNotAllowed: Rule = {
  id: 'method-not-allowed',
  description: '405: the method sent, the methods the Allow header lists, and the usual GET/POST/PUT/PATCH mix-ups.',
  check(record) {
    const response = record.response;
    if (!response || response.status !== 405) return [];
    const method = record.request.method.toUpperCase();
    const path = splitRawUrl(record.request.url)?.path || '/';
    const allow = headerValues(response.headers, 'allow')
      .flatMap((v) => v.split(','))
      .map((m) => m.trim().toUpperCase())
      .filter((m) => m !== '');
    const allowed = new Set(allow);
    const evidence = [`${method} ${path}`, allow.length > 0 ? `Allow: ${allow.join(', ')}` : 'no Allow header in the 405'];
    const reasons: string[] = [];
    const nextSteps: string[] = [];
    let suggested: string | undefined;

    const text = bodyText(response.body) ?? '';
    const nginxStatic = /<title>405 Not Allowed<\/title>/i.test(text) && /<center>nginx/i.test(text);
    if (nginxStatic) {
      evidence.push("the 405 is nginx's own page, not the API's");
      reasons.push(
        'The 405 is nginx\'s built-in page, which nginx returns when a POST reaches a location serving static files: ' +
          'the request likely never reached the API — check the base URL and path prefix.',
      );
      nextSteps.push('Compare the base URL and path with the API documentation (a missing /api/… prefix is typical)');
    }

    if (method === 'POST' && allowed.has('GET') && !allowed.has('POST')) {
      suggested = 'GET';
      reasons.push(
        SEARCH_PATH.test(path)
          ? 'This looks like a search/list endpoint that takes its criteria as query parameters with GET, not as a POST body.'
          : 'The resource is read with GET here; creating may need the collection URL (without the id) or a different endpoint.',
      );
    } else if (method === 'GET' && allowed.has('POST') && !allowed.has('GET')) {
      suggested = 'POST';
      reasons.push('The endpoint only acts on POST (e.g. a search that takes its query in a JSON body, or an action endpoint); send the parameters as a POST body.');
    } else if (method === 'PUT' && allowed.has('PATCH') && !allowed.has('PUT')) {
      suggested = 'PATCH';
      reasons.push('The API updates this resource with PATCH (partial update), not PUT.');
    } else if (method === 'PATCH' && allowed.has('PUT') && !allowed.has('PATCH')) {
      suggested = 'PUT';
      reasons.push('The API updates this resource with PUT, not PATCH.');
    } else if (['PUT', 'PATCH', 'DELETE'].includes(method) && !ITEM_ID.test(path) && allowed.has('GET') && (allowed.has('POST') || allowed.size <= 2)) {
      reasons.push(`The URL possibly addresses the collection rather than one item: ${method} usually needs the item's id at the end of the path.`);
      nextSteps.push(`Append the item's id to the path for ${method}`);
    }
    if (allow.length === 0) {
      reasons.push('The response has no Allow header (RFC 9110 §15.5.6 requires one), so the supported methods are unknown; check the API documentation.');
    }
    if (suggested) nextSteps.unshift(`Send the request with ${suggested} (the Allow header lists it)`);
    else if (allow.length > 0) nextSteps.push(`Use one of the allowed methods: ${allow.join(', ')}`);
    nextSteps.push('Check the endpoint in the API documentation: some paths exist for several methods with different meanings');

    const finding: Finding = {
      rule: 'method-not-allowed',
      severity: 'error',
      summary:
        allow.length > 0
          ? `${method} is not allowed on ${path}; the server allows ${allow.join(', ')}.`
          : `${method} is not allowed on ${path}.`,
      explanation:
        `The path exists but does not accept ${method} (405). ` + (reasons.length > 0 ? reasons.join(' ') : `Use one of the methods the server lists.`),
      evidence,
      nextSteps,
    };
    return [finding];
  },
};
