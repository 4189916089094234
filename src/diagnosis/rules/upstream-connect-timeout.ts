/**
 * upstream-connect-timeout: proxydoc's TCP connect to the target never completed. A closed port answers at once with
 * a RST (ECONNREFUSED); a timeout means nothing answered the SYN at all — packets dropped by a firewall, security
 * group or network ACL, a host that is down, or an address that is not reachable from here (a VPN-only private IP).
 */
import type { Rule } from '../rule';
import { splitRawUrl } from '../../model/url';
import { formatElapsed } from '../knowledge/timeouts';

/** RFC 1918 / RFC 4193 / loopback / link-local addresses: reachable only inside some network. */
function isPrivateAddress(ip: string): boolean {
  if (/^10\./.test(ip) || /^192\.168\./.test(ip) || /^127\./.test(ip) || /^169\.254\./.test(ip)) return true;
  const match = /^172\.(\d{1,3})\./.exec(ip);
  if (match && Number(match[1]) >= 16 && Number(match[1]) <= 31) return true;
  return /^f[cd][0-9a-f]{2}:/i.test(ip) || /^fe80:/i.test(ip);
}

/** "203.0.113.7:443" / "[2001:db8::1]:443" → the IP. */
function ipOf(address: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return bracketed[1];
  const colon = address.lastIndexOf(':');
  return colon > 0 && address.indexOf(':') === colon ? address.slice(0, colon) : address;
}

export const upstreamConnectTimeout: Rule = {
  id: 'upstream-connect-timeout',
  description: 'The TCP connect to the target never completed: nothing answered (firewall, security group, wrong host or port).',
  check(record) {
    if (record.error?.kind !== 'connect-timeout') return [];
    const parts = splitRawUrl(record.request.url);
    const target = parts ? `${parts.host}:${parts.port}` : 'the target';
    const elapsedSeconds = (record.phases.connect ?? record.phases.total) / 1000;
    const elapsed = formatElapsed(elapsedSeconds);
    const address = record.upstream?.address;
    const viaProxy = record.upstream?.viaProxy;
    const code = record.error.code || 'ETIMEDOUT';

    const summary = `Connecting to ${target}${address && !target.startsWith(ipOf(address)) ? ` (${address})` : ''} timed out after ${elapsed} s — nothing answered the TCP handshake.`;
    const explanation: string[] = [
      'No answer came back to the connection attempt, so packets are being dropped silently: likely a firewall, AWS security group or network ACL that does not allow this machine on that port, a host that is down, or an address not reachable from here.',
      'A closed port would have refused at once (ECONNREFUSED); a silent drop waits until the timer runs out.',
    ];
    const evidence: string[] = [`${code} after ${elapsed} s`, `target ${target}`];
    const nextSteps: string[] = [];
    if (address) evidence.push(`resolved to ${address}`);
    if (address && isPrivateAddress(ipOf(address))) {
      explanation.push(`${ipOf(address)} is a private address: it is reachable only inside its network (VPN, VPC or office LAN), so check you are connected to it or that DNS did not hand out an internal record.`);
      evidence.push(`${ipOf(address)} is a private address`);
      nextSteps.push('Connect the VPN (or run proxydoc inside the network) if the target is internal');
    }
    if (viaProxy) {
      explanation.push(`The connection went through the upstream proxy ${viaProxy}: that proxy may be the one not answering.`);
      evidence.push(`via upstream proxy ${viaProxy}`);
      nextSteps.push(`Check that the upstream proxy ${viaProxy} is reachable`);
    }
    if (parts && parts.port !== 80 && parts.port !== 443) {
      explanation.push(`Port ${parts.port} is non-standard: check it is the port the service listens on and that firewalls allow it.`);
    }
    explanation.push(
      `To confirm from the same machine: \`nc -vz -w 5 ${parts?.host ?? 'host'} ${parts?.port ?? 443}\`, then \`proxydoc replay ${record.seq}\` once the firewall rule is fixed. The request never reached the server, so a retry is safe.`,
    );
    nextSteps.push(`Check the firewall / security group / network ACL allows this machine's address to ${target}`);
    nextSteps.push('Check the host name and port are right (and resolve to the address you expect)');
    return [{ rule: 'upstream-connect-timeout', severity: 'error', summary, explanation: explanation.join(' '), evidence, nextSteps }];
  },
};
