/**
 * JWT decoding (RFC 7519, never verifying): arbitrary and JWT-shaped text never throws and gives the documented shape;
 * a generated header and claim set, JSON-serialised and base64url-encoded, decodes back to the same objects.
 */
import fc from 'fast-check';
import { decodeJwt, numericDateMs, type DecodedJwt } from '../../../src/model/jwt';
import { anyCodeUnit, anyText, base64url, base64urlText } from './arbitraries';

function expectShape(decoded: DecodedJwt | undefined, token: string): void {
  if (decoded === undefined) return;
  for (const part of [decoded.header, decoded.claims]) {
    expect(part !== null && typeof part === 'object' && !Array.isArray(part)).toBe(true);
  }
  expect(decoded.signatureLength).toBe(token.trim().split('.')[2].length);
}

/** JSON values that are not objects: a JWT built from them must be refused. */
const notAnObject = fc.oneof(fc.jsonValue({ maxDepth: 2 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)));
const jsonObject = fc.dictionary(fc.string({ unit: anyCodeUnit, maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });

/** What a JSON round trip makes of a value (`-0` → `0`), which is what a decoder can give back at best. */
const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('decodeJwt never throws', () => {
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(anyText(80), (text) => {
        expectShape(decodeJwt(text), text);
      }),
      { numRuns: 250 },
    );
  });

  it('on JWT-shaped text: 1–5 random base64url segments, often starting with eyJ, with stray padding and whitespace', () => {
    const segment = fc.oneof(base64urlText(40), base64urlText(30).map((s) => `eyJ${s}`), fc.constantFrom('', '=', '==', 'e30', 'eyJ9', 'bnVsbA', 'W10', '%%', '+/'));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom('', ' ', '\n', '\t'), (segments, space) => {
        const token = `${space}${segments.join('.')}${space}`;
        expectShape(decodeJwt(token), token);
      }),
      { numRuns: 400 },
    );
  });

  it('on segments that are base64url of arbitrary bytes or of almost-JSON', () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((bytes) => base64url(Buffer.from(bytes))),
      anyText(30).map((text) => base64url(text)),
      fc.constantFrom('{', '{"a":', '{}}', '{"a":1,}', '\ufeff{}', '{"__proto__":{"x":1}}', '{"a":1}\u0000').map((text) => base64url(text)),
    );
    fc.assert(
      fc.property(payload, payload, base64urlText(20), (header, claims, signature) => {
        const token = `${header}.${claims}.${signature}`;
        expectShape(decodeJwt(token), token);
      }),
      { numRuns: 250 },
    );
  });
});

describe('decodeJwt round trip', () => {
  it('gives back any JSON-object header and claims, and the signature length only', () => {
    fc.assert(
      fc.property(
        jsonObject.map((h) => ({ alg: 'RS256', ...h })),
        jsonObject,
        base64urlText(60),
        fc.constantFrom('', ' ', '\r\n'),
        (header, claims, signature, space) => {
          const token = `${space}${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}.${signature}${space}`;
          expect(decodeJwt(token)).toEqual({ header: viaJson(header), claims: viaJson(claims), signatureLength: signature.length });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives back NumericDate claims as milliseconds, and nothing for non-numbers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1e11, max: 1e11 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.constant(null)), (exp) => {
        const token = `${base64url('{"alg":"none"}')}.${base64url(JSON.stringify({ exp }))}.`;
        const decoded = decodeJwt(token);
        expect(decoded).toBeDefined();
        expect(numericDateMs(decoded!.claims, 'exp')).toBe(typeof exp === 'number' ? viaJson(exp) as number * 1000 : undefined);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a header or claims that are JSON but not an object, and tokens without exactly three parts', () => {
    fc.assert(
      fc.property(notAnObject, jsonObject, fc.boolean(), fc.constantFrom(1, 2, 4, 5), (bad, good, badFirst, parts) => {
        const encodedBad = base64url(JSON.stringify(bad));
        const encodedGood = base64url(JSON.stringify(good));
        expect(decodeJwt(badFirst ? `${encodedBad}.${encodedGood}.sig` : `${encodedGood}.${encodedBad}.sig`)).toBeUndefined();
        const segments = [encodedGood, encodedGood, 'sig', 'x', 'y'].slice(0, parts);
        expect(decodeJwt(segments.join('.'))).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('refuses padded or standard-base64 segments (RFC 7515 §2: base64url without padding)', () => {
    fc.assert(
      fc.property(jsonObject, fc.constantFrom('=', '+', '/'), (claims, stray) => {
        const header = base64url('{"alg":"HS256"}');
        expect(decodeJwt(`${header}.${base64url(JSON.stringify(claims))}${stray}.sig`)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});
