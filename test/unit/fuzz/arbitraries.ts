/**
 * Generators shared by the fuzz suites: arbitrary text of every kind, and "near-valid" inputs built from the
 * grammar pieces a parser reacts to, which uniform random strings almost never hit.
 */
import fc from 'fast-check';

/**
 * Any Unicode scalar value, printable ASCII more often. Built from integers: fc.string's 'binary' unit costs about a
 * second to build in every test file.
 */
export const unicodeChar: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0, max: 0x10ffff - 0x800 }).map((n) => String.fromCodePoint(n >= 0xd800 ? n + 0x800 : n)),
);

/** Any code point, lone surrogate halves included (what a broken client or a Latin-1 misread can produce). */
export const anyCodeUnit = fc.oneof(
  unicodeChar,
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
);

/** Every flavour of arbitrary text: printable ASCII, full Unicode, graphemes, and UTF-16 with lone surrogates. */
export const anyText = (maxLength = 60): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: unicodeChar, maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: anyCodeUnit, maxLength }),
  );

/** Strings made of a grammar's pieces (tokens, separators, quotes), so most inputs are almost valid. */
export const fromPieces = (pieces: readonly string[], maxLength = 30): fc.Arbitrary<string> =>
  fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...pieces) }, { weight: 1, arbitrary: anyText(3) }), { maxLength }).map((parts) => parts.join(''));

/** RFC 9110 §5.6.2 tchar. */
const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const token = (maxLength = 12): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength });

export const base64url = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64url');

/** Random base64url text, not necessarily decodable to anything meaningful. */
export const base64urlText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), maxLength });

/** Text that could have been valid JSON once: a JSON document with a few characters deleted, inserted or cut. */
export const almostJson = (maxDepth = 3): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.oneof(fc.json({ depthSize: 'small', maxDepth }), fc.jsonValue({ maxDepth }).map((value) => JSON.stringify(value, null, 2))),
      fc.array(
        fc.tuple(
          fc.constantFrom('delete', 'insert', 'truncate', 'replace'),
          fc.nat(),
          fc.constantFrom('{', '}', '[', ']', '"', "'", ',', ':', '\\', '\n', ' ', 'a', '0', '-', '.', 'e', 'true', 'nul', '\u0000', '\ufeff', '/*', 'NaN'),
        ),
        { maxLength: 3 },
      ),
    )
    .map(([text, edits]) => {
      let result = text;
      for (const [kind, at, piece] of edits) {
        const i = result.length === 0 ? 0 : at % (result.length + 1);
        if (kind === 'delete') result = result.slice(0, i) + result.slice(i + 1);
        else if (kind === 'insert') result = result.slice(0, i) + piece + result.slice(i);
        else if (kind === 'truncate') result = result.slice(0, i);
        else result = result.slice(0, i) + piece + result.slice(i + piece.length);
      }
      return result;
    });

/** A long opaque credential: letters of both cases and digits, so every redaction heuristic takes it for one. */
export const secretToken: fc.Arbitrary<string> = fc
  .stringMatching(/^[A-Za-z0-9]{16,32}$/)
  .filter((text) => /\d/.test(text) && /[a-z]/.test(text) && /[A-Z]/.test(text));

/** Mixed letter case of a fixed word (`content-type` → `CoNtEnt-tYpe`). */
export const anyCase = (word: string): fc.Arbitrary<string> => fc.mixedCase(fc.constant(word));

/** Optional whitespace as RFC 9110 §5.6.3 allows it (OWS/BWS). */
export const ows = fc.constantFrom('', '', ' ', '  ', '\t', ' \t');
