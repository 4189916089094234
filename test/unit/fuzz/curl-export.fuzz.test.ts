/**
 * curl export round trip: a generated request is exported as a curl command, the command is run by real bash (with
 * `curl` a function printing its argv, history expansion on as in an interactive shell), and the argv is parsed back
 * the way curl reads it. It must give the method, URL, header pairs (bytes, order, letter case) and body that went
 * upstream. With credentials turned into shell variables, setting those variables must give the very same argv.
 * Several records go through one bash process per run to keep this fast.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { exportCurl, ShellVariables, type CurlExport } from '../../../src/export/curl';
import { wireRequest } from '../../../src/export/raw';
import type { ExchangeRecord, HeaderPairs } from '../../../src/model/exchange';
import { makeExchange } from '../../helpers/make-exchange';
import { secretToken, unicodeChar } from './arbitraries';

const BODY_DIR = "/tmp/proxydoc fuzz's bodies";

// ---------------------------------------------------------------------------------------------------------------
// Generated requests

const HOP_BY_HOP = ['connection', 'proxy-connection', 'keep-alive', 'te', 'upgrade', 'proxy-authorization'];
const FRAMING = ['content-length', 'transfer-encoding', 'expect'];

/** Header values as a record holds them: one Latin-1 character per byte sent (Node reads header bytes that way). */
const latin1Value = fc.oneof(
  // The UTF-8 bytes of any text, quotes, $, backquotes and ! included.
  fc.string({ unit: fc.oneof(fc.constantFrom(..."'\"$`!\\ ;&|*?~#{}[]()<>%=,"), unicodeChar), maxLength: 20 })
    .filter((text) => !/[\r\n\u0000]/.test(text))
    .map((text) => Buffer.from(text, 'utf8').toString('latin1')),
  // Bytes that are not UTF-8 (a Latin-1 client), tab and DEL included.
  fc.array(fc.oneof(fc.integer({ min: 0x20, max: 0xff }), fc.constant(0x09)), { maxLength: 12 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constant(''),
);

const headerPair: fc.Arbitrary<[string, string]> = fc.tuple(
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}$/).filter((name) => ![...HOP_BY_HOP, ...FRAMING, 'host'].includes(name.toLowerCase())),
  latin1Value,
);

const targetChar = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...'abcXYZ019-._~/%2F?&=+!$\'()*,;:@[]{}|^`"\\<>'.split('')) },
  { weight: 1, arbitrary: fc.constantFrom('#', ' ', 'é', '✓', '\u0007', '%2e%2E', '/..', '/./', '//') },
);
const target = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: targetChar, maxLength: 30 }).map((rest) => `/${rest}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '?q=1', '*') },
);

const authority = fc.tuple(
  fc.oneof(fc.domain(), fc.constantFrom('127.0.0.1', '[::1]', 'api.example.com')),
  fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  fc.option(fc.constantFrom('user:pw@', 'tok@'), { nil: undefined }),
).map(([host, port, userinfo]) => `${userinfo ?? ''}${host}${port !== undefined ? `:${port}` : ''}`);

const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.constantFrom('@not-a-file', '', "it's $HOME `id` !!", 'x'.repeat(1500)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 30 }).map((bytes) => Buffer.from(bytes)) },
);

interface RequestSpec {
  method: string;
  url: string;
  httpVersion: string;
  headers: HeaderPairs;
  body: string | Buffer | undefined;
  framing: 'length' | 'chunked';
}

const requestSpec: fc.Arbitrary<RequestSpec> = fc
  .record({
    method: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'), fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,8}$/).filter((m) => m !== 'CONNECT')),
    scheme: fc.constantFrom('http', 'https'),
    authority,
    target,
    httpVersion: fc.constantFrom('1.1', '1.1', '1.0'),
    headers: fc.array(headerPair, { maxLength: 6 }),
    host: fc.constantFrom('none', 'first', 'later', 'lower-case'),
    body,
    framing: fc.constantFrom('length' as const, 'chunked' as const),
  })
  .map(({ method, scheme, authority: a, target: t, httpVersion, headers, host, body: b, framing }) => {
    const list: HeaderPairs = [...headers];
    if (host === 'first') list.unshift(['Host', 'stale.example.com']);
    if (host === 'later') list.splice(list.length, 0, ['Host', a]);
    if (host === 'lower-case') list.unshift(['host', a]);
    if (b !== undefined) list.push(framing === 'length' ? ['Content-Length', String(Buffer.byteLength(b))] : ['Transfer-Encoding', 'chunked']);
    return { method, url: `${scheme}://${a}${t}`, httpVersion, headers: list, body: b, framing };
  });

let seq = 0;
const record = (spec: RequestSpec): ExchangeRecord =>
  makeExchange({ seq: ++seq, request: { method: spec.method, url: spec.url, httpVersion: spec.httpVersion, headers: spec.headers, body: spec.body } });

// ---------------------------------------------------------------------------------------------------------------
// Running the commands in bash and reading the argv back as curl would

/** Runs the scripts in one bash; returns each curl call's arguments as bytes. */
function runInBash(scripts: string[], env: Record<string, string> = {}): Buffer[][] {
  const result = spawnSync('bash', ['--norc', '--noprofile', '-s'], {
    input: `set -o history -H\ncurl() { printf '%s\\0' "$#" "$@"; }\n${scripts.join('')}`,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.utf8', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(result.stderr.toString()).toBe('');
  expect(result.status).toBe(0);
  const fields: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < result.stdout.length; i++) {
    if (result.stdout[i] === 0) {
      fields.push(result.stdout.subarray(start, i));
      start = i + 1;
    }
  }
  const calls: Buffer[][] = [];
  for (let i = 0; i < fields.length; ) {
    const count = Number(fields[i].toString());
    calls.push(fields.slice(i + 1, i + 1 + count));
    i += 1 + count;
  }
  return calls;
}

interface ParsedCurl {
  method: string;
  url: string;
  headers: Buffer[];
  /** `-H 'Name:'`: defaults curl must not add. */
  removed: string[];
  body?: Buffer;
  httpVersion: string;
}

/** The request curl sends for this argv (the options exportCurl uses). */
function parseCurlArgv(argv: Buffer[], bodyFiles: Map<string, Buffer>): ParsedCurl {
  const text = (b: Buffer): string => b.toString('utf8');
  let url = text(argv[0]);
  let method: string | undefined;
  let head = false;
  let requestTarget: string | undefined;
  const headers: Buffer[] = [];
  const removed: string[] = [];
  let body: Buffer | undefined;
  let httpVersion = '1.1';
  for (let i = 1; i < argv.length; i++) {
    const option = text(argv[i]);
    const value = (): Buffer => argv[++i];
    if (option === '--request') method = text(value());
    else if (option === '--head') head = true;
    else if (option === '--request-target') requestTarget = text(value());
    else if (option === '-H') {
      const h = value();
      if (/^[^:;\s]+:$/.test(text(h))) removed.push(text(h).slice(0, -1));
      else headers.push(h);
    } else if (option === '--data-binary') {
      const data = value();
      body = data[0] === 0x40 /* @ */ ? bodyFiles.get(text(data).slice(1)) : data;
      expect(body).toBeDefined();
    } else if (option === '--data-raw') body = value();
    else if (option === '--http1.0') httpVersion = '1.0';
    else if (option === '--http1.1') httpVersion = '1.1';
    else if (option !== '--path-as-is' && option !== '--globoff') throw new Error(`unexpected curl option ${option}`);
  }
  if (requestTarget !== undefined) url = url.replace(/\/$/, '') + requestTarget;
  return { method: method ?? (head ? 'HEAD' : body !== undefined ? 'POST' : 'GET'), url, headers, removed, body, httpVersion };
}

/** What went upstream: the request the export must reproduce. */
function expected(rec: ExchangeRecord): ParsedCurl {
  const wire = wireRequest(rec);
  if ('unsupported' in wire) throw new Error(wire.unsupported);
  const lower = new Set(wire.headers.map(([name]) => name.toLowerCase()));
  const hasBody = wire.bodySize > 0 || lower.has('content-length') || wire.chunked;
  const removed = ['Host', 'User-Agent', 'Accept'].filter((name) => !lower.has(name.toLowerCase()));
  if (hasBody && !lower.has('content-type')) removed.push('Content-Type');
  if (hasBody && wire.body.length > 1024 && !lower.has('expect')) removed.push('Expect');
  return {
    method: wire.method,
    url: `${wire.scheme}://${wire.authority}${wire.target}`,
    headers: wire.headers.map(([name, value]) => (value === '' ? Buffer.from(`${name};`, 'latin1') : Buffer.from(`${name}: ${value}`, 'latin1'))),
    removed,
    body: hasBody ? wire.body : undefined,
    httpVersion: wire.httpVersion,
  };
}

function exported(rec: ExchangeRecord, includeSecrets: boolean, variables: ShellVariables): CurlExport {
  const result = exportCurl(rec, { includeSecrets, bodyDir: BODY_DIR, variables });
  if ('unsupported' in result) throw new Error(result.unsupported);
  return result;
}

const bodyFilesOf = (exports: CurlExport[]): Map<string, Buffer> => new Map(exports.flatMap((e) => (e.bodyFile ? [[e.bodyFile.path, e.bodyFile.bytes] as const] : [])));

// ---------------------------------------------------------------------------------------------------------------

describe('curl export → bash → argv', () => {
  it('gives back the method, URL, header pairs and body that went upstream', () => {
    fc.assert(
      fc.property(fc.array(requestSpec, { minLength: 1, maxLength: 8 }), (specs) => {
        const records = specs.map(record);
        const variables = new ShellVariables();
        const exports = records.map((rec) => exported(rec, true, variables));
        for (const e of exports) expect(e.incomplete).toBe(false);
        const calls = runInBash(exports.map((e) => e.script));
        expect(calls).toHaveLength(records.length);
        const files = bodyFilesOf(exports);
        calls.forEach((argv, i) => {
          const got = parseCurlArgv(argv, files);
          const want = expected(records[i]);
          expect({ ...got, headers: got.headers.map((h) => h.toString('latin1')), body: got.body?.toString('latin1') }).toEqual({
            ...want,
            headers: want.headers.map((h) => h.toString('latin1')),
            body: want.body?.toString('latin1'),
          });
        });
      }),
      { numRuns: 30 },
    );
  });

  it('with credentials as shell variables: setting them gives the same argv as exporting the secrets', () => {
    const credentialHeader = fc.tuple(
      fc.constantFrom('Authorization', 'authorization', 'X-Api-Key', 'Private-Token', 'Cookie', 'X-Service-Token'),
      fc.constantFrom('Bearer {}', 'Basic {}', 'Token {}', '{}', 'sid={}; theme=dark', 'Bearer Bearer {}', "Bearer {}$'!"),
      secretToken,
    ).map(([name, shape, secret]): [string, string] => [name, shape.replace('{}', secret)]);
    const credentialUrl = fc.tuple(secretToken, fc.constantFrom('access_token', 'client_secret', 'key', 'sig')).map(([secret, field]) => `?a=1&${field}=${secret}&b=%2F`);
    const credentialBody = fc.tuple(secretToken, fc.constantFrom('password', 'client_secret', 'refresh_token')).chain(([secret, field]) =>
      fc.constantFrom(
        { type: 'application/json', text: JSON.stringify({ user: 'bob', [field]: secret, note: "it's $5!" }) },
        { type: 'application/json', text: `{"nested": {"${field}": ${JSON.stringify(secret)}}, "n": 1}` },
        { type: 'application/x-www-form-urlencoded', text: `grant_type=x&${field}=${secret}&scope=a+b` },
        { type: 'text/plain', text: `failed with Bearer ${secret} at 'x'` },
      ),
    );
    const spec = fc.tuple(requestSpec, fc.array(credentialHeader, { maxLength: 2 }), fc.option(credentialUrl, { nil: undefined }), fc.option(credentialBody, { nil: undefined })).map(([base, creds, query, credBody]) => {
      const headers: HeaderPairs = [...creds, ...base.headers.filter(([name]) => !/^(content-length|transfer-encoding)$/i.test(name))];
      let b = base.body;
      if (credBody) {
        headers.push(['Content-Type', credBody.type]);
        b = credBody.text;
      }
      if (b !== undefined) headers.push(['Content-Length', String(Buffer.byteLength(b))]);
      const url = query ? base.url.replace(/[?#].*$/s, '').replace(/^([a-z]+:\/\/[^/]*)$/, '$1/') + query : base.url;
      return { ...base, url, headers, body: b };
    });
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 6 }), (specs) => {
        const records = specs.map(record);
        const secretVariables = new ShellVariables();
        const asSecrets = records.map((rec) => exported(rec, true, secretVariables));
        const variables = new ShellVariables();
        const asVariables = records.map((rec) => exported(rec, false, variables));
        // The values behind the variables, as the user would export them (the comments say which and how to check).
        const values = (variables as unknown as { values: Map<string, { value: string }> }).values;
        const env = Object.fromEntries([...values].map(([name, { value }]) => [name, value]));
        const plain = runInBash(asSecrets.map((e) => e.script));
        const withVariables = runInBash(asVariables.map((e) => e.script), env);
        records.forEach((_, i) => {
          if (asVariables[i].incomplete) return; // documented: some credentials can only be exported masked
          expect(withVariables[i].map((b) => b.toString('latin1'))).toEqual(plain[i].map((b) => b.toString('latin1')));
        });
        // The script itself never holds a credential value.
        for (const e of asVariables) for (const value of Object.values(env)) if (value.length >= 16) expect(e.script).not.toContain(value);
      }),
      { numRuns: 15 },
    );
  });
});
