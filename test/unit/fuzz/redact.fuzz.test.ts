/**
 * The redactor: on near-valid URLs, header values and bodies it never throws; a secret placed in any credential
 * position (with random context around it) never comes out; redacting twice gives what redacting once gave; and text
 * with no credential comes out byte-identical.
 */
import fc from 'fast-check';
import { redactBodyText, redactHeaderValue, redactProse, redactText, redactUrl } from '../../../src/log/redact';
import { anyCase, anyText, base64url, fromPieces, secretToken } from './arbitraries';

type Redactor = [name: string, redact: (text: string) => string];
const REDACTORS: Redactor[] = [
  ['redactUrl', redactUrl],
  ['redactText', redactText],
  ['redactProse', redactProse],
  ['redactBodyText json', (t) => redactBodyText(t, 'application/json')],
  ['redactBodyText form', (t) => redactBodyText(t, 'application/x-www-form-urlencoded; charset=utf-8')],
  ['redactBodyText multipart', (t) => redactBodyText(t, 'multipart/form-data; boundary=XyZ')],
  ['redactBodyText untyped', (t) => redactBodyText(t, undefined)],
  ['redactBodyText text/plain', (t) => redactBodyText(t, 'text/plain')],
  ...['Authorization', 'Proxy-Authorization', 'Autorization', 'Cookie', 'Set-Cookie', 'X-Api-Key', 'Private-Token', 'X-Custom-Token', 'Location', 'WWW-Authenticate', 'X-Request-Id'].map(
    (name): Redactor => [`redactHeaderValue ${name}`, (t) => redactHeaderValue(name, t)],
  ),
];

const words = fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { maxLength: 4 }).map((w) => w.join(' '));
const jwtWith = (signature: string, claims: object = { sub: 'user-1', exp: 1795291200 }): string =>
  `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.${signature}`;
const SECRET_FIELDS = ['password', 'passwd', 'client_secret', 'access_token', 'refresh_token', 'id_token', 'api_key', 'apiKey', 'token', 'secret', 'private_token', 'code', 'key', 'user[password]', 'X-Amz-Signature', 'jwt'];
/** Names that are secret in URLs and forms, but in JSON only when the value looks like a credential (redact.ts). */
const AMBIGUOUS = new Set(['code', 'key', 'session', 'auth', 'sig', 'signature', 'pass', 'assertion']);
const secretField = fc.constantFrom(...SECRET_FIELDS).chain((name) => (name.includes('[') ? fc.constant(name) : anyCase(name)));

/** Where a credential can sit: each case builds an input around the secret and names the redactor for it. */
type Placement = { input: string; redact: (text: string) => string };
type Template = (secret: string) => Placement;
const place = (redact: (text: string) => string, ...inputs: Array<(secret: string) => string>): fc.Arbitrary<Template> =>
  fc.constantFrom(...inputs).map((input) => (secret: string) => ({ input: input(secret), redact }));
const header = (name: string) => (text: string): string => redactHeaderValue(name, text);

// Built once: the secret is applied per run (building arbitraries such as jsonValue inside a chain is slow).
const placements: fc.Arbitrary<Template> = fc.oneof(
  // Authorization and its look-alikes
  fc.tuple(fc.constantFrom('Authorization', 'Proxy-Authorization', 'authorization', 'Autorization', 'Authorisation'), fc.constantFrom('Bearer', 'bearer', 'Token', 'JWT', 'Custom-Scheme', 'Bearer Bearer', 'DPoP'), fc.constantFrom('', ' ', '\n')).map(
    ([name, scheme, trail]): Template => (secret) => ({ input: `${scheme} ${secret}${trail}`, redact: header(name) }),
  ),
  // The parts swapped, or a token followed by junk: the token is not a scheme to show.
  place(header('Authorization'), (secret) => `${jwtWith(secret)} Bearer`, (secret) => `ghp_${secret} token`, (secret) => `${jwtWith(secret)}.x y`),
  fc.tuple(fc.stringMatching(/^[a-z][a-z.@-]{0,10}$/), fc.boolean()).map(([user, secretIsUser]): Template => (secret) => ({
    input: `Basic ${Buffer.from(secretIsUser ? `${secret}:` : `${user}:${secret}`).toString('base64')}`,
    redact: header('Authorization'),
  })),
  place(
    header('Authorization'),
    (secret) => `Digest username="bob", realm="api", nonce="n1", uri="/x", response="${secret}", qop=auth`,
    (secret) => `Digest username="bob", realm="api", cnonce=${secret}, nc=00000001`,
    (secret) => `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${secret}`,
    (secret) => `AWS4-HMAC-SHA256 Credential=${secret}, SignedHeaders=host, Signature=abc`,
  ),
  // Whole-value credential headers
  fc.constantFrom('X-Api-Key', 'Private-Token', 'X-Auth-Token', 'Api-Key', 'X-Goog-Api-Key', 'X-My-Service-Token', 'X-Api-Kye', 'Job-Token').map((name): Template => (secret) => ({ input: secret, redact: header(name) })),
  fc.tuple(fc.boolean(), fc.nat(3)).map(([tight, at]): Template => (secret) => {
    const cookies = ['theme=dark', 'lang=en', 'ab=1'];
    cookies.splice(at % 4, 0, `sid=${secret}`);
    return { input: cookies.join(tight ? ';' : '; '), redact: header('Cookie') };
  }),
  place(header('Set-Cookie'), (secret) => `sid=${secret}`, (secret) => `sid=${secret}; Path=/`, (secret) => `sid=${secret}; Path=/; HttpOnly; Secure; SameSite=Lax`),
  // URLs, in redactUrl and in a Location header
  fc.tuple(secretField, fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.stringMatching(/^[a-z0-9]{0,6}$/)), { maxLength: 3 }), fc.nat(), fc.constantFrom('?', '#')).map(([field, others, at, where]): Template => (secret) => {
    const pairs = others.map(([k, v]) => `${k}=${v}`);
    pairs.splice(at % (pairs.length + 1), 0, `${encodeURIComponent(field)}=${secret}`);
    return { input: `https://api.example.com/cb${where}${pairs.join('&')}`, redact: redactUrl };
  }),
  place(
    header('Location'),
    (secret) => `https://user:${secret}@git.example.com/x.git`,
    (secret) => `https://ghp_${secret}@github.com/o/r`,
    (secret) => `https://oauth2:${secret}@gitlab.example.com/`,
    (secret) => `http://h/p?state=${jwtWith(secret)}`,
    (secret) => `http://h/files/${jwtWith(secret)}/x`,
  ),
  // Bodies
  fc.tuple(secretField, fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.stringMatching(/^[a-z0-9+%]{0,6}$/)), { maxLength: 3 })).map(([field, others]): Template => (secret) => ({
    input: [...others.map(([k, v]) => `${k}=${v}`), `${encodeURIComponent(field)}=${secret}`].join('&'),
    redact: (t: string) => redactBodyText(t, 'application/x-www-form-urlencoded'),
  })),
  fc.tuple(secretField, fc.jsonValue({ maxDepth: 2 }), fc.nat(3), fc.constantFrom(undefined, 1, '  '), fc.boolean(), fc.constantFrom('application/json', undefined, 'application/vnd.api+json')).map(([field, other, depth, indent, nested, type]): Template => (secret) => {
    let value: unknown = { [field]: nested && !AMBIGUOUS.has(field.toLowerCase()) ? { nested: [secret, { deeper: secret }] } : secret };
    for (let i = 0; i < depth; i++) value = i % 2 ? { other, wrap: value } : [other, value];
    return { input: JSON.stringify(value, null, indent), redact: (t: string) => redactBodyText(t, type) };
  }),
  fc.tuple(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('note', 'state', 'headers')).map(([other, key]): Template => (secret) => ({
    input: JSON.stringify({ other, [key]: key === 'headers' ? { Authorization: `Bearer ${secret}` } : `sent Bearer ${secret} and ${jwtWith(secret)}` }),
    redact: (t: string) => redactBodyText(t, 'application/json'),
  })),
  secretField.map((field): Template => (secret) => ({
    input: `--XyZ\r\nContent-Disposition: form-data; name="user"\r\n\r\nbob\r\n--XyZ\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n${secret}\r\n--XyZ--\r\n`,
    redact: (t: string) => redactBodyText(t, 'multipart/form-data; boundary=XyZ'),
  })),
  // Free text: error messages, curl -v dumps, log lines
  fc.tuple(words, words, fc.constantFrom(
    (secret: string) => `Authorization: Bearer ${secret}`,
    (secret: string) => `> Authorization: Basic ${Buffer.from(`bob:${secret}`).toString('base64')}`,
    (secret: string) => `X-Api-Key: ${secret}`,
    (secret: string) => `failed with Bearer ${secret}`,
    (secret: string) => `sent Bearer Bearer ${secret} twice`,
    (secret: string) => `password=${secret}`,
    (secret: string) => `{"client_secret": "${secret}"}`,
    (secret: string) => `see https://u:${secret}@h.example.com/x`,
    (secret: string) => `GET /cb?access_token=${secret} HTTP/1.1`,
    (secret: string) => `token ${jwtWith(secret)} rejected`,
  )).map(([before, after, line]): Template => (secret) => ({ input: `${before}\n${line(secret)}\n${after}`, redact: redactText })),
);
const placed = fc.tuple(secretToken, placements).map(([secret, template]) => ({ secret, ...template(secret) }));

describe('redaction never throws', () => {
  const pieces = ['Bearer ', 'Basic ', 'eyJ', '.', '=', '&', '?', '#', '@', ':', '://', '"', "'", '{', '}', '[', ']', ',', '\\', '%', '%2', '+', ';', ' ', '\n', '\r\n', '--XyZ', 'Content-Disposition: form-data; name="password"', 'password', 'access_token', 'token', 'code', 'Authorization: ', '‹3 chars, sha256:abcdef›', 'JWT{', 'user=', 'https://', 'a1B2c3D4e5F6g7H8'];
  const input = fc.oneof(anyText(80), fromPieces(pieces, 25));

  it.each(REDACTORS)('%s, on arbitrary text and text built from the pieces redaction reacts to', (_name, redact) => {
    fc.assert(
      fc.property(input, (text) => {
        expect(typeof redact(text)).toBe('string');
      }),
      { numRuns: 150 },
    );
  });

  it('redactHeaderValue on any header name', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(20), fc.constantFrom('Cookie', 'authorization', 'x-api-key', ':authority', 'Location').chain(anyCase)), input, (name, value) => {
        expect(typeof redactHeaderValue(name, value)).toBe('string');
      }),
      { numRuns: 150 },
    );
  });

  it('redactBodyText on any content type, multipart boundaries included', () => {
    const type = fc.oneof(anyText(30), fc.constantFrom('multipart/form-data; boundary=', 'multipart/form-data; boundary=""', 'multipart/form-data; boundary="a b"', 'application/x-www-form-urlencoded', 'application/json'));
    fc.assert(
      fc.property(input, fc.option(type, { nil: undefined }), (text, contentType) => {
        expect(typeof redactBodyText(text, contentType)).toBe('string');
      }),
      { numRuns: 150 },
    );
  });
});

describe('redaction never leaks a credential', () => {
  it('whatever credential position the secret is in, and whatever surrounds it', () => {
    fc.assert(
      fc.property(placed, ({ secret, input, redact }) => {
        const once = redact(input);
        expect(once).not.toContain(secret);
        expect(redact(once)).not.toContain(secret);
      }),
      { numRuns: 400 },
    );
  });
});

describe('redaction is idempotent', () => {
  const structured = placed.map((p) => p.input);
  // Pieces apart, as words of a text: glued into one word (`eyJ….e30.Basic dXNl…`) they make garbage the redactor can
  // read differently once part of it is masked.
  const words = fc
    .array(fc.constantFrom('Bearer', 'Basic dXNlcjpwYXNz', 'password=x', 'x', '"token": "t0k3nV4lu3x"', '&', 'Authorization: Bearer abc', 'eyJhbGciOiJIUzI1NiJ9.e30.sig', 'https://u:p@h/?code=c0d3&state=s', '%zz', '{"a": "b"}'), { maxLength: 8 })
    .chain((parts) => fc.constantFrom(' ', '\n', ', ').map((separator) => parts.join(separator)));
  const input = fc.oneof(structured, anyText(60), words);

  it.each(REDACTORS)('%s: redacting twice gives what redacting once gave', (_name, redact) => {
    fc.assert(
      fc.property(input, (text) => {
        const once = redact(text);
        expect(redact(once)).toBe(once);
      }),
      { numRuns: 200 },
    );
  });
});

describe('redaction keeps text without credentials byte-identical', () => {
  const safeWord = fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/).filter((w) => !/token|secret|passw|key|code|auth|sess|sig|jwt|cred|pass|bearer|basic/.test(w));

  it('URLs with ordinary query parameters and fragments', () => {
    fc.assert(
      fc.property(fc.webUrl({ withFragments: false, withQueryParameters: false }), fc.array(fc.tuple(safeWord, safeWord), { maxLength: 4 }), fc.option(safeWord, { nil: undefined }), (url, params, fragment) => {
        const full = `${url}${params.length > 0 ? `?${params.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}${fragment !== undefined ? `#${fragment}` : ''}`;
        expect(redactUrl(full)).toBe(full);
      }),
      { numRuns: 200 },
    );
  });

  it('JSON and form bodies with ordinary fields, formatted any way', () => {
    const value = fc.oneof(safeWord, fc.integer(), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(fc.dictionary(safeWord, fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.dictionary(safeWord, value, { maxKeys: 3 })), { maxKeys: 5 }), fc.constantFrom(undefined, 1, '\t'), (object, indent) => {
        const json = JSON.stringify(object, null, indent);
        expect(redactBodyText(json, 'application/json')).toBe(json);
        const form = Object.entries(object).map(([k, v]) => `${k}=${encodeURIComponent(JSON.stringify(v))}`).join('&');
        expect(redactBodyText(form, 'application/x-www-form-urlencoded')).toBe(form);
      }),
      { numRuns: 200 },
    );
  });

  it('header values that are not credentials', () => {
    fc.assert(
      fc.property(fc.constantFrom('Content-Type', 'Accept', 'User-Agent', 'X-Request-Id', 'WWW-Authenticate', 'Idempotency-Key'), fc.array(safeWord, { minLength: 1, maxLength: 4 }), (name, parts) => {
        const value = parts.join(name === 'Accept' ? ', ' : ' ');
        expect(redactHeaderValue(name, value)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });
});
