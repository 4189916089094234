/**
 * A redirect the client will follow into trouble (RFC 9110 §15.4):
 *  - https → http: the follow-up (and any credential or body it carries) goes over plain text;
 *  - a change of host: curl (without --location-trusted), Python requests, fetch/undici and Go's net/http strip
 *    `Authorization` (and cookies scoped to the old host) on a cross-host follow, so the next hop answers 401;
 *  - POST turned into GET: for 301 and 302 user agents may (and curl, requests, fetch do) change POST to GET
 *    (§15.4.2, §15.4.3); for 303 every method but HEAD becomes GET (§15.4.4). The body is dropped.
 *    307 and 308 keep the method and body (§15.4.8, §15.4.9).
 * A plain same-origin redirect of a GET is healthy and gets no finding.
 */
import type { Finding, Severity } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import { splitRawUrl } from '../../model/url';
import { carriedCredentials } from '../credentials';
import type { Rule } from '../rule';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const SEVERITY_ORDER: Severity[] = ['info', 'warn', 'error'];

interface Hazard {
  severity: Severity;
  /** Short clause for the summary. */
  clause: string;
  evidence: string;
  explanation: string;
  nextStep: string;
}

export const redirectHazard: Rule = {
  id: 'redirect-hazard',
  description: 'A 3xx redirect that downgrades to http, changes host (Authorization is dropped) or turns a POST into a GET.',
  check(record) {
    const response = record.response;
    if (!response || !REDIRECTS.has(response.status)) return [];
    const locationValue = headerValue(response.headers, 'location');
    if (locationValue === undefined || locationValue.trim() === '') return [];
    let target: URL;
    try {
      target = new URL(locationValue.trim(), record.request.url);
    } catch {
      return [];
    }
    const from = splitRawUrl(record.request.url);
    if (!from) return [];
    const status = response.status;
    const method = record.request.method.toUpperCase();
    const toScheme = target.protocol.replace(/:$/, '').toLowerCase();
    const toHost = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const fromHost = from.host.toLowerCase();
    const credentials = carriedCredentials(record.request).filter((c) => c.where === 'header' || c.where === 'cookie');
    const credentialNames = [...new Set(credentials.map((c) => (c.where === 'cookie' ? 'Cookie' : c.name)))];
    const hasBody = record.request.body.size > 0;
    const hazards: Hazard[] = [];

    if (from.scheme === 'https' && toScheme === 'http') {
      hazards.push({
        severity: 'warn',
        clause: 'downgrades HTTPS to plain HTTP',
        evidence: `Location switches https → http`,
        explanation:
          'Following it sends the next request unencrypted, and whatever it carries can be read on the way. ' +
          'curl (7.83+) and Python requests drop Authorization on an https → http change, so the follow-up is also likely to fail.',
        nextStep: 'Call the https:// URL the API documents; have the server owner fix the http:// redirect (often a proxy that does not know it sits behind TLS: X-Forwarded-Proto)',
      });
    } else if (from.scheme === 'http' && toScheme === 'https') {
      const exposed = credentialNames.length > 0 || hasBody;
      hazards.push({
        severity: exposed ? 'warn' : 'info',
        clause: 'upgrades plain HTTP to HTTPS',
        evidence: `the app called http:// and was sent to https://`,
        explanation:
          'The app is configured with an http:// base URL. ' +
          (credentialNames.length > 0 ? `The first request already sent ${credentialNames.join(', ')} in clear text. ` : '') +
          'Each call costs an extra round trip, and a POST may lose its body on the way.',
        nextStep: 'Configure the base URL as https://',
      });
    }

    if (toHost !== fromHost) {
      const dropsAuth = credentialNames.length > 0;
      hazards.push({
        severity: dropsAuth ? 'warn' : 'info',
        clause: dropsAuth ? `moves to ${toHost} and the follow-up will arrive without ${credentialNames.join(', ')}` : `moves to another host (${toHost})`,
        evidence: `host ${fromHost} → ${toHost}`,
        explanation: dropsAuth
          ? `curl (without --location-trusted), Python requests, fetch/undici and Go strip ${credentialNames.join(', ')} when a redirect ` +
            `leaves the original host, so the request to ${toHost} will likely be answered 401/403 (or served anonymously).`
          : `The API now lives at, or hands off to, ${toHost}; later calls pay an extra round trip each.`,
        nextStep: dropsAuth
          ? `Call ${toHost} directly with the credential, or follow the redirect yourself and re-attach ${credentialNames.join(', ')} only if you trust ${toHost}`
          : `Use ${target.protocol}//${target.host} as the base URL`,
      });
    }

    const becomesGet =
      (method === 'POST' && (status === 301 || status === 302)) || (status === 303 && method !== 'GET' && method !== 'HEAD');
    if (becomesGet) {
      hazards.push({
        // POST → 303 → GET is the deliberate post/redirect/get pattern (RFC 9110 §15.4.4): worth knowing, not a
        // hazard. A 301/302 turning POST into GET is the accident the catalogue is about.
        severity: status === 303 ? 'info' : 'warn',
        clause: `turns the ${method} into a GET`,
        evidence: `${status} on a ${method}${hasBody ? ` with a ${record.request.body.size}-byte body` : ''}`,
        explanation:
          `A ${status} lets clients re-issue the request as GET (RFC 9110 §15.4${status === 303 ? '.4: 303 always means GET' : ': curl, requests and fetch do so for POST'}); ` +
          `the ${method}${hasBody ? ' body is dropped and' : ''} the follow-up reaches a different handler, often answering 200 with a page or 405.`,
        nextStep: `Send the ${method} to the final URL directly${status === 301 || status === 302 ? ' (a server that must keep the method should answer 307/308)' : ''}`,
      });
    }

    if (hazards.length === 0) return [];
    const severity = hazards.map((h) => h.severity).reduce((a, b) => (SEVERITY_ORDER.indexOf(b) > SEVERITY_ORDER.indexOf(a) ? b : a));
    const shownTarget = describeTarget(target);
    const finding: Finding = {
      rule: 'redirect-hazard',
      severity,
      summary: `${status} redirect to ${shownTarget} ${joinClauses(hazards.map((h) => h.clause))}.`,
      explanation: hazards.map((h) => h.explanation).join(' '),
      evidence: [`Location: ${shownTarget}`, ...hazards.map((h) => h.evidence)],
      nextSteps: hazards.map((h) => h.nextStep),
    };
    return [finding];
  },
};

/** scheme://host/path of the Location; the query is cut because redirects often carry codes and tokens (OAuth). */
function describeTarget(target: URL): string {
  return `${target.protocol}//${target.host}${target.pathname}${target.search ? '?…' : ''}`;
}

function joinClauses(clauses: string[]): string {
  if (clauses.length <= 1) return clauses.join('');
  return `${clauses.slice(0, -1).join(', ')} and ${clauses[clauses.length - 1]}`;
}
