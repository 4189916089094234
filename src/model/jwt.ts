/**
 * Decoding (never verifying) JSON Web Tokens (RFC 7519). Pure; never throws on garbage.
 * Both the redactor (to show claims instead of the secret) and the auth rules use it.
 */

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Length of the signature part in characters; the signature itself is never exposed. */
  signatureLength: number;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes `header.payload.signature`; undefined when it is not a JWT with JSON object header and claims. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signature] = parts;
  if (headerPart === '' || payloadPart === '') return undefined;
  if (!BASE64URL.test(headerPart) || !BASE64URL.test(payloadPart) || !BASE64URL.test(signature)) return undefined;
  const header = parseJsonObject(headerPart);
  const claims = parseJsonObject(payloadPart);
  if (!header || !claims) return undefined;
  return { header, claims, signatureLength: signature.length };
}

function parseJsonObject(base64url: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(base64url, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A NumericDate claim (seconds since the epoch, RFC 7519 §2) as milliseconds, when it is a finite number. */
export function numericDateMs(claims: Record<string, unknown>, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = claims[name];
  return typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined;
}
