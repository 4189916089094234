/**
 * proxydoc could not resolve the target's host name (getaddrinfo ENOTFOUND = the name does not exist for this
 * resolver, EAI_AGAIN = the resolver did not answer in time / was unreachable).
 *
 * The resolution happens on proxydoc's machine, not the app's: a host that only resolves inside a VPN, a
 * Kubernetes cluster (`*.svc.cluster.local`) or a Docker network (a bare service name) fails here even when the
 * app could reach it directly. Such hosts usually belong in the app's NO_PROXY.
 */
import type { Finding } from '../../model/exchange';
import { splitRawUrl } from '../../model/url';
import type { Rule } from '../rule';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
/** Suffixes that only resolve on private networks (RFC 6762 .local, RFC 8375 .home.arpa, ICANN-reserved .internal, k8s). */
const INTERNAL_SUFFIX = /\.(local|localdomain|internal|intranet|corp|lan|home|home\.arpa|svc|cluster\.local|consul|private)$/i;

export const upstreamDnsFailure: Rule = {
  id: 'upstream-dns-failure',
  description: 'The target host name did not resolve from proxydoc (ENOTFOUND / EAI_AGAIN): typo, VPN/split DNS, or a host that should bypass the proxy.',
  check(record) {
    const error = record.error;
    if (!error || (error.kind !== 'dns' && !DNS_CODES.has(error.code))) return [];
    const url = splitRawUrl(record.request.url);
    const host = url?.host ?? (record.tunnel ? record.tunnel.target.replace(/:\d+$/, '') : 'the target host');
    const temporary = error.code === 'EAI_AGAIN';
    const internal = url !== undefined && looksInternal(host);
    const evidence = [`${error.code}: ${host}`];
    if (internal) evidence.push(`${host} looks like a private-network name`);
    if (record.upstream?.viaProxy) evidence.push(`resolved through the upstream proxy ${record.upstream.viaProxy}`);

    const explanation =
      (temporary
        ? `The DNS resolver on proxydoc's machine did not answer for ${host} (EAI_AGAIN): it is unreachable, slow, or ` +
          'the network is down — a temporary failure; the name may well exist. '
        : `The name ${host} does not resolve from proxydoc's machine (${error.code}): it is likely misspelt, or it exists only in ` +
          'a DNS that this machine does not use (a VPN with split DNS, a corporate resolver, a cluster or container network). ') +
      (internal
        ? `${host} looks internal, so the app probably sent a private host through the proxy: if the app can reach it directly, ` +
          'add it to the app\'s NO_PROXY so it bypasses proxydoc, or run proxydoc where that name resolves. '
        : '') +
      `Running \`nslookup ${host}\` on the machine running proxydoc would confirm it.`;

    const nextSteps = temporary
      ? [`Retry: proxydoc replay ${record.seq}`, `Check the DNS resolver and network of the machine running proxydoc (nslookup ${host})`]
      : [`Check the spelling of ${host} in the app's configuration`, `Run nslookup ${host} on the machine running proxydoc; connect the VPN if the name is internal`];
    nextSteps.push(`If the app reaches ${host} directly, add it to NO_PROXY (e.g. NO_PROXY=${internal ? suffixFor(host) : host})`);

    const finding: Finding = {
      rule: 'upstream-dns-failure',
      severity: 'error',
      summary: temporary
        ? `DNS lookup of ${host} failed temporarily (EAI_AGAIN).`
        : `DNS lookup of ${host} failed (${error.code}): the name does not resolve from proxydoc's machine.`,
      explanation,
      evidence,
      nextSteps,
    };
    return [finding];
  },
};

/** Single-label names (Docker/compose services, Windows hosts) and private suffixes resolve only inside their network. */
function looksInternal(host: string): boolean {
  if (host === '' || /^[\d.]+$/.test(host) || host.includes(':')) return false;
  return !host.includes('.') || INTERNAL_SUFFIX.test(host);
}

/** The NO_PROXY entry that covers a host's private domain (".corp.example" style suffixes match subdomains). */
function suffixFor(host: string): string {
  const match = INTERNAL_SUFFIX.exec(host);
  return match ? `.${match[1]}` : host;
}
