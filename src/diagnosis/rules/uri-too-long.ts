/**
 * 414 URI Too Long (RFC 9110 §15.5.15): the request target is longer than a hop accepts. Common limits: nginx
 * needs the request line to fit one large_client_header_buffers buffer (8k by default), Apache's LimitRequestLine is
 * 8190 bytes. The fix is almost never "shorter by a bit": the data belongs in a body — most search APIs have a POST
 * variant (Jira POST /rest/api/2/search, Elasticsearch _search) — or in several smaller requests.
 */
import type { Finding } from '../../model/exchange';
import { bodyText } from '../../model/body';
import { rawQueryParams, requestTarget, safeDecode, splitRawUrl } from '../../model/url';
import type { Rule } from '../rule';

const URI_TOO_LONG_TEXT = /Request-URI Too L(ong|arge)|URI Too Long/i;

export const uriTooLong: Rule = {
  id: 'uri-too-long',
  description: '414: the URL length and its longest query parameter; move the data into a POST body.',
  check(record) {
    const response = record.response;
    if (!response) return [];
    const text = bodyText(response.body) ?? '';
    if (response.status !== 414 && !(response.status === 400 && URI_TOO_LONG_TEXT.test(text))) return [];
    const url = splitRawUrl(record.request.url);
    const target = requestTarget(record.request.url);
    const targetBytes = Buffer.byteLength(target);
    const path = url?.path || '/';
    const params = rawQueryParams(url?.query);
    const evidence = [`request target ${targetBytes} bytes`, `path ${Buffer.byteLength(path)} bytes`];
    const reasons: string[] = [`The request target (path and query) is ${targetBytes} bytes, more than a server or proxy on the way accepts.`];

    if (params.length > 0) {
      const counts = new Map<string, number>();
      let longest: { name: string; bytes: number } | undefined;
      for (const [rawName, rawValue] of params) {
        // A long key-only parameter (?eyJhbGci…) may itself be a token: describe it instead of naming it.
        const name = rawValue === '' && rawName.length > 32 ? `(a ${rawName.length}-byte value-only parameter)` : safeDecode(rawName);
        counts.set(name, (counts.get(name) ?? 0) + 1);
        const bytes = Buffer.byteLength(rawName) + 1 + Buffer.byteLength(rawValue);
        if (!longest || bytes > longest.bytes) longest = { name, bytes };
      }
      evidence.push(`${params.length} query parameters`);
      if (longest) {
        evidence.push(`longest parameter: ${longest.name} (${longest.bytes} bytes)`);
        reasons.push(`The largest part is the query parameter "${longest.name}" (${longest.bytes} bytes).`);
      }
      const repeated = [...counts].filter(([, count]) => count > 20).sort((a, b) => b[1] - a[1])[0];
      if (repeated) {
        evidence.push(`${repeated[0]} repeated ${repeated[1]} times`);
        reasons.push(`"${repeated[0]}" is repeated ${repeated[1]} times: a list sent one parameter per item.`);
      }
    }
    reasons.push('Typical limits are about 8 KB (nginx large_client_header_buffers 8k, Apache LimitRequestLine 8190); CDNs and gateways differ.');

    const finding: Finding = {
      rule: 'uri-too-long',
      severity: 'error',
      summary: `The ${record.request.method.toUpperCase()} URL for ${path} is ${targetBytes} bytes long and was refused as too long.`,
      explanation: reasons.join(' '),
      evidence,
      nextSteps: [
        'Move the data into a POST body if the API offers a POST variant (e.g. Jira POST /rest/api/2/search)',
        'Split long id lists into several smaller requests',
        'Drop parameters that repeat defaults',
      ],
    };
    return [finding];
  },
};
