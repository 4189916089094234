import fc from 'fast-check';
import {
  describeChallenges,
  findChallenge,
  parseWwwAuthenticate,
  responseChallenges,
} from '../../../src/diagnosis/parsers/www-authenticate';

describe('parseWwwAuthenticate: single challenges', () => {
  it('reads a bare scheme', () => {
    expect(parseWwwAuthenticate('Negotiate')).toEqual([{ scheme: 'Negotiate', params: {} }]);
  });

  it('reads auth-params with quoted and token values, lower-casing names', () => {
    expect(parseWwwAuthenticate('Bearer Realm="example", error=invalid_token')).toEqual([
      { scheme: 'Bearer', params: { realm: 'example', error: 'invalid_token' } },
    ]);
  });

  it('unescapes quoted-pairs and keeps commas inside quoted strings', () => {
    expect(parseWwwAuthenticate('Bearer error_description="say \\"hi\\", ok", scope="a b"')).toEqual([
      { scheme: 'Bearer', params: { error_description: 'say "hi", ok', scope: 'a b' } },
    ]);
  });

  it('allows whitespace around "=" (BWS)', () => {
    expect(parseWwwAuthenticate('Basic realm = "x"')).toEqual([{ scheme: 'Basic', params: { realm: 'x' } }]);
  });

  it('reads "name=" alone as a token68, as the grammar says', () => {
    expect(parseWwwAuthenticate('Bearer realm=')).toEqual([{ scheme: 'Bearer', params: {}, token68: 'realm=' }]);
  });

  it('reads a token68', () => {
    expect(parseWwwAuthenticate('Negotiate YIIBhwYGKwYBBQUCoIIBezCC+/==')).toEqual([
      { scheme: 'Negotiate', params: {}, token68: 'YIIBhwYGKwYBBQUCoIIBezCC+/==' },
    ]);
  });

  it('keeps the first occurrence of a repeated parameter', () => {
    expect(parseWwwAuthenticate('Bearer realm="a", realm="b"')[0].params.realm).toBe('a');
  });
});

describe('parseWwwAuthenticate: several challenges', () => {
  it('splits challenges within one header (RFC 9110 §11.6.1 example)', () => {
    const parsed = parseWwwAuthenticate('Basic realm="simple", Newauth realm="apps", type=1, title="Login to \\"apps\\""');
    expect(parsed).toEqual([
      { scheme: 'Basic', params: { realm: 'simple' } },
      { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
    ]);
  });

  it('splits a bare scheme followed by another challenge, and empty list elements', () => {
    expect(parseWwwAuthenticate(', Negotiate, , Basic realm="x",')).toEqual([
      { scheme: 'Negotiate', params: {} },
      { scheme: 'Basic', params: { realm: 'x' } },
    ]);
  });

  it('splits a token68 challenge from the next one', () => {
    expect(parseWwwAuthenticate('Negotiate abc==, Bearer realm="r"')).toEqual([
      { scheme: 'Negotiate', params: {}, token68: 'abc==' },
      { scheme: 'Bearer', params: { realm: 'r' } },
    ]);
  });

  it('concatenates repeated headers in order', () => {
    expect(parseWwwAuthenticate(['Bearer realm="api"', 'Basic realm="api"']).map((c) => c.scheme)).toEqual(['Bearer', 'Basic']);
  });

  it('reads challenges from response header pairs case-insensitively', () => {
    const challenges = responseChallenges([
      ['www-authenticate', 'Bearer realm="gitlab"'],
      ['Content-Type', 'application/json'],
      ['WWW-Authenticate', 'Basic'],
    ]);
    expect(challenges.map((c) => c.scheme)).toEqual(['Bearer', 'Basic']);
    expect(findChallenge(challenges, 'bearer')?.params.realm).toBe('gitlab');
    expect(findChallenge(challenges, 'Digest')).toBeUndefined();
  });
});

describe('parseWwwAuthenticate: malformed input', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['"Bearer"', []],
    ['=realm', []],
    ['Bearer realm="unterminated', []],
    ['Bearer"x"', []],
    ['Bearer realm="x", error=', []], // a param without a value
    ['Bearer realm=x=y', []],
    ['Bearer realm="a" error="b"', []], // missing comma between params
    ['Basic realm="x", Bearer realm="unterminated', [{ scheme: 'Basic', params: { realm: 'x' } }]],
    ['Basic realm="x", Bearer realm="y" garbage', [{ scheme: 'Basic', params: { realm: 'x' } }]],
    ['Bearer realm="bad\u0001control"', []],
  ])('%p → challenges before the garbage only', (value, expected) => {
    expect(parseWwwAuthenticate(value)).toEqual(expected);
  });

  it('garbage in one repeated header does not lose the others', () => {
    expect(parseWwwAuthenticate(['Bearer realm="x', 'Basic realm="y"'])).toEqual([{ scheme: 'Basic', params: { realm: 'y' } }]);
  });

  it('never throws and always returns well-formed challenges', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.array(fc.string())), (input) => {
        const parsed = parseWwwAuthenticate(input);
        for (const c of parsed) {
          expect(c.scheme).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
          for (const name of Object.keys(c.params)) expect(name).toBe(name.toLowerCase());
        }
      }),
    );
  });

  it('never throws on header-like inputs built from the grammar pieces', () => {
    const piece = fc.constantFrom('Bearer', 'Basic', ' ', ',', '=', '"', '\\', 'realm', 'abc==', '\t', 'x');
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
      expect(Array.isArray(parseWwwAuthenticate(pieces.join('')))).toBe(true);
    }));
  });
});

describe('describeChallenges', () => {
  it('shows scheme, realm and scope only', () => {
    const challenges = parseWwwAuthenticate('Bearer realm="api", error="invalid_token", scope="read write", Basic');
    expect(describeChallenges(challenges)).toBe('Bearer realm="api" scope="read write", Basic');
  });
});
