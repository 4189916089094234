/**
 * Which headers cross proxydoc. Pure. Everything is forwarded exactly (name case, order, repeats) except the
 * connection-specific fields a proxy must not forward (RFC 9110 §7.6.1): Connection and every field it names,
 * Proxy-Connection, Keep-Alive, TE, Upgrade (outside an upgrade), and Proxy-Authorization, which is for proxydoc.
 * Transfer-Encoding stays: Node re-frames the body with it (RFC 9112 §6.1) and the bytes of the body are unchanged.
 */

const ALWAYS_HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'te', 'proxy-authorization']);

/**
 * Fields a Connection header cannot make hop-by-hop: they frame the message or name its target. Dropping
 * Content-Length or Transfer-Encoding while still sending the body would let the body reach the upstream as a second,
 * unparsed and unrecorded request (smuggling; RFC 9112 §11.2); dropping Host changes the target.
 */
const NEVER_HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'host']);

function connectionListed(raw: readonly string[]): Set<string> {
  const listed = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1].split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '' && !NEVER_HOP_BY_HOP.has(name)) listed.add(name);
    }
  }
  return listed;
}

export interface RequestHeaderOptions {
  /** Keep Connection/Upgrade for a protocol upgrade (WebSocket). */
  upgrade: boolean;
  /**
   * The authority of an absolute-form target: RFC 9112 §3.2.2 says a proxy replaces Host with it. The value is
   * replaced in place (name case and position kept); nothing changes when they already agree.
   */
  hostFromTarget?: string;
}

/** Raw request headers ([name, value, …]) as they go upstream. */
export function forwardedRequestHeaders(raw: readonly string[], options: RequestHeaderOptions): string[] {
  const listed = connectionListed(raw);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (options.upgrade) {
      if (lower === 'proxy-connection' || lower === 'proxy-authorization' || lower === 'keep-alive') continue;
    } else {
      if (ALWAYS_HOP_BY_HOP.has(lower) || lower === 'upgrade' || listed.has(lower)) continue;
    }
    if (lower === 'host' && options.hostFromTarget !== undefined) {
      out.push(name, options.hostFromTarget);
      continue;
    }
    out.push(name, raw[i + 1]);
  }
  return out;
}

/**
 * Raw response headers as they go back to the client. `Connection`, `Keep-Alive` and the fields Connection names
 * describe the upstream connection, not the client's, so they stay behind; an HTTP/1.0 client can't take chunked
 * framing, so Transfer-Encoding is dropped for it and Node delimits the body by closing.
 */
export function forwardedResponseHeaders(raw: readonly string[], clientHttpVersion: string): string[] {
  const listed = connectionListed(raw);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (lower === 'connection' || lower === 'keep-alive' || lower === 'proxy-connection' || listed.has(lower)) continue;
    if (lower === 'transfer-encoding' && clientHttpVersion === '1.0') continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}
