/**
 * WWW-Authenticate (RFC 9110 §11.6.1): arbitrary and near-valid header values never throw and give well-formed
 * challenges; challenges serialised per the grammar (any BWS/OWS, empty list elements, quoted-pair escapes) parse back
 * to themselves.
 */
import fc from 'fast-check';
import { findChallenge, parseWwwAuthenticate, type AuthChallenge } from '../../../src/diagnosis/parsers/www-authenticate';
import { anyText, fromPieces, ows, token, unicodeChar } from './arbitraries';

const TOKEN68_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';

function expectWellFormed(challenges: AuthChallenge[]): void {
  expect(Array.isArray(challenges)).toBe(true);
  for (const c of challenges) {
    expect(c.scheme).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
    expect(Object.getPrototypeOf(c.params)).toBe(Object.prototype);
    for (const [name, value] of Object.entries(c.params)) {
      expect(name).toMatch(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/);
      expect(typeof value).toBe('string');
    }
    if (c.token68 !== undefined) {
      expect(c.token68).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
      expect(Object.keys(c.params)).toEqual([]);
    }
  }
}

describe('parseWwwAuthenticate never throws', () => {
  it('on arbitrary Unicode, lone surrogates and control characters, alone or as repeated headers', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(80), fc.array(anyText(40), { maxLength: 4 })), (input) => {
        expectWellFormed(parseWwwAuthenticate(input));
      }),
      { numRuns: 250 },
    );
  });

  it('on values built from the grammar pieces, with non-strings slipped into the list', () => {
    const pieces = ['Bearer', 'Basic', 'Digest', 'Negotiate', ' ', '\t', ',', ', ', '=', ' = ', '"', '\\', '\\"', 'realm', 'error', 'abc==', 'a/b+c', 'x', '""', '\u0000', '\u007f', 'é'];
    fc.assert(
      fc.property(fc.array(fc.oneof(fromPieces(pieces, 40), fc.constant(undefined as unknown as string)), { minLength: 1, maxLength: 3 }), (values) => {
        expectWellFormed(parseWwwAuthenticate(values));
      }),
      { numRuns: 250 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Round trip

/** qdtext (HTAB, SP, VCHAR except `"` and `\`, obs-text and beyond), plus the two characters that must be escaped. */
const quotedChar = fc.oneof(
  fc.constantFrom('"', '\\', '\t', ' ', ',', '=', ';'),
  fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
  unicodeChar.filter((ch) => ch.codePointAt(0)! >= 0x80),
);

interface ParamSpec {
  name: string;
  value: string;
  quoted: boolean;
  /** Escape every character (quoted-pair), not only `"` and `\`. */
  escapeAll: boolean;
  bwsBefore: string;
  bwsAfter: string;
}

const paramSpec: fc.Arbitrary<ParamSpec> = fc
  .record({
    name: fc.oneof(token(10), fc.constantFrom('realm', 'Realm', 'scope', 'error', 'error_description', 'constructor', 'toString', '__proto__', 'hasOwnProperty')),
    tokenValue: token(12),
    quotedValue: fc.string({ unit: quotedChar, maxLength: 20 }),
    quoted: fc.boolean(),
    escapeAll: fc.boolean(),
    bwsBefore: ows,
    bwsAfter: ows,
  })
  .map(({ name, tokenValue, quotedValue, quoted, escapeAll, bwsBefore, bwsAfter }) => ({
    name,
    value: quoted ? quotedValue : tokenValue,
    quoted,
    escapeAll,
    bwsBefore,
    bwsAfter,
  }));

type ChallengeSpec = { scheme: string; spaces: string } & ({ kind: 'bare' } | { kind: 'token68'; token68: string } | { kind: 'params'; params: ParamSpec[] });

const challengeSpec: fc.Arbitrary<ChallengeSpec> = fc.record({ scheme: token(10), spaces: fc.constantFrom(' ', '  ', '\t', ' \t ') }).chain((head) =>
  fc.oneof(
    fc.constant({ ...head, kind: 'bare' as const }),
    fc
      .tuple(fc.string({ unit: fc.constantFrom(...TOKEN68_CHARS), minLength: 1, maxLength: 30 }), fc.constantFrom('', '=', '=='))
      .map(([body, padding]) => ({ ...head, kind: 'token68' as const, token68: body + padding })),
    fc
      .uniqueArray(paramSpec, { minLength: 1, maxLength: 4, selector: (p) => p.name.toLowerCase() })
      .map((params) => ({ ...head, kind: 'params' as const, params })),
  ),
);

/** A list separator: optional whitespace, a comma, and sometimes empty list elements (RFC 9110 §5.6.1). */
const separator = fc.tuple(ows, fc.constantFrom(',', ',', ', ,', ',,'), ows).map((parts) => parts.join(''));

function quote(value: string, escapeAll: boolean): string {
  return `"${[...value].map((ch) => (escapeAll || ch === '"' || ch === '\\' ? `\\${ch}` : ch)).join('')}"`;
}

function serialise(spec: ChallengeSpec, paramSeparators: string[]): string {
  if (spec.kind === 'bare') return spec.scheme;
  if (spec.kind === 'token68') return `${spec.scheme}${spec.spaces}${spec.token68}`;
  const params = spec.params.map((p) => `${p.name}${p.bwsBefore}=${p.bwsAfter}${p.quoted ? quote(p.value, p.escapeAll) : p.value}`);
  return spec.scheme + spec.spaces + params.map((p, i) => (i === 0 ? p : paramSeparators[i % paramSeparators.length] + p)).join('');
}

function expected(spec: ChallengeSpec): AuthChallenge {
  if (spec.kind === 'token68') return { scheme: spec.scheme, params: {}, token68: spec.token68 };
  const params: Record<string, string> = {};
  if (spec.kind === 'params') {
    for (const p of spec.params) Object.defineProperty(params, p.name.toLowerCase(), { value: p.value, enumerable: true, writable: true, configurable: true });
  }
  return { scheme: spec.scheme, params };
}

describe('parseWwwAuthenticate round trip', () => {
  it('gives back the challenges, params and token68 values that were serialised', () => {
    fc.assert(
      fc.property(
        fc.array(challengeSpec, { minLength: 1, maxLength: 4 }),
        fc.array(separator, { minLength: 1, maxLength: 3 }),
        ows,
        ows,
        (specs, separators, lead, trail) => {
          const header = lead + specs.map((spec) => serialise(spec, separators)).join(separators[0]) + trail;
          expect(parseWwwAuthenticate(header)).toEqual(specs.map(expected));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('treats repeated headers as one comma-joined list', () => {
    fc.assert(
      fc.property(fc.array(fc.array(challengeSpec, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }), (lines) => {
        const values = lines.map((specs) => specs.map((spec) => serialise(spec, [', '])).join(', '));
        expect(parseWwwAuthenticate(values)).toEqual(parseWwwAuthenticate(values.join(', ')));
        expect(parseWwwAuthenticate(values)).toEqual(lines.flat().map(expected));
      }),
      { numRuns: 200 },
    );
  });

  it('parses each header line on its own, so garbage in one loses nothing of the others', () => {
    fc.assert(
      fc.property(fc.array(anyText(30), { minLength: 1, maxLength: 4 }), (values) => {
        expect(parseWwwAuthenticate(values)).toEqual(values.flatMap((value) => parseWwwAuthenticate(value)));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the challenges completed before garbage that starts a new list element', () => {
    fc.assert(
      fc.property(fc.array(challengeSpec, { minLength: 1, maxLength: 3 }), fc.constantFrom('"', '=x', '(', '@', '\u0000', 'é'), anyText(10), (specs, start, rest) => {
        const header = `${specs.map((spec) => serialise(spec, [', '])).join(', ')}, ${start}${rest}`;
        expect(parseWwwAuthenticate(header)).toEqual(specs.map(expected));
      }),
      { numRuns: 200 },
    );
  });

  it('finds a scheme whatever its letter case', () => {
    fc.assert(
      fc.property(fc.array(challengeSpec, { minLength: 1, maxLength: 3 }), fc.nat(), (specs, pick) => {
        const challenges = parseWwwAuthenticate(specs.map((spec) => serialise(spec, [', '])).join(', '));
        const wanted = specs[pick % specs.length].scheme;
        const found = findChallenge(challenges, wanted.toUpperCase());
        expect(found?.scheme.toLowerCase()).toBe(wanted.toLowerCase());
        expect(found).toBe(challenges.find((c) => c.scheme.toLowerCase() === wanted.toLowerCase()));
      }),
      { numRuns: 100 },
    );
  });
});
