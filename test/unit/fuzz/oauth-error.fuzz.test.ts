/**
 * OAuth error responses (RFC 6749 §5.2 bodies as JSON or form, RFC 6750 §3 challenge attributes): any body and
 * content type gives a well-formed error or none; an error written in each of the three places reads back.
 */
import fc from 'fast-check';
import { oauthErrorFromChallenges, parseOAuthErrorBody, responseOAuthError, type OAuthError } from '../../../src/diagnosis/parsers/oauth-error';
import { parseWwwAuthenticate } from '../../../src/diagnosis/parsers/www-authenticate';
import type { HeaderPairs } from '../../../src/model/exchange';
import { almostJson, anyCase, anyText, fromPieces, ows } from './arbitraries';

function expectWellFormed(error: OAuthError | undefined): void {
  if (error === undefined) return;
  expect(error.error).toMatch(/^[a-z][a-z0-9_.-]{0,99}$/);
  expect(['json', 'form', 'www-authenticate']).toContain(error.source);
  for (const key of ['description', 'uri', 'scope'] as const) {
    if (error[key] !== undefined) {
      expect(typeof error[key]).toBe('string');
      expect(error[key]).not.toBe('');
    }
  }
  expect(Object.keys(error).every((key) => ['error', 'description', 'uri', 'scope', 'source'].includes(key))).toBe(true);
}

const errorCode = fc.oneof(
  fc.constantFrom('invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'invalid_token', 'insufficient_scope', 'redirect_uri_mismatch'),
  fc.stringMatching(/^[a-z][a-z0-9_.-]{0,30}$/),
);
/** Text that survives encodeURIComponent (no lone surrogates). */
const wellFormedText = fc.string({ unit: 'grapheme', maxLength: 30 });
const contentType = (...types: string[]): fc.Arbitrary<string | undefined> =>
  fc.oneof(fc.constant(undefined), fc.tuple(fc.constantFrom(...types).chain(anyCase), fc.constantFrom('', '; charset=utf-8', ';charset=UTF-8 ')).map(([type, params]) => type + params));

interface Spec {
  error: string;
  description?: string;
  uri?: string;
  scope?: string | string[];
}
const spec: fc.Arbitrary<Spec> = fc.record(
  {
    error: errorCode,
    description: wellFormedText,
    uri: fc.oneof(fc.webUrl(), wellFormedText),
    scope: fc.oneof(fc.stringMatching(/^[a-z:_]{1,8}( [a-z:_]{1,8}){0,3}$/), fc.array(fc.stringMatching(/^[a-z:_]{1,8}$/), { maxLength: 3 })),
  },
  { requiredKeys: ['error'] },
);

function expected(s: Spec, source: OAuthError['source']): OAuthError {
  const result: OAuthError = { error: s.error, source };
  const scope = Array.isArray(s.scope) ? s.scope.join(' ') : s.scope;
  if (s.description) result.description = s.description;
  if (s.uri) result.uri = s.uri;
  if (scope) result.scope = scope;
  return result;
}

const otherFields = fc.dictionary(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((k) => !['error', 'error_description', 'error_uri', 'scope'].includes(k)),
  fc.jsonValue({ maxDepth: 1 }),
  { maxKeys: 3 },
);

describe('parseOAuthErrorBody never throws', () => {
  it('on arbitrary bodies and content types', () => {
    fc.assert(
      fc.property(anyText(80), fc.option(anyText(30), { nil: undefined }), (body, type) => {
        expectWellFormed(parseOAuthErrorBody(body, type));
      }),
      { numRuns: 250 },
    );
  });

  it('on almost-JSON and almost-form bodies that mention the OAuth fields', () => {
    const formPieces = ['error', 'error_description', 'error_uri', 'scope', '=', '&', '%', '%2', '%E0%A4%A', '%20', '+', 'invalid_grant', 'Bad', ' ', '\n', 'é'];
    const body = fc.oneof(
      fromPieces(formPieces, 20),
      almostJson(2).map((json) => `{"error":"invalid_grant",${json.replace(/^\{/, '')}`),
      fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 1 })).map(([error, description, scope]) => JSON.stringify({ error, error_description: description, scope })),
    );
    fc.assert(
      fc.property(body, contentType('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/problem+json', 'text/html'), (text, type) => {
        expectWellFormed(parseOAuthErrorBody(text, type));
      }),
      { numRuns: 400 },
    );
  });

  it('on non-string bodies', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expectWellFormed(parseOAuthErrorBody(value as string));
      }),
      { numRuns: 100 },
    );
  });
});

describe('round trips', () => {
  it('a JSON error body, with other fields and any whitespace, as JSON or sniffed', () => {
    fc.assert(
      fc.property(spec, otherFields, fc.boolean(), ows, contentType('application/json', 'text/plain', 'application/vnd.api+json'), (s, others, otherFirst, space, type) => {
        const fields = { error: s.error, ...(s.description !== undefined ? { error_description: s.description } : {}), ...(s.uri !== undefined ? { error_uri: s.uri } : {}), ...(s.scope !== undefined ? { scope: s.scope } : {}) };
        const body = JSON.stringify(otherFirst ? { ...others, ...fields } : { ...fields, ...others }, null, space === '' ? undefined : 1);
        expect(parseOAuthErrorBody(`${space}${body}${space}`, type)).toEqual(expected(s, 'json'));
      }),
      { numRuns: 150 },
    );
  });

  it('a form-encoded error body (GitHub), with spaces as + or %20 and the fields in any order', () => {
    fc.assert(
      fc.property(
        spec.map((s) => ({ ...s, scope: Array.isArray(s.scope) ? s.scope.join(' ') : s.scope })),
        fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((k) => !['error', 'error_description', 'error_uri', 'scope'].includes(k)), wellFormedText), { maxLength: 3 }),
        fc.boolean(),
        fc.nat(),
        contentType('application/x-www-form-urlencoded', 'text/plain'),
        (s, others, plus, seed, type) => {
          const encode = (text: string): string => (plus ? encodeURIComponent(text).replace(/%20/g, '+') : encodeURIComponent(text));
          const pairs: Array<[string, string]> = [['error', s.error]];
          if (s.description !== undefined) pairs.push(['error_description', s.description]);
          if (s.uri !== undefined) pairs.push(['error_uri', s.uri]);
          if (s.scope !== undefined) pairs.push(['scope', s.scope]);
          const all = [...pairs, ...others];
          // A deterministic shuffle from the seed.
          const shuffled = all.map((pair, i) => ({ pair, key: (seed * (i + 7)) % 101 })).sort((a, b) => a.key - b.key).map((x) => x.pair);
          const body = shuffled.map(([name, value]) => `${name}=${encode(value)}`).join('&');
          expect(parseOAuthErrorBody(body, type)).toEqual(expected(s, 'form'));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the attributes of a Bearer or DPoP challenge (RFC 6750 §3, RFC 9449 §7.1), among other challenges', () => {
    const qdtext = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), fc.constantFrom('\t', 'é', '✓')), maxLength: 30 });
    const quote = (text: string): string => `"${text.replace(/["\\]/g, '\\$&')}"`;
    fc.assert(
      fc.property(
        fc.record({ error: errorCode, description: qdtext, uri: qdtext, scope: qdtext }, { requiredKeys: ['error'] }),
        fc.constantFrom('Bearer', 'bearer', 'DPoP'),
        fc.constantFrom('', 'Basic realm="x", ', 'Bearer realm="no-error", '),
        ows,
        (s, scheme, before, space) => {
          const params = [`realm="api"`, `error=${quote(s.error)}`];
          if (s.description !== undefined) params.push(`error_description=${quote(s.description)}`);
          if (s.uri !== undefined) params.push(`error_uri=${quote(s.uri)}`);
          if (s.scope !== undefined) params.push(`scope=${quote(s.scope)}`);
          const headers: HeaderPairs = [['WWW-Authenticate', `${before}${scheme} ${params.join(`${space},${space}`)}`]];
          const want = expected(s, 'www-authenticate');
          expect(oauthErrorFromChallenges(parseWwwAuthenticate(headers[0][1]))).toEqual(want);
          expect(responseOAuthError({ headers, body: {} })).toEqual(want);
          // The body, when it holds an OAuth error, is more specific than the header.
          expect(responseOAuthError({ headers, body: { text: '{"error":"invalid_client"}' } })).toEqual({ error: 'invalid_client', source: 'json' });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads nothing from a body declared as another type (text/html, application/xml…)', () => {
    fc.assert(
      fc.property(spec, contentType('text/html', 'application/xml', 'image/png').filter((t) => t !== undefined), (s, type) => {
        expect(parseOAuthErrorBody(JSON.stringify({ error: s.error }), type)).toBeUndefined();
        expect(parseOAuthErrorBody(`error=${s.error}`, type)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});
