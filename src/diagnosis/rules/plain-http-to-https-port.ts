/**
 * Plain HTTP sent to a port that speaks TLS. nginx answers 400 "The plain HTTP request was sent to HTTPS port",
 * Go's net/http "Client sent an HTTP request to an HTTPS server.", Apache "You're speaking plain HTTP to an
 * SSL-enabled server port." A recorded http:// URL with port 443 is the same mistake even when the server just
 * dropped the connection. When the client's URL was already https, a proxy in front of the API is the one sending
 * plain HTTP to its backend's TLS port — a server-side misconfiguration.
 */
import type { Finding } from '../../model/exchange';
import { bodyText } from '../../model/body';
import { splitRawUrl } from '../../model/url';
import type { Rule } from '../rule';

const PLAIN_TO_TLS_TEXT =
  /plain HTTP request was sent to HTTPS port|Client sent an HTTP request to an HTTPS server|speaking plain HTTP to an SSL-enabled server port/i;

export const plainHttpToHttpsPort: Rule = {
  id: 'plain-http-to-https-port',
  description: 'Plain HTTP was sent to a TLS port (nginx "The plain HTTP request was sent to HTTPS port"): use https://.',
  check(record) {
    const url = splitRawUrl(record.request.url);
    if (!url) return [];
    const response = record.response;
    // nginx's page for this is well under 1 KiB; scanning large bodies would only tax healthy downloads.
    const text = response && response.status >= 400 ? bodyText(response.body) : undefined;
    const said = text !== undefined && text.length <= 16 * 1024 ? PLAIN_TO_TLS_TEXT.exec(text)?.[0] : undefined;
    const httpOn443 = url.scheme === 'http' && url.port === 443;
    if (!said && !httpOn443) return [];
    const host = url.host.includes(':') ? `[${url.host}]` : url.host;
    const path = url.path || '/';

    if (said && url.scheme === 'https') {
      return [
        {
          rule: 'plain-http-to-https-port',
          severity: 'error',
          summary: 'A proxy in front of the API sent plain HTTP to its backend\'s HTTPS port.',
          explanation:
            `The client already used https://, yet the answer says "${said}". So a hop between (a reverse proxy or load balancer) ` +
            'forwards plain HTTP to a backend port that expects TLS — likely a server-side misconfiguration (e.g. nginx proxy_pass http:// to a TLS backend).',
          evidence: [`request URL is https://${host}${path}`, `the response says "${said}"`],
          nextSteps: ['Report it to the API operator: the proxy must use https:// (or the backend\'s plain-HTTP port) upstream'],
        },
      ];
    }
    const port = url.port === 443 ? '' : `:${url.port}`;
    const fixed = `https://${host}${port}${path}`;
    const failed = !response || response.status >= 400;
    const evidence = [`request URL starts with http://${host}:${url.port}`];
    if (said) evidence.push(`the response says "${said}"`);
    else if (record.error) evidence.push(`the connection failed: ${record.error.code}`);
    const finding: Finding = {
      rule: 'plain-http-to-https-port',
      severity: failed ? 'error' : 'warn',
      summary: `Plain HTTP was sent to port ${url.port} of ${url.host}, which expects HTTPS.`,
      explanation:
        `The URL uses the http:// scheme but port ${url.port} speaks TLS, so the server ${said ? 'refused the unencrypted request' : 'could not make sense of it'}. ` +
        `Use the https:// scheme: ${fixed}. This usually comes from a base URL written as http://host:443 or from a scheme dropped when the URL was assembled.`,
      evidence,
      nextSteps: [`Change the base URL to https://${host}${port}`, 'Check where the client builds its URL (config, environment variable) for a hard-coded http://'],
    };
    return [finding];
  },
};
