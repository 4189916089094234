/**
 * `//`, `/./` or `/../` in the raw request path, answered with 404 or 400.
 *
 * Clients that build URLs by string concatenation (`base + "/" + path` with a base that already ends in "/")
 * produce `//`; raw-socket clients and `curl --path-as-is` keep dot segments that browsers and `new URL()`
 * would have resolved (RFC 3986 §5.2.4). Intermediaries then disagree about what the path is: nginx merges
 * slashes (`merge_slashes on`) and resolves dots, Envoy's route prefixes do not match `//dir` unless
 * `merge_slashes` is on (404, flag NR), Spring Security's StrictHttpFirewall rejects `//` and non-normalised
 * paths (400), Traefik's `sanitizePath` cleans them (../shared/kb/encoded-paths.json).
 */
import type { Finding } from '../../model/exchange';
import { normalisedPath, splitRawUrl } from '../../model/url';
import type { Rule } from '../rule';

const STATUSES = new Set([400, 404]);

export const doubleSlashOrDotSegment: Rule = {
  id: 'double-slash-or-dot-segment',
  description: 'A 404/400 for a path containing "//", "/./" or "/../", which intermediaries merge, resolve or reject.',
  check(record) {
    const status = record.response?.status;
    if (status === undefined || !STATUSES.has(status)) return [];
    const path = splitRawUrl(record.request.url)?.path;
    if (!path) return [];
    const oddities = pathOddities(path);
    if (oddities.length === 0) return [];

    const normalised = normalisedPath(path);
    const hasDoubleSlash = path.includes('//');
    const evidence = [...oddities.map((o) => `path has ${o}`), `path as sent: ${path}`, `normalised it would be ${normalised}`];
    const explanation =
      `The path ${path} is not in normal form, and the hops between client and API do not agree on what it means: ` +
      'nginx merges "//" (merge_slashes on) and resolves dot segments before routing, Envoy routes do not match "//" ' +
      'unless merge_slashes is set (404), Spring Security\'s StrictHttpFirewall rejects both with 400, Traefik rewrites ' +
      `them (sanitizePath). So the ${status} is likely about the path's shape, not the resource. ` +
      (hasDoubleSlash
        ? 'A "//" usually comes from joining a base URL that ends in "/" with a path that starts with "/". '
        : 'Dot segments normally never reach the wire (clients resolve them); here the client sent them as is. ') +
      `Replaying with ${normalised} would confirm it.`;
    const finding: Finding = {
      rule: 'double-slash-or-dot-segment',
      severity: 'error',
      summary: `${record.request.method} ${path} got ${status}: the path contains ${oddities.join(' and ')}.`,
      explanation,
      evidence,
      nextSteps: [
        hasDoubleSlash
          ? 'Join the base URL and the path with exactly one "/" (trim the trailing slash of the base URL)'
          : 'Resolve dot segments in the client before sending (RFC 3986 §5.2.4)',
        `Call ${normalised} instead`,
      ],
    };
    return [finding];
  },
};

/** Human phrases for each kind of non-normal path piece found (encoded dots count: %2E%2E is "..", RFC 3986 §2.3). */
function pathOddities(path: string): string[] {
  const found: string[] = [];
  if (path.includes('//')) found.push('"//"');
  const segments = path.split('/').slice(1);
  const dots = segments.map((segment) => segment.replace(/%2e/gi, '.'));
  // A trailing "." or ".." segment counts too ("/a/.." is as ambiguous as "/a/../").
  if (dots.includes('.')) found.push('"/./"');
  if (dots.includes('..')) found.push('"/../"');
  if (segments.some((s, i) => dots[i] !== s && (dots[i] === '.' || dots[i] === '..'))) found.push('percent-encoded dots (%2E)');
  return found;
}

