/** Helpers over raw header pairs. Pure. Names compare case-insensitively (RFC 9110 §5.1). */
import type { HeaderPairs } from './exchange';

/** All values of a header, in order. */
export function headerValues(headers: HeaderPairs, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === wanted) values.push(v);
  return values;
}

/** The first value of a header, or undefined. */
export function headerValue(headers: HeaderPairs, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [n, v] of headers) if (n.toLowerCase() === wanted) return v;
  return undefined;
}

export function hasHeader(headers: HeaderPairs, name: string): boolean {
  return headerValue(headers, name) !== undefined;
}

/** Node's rawHeaders ([k, v, k, v, …]) → pairs. */
export function pairsFromRaw(raw: readonly string[]): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
  return pairs;
}

/** Media type of a Content-Type value without parameters, lower-cased ("application/json"). */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(';', 1)[0].trim().toLowerCase();
  return type === '' ? undefined : type;
}

/** Total bytes of a header block as it would be serialised (`Name: value\r\n` each). */
export function headerBytes(headers: HeaderPairs): number {
  let total = 0;
  for (const [n, v] of headers) total += Buffer.byteLength(n) + 2 + Buffer.byteLength(v) + 2;
  return total;
}
