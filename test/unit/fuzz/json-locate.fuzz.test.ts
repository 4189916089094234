/**
 * The JSON error locator: on arbitrary and almost-valid JSON it never throws, agrees with JSON.parse, and reports a
 * position whose line, column, offset and caret all describe the same character; masking keeps every offset valid
 * and never shows a secret member's value.
 */
import fc from 'fast-check';
import {
  caretSnippet,
  cleanV8Message,
  explainJsonError,
  firstInvalidUtf8Offset,
  lineColumnAt,
  maskSecretValues,
  offsetAt,
  parseJsonLocated,
  positionFromV8Message,
  scanJsonError,
} from '../../../src/diagnosis/parsers/json-locate';
import { almostJson, anyText, secretToken, unicodeChar } from './arbitraries';

const jsonish = fc.oneof(almostJson(), anyText(60), fc.json({ maxDepth: 2 }));
const visible = (ch: string): string => ch.replace(/[\u0000-\u001f]/g, ' ');

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('parseJsonLocated', () => {
  it('never throws, agrees with JSON.parse, and gives one consistent position', () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        const result = parseJsonLocated(text);
        expect(result.ok).toBe(parsesAsJson(text));
        if (result.ok) {
          expect(result.value).toEqual(JSON.parse(text));
          return;
        }
        expect(result.offset).toBeGreaterThanOrEqual(0);
        expect(result.offset).toBeLessThanOrEqual(text.trimEnd().length);
        expect({ line: result.line, column: result.column }).toEqual(lineColumnAt(text, result.offset));
        expect(offsetAt(text, result.line, result.column)).toBe(result.offset);
        expect(result.message).not.toBe('');
        expect(result.message).toBe(cleanV8Message(result.message));
        expect(result.message).not.toMatch(/is not valid JSON|at position \d/);
        const lines = result.snippet.split('\n');
        expect(lines).toHaveLength(2);
        expect(lines[1]).toMatch(/^ *\^$/);
        expect(lines[0].length).toBeLessThanOrEqual(62);
      }),
      { numRuns: 400 },
    );
  });

  it('never shows the value of a secret member in the snippet or the message, whatever breaks the JSON', () => {
    const name = fc.constantFrom('password', 'access_token', 'client_secret', 'api_key', 'Authorization', 'refresh_token');
    fc.assert(
      fc.property(name, secretToken, fc.constantFrom('"', "'"), almostJson(2), fc.constantFrom(',', ' ', '}', ',}', ' x', "'", ''), (key, secret, q, around, breakage) => {
        const text = `{${q}${key}${q}: ${q}${secret}${q}${breakage}${around}`;
        const result = parseJsonLocated(text);
        if (result.ok) return;
        expect(result.snippet).not.toContain(secret);
        expect(result.message).not.toContain(secret);
      }),
      { numRuns: 150 },
    );
  });
});

describe('scanJsonError', () => {
  it('agrees with JSON.parse on almost-valid JSON, and reports an offset inside the text', () => {
    fc.assert(
      fc.property(almostJson(), (text) => {
        const error = scanJsonError(text);
        expect(error === undefined).toBe(parsesAsJson(text));
        if (error) {
          expect(error.offset).toBeGreaterThanOrEqual(0);
          expect(error.offset).toBeLessThanOrEqual(text.length);
          expect(error.message).not.toBe('');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('puts the error of a valid document followed by junk right after the document', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(' ', '\n', ''), fc.constantFrom('x', '}', ']', ',', '1'), (value, space, junk) => {
        const doc = JSON.stringify(value);
        if (junk === '1' && space === '' && /[\d.eE+-]$/.test(doc)) return; // the digit would continue a number
        if (space === '' && /^[a-z]/.test(junk) && /[a-z]$/.test(doc)) return;
        expect(scanJsonError(`${doc}${space}${junk}`)?.offset).toBe(doc.length + space.length);
      }),
      { numRuns: 150 },
    );
  });
});

describe('helpers', () => {
  it('lineColumnAt and offsetAt are inverse for every offset of any text', () => {
    fc.assert(
      fc.property(anyText(60), fc.nat(), (text, at) => {
        const offset = at % (text.length + 1);
        const { line, column } = lineColumnAt(text, offset);
        expect(line).toBe(text.slice(0, offset).split('\n').length);
        expect(offsetAt(text, line, column)).toBe(offset);
      }),
      { numRuns: 250 },
    );
  });

  it('offsetAt clamps any line and column into the text', () => {
    fc.assert(
      fc.property(anyText(40), fc.integer({ min: -5, max: 100 }), fc.integer({ min: -5, max: 100 }), (text, line, column) => {
        const offset = offsetAt(text, line, column);
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 150 },
    );
  });

  it('caretSnippet: two lines, the caret under the character at the offset, at most 60 characters shown', () => {
    const longLines = fc.array(fc.oneof(anyText(20), fc.constantFrom('\n', '\r\n', 'x'.repeat(70), '\t')), { maxLength: 8 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(anyText(60), longLines), fc.nat(), (text, at) => {
        const offset = at % (text.length + 1);
        const [line, caret, ...rest] = caretSnippet(text, offset).split('\n');
        expect(rest).toEqual([]);
        expect(caret).toMatch(/^ *\^$/);
        expect(line.length).toBeLessThanOrEqual(62);
        const column = caret.length - 1;
        // At a line break the caret may sit one past the shown line (a CRLF's hidden CR); anywhere else it is on the character.
        if (text[offset] === '\n' || text[offset] === '\r' || (offset === text.length && text.endsWith('\r'))) return;
        expect(column).toBeLessThanOrEqual(line.length);
        if (offset < text.length) expect(line[column]).toBe(visible(text[offset]));
      }),
      { numRuns: 250 },
    );
  });

  it('maskSecretValues only turns characters into "*", so lengths, lines and columns stay valid', () => {
    const secretish = fc.oneof(jsonish, fc.constantFrom('{"password":"a\\"b\\\\c"}', "{'token': 'x\\'y'}", 'a=1&client_secret=s&b', '"api_key"\n:\n"k"').map(String));
    fc.assert(
      fc.property(fc.array(secretish, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(' ')), (text) => {
        const masked = maskSecretValues(text);
        expect(masked).toHaveLength(text.length);
        for (let i = 0; i < text.length; i++) if (masked[i] !== text[i]) expect(masked[i]).toBe('*');
        expect(maskSecretValues(masked)).toBe(masked);
      }),
      { numRuns: 250 },
    );
  });

  it('maskSecretValues hides secret JSON members and form pairs anywhere in a text', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('password', 'Access_Token', 'client_secret', 'x-api-key', 'refresh_token', 'authorization'),
        secretToken,
        fc.constantFrom((k: string, s: string) => `{"${k}": "${s}"}`, (k: string, s: string) => `'${k}':'${s}'`, (k: string, s: string) => `${k} : "${s}`, (k: string, s: string) => `?${k}=${s}&a=b`, (k: string, s: string) => `${k}=${s}`),
        anyText(20),
        anyText(20),
        (key, secret, shape, before, after) => {
          // Context without quotes or colons: inside someone else's string value a member is not a member.
          const text = `${before.replace(/[\w"':\\]/g, '')} ${shape(key, secret)} ${after}`;
          expect(maskSecretValues(text)).not.toContain(secret);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('V8 message helpers and explainJsonError never throw on any text, offset or message', () => {
    fc.assert(
      fc.property(anyText(40), anyText(60), fc.integer({ min: -3, max: 80 }), (text, message, offset) => {
        expect(typeof cleanV8Message(message)).toBe('string');
        const position = positionFromV8Message(text, message);
        if (position !== undefined) expect(Number.isInteger(position)).toBe(true);
        const explained = explainJsonError(text, Math.max(0, offset), message);
        if (explained !== undefined) expect(typeof explained).toBe('string');
      }),
      { numRuns: 150 },
    );
  });

  it('firstInvalidUtf8Offset agrees with a strict UTF-8 decoder, and the bytes before it decode', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const decodes = (bytes: Uint8Array): boolean => {
      try {
        strict.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 30 }),
      fc.string({ unit: unicodeChar, maxLength: 20 }).map((text) => new Uint8Array(Buffer.from(text, 'utf8'))),
      fc.tuple(fc.string({ unit: unicodeChar, maxLength: 10 }), fc.uint8Array({ maxLength: 3 }), fc.nat()).map(([text, junk, cut]) => {
        const valid = Buffer.from(text, 'utf8');
        const at = cut % (valid.length + 1);
        return new Uint8Array(Buffer.concat([valid.subarray(0, at), junk, valid.subarray(at)]));
      }),
    );
    fc.assert(
      fc.property(bytes, (input) => {
        const offset = firstInvalidUtf8Offset(input);
        expect(offset === undefined).toBe(decodes(input));
        if (offset !== undefined) {
          expect(offset).toBeLessThan(input.length);
          expect(decodes(input.subarray(0, offset))).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
