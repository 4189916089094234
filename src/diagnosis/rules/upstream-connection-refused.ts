/**
 * The target actively refused the TCP connection (ECONNREFUSED: a RST in answer to the SYN). The host exists and
 * is reachable, but nothing accepts connections on that port — the service is down, listens on another port or
 * interface, or the URL's scheme implies the wrong default port (https → 443 while the service speaks on 8443/8080).
 */
import type { Finding } from '../../model/exchange';
import { splitRawUrl } from '../../model/url';
import type { Rule } from '../rule';

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|0\.0\.0\.0)$/i;

export const upstreamConnectionRefused: Rule = {
  id: 'upstream-connection-refused',
  description: 'The target refused the TCP connection (ECONNREFUSED): nothing listening, wrong port, or http/https port mix-up.',
  check(record) {
    const error = record.error;
    if (!error || (error.kind !== 'refused' && error.code !== 'ECONNREFUSED')) return [];
    const url = splitRawUrl(record.request.url);
    const target = url ? `${url.host.includes(':') ? `[${url.host}]` : url.host}:${url.port}` : record.tunnel ? record.tunnel.target : 'the target';
    const explicitPort = url !== undefined && /:\d+$/.test(url.authority);
    const evidence = [`ECONNREFUSED from ${target}`];
    if (record.upstream?.address) evidence.push(`connected to ${record.upstream.address}`);
    if (url && !explicitPort) evidence.push(`no port in the URL, so ${url.scheme} used its default ${url.port}`);
    const reasons: string[] = [
      `${target} answered the connection attempt with a reset: the machine is reachable but nothing is listening on port ${url?.port ?? '?'} ` +
        '(the service is down or restarting, listens on another port, or only on another interface).',
    ];
    const nextSteps: string[] = [`Check that the service is running and listening on ${target}`];

    if (url) {
      const mixUp = portMixUp(url.scheme, url.port, explicitPort);
      if (mixUp) {
        reasons.push(mixUp);
        evidence.push(`${url.scheme}:// with port ${url.port}`);
      }
      if (LOOPBACK.test(url.host)) {
        reasons.push(
          `${url.host} is loopback as seen from proxydoc: if the app runs in a container or VM, its "localhost" is a different ` +
            'machine — and most clients bypass the proxy for localhost anyway, so this app sends it through explicitly.',
        );
        nextSteps.push('Add localhost,127.0.0.1 to the app\'s NO_PROXY, or use the host name the service is reachable by from proxydoc');
      }
    }
    if (record.upstream?.viaProxy) {
      reasons.push(`The connection went through the upstream proxy ${record.upstream.viaProxy}, which may itself be the one refusing.`);
      nextSteps.push(`Check that the upstream proxy ${record.upstream.viaProxy} is running`);
    }
    nextSteps.push(`Confirm from the machine running proxydoc: nc -vz ${url?.host ?? 'HOST'} ${url?.port ?? 'PORT'} (or curl -v), then proxydoc replay ${record.seq}`);

    const finding: Finding = {
      rule: 'upstream-connection-refused',
      severity: 'error',
      summary: `Connection to ${target} was refused (ECONNREFUSED): nothing is listening there.`,
      explanation: reasons.join(' '),
      evidence,
      nextSteps,
    };
    return [finding];
  },
};

/** Likely scheme/port confusions, phrased as a reason. */
function portMixUp(scheme: string, port: number, explicitPort: boolean): string | undefined {
  if (scheme === 'https' && (port === 80 || port === 8080 || port === 8000)) {
    return `Port ${port} is usually plain HTTP, yet the URL says https://: maybe the service speaks HTTPS on another port (443, 8443).`;
  }
  if (scheme === 'http' && (port === 443 || port === 8443)) {
    return `Port ${port} is usually HTTPS, yet the URL says http://: maybe the plain-HTTP service is on another port (80, 8080).`;
  }
  if (!explicitPort) {
    return `The URL gives no port, so the default ${port} was used; services in development often listen on 8080, 8443 or 3000 instead.`;
  }
  return undefined;
}
