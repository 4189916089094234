/**
 * 431 Request Header Fields Too Large (RFC 6585 §5), or nginx's 400 "Request Header Or Cookie Too Large" (one header
 * line exceeded a large_client_header_buffers buffer, 8k by default), or Apache's 400 "Size of a request header field
 * exceeds server limit" (LimitRequestFieldSize 8190). Node.js answers 431 when all headers exceed its 16 KiB
 * --max-http-header-size default. The usual culprits: a pile of cookies for the domain, or a large JWT (group claims).
 * We report sizes and names only — never a header or cookie value.
 */
import type { Finding } from '../../model/exchange';
import { headerBytes, headerValues } from '../../model/headers';
import { bodyText } from '../../model/body';
import { decodeJwt } from '../../model/jwt';
import type { Rule } from '../rule';

const HEADER_TOO_LARGE_TEXT = /Request Header Or Cookie Too Large|Size of a request header field exceeds|Request Header Fields Too Large|header (fields? )?too (large|long)|Header Too Large/i;
/** nginx's internal 494 "Request Header Too Large" can leak through custom error pages. */
const STATUSES = new Set([431, 494]);

export const headersTooLarge: Rule = {
  id: 'headers-too-large',
  description: '431 or nginx "Request Header Or Cookie Too Large": total header bytes, the largest header and cookie.',
  check(record) {
    const response = record.response;
    if (!response) return [];
    const text = bodyText(response.body) ?? '';
    if (!STATUSES.has(response.status) && !(response.status === 400 && HEADER_TOO_LARGE_TEXT.test(text))) return [];
    const headers = record.request.headers;
    const total = headerBytes(headers);
    const evidence = [`${headers.length} request headers, ${total} bytes in total`];
    const reasons: string[] = [`The request's headers total ${total} bytes.`];

    let largest: { name: string; bytes: number } | undefined;
    for (const [name, value] of headers) {
      const bytes = Buffer.byteLength(name) + 2 + Buffer.byteLength(value);
      if (!largest || bytes > largest.bytes) largest = { name, bytes };
    }
    if (largest) {
      evidence.push(`largest header: ${largest.name} (${largest.bytes} bytes)`);
      reasons.push(
        largest.bytes > 8000
          ? `The ${largest.name} header alone is ${largest.bytes} bytes, over the ~8 KB per-line limit of nginx and Apache — likely the one refused.`
          : `The largest header is ${largest.name} (${largest.bytes} bytes).`,
      );
    }
    if (total > 16 * 1024) reasons.push('The total is over Node.js\'s 16 KiB default header limit as well.');

    const cookies = headerValues(headers, 'cookie').flatMap(parseCookies);
    if (cookies.length > 0) {
      const cookieBytes = cookies.reduce((sum, c) => sum + c.bytes, 0);
      const biggest = cookies.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      evidence.push(`${cookies.length} cookies, ${cookieBytes} bytes`, `largest cookie: ${biggest.name} (${biggest.bytes} bytes)`);
      reasons.push(`${cookies.length} cookies take ${cookieBytes} bytes; the largest is "${biggest.name}" (${biggest.bytes} bytes).`);
    }
    for (const value of headerValues(headers, 'authorization')) {
      const token = /^\s*Bearer\s+(\S+)/i.exec(value)?.[1];
      const jwt = token ? decodeJwt(token) : undefined;
      if (!jwt || !token) continue;
      const claims = Object.entries(jwt.claims).map(([name, claim]) => ({ name, bytes: JSON.stringify(claim)?.length ?? 0 }));
      const biggestClaim = claims.reduce<{ name: string; bytes: number } | undefined>((a, b) => (!a || b.bytes > a.bytes ? b : a), undefined);
      evidence.push(`Bearer JWT of ${token.length} characters with ${claims.length} claims`);
      if (biggestClaim && biggestClaim.bytes > 1000) {
        reasons.push(`The bearer token is a ${token.length}-character JWT whose "${biggestClaim.name}" claim takes ${biggestClaim.bytes} bytes (group or role lists grow tokens like this).`);
      }
    }

    const finding: Finding = {
      rule: 'headers-too-large',
      severity: 'error',
      summary: `The request headers (${total} bytes${largest ? `, largest ${largest.name} at ${largest.bytes}` : ''}) were refused as too large.`,
      explanation: `${reasons.join(' ')} A server or proxy on the way limits header size and refused the request before the API saw it.`,
      evidence,
      nextSteps: [
        cookies.length > 0 ? 'Send only the cookies this API needs (clear stale cookies for the domain)' : 'Drop headers the API does not need',
        'Shrink large tokens (fewer group/role claims, or reference tokens instead of self-contained JWTs)',
        'If you operate the server or proxy, raise its header buffer limit',
      ],
    };
    return [finding];
  },
};

function parseCookies(header: string): Array<{ name: string; bytes: number }> {
  return header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      // A pair without '=' is a bare value (RFC 6265 §5.2 treats it as a nameless cookie): never show it.
      return { name: eq <= 0 ? '(nameless cookie)' : part.slice(0, eq).trim(), bytes: Buffer.byteLength(part) };
    });
}
