/**
 * What `proxydoc start` prints once it listens: where it is, which CA to trust, the lines to paste into the app's
 * shell, and where the logs go. Pure, so the exact text is asserted in tests.
 */
import * as path from 'node:path';
import type { RunningProxy } from '../capture/proxy-server';
import { formatPortRanges, type ProxyConfig } from '../config';
import { shellQuote } from '../export/shell-quote';

/** File names inside logDir, as DESIGN.md fixes them. */
export const RECORDS_FILE_NAME = 'exchanges.jsonl';
export const ANNOTATED_LOG_FILE_NAME = 'proxydoc.log';

/** Stands for the --proxy-auth password in the lines to paste: the banner is read over shoulders and pasted. */
export const PASSWORD_PLACEHOLDER = 'PASSWORD';

export function formatBanner(running: RunningProxy, config: ProxyConfig): string {
  const proxyUrl = withUser(clientProxyUrl(running), config);
  const ca = shellQuote(running.caCertPath);
  const lines: string[] = [];

  lines.push(`proxydoc listening on ${running.url}`);
  if (proxyUrl !== running.url) lines.push(`  (apps on this machine reach it at ${proxyUrl})`);
  const created = running.caCreated ? ` (created now${running.caCreatedReason ? `: ${running.caCreatedReason}` : ''})` : '';
  lines.push(`CA certificate: ${running.caCertPath}${created}`);
  lines.push(`Annotated log:  ${path.join(running.logDir, ANNOTATED_LOG_FILE_NAME)}`);
  lines.push(`Full records:   ${path.join(running.logDir, RECORDS_FILE_NAME)} (secrets kept so replay works)`);
  if (config.proxyAuth) lines.push(`Proxy auth:     required, user ${config.proxyAuth.user} (the password is never printed)`);
  if (config.connectPorts) lines.push(`CONNECT only to ports ${formatPortRanges(config.connectPorts)} (--connect-ports)`);
  if (config.noIntercept.length > 0) lines.push(`Not intercepted (tunnelled as is): ${config.noIntercept.join(', ')}`);
  if (config.upstreamProxy !== undefined) {
    const bypass = config.upstreamNoProxy.length > 0 ? ` (direct for ${config.upstreamNoProxy.join(', ')})` : '';
    lines.push(`Upstream proxy: ${withoutCredentials(config.upstreamProxy)}${bypass}`);
  }
  lines.push('');
  lines.push(
    config.proxyAuth
      ? `Point an app at it (paste into the app's shell, with the --proxy-auth password in place of ${PASSWORD_PLACEHOLDER}):`
      : "Point an app at it (paste into the app's shell):",
  );
  lines.push(`  export HTTP_PROXY=${proxyUrl} HTTPS_PROXY=${proxyUrl}`);
  // curl and wget ignore upper-case HTTP_PROXY, so the lower-case names are needed for them.
  lines.push(`  export http_proxy=${proxyUrl} https_proxy=${proxyUrl}`);
  lines.push(`  export NODE_EXTRA_CA_CERTS=${ca}`);
  // SSL_CERT_FILE and REQUESTS_CA_BUNDLE replace a program's roots, so they need the combined bundle `env` writes.
  // `env` prints no credentials, so with --proxy-auth its proxy URL would only get 407s.
  if (!config.proxyAuth) {
    lines.push('or all of it at once, with CA trust for Python, curl, git and more:');
    lines.push(`  eval "$(proxydoc env --log-dir ${shellQuote(running.logDir)})"`);
  }
  lines.push('');
  lines.push('Check it works:');
  lines.push(`  curl -x ${proxyUrl} --cacert ${ca} https://example.com/`);
  lines.push('');
  lines.push('Press Ctrl-C to stop.');
  return `${lines.join('\n')}\n`;
}

/** A proxy listening on every interface is reached through loopback by apps on the same machine. */
function clientProxyUrl(running: RunningProxy): string {
  if (running.host === '0.0.0.0') return `http://127.0.0.1:${running.port}`;
  if (running.host === '::') return `http://[::1]:${running.port}`;
  return running.url;
}

/** With --proxy-auth, http://user:PASSWORD@host:port: the user as given (percent-encoded), never the password. */
function withUser(proxyUrl: string, config: ProxyConfig): string {
  if (!config.proxyAuth) return proxyUrl;
  const url = new URL(proxyUrl);
  url.username = encodeURIComponent(config.proxyAuth.user);
  url.password = PASSWORD_PLACEHOLDER;
  return url.href.replace(/\/$/, '');
}

/** The banner is read over shoulders and pasted into tickets; proxy passwords stay out of it. */
function withoutCredentials(proxyUrl: string): string {
  try {
    const url = new URL(proxyUrl);
    if (url.username === '' && url.password === '') return proxyUrl;
    url.username = '***';
    url.password = '';
    return url.href.replace(/\/$/, '');
  } catch {
    return proxyUrl;
  }
}

// Paths with spaces or quotes must survive being pasted into a POSIX shell; one quoting for banner, ca and export.
export { shellQuote } from '../export/shell-quote';
