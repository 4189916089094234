/**
 * Splitting recorded URLs without normalising them. Pure.
 * `new URL()` would resolve `/../`, merge nothing but re-encode some characters; rules need the raw bytes
 * (RFC 3986 §3: scheme "://" authority path-abempty [ "?" query ]).
 */

export interface RawUrlParts {
  scheme: string;
  /** host[:port] as written, userinfo removed. */
  authority: string;
  userinfo?: string;
  host: string;
  port: number;
  /** Raw path, '' when absent. */
  path: string;
  /** Raw query without '?', or undefined when there is no '?' at all ('' for a trailing '?'). */
  query?: string;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };

export function splitRawUrl(url: string): RawUrlParts | undefined {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(url);
  if (!match) return undefined;
  const scheme = match[1].toLowerCase();
  let authority = match[2];
  let userinfo: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
  }
  const rest = match[3];
  const hashAt = rest.indexOf('#');
  const beforeHash = hashAt >= 0 ? rest.slice(0, hashAt) : rest;
  const q = beforeHash.indexOf('?');
  const path = q >= 0 ? beforeHash.slice(0, q) : beforeHash;
  const query = q >= 0 ? beforeHash.slice(q + 1) : undefined;
  const { host, port } = splitHostPort(authority, DEFAULT_PORTS[scheme] ?? 80);
  return { scheme, authority, userinfo, host, port, path, query };
}

/** "host:port", "[::1]:8080" or "host" → parts; brackets are removed from IPv6 literals. */
export function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    const host = authority.slice(1, close < 0 ? undefined : close);
    const portText = close >= 0 && authority[close + 1] === ':' ? authority.slice(close + 2) : '';
    return { host, port: parsePort(portText, defaultPort) };
  }
  const colon = authority.lastIndexOf(':');
  if (colon < 0) return { host: authority, port: defaultPort };
  return { host: authority.slice(0, colon), port: parsePort(authority.slice(colon + 1), defaultPort) };
}

function parsePort(text: string, fallback: number): number {
  if (!/^\d{1,5}$/.test(text)) return fallback;
  const port = Number(text);
  return port > 0 && port <= 65535 ? port : fallback;
}

/** scheme://host:port — the unit rules use for "the same origin" (RFC 6454). */
export function originOf(url: string): string | undefined {
  const parts = splitRawUrl(url);
  if (!parts) return undefined;
  const host = parts.host.includes(':') ? `[${parts.host}]` : parts.host;
  return `${parts.scheme}://${host.toLowerCase()}:${parts.port}`;
}

/** The raw request target (path + '?' + query) of a recorded URL, exactly as sent. */
export function requestTarget(url: string): string {
  const parts = splitRawUrl(url);
  if (!parts) return url;
  const path = parts.path === '' ? '/' : parts.path;
  return parts.query === undefined ? path : `${path}?${parts.query}`;
}

/** Raw query parameters (names and values still percent-encoded), in order. */
export function rawQueryParams(query: string | undefined): Array<[string, string]> {
  if (!query) return [];
  return query.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
  });
}

/** Percent-decodes without throwing on malformed escapes (they are kept as written). */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * The path with slashes merged and dot segments removed, as nginx routes on it (RFC 3986 §5.2.4 plus merge_slashes).
 * `%2E` is an encoded "." (RFC 3986 §2.3), so a segment of only `.`/`%2E` is a dot segment too; other percent-escapes
 * stay as written.
 */
export function normalisedPath(path: string): string {
  const output: string[] = [];
  const segments = path.split('/').slice(1);
  segments.forEach((raw, index) => {
    const segment = /^(?:\.|%2e){1,2}$/i.test(raw) ? raw.replace(/%2e/gi, '.') : raw;
    const isLast = index === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') output.pop();
      if (isLast) output.push('');
      return;
    }
    if (segment === '' && !isLast) return; // a merged slash
    output.push(segment);
  });
  return `/${output.join('/')}`;
}
