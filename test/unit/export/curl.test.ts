/**
 * The curl export, checked by what bash would hand to curl: the script runs with `curl` defined as a function that
 * prints its arguments, so each test sees the exact argv (quoting included) without a network.
 */
import { spawnSync } from 'node:child_process';
import { alignMasked, exportCurl, INLINE_BODY_MAX, ShellVariables, variableName, type CurlExport } from '../../../src/export/curl';
import { maskSecret } from '../../../src/log/redact';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { makeExchange } from '../../helpers/make-exchange';

const BODY_DIR = '/tmp/proxydoc export bodies';

function exported(record: ExchangeRecord, options: { includeSecrets?: boolean; variables?: ShellVariables } = {}): CurlExport {
  const result = exportCurl(record, { includeSecrets: options.includeSecrets ?? false, bodyDir: BODY_DIR, variables: options.variables ?? new ShellVariables() });
  if ('unsupported' in result) throw new Error(`unsupported: ${result.unsupported}`);
  return result;
}

/** The arguments bash passes to curl for this script (with `set -o history -H`, as in an interactive shell). */
function curlArgv(script: string, env: Record<string, string> = {}): string[] {
  const result = spawnSync('bash', ['--norc', '--noprofile', '-s'], {
    input: `set -o history -H\ncurl() { printf '%s\\0' "$@"; }\n${script}`,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.utf8', ...env },
  });
  expect(result.stderr.toString()).toBe('');
  expect(result.status).toBe(0);
  const out = result.stdout.toString('utf8');
  return out.split('\u0000').slice(0, -1);
}

const get = (headers: Array<[string, string]>, url = 'http://api.example.com/v1/items', method = 'GET'): ExchangeRecord =>
  makeExchange({ seq: 7, request: { method, url, headers } });

describe('curl export: method and URL', () => {
  it('sends a plain GET with every recorded header and no curl defaults', () => {
    const record = get([['Host', 'api.example.com'], ['User-Agent', 'app/1.0'], ['Accept', 'application/json']]);
    const { script, notes, incomplete } = exported(record);
    expect(script).toBe(
      [
        '# #7 GET http://api.example.com/v1/items → 200 OK',
        "curl http://api.example.com/v1/items \\",
        "  -H 'Host: api.example.com' \\",
        "  -H 'User-Agent: app/1.0' \\",
        "  -H 'Accept: application/json' \\",
        '  --http1.1',
        '',
      ].join('\n'),
    );
    expect(notes).toEqual([]);
    expect(incomplete).toBe(false);
  });

  it('removes the User-Agent, Accept and Host curl would add when the original had none', () => {
    const argv = curlArgv(exported(get([['X-Only', '1']])).script);
    expect(argv).toEqual(['http://api.example.com/v1/items', '-H', 'X-Only: 1', '-H', 'Host:', '-H', 'User-Agent:', '-H', 'Accept:', '--http1.1']);
  });

  it.each([
    ['HEAD', [], ['--head']],
    ['DELETE', [], ['--request', 'DELETE']],
    ['OPTIONS', [], ['--request', 'OPTIONS']],
  ] as const)('uses the right option for a %s without a body', (method, headers, expected) => {
    const argv = curlArgv(exported(get([['Host', 'api.example.com'], ...headers], undefined, method)).script);
    expect(argv.slice(1, 1 + expected.length)).toEqual(expected);
  });

  it('says --request only when curl would not infer the method from the body', () => {
    const withBody = (method: string): ExchangeRecord =>
      makeExchange({ request: { method, url: 'http://h/x', headers: [['Host', 'h'], ['Content-Length', '2']], body: 'hi' } });
    expect(curlArgv(exported(withBody('POST')).script)).not.toContain('--request');
    expect(curlArgv(exported(withBody('PUT')).script)).toEqual(expect.arrayContaining(['--request', 'PUT']));
    expect(curlArgv(exported(withBody('GET')).script)).toEqual(expect.arrayContaining(['--request', 'GET', '--data-binary', 'hi']));
  });

  it('keeps %2F as written and needs no --path-as-is for it', () => {
    const argv = curlArgv(exported(get([['Host', 'gitlab.example.com']], 'https://gitlab.example.com/api/v4/projects/group%2Fproj')).script);
    expect(argv[0]).toBe('https://gitlab.example.com/api/v4/projects/group%2Fproj');
    expect(argv).not.toContain('--path-as-is');
  });

  it.each(['/a//b', '/a/../b', '/a/./b', '/a/..', '/./x?y=1'])('adds --path-as-is for %s, which curl would squash', (target) => {
    const argv = curlArgv(exported(get([['Host', 'h']], `http://h${target}`)).script);
    expect(argv[0]).toBe(`http://h${target}`);
    expect(argv).toContain('--path-as-is');
  });

  it('does not add --path-as-is for dots that are not whole segments or only in the query', () => {
    const argv = curlArgv(exported(get([['Host', 'h']], 'http://h/a/.well-known/x..y?next=/../z')).script);
    expect(argv).not.toContain('--path-as-is');
  });

  it('adds --globoff when brackets or braces would be read as curl globs', () => {
    const argv = curlArgv(exported(get([['Host', 'h']], 'http://h/search?filter[status]=open&q={x}')).script);
    expect(argv[0]).toBe('http://h/search?filter[status]=open&q={x}');
    expect(argv).toContain('--globoff');
  });

  it('sends a target curl cannot express as a URL with --request-target', () => {
    const argv = curlArgv(exported(get([['Host', 'h']], 'http://h/page#fragment')).script);
    expect(argv.slice(0, 3)).toEqual(['http://h/', '--request-target', '/page#fragment']);
  });

  it('drops userinfo from the URL: curl would turn it into an Authorization header', () => {
    const argv = curlArgv(exported(get([['Host', 'h']], 'http://user:pw@h/x'), { includeSecrets: true }).script);
    expect(argv[0]).toBe('http://h/x');
  });

  it('pins the recorded HTTP version', () => {
    const record = makeExchange({ request: { url: 'http://h/', httpVersion: '1.0', headers: [] } });
    expect(curlArgv(exported(record).script)).toContain('--http1.0');
  });
});

describe('curl export: headers', () => {
  it('keeps order, letter case and repeats, and the Host as recorded', () => {
    const record = get(
      [['Host', 'api.example.com:8443'], ['x-lower', 'a'], ['X-UPPER', 'b'], ['X-Dup', '1'], ['x-dup', '2'], ['accept', '*/*'], ['user-agent', 'ua']],
      'https://api.example.com:8443/v1/items',
    );
    const argv = curlArgv(exported(record).script);
    expect(argv.filter((_, i) => argv[i - 1] === '-H')).toEqual([
      'Host: api.example.com:8443',
      'x-lower: a',
      'X-UPPER: b',
      'X-Dup: 1',
      'x-dup: 2',
      'accept: */*',
      'user-agent: ua',
    ]);
  });

  it('sends an empty value as -H "Name;", which is how curl sends an empty header', () => {
    const argv = curlArgv(exported(get([['Host', 'h'], ['X-Empty', '']])).script);
    expect(argv).toEqual(expect.arrayContaining(['-H', 'X-Empty;']));
  });

  it('keeps quotes, $, backquotes, ! and unicode in values', () => {
    const value = `it's "quoted" $HOME \`id\` wow! ünï ✓`;
    // Records hold header bytes as Latin-1 characters, as Node reads them.
    const recorded = Buffer.from(value, 'utf8').toString('latin1');
    const argv = curlArgv(exported(get([['Host', 'api.example.com'], ['X-Weird', recorded]])).script);
    expect(argv).toContain(`X-Weird: ${value}`);
  });

  it('turns recorded header bytes (read as Latin-1 by Node) back into the UTF-8 the client sent', () => {
    const latin1OfUtf8 = Buffer.from('José ✓', 'utf8').toString('latin1');
    const argv = curlArgv(exported(get([['Host', 'h'], ['X-Name', latin1OfUtf8]])).script);
    expect(argv).toContain('X-Name: José ✓');
  });

  it('writes a value that is not UTF-8 byte by byte', () => {
    const { script } = exported(get([['Host', 'h'], ['X-Latin1', 'caf\u00e9']]));
    expect(script).toContain("-H $'X-Latin1: caf\\xe9'");
  });

  it('drops hop-by-hop fields the proxy did not forward (RFC 9110 §7.6.1)', () => {
    const record = get(
      [['Host', 'h'], ['Proxy-Connection', 'Keep-Alive'], ['Connection', 'keep-alive, X-Hop'], ['X-Hop', '1'], ['Proxy-Authorization', 'Basic dTpw'], ['X-Kept', 'yes']],
      'http://h/x',
    );
    const argv = curlArgv(exported(record).script);
    expect(argv.filter((_, i) => argv[i - 1] === '-H' && !argv[i].endsWith(':'))).toEqual(['Host: h', 'X-Kept: yes']);
  });

  it('sends the Host of an absolute-form target, as the proxy did (RFC 9112 §3.2.2)', () => {
    const argv = curlArgv(exported(get([['Host', 'stale.example.com']], 'http://api.example.com/x')).script);
    expect(argv).toContain('Host: api.example.com');
  });

  it('says when curl cannot put Host where the original had it', () => {
    const { notes } = exported(get([['user-agent', 'undici'], ['host', 'h']]));
    expect(notes).toEqual(['curl always sends Host first and spelled "Host"; the original sent "host" as header 2']);
  });
});

describe('curl export: bodies', () => {
  const post = (body: string | Buffer, headers: Array<[string, string]>): ExchangeRecord =>
    makeExchange({ seq: 12, request: { method: 'POST', url: 'http://h/api', headers: [['Host', 'h'], ...headers], body } });

  it('sends a JSON body with quotes, newlines, unicode, $, backquotes and ! byte for byte', () => {
    const json = `{"name":"O'Brien \\"Bob\\"","note":"line1\\nline2\nreal newline","price":"$5","cmd":"\`id\`","wow":"!!","emoji":"🚀 ünï"}`;
    const record = post(json, [['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(json))]]);
    const argv = curlArgv(exported(record).script);
    expect(argv[argv.indexOf('--data-binary') + 1]).toBe(json);
    expect(argv).toEqual(expect.arrayContaining(['-H', 'Content-Type: application/json', '-H', `Content-Length: ${Buffer.byteLength(json)}`]));
    expect(argv).not.toContain('Content-Type:');
  });

  it('removes the Content-Type curl would add when the original sent none', () => {
    const argv = curlArgv(exported(post('a=1', [['Content-Length', '3']])).script);
    expect(argv).toEqual(expect.arrayContaining(['-H', 'Content-Type:', '--data-binary', 'a=1']));
  });

  it('sends an empty body with Content-Length: 0 as recorded', () => {
    const argv = curlArgv(exported(post('', [['Content-Length', '0']])).script);
    expect(argv).toEqual(expect.arrayContaining(['-H', 'Content-Length: 0', '--data-binary', '']));
    expect(argv).not.toContain('--request');
  });

  it('sends no body option when there was neither a body nor framing', () => {
    expect(curlArgv(exported(get([['Host', 'h']])).script)).not.toContain('--data-binary');
  });

  it('keeps a chunked body chunked: curl chunks it itself when the header says so', () => {
    const argv = curlArgv(exported(post('hello', [['Transfer-Encoding', 'chunked']])).script);
    expect(argv).toEqual(expect.arrayContaining(['-H', 'Transfer-Encoding: chunked', '--data-binary', 'hello']));
  });

  it('uses --data-raw for a body starting with @, which --data-binary would read as a file name', () => {
    const argv = curlArgv(exported(post('@not-a-file', [['Content-Length', '11']])).script);
    expect(argv).toEqual(expect.arrayContaining(['--data-raw', '@not-a-file']));
  });

  it('writes a binary body to a file named after the seq and reads it with --data-binary @FILE', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x27, 0x22]);
    const result = exported(post(bytes, [['Content-Type', 'application/octet-stream'], ['Content-Length', '10']]));
    const file = `${BODY_DIR}/proxydoc-body-12.bin`;
    expect(result.bodyFile).toEqual({ path: file, bytes });
    expect(curlArgv(result.script)).toEqual(expect.arrayContaining(['--data-binary', `@${file}`]));
  });

  it('writes text bodies over the inline limit to a file, and removes the Expect curl adds to big bodies', () => {
    const big = 'x'.repeat(INLINE_BODY_MAX + 1);
    const result = exported(post(big, [['Content-Type', 'text/plain'], ['Content-Length', String(big.length)]]));
    expect(result.bodyFile?.bytes.toString()).toBe(big);
    expect(curlArgv(result.script)).toEqual(expect.arrayContaining(['-H', 'Expect:']));
    expect(result.script.length).toBeLessThan(1000);
  });

  it('keeps a recorded Expect: 100-continue', () => {
    const body = 'y'.repeat(2000);
    const argv = curlArgv(exported(post(body, [['Content-Length', '2000'], ['Expect', '100-continue']])).script);
    expect(argv).toContain('Expect: 100-continue');
    expect(argv).not.toContain('Expect:');
  });

  it('exports the captured part of a truncated body, lets curl compute its length, and says so', () => {
    const record = post('', []);
    record.request.headers.push(['Content-Length', '5000']);
    record.request.body = { size: 5000, text: 'abc', truncated: true };
    const result = exported(record);
    const argv = curlArgv(result.script);
    expect(argv).not.toContain('Content-Length: 5000');
    expect(argv).toEqual(expect.arrayContaining(['--data-binary', 'abc']));
    expect(result.incomplete).toBe(true);
    expect(result.notes.join('\n')).toMatch(/captured only in part \(3 of 5000 bytes/);
  });
});

describe('curl export: credentials', () => {
  const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

  it('puts a Bearer token in $TOKEN and says how to check it', () => {
    const record = get([['Host', 'h'], ['Authorization', `Bearer ${TOKEN}`]]);
    const { script } = exported(record);
    expect(script).toContain('-H "Authorization: Bearer ${TOKEN:?}"');
    expect(script).toContain(`# export TOKEN=…  (Bearer, ${maskSecret(TOKEN).slice(1, -1)})`);
    expect(script).not.toContain(TOKEN);
    expect(curlArgv(script, { TOKEN })).toEqual(curlArgv(exported(record, { includeSecrets: true }).script));
  });

  it('prints the real values with includeSecrets', () => {
    const { script } = exported(get([['Host', 'h'], ['Authorization', `Bearer ${TOKEN}`]]), { includeSecrets: true });
    expect(script).toContain(`-H 'Authorization: Bearer ${TOKEN}'`);
    expect(script).not.toContain('export');
  });

  it.each([
    ['Authorization', 'Basic dXNlcjpodW50ZXIy', '"Authorization: Basic ${BASIC_CREDENTIALS:?}"'],
    ['Authorization', 'Token abcdef0123456789abcdef', '"Authorization: Token ${AUTHORIZATION:?}"'],
    ['PRIVATE-TOKEN', 'glpat-abcdefghij0123456789', '"PRIVATE-TOKEN: ${PRIVATE_TOKEN:?}"'],
    ['X-Api-Key', 'k-123456789', '"X-Api-Key: ${X_API_KEY:?}"'],
    ['Cookie', 'sid=abc123; theme=dark', '"Cookie: ${COOKIE:?}"'],
  ])('names the variable for %s after the header', (name, value, word) => {
    const record = get([['Host', 'h'], [name, value]]);
    const { script } = exported(record);
    expect(script).toContain(`-H ${word}`);
    expect(script).not.toContain(value.split(' ').pop());
    const variable = /\$\{(\w+):\?\}/.exec(word)![1];
    const secret = name === 'Authorization' ? value.slice(value.indexOf(' ') + 1) : value;
    expect(curlArgv(script, { [variable]: secret })).toContain(`${name}: ${value}`);
  });

  it('turns secret query parameters into variables named after them', () => {
    const record = get([['Host', 'h']], 'http://h/cb?state=xyz&access_token=abc%2B123&x=1');
    const { script } = exported(record);
    expect(script).toContain('"http://h/cb?state=xyz&access_token=${ACCESS_TOKEN:?}&x=1"');
    expect(script).toContain('# export ACCESS_TOKEN=…  (query parameter access_token,');
    expect(script).not.toContain('abc%2B123');
    expect(curlArgv(script, { ACCESS_TOKEN: 'abc%2B123' })[0]).toBe('http://h/cb?state=xyz&access_token=abc%2B123&x=1');
  });

  it('turns secret JSON fields into variables, keeping the JSON around them byte for byte', () => {
    const json = '{"user":"bob","password":"pa\\"ss $1!","pin":1234,"nested":{"client_secret":"cs-999"}}';
    const record = makeExchange({ request: { method: 'POST', url: 'http://h/login', headers: [['Host', 'h'], ['Content-Type', 'application/json'], ['Content-Length', String(json.length)]], body: json } });
    const { script, incomplete } = exported(record);
    expect(incomplete).toBe(false);
    for (const secret of ['pa\\"ss $1!', 'cs-999']) expect(script).not.toContain(secret);
    expect(script).toMatch(/# export PASSWORD=…  \(JSON field password, 10 chars/);
    const argv = curlArgv(script, { PASSWORD: 'pa\\"ss $1!', CLIENT_SECRET: 'cs-999' });
    expect(argv[argv.indexOf('--data-binary') + 1]).toBe(json);
  });

  it('turns secret form fields into variables', () => {
    const form = 'grant_type=client_credentials&client_id=app&client_secret=s3cr3t';
    const record = makeExchange({ request: { method: 'POST', url: 'http://h/token', headers: [['Host', 'h'], ['Content-Type', 'application/x-www-form-urlencoded']], body: form } });
    const { script } = exported(record);
    expect(script).toContain('grant_type=client_credentials&client_id=app&client_secret=${CLIENT_SECRET:?}');
    expect(script).toContain('(form field client_secret,');
    expect(script).not.toContain('s3cr3t');
  });

  it('uses one variable for the same value across records, and numbers different ones', () => {
    const variables = new ShellVariables();
    const one = exported(get([['Host', 'h'], ['Authorization', 'Bearer aaaaaaaaaaaaaaaaaaaa1']]), { variables });
    const same = exported(get([['Host', 'h'], ['Authorization', 'Bearer aaaaaaaaaaaaaaaaaaaa1']]), { variables });
    const other = exported(get([['Host', 'h'], ['Authorization', 'Bearer bbbbbbbbbbbbbbbbbbbb2']]), { variables });
    expect(one.script).toContain('${TOKEN:?}');
    expect(same.script).toContain('${TOKEN:?}');
    expect(other.script).toContain('${TOKEN_2:?}');
  });

  it('keeps credentials masked, says so and counts the record as incomplete when they cannot be variables', () => {
    const json = '{"note":"caf\\u00e9 Bearer abcxyz123456"}';
    const record = makeExchange({ request: { method: 'POST', url: 'http://h/n', headers: [['Host', 'h'], ['Content-Type', 'application/json']], body: json } });
    const result = exported(record);
    expect(result.incomplete).toBe(true);
    expect(result.notes).toEqual(['credentials in the body could not be turned into variables: it is exported masked (add --include-secrets to export it as sent)']);
    expect(result.script).toContain(maskSecret('abcxyz123456'));
    expect(result.script).not.toContain('abcxyz123456');
  });

  it('masks credentials in a body written to a file', () => {
    const form = `password=hunter2&blob=${'z'.repeat(INLINE_BODY_MAX)}`;
    const record = makeExchange({ seq: 3, request: { method: 'POST', url: 'http://h/f', headers: [['Host', 'h'], ['Content-Type', 'application/x-www-form-urlencoded']], body: form } });
    const result = exported(record);
    expect(result.bodyFile?.bytes.toString()).toBe(`password=${maskSecret('hunter2')}&blob=${'z'.repeat(INLINE_BODY_MAX)}`);
    expect(result.incomplete).toBe(true);
    expect(result.notes).toEqual([`the body holds credentials: ${BODY_DIR}/proxydoc-body-3.bin has them masked (add --include-secrets to export it as sent)`]);
    expect(exported(record, { includeSecrets: true }).bodyFile?.bytes.toString()).toBe(form);
  });

  it('masks a credential header whose value is not UTF-8', () => {
    const result = exported(get([['Host', 'api.example.com'], ['X-Api-Key', 'k\u00e9y-0123456789']]));
    expect(result.incomplete).toBe(true);
    expect(result.notes).toEqual(['the X-Api-Key header is not valid UTF-8 and holds a credential: it is exported masked (add --include-secrets to export it as sent)']);
    expect(result.script).toContain(`-H 'X-Api-Key: ${maskSecret('k\u00e9y-0123456789')}'`);
  });

  it('never lets a redacted URL break out of the comment line', () => {
    const record = get([['Host', 'h']], 'http://h/x?next=%0Aa');
    record.request.url = 'http://h/x\nrm -rf ~';
    const { script } = exported(record);
    expect(script.split('\n')[0]).toBe('# #7 GET http://h/x\\x0arm -rf ~ → 200 OK');
  });
});

describe('curl export: what it cannot export', () => {
  it.each([
    [{ target: 'pinned.example.com:443', reason: 'no-intercept' as const, bytesUp: 1, bytesDown: 2 }, /blind tunnel to pinned.example.com:443 \(its host is in --no-intercept\)/],
    [{ target: '127.0.0.1:22', reason: 'not-tls' as const, bytesUp: 1, bytesDown: 2 }, /blind tunnel to 127.0.0.1:22 \(the client did not speak TLS\)/],
    [{ target: 'h:80', reason: 'websocket' as const, bytesUp: 1, bytesDown: 2 }, /a WebSocket/],
  ])('refuses %j', (tunnel, message) => {
    const record = makeExchange({ request: { method: tunnel.reason === 'websocket' ? 'GET' : 'CONNECT', url: tunnel.reason === 'websocket' ? 'http://h/ws' : tunnel.target, headers: [] }, tunnel });
    const result = exportCurl(record, { includeSecrets: false, bodyDir: BODY_DIR, variables: new ShellVariables() });
    expect(result).toEqual({ unsupported: expect.stringMatching(message) });
  });

  it('refuses a CONNECT whose TLS handshake the client rejected', () => {
    const record = makeExchange({
      request: { method: 'CONNECT', url: 'api.example.com:443', headers: [] },
      response: null,
      error: { kind: 'client-tls-rejected', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', message: 'unknown ca' },
    });
    expect(exportCurl(record, { includeSecrets: false, bodyDir: BODY_DIR, variables: new ShellVariables() })).toEqual({
      unsupported: 'a CONNECT to api.example.com:443 that never carried a request (client-tls-rejected: ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)',
    });
  });
});

describe('alignMasked', () => {
  const mask = (value: string): string => maskSecret(value);

  it('finds JSON string secrets and keeps their quotes outside', () => {
    expect(alignMasked('{"password":"a}b","x":1}', `{"password":"${mask('a}b')}","x":1}`)).toEqual(['{"password":', '"', { secret: 'a}b' }, '"', ',"x":1}']);
  });

  it('finds JSON numbers the redactor turned into strings', () => {
    expect(alignMasked('{"pin":1234}', `{"pin":"${mask('1234')}"}`)).toEqual(['{"pin":', { secret: '1234' }, '}']);
  });

  it('finds several form secrets', () => {
    expect(alignMasked('a=1&password=x&token=y', `a=1&password=${mask('x')}&token=${mask('y')}`)).toEqual(['a=1&password=', { secret: 'x' }, '&token=', { secret: 'y' }, '']);
  });

  it('keeps escapes inside a secret as written, so the variable reproduces the bytes', () => {
    expect(alignMasked('{"note":"Bearer abc\\u0041xyz123"}', `{"note":"Bearer ${mask('abcAxyz123')}"}`)).toEqual(['{"note":"Bearer ', { secret: 'abc\\u0041xyz123' }, '"}']);
  });

  it('gives up when the redactor re-encoded the text around a secret', () => {
    expect(alignMasked('{"note":"caf\\u00e9 Bearer abcxyz123"}', `{"note":"café Bearer ${mask('abcxyz123')}"}`)).toBeUndefined();
  });
});

describe('variableName', () => {
  it.each([
    ['X-Api-Key', 'X_API_KEY'],
    ['PRIVATE-TOKEN', 'PRIVATE_TOKEN'],
    ['user[password]', 'USER_PASSWORD'],
    ['2fa-code', '_2FA_CODE'],
    ['---', 'SECRET'],
  ])('%s → %s', (name, expected) => {
    expect(variableName(name)).toBe(expected);
  });
});

describe('ShellVariables', () => {
  test('each distinct value under one base gets the next free name; a repeated value keeps its name', () => {
    const variables = new ShellVariables();
    const names = Array.from({ length: 3000 }, (_, i) => variables.nameFor('TOKEN', `value-${i}`, 'Bearer'));
    expect(names[0]).toBe('TOKEN');
    expect(names[1]).toBe('TOKEN_2');
    expect(names[2999]).toBe('TOKEN_3000');
    expect(new Set(names).size).toBe(3000);
    expect(variables.nameFor('TOKEN', 'value-1234', 'Bearer')).toBe('TOKEN_1235');
  });

  test('a name another base already took is skipped', () => {
    const variables = new ShellVariables();
    expect(variables.nameFor('TOKEN_2', 'a', 'header Token-2')).toBe('TOKEN_2');
    expect(variables.nameFor('TOKEN', 'b', 'Bearer')).toBe('TOKEN');
    expect(variables.nameFor('TOKEN', 'c', 'Bearer')).toBe('TOKEN_3');
    expect(variables.exportComment('TOKEN_2')).toContain('header Token-2');
    expect(variables.exportComment('TOKEN_3')).toContain('Bearer');
  });
});
