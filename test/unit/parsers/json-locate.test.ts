import fc from 'fast-check';
import {
  caretSnippet,
  cleanV8Message,
  explainJsonError,
  firstInvalidUtf8Offset,
  lineColumnAt,
  maskSecretValues,
  parseJsonLocated,
  positionFromV8Message,
  scanJsonError,
} from '../../../src/diagnosis/parsers/json-locate';

function failure(text: string) {
  const result = parseJsonLocated(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to fail`);
  return result;
}

describe('parseJsonLocated', () => {
  it('returns the value for valid JSON', () => {
    expect(parseJsonLocated('{"a":[1,2]}')).toEqual({ ok: true, value: { a: [1, 2] } });
  });

  it('locates a trailing comma with line, column and a caret', () => {
    const result = failure('{\n  "title": "x",\n}');
    expect(result.line).toBe(3);
    expect(result.column).toBe(1);
    expect(result.snippet).toBe('}\n^');
    expect(result.message).toMatch(/property name/);
    expect(result.message).not.toMatch(/position/);
  });

  it('locates an error in the middle of a line', () => {
    const result = failure('{"a": 1 "b": 2}');
    expect(result).toMatchObject({ line: 1, column: 9, offset: 8 });
    expect(result.snippet).toBe('{"a": 1 "b": 2}\n        ^');
  });

  it('points just past the last character when the input ends early', () => {
    const result = failure('{"a": [1, 2\n\n');
    expect(result).toMatchObject({ line: 1, column: 12 });
    expect(result.message).toBe(cleanV8Message(result.message));
  });

  it('never echoes the body in its message and masks secrets in the snippet', () => {
    const result = failure("{'password': 'hunter2', 'user': 'bob'}");
    expect(result.message).not.toContain('hunter2');
    expect(result.snippet).not.toContain('hunter2');
    expect(result.snippet).toContain("'user': 'bob'");
  });

  it('handles an empty body', () => {
    expect(failure('')).toMatchObject({ line: 1, column: 1, offset: 0 });
  });

  it('windows a long line', () => {
    const text = `{"a":"${'x'.repeat(200)}" "b":1}`;
    const result = failure(text);
    const [line, caret] = result.snippet.split('\n');
    expect(line.length).toBeLessThanOrEqual(62);
    expect(line.startsWith('…')).toBe(true);
    expect(line.slice(caret.indexOf('^'))).toMatch(/^"b":1}$/);
  });

  it('never throws and always reports a position inside the text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = parseJsonLocated(text);
        if (!result.ok) {
          expect(result.offset).toBeGreaterThanOrEqual(0);
          expect(result.offset).toBeLessThanOrEqual(text.length);
          expect(result.line).toBeGreaterThanOrEqual(1);
          expect(result.column).toBeGreaterThanOrEqual(1);
        }
      }),
    );
  });
});

describe('positionFromV8Message', () => {
  it('reads Node 22+ "(line L column C)"', () => {
    const text = '{\n  "a": 1 2}';
    expect(positionFromV8Message(text, "Expected ',' or '}' after property value in JSON at position 11 (line 2 column 10)")).toBe(11);
  });
  it('reads Node 20 "at position N"', () => {
    expect(positionFromV8Message('{"a":1,}', 'Expected double-quoted property name in JSON at position 7')).toBe(7);
  });
  it('returns undefined without a position', () => {
    expect(positionFromV8Message('x', 'Unexpected end of JSON input')).toBeUndefined();
  });
});

describe('cleanV8Message', () => {
  it('removes the echoed body text (Node 20 and 22 forms)', () => {
    expect(cleanV8Message('Unexpected token \'p\', "password=hunter2" is not valid JSON')).toBe("Unexpected token 'p'");
    expect(cleanV8Message('Unexpected token \'p\', "password=h"... is not valid JSON')).toBe("Unexpected token 'p'");
  });
  it('removes position suffixes', () => {
    expect(cleanV8Message("Expected ',' or '}' after property value in JSON at position 11 (line 2 column 10)")).toBe(
      "Expected ',' or '}' after property value",
    );
  });
});

describe('scanJsonError (fallback when V8 gives no position)', () => {
  it.each([
    ['{"a":1}', undefined],
    ['[1, 2, {"b": [true, false, null, -1.5e3, "\\u00e9"]}]', undefined],
    ['{"a":1,}', 7],
    ['{a:1}', 1],
    ['[1 2]', 3],
    ['{"a" 1}', 5],
    ['"abc', 4],
    ['{"a":"x\ny"}', 7],
    ['{"a":"\\q"}', 7],
    ['tru', 3],
    ['nul!', 0],
    ['{"a":1} x', 8],
    ['-', 1],
    ['\uFEFF{}', 0],
  ])('%j → %p', (text, offset) => {
    expect(scanJsonError(text)?.offset).toBe(offset);
  });

  it('agrees with JSON.parse on whether arbitrary text is valid', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(scanJsonError(text) === undefined).toBe(valid);
      }),
    );
  });

  it('survives deep nesting without recursion', () => {
    expect(scanJsonError('['.repeat(100000))?.message).toBe('Unexpected end of JSON input');
  });
});

describe('helpers', () => {
  it('lineColumnAt counts CRLF lines', () => {
    expect(lineColumnAt('a\r\nbc', 4)).toEqual({ line: 2, column: 2 });
  });

  it('caretSnippet shows control characters as spaces', () => {
    expect(caretSnippet('\t{x', 2)).toBe(' {x\n  ^');
  });

  it('maskSecretValues keeps length and masks JSON and form secrets', () => {
    const text = '{"access_token":"abc.def","name":"n"} client_secret=s3cr3t&x=1';
    const masked = maskSecretValues(text);
    expect(masked).toHaveLength(text.length);
    expect(masked).toBe('{"access_token":"*******","name":"n"} client_secret=******&x=1');
  });

  it('explainJsonError recognises common mistakes', () => {
    const cases: Array<[string, RegExp]> = [
      ["{'a': 1}", /single-quoted/],
      ['{"a": True}', /Python/],
      ['{"a": 1,}', /trailing comma/],
      ['{a: 1}', /double-quoted/],
      ['{"a": NaN}', /NaN/],
      ['{"a": 1} {"b": 2}', /second value/],
      ['{"a": [1', /ends early/],
      ['{"user": [object Object]}', /JSON.stringify/],
    ];
    for (const [text, expected] of cases) {
      const result = failure(text);
      expect(explainJsonError(text, result.offset, result.message)).toMatch(expected);
    }
  });

  it('firstInvalidUtf8Offset finds Latin-1 bytes and accepts valid UTF-8', () => {
    expect(firstInvalidUtf8Offset(Buffer.from('{"name":"caf\u00e9"}', 'latin1'))).toBe(12);
    expect(firstInvalidUtf8Offset(Buffer.from('{"name":"caf\u00e9 \u{1F600}"}', 'utf8'))).toBeUndefined();
    expect(firstInvalidUtf8Offset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // encoded surrogate
    expect(firstInvalidUtf8Offset(Buffer.from([0xc0, 0x80]))).toBe(0); // overlong
  });
});
