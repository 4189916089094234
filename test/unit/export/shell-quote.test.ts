/**
 * Quoting is checked against real bash: every quoted word is evaluated and must give back the original bytes,
 * also with history expansion on (what an interactive shell does to a pasted `!`).
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { commentText, shellQuote, shellQuoteBytes, shellWord } from '../../../src/export/shell-quote';

/** Runs `printf '%s\0' WORDS…` in bash (history expansion on) and returns each argument's bytes. */
function evaluate(words: string[], env: Record<string, string> = {}, locale = 'C.utf8'): { args: Buffer[]; status: number | null; stderr: string } {
  const script = `set -o history -H\nprintf '%s\\0' ${words.join(' ')}\n`;
  const result = spawnSync('bash', ['--norc', '--noprofile', '-s'], { input: script, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: locale, ...env } });
  const args: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < result.stdout.length; i++) {
    if (result.stdout[i] === 0) {
      args.push(result.stdout.subarray(start, i));
      start = i + 1;
    }
  }
  return { args, status: result.status, stderr: result.stderr.toString() };
}

function roundTrip(texts: string[], locale?: string): string[] {
  const { args, status, stderr } = evaluate(texts.map((text) => shellQuote(text)), {}, locale);
  expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  return args.map((arg) => arg.toString('utf8'));
}

describe('shellQuote', () => {
  const awkward = [
    '',
    'plain-word_1.2,3:4@5%6+7=8/',
    "it's",
    "''",
    'say "hi"',
    'two\nlines',
    'cr\r\nlf',
    'tab\there',
    'ünïcödé ✓ 🚀 日本語',
    '$HOME and ${PATH} and $(id) and `id`',
    'bang! !! !-1 !$ a!b',
    'back\\slash \\n \\x27',
    '*.json ?x [ab] {a,b} ~root',
    'semi; pipe | amp & lt < gt > hash #c',
    'esc \u001b[31mred\u001b[0m',
    'del \u007f c1 \u009b csi',
    'bidi \u202e evil \u2066 iso',
    '\ufeffbom and zero\u200bwidth',
    "$'ansi' and \\' mixed ' \"",
    'line\u2028separator',
  ];

  it.each(awkward)('gives back %j in bash', (text) => {
    expect(roundTrip([text])).toEqual([text]);
  });

  it('keeps plain words bare and single-quotes the rest', () => {
    expect(shellQuote('GET')).toBe('GET');
    expect(shellQuote('https://api.example.com/a%2Fb')).toBe('https://api.example.com/a%2Fb');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's $5!")).toBe("'it'\\''s $5!'");
    expect(shellQuote('a?b')).toBe("'a?b'");
    expect(shellQuote('Accept:', { bare: false })).toBe("'Accept:'");
  });

  it('uses $\'…\' with \\xHH escapes for control characters, never a raw newline or a \\\' ', () => {
    expect(shellQuote("line1\nit's")).toBe("$'line1\\nit\\x27s'");
    expect(shellQuote('\u001b[0m')).toBe("$'\\x1b[0m'");
    expect(shellQuote('a\u202eb')).toBe("$'a\\xe2\\x80\\xaeb'");
    expect(shellQuote('x\ny')).not.toContain('\n');
  });

  it('refuses NUL, which no argument can hold', () => {
    expect(() => shellQuote('a\u0000b')).toThrow(RangeError);
  });

  it('gives back the same bytes in the C locale', () => {
    const texts = ['ünïcödé\n✓', 'bidi \u202e', "q'\"$`!"];
    expect(roundTrip(texts, 'C')).toEqual(texts);
  });

  // Any code point, with the characters shells treat specially made frequent (uniform code points almost never
  // hit ASCII punctuation).
  const shellChar = fc.oneof(
    fc.constantFrom(..."'\"$`!\\\n\r\t #&;|<>(){}[]*?~=%@^\u001b\u007f\u009b\u202e\u2028\ufeff"),
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );

  it('round-trips arbitrary strings through bash (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: shellChar, maxLength: 40 }).filter((s) => !s.includes('\u0000')), { minLength: 1, maxLength: 40 }), (texts) => {
        expect(roundTrip(texts)).toEqual(texts);
      }),
      { numRuns: 100 },
    );
  });
});

describe('shellQuoteBytes', () => {
  it('quotes valid UTF-8 as text', () => {
    expect(shellQuoteBytes(Buffer.from("X-Name: José's", 'utf8'))).toBe("'X-Name: José'\\''s'");
  });

  it('writes invalid UTF-8 (a Latin-1 header value) byte by byte', () => {
    const bytes = Buffer.from([0x58, 0x3a, 0x20, 0xe9, 0x27, 0x5c, 0x0a, 0xff]);
    const word = shellQuoteBytes(bytes);
    expect(word).toBe("$'X: \\xe9\\x27\\\\\\n\\xff'");
    expect(evaluate([word]).args).toEqual([bytes]);
  });

  it('round-trips arbitrary bytes through bash (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }).filter((b) => !b.includes(0)), { minLength: 1, maxLength: 40 }), (arrays) => {
        const { args, status } = evaluate(arrays.map(shellQuoteBytes), {}, 'C');
        expect(status).toBe(0);
        expect(args.map((arg) => [...arg])).toEqual(arrays.map((array) => [...array]));
      }),
      { numRuns: 100 },
    );
  });
});

describe('shellWord', () => {
  it('puts variables in double quotes with ${NAME:?}', () => {
    expect(shellWord(['Authorization: Bearer ', { variable: 'TOKEN' }])).toBe('"Authorization: Bearer ${TOKEN:?}"');
  });

  it('single-quotes literal pieces that double quotes would change', () => {
    const word = shellWord(['{"pass":"', { variable: 'PASSWORD' }, '","note":"$5 `x` \\ hi!"}']);
    expect(word).toBe(`'{"pass":"'"\${PASSWORD:?}"'","note":"$5 \`x\` \\ hi!"}'`);
    const { args, status } = evaluate([word], { PASSWORD: "s3cr'$et!" });
    expect(status).toBe(0);
    expect(args.map(String)).toEqual(['{"pass":"s3cr\'$et!","note":"$5 `x` \\ hi!"}']);
  });

  it('evaluates to the literal text with the variables substituted', () => {
    const word = shellWord(['/api?access_token=', { variable: 'ACCESS_TOKEN' }, '&q=a\nb']);
    expect(evaluate([word], { ACCESS_TOKEN: 'abc 123' }).args.map(String)).toEqual(['/api?access_token=abc 123&q=a\nb']);
  });

  it('makes bash refuse to run when a variable is not set', () => {
    const { status, stderr } = evaluate([shellWord(['Bearer ', { variable: 'TOKEN' }])]);
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/TOKEN: parameter null or not set/);
  });

  it('is a plain quoted word without variables', () => {
    expect(shellWord(['a', 'b c'])).toBe("'ab c'");
  });
});

describe('commentText', () => {
  it('escapes anything that could end a comment line or fool a terminal', () => {
    expect(commentText('a\nrm -rf ~ \u001b[2J \u202e')).toBe('a\\x0arm -rf ~ \\x1b[2J \\xe2\\x80\\xae');
  });
});
