/**
 * Adversarial inputs for the scaling test (scaling.fuzz.test.ts). Each case builds an input of about `size`
 * characters from a piece the parser's grammar (or one of its regular expressions) reacts to, repeated: the shapes
 * that make a backtracking regex, a re-scanning loop or a recursion blow up. Loaded by jest (for the case names) and by
 * a worker thread that runs them, so it has no side effects.
 */
import { parseWwwAuthenticate } from '../../../src/diagnosis/parsers/www-authenticate';
import { parseHttpDate, parseRetryAfter } from '../../../src/diagnosis/parsers/retry-after';
import { parseRateLimit } from '../../../src/diagnosis/parsers/rate-limit';
import { explainJsonError, parseJsonLocated } from '../../../src/diagnosis/parsers/json-locate';
import { parseOAuthErrorBody, responseOAuthError } from '../../../src/diagnosis/parsers/oauth-error';
import { errorBodySummary, validationErrorsFromText } from '../../../src/diagnosis/parsers/validation-errors';
import { kindOfContentType, multipartBoundaryOf, sniffTextKind } from '../../../src/diagnosis/parsers/body-kind';
import { decodeJwt } from '../../../src/model/jwt';
import { redactBodyText, redactHeaderValue, redactText, redactUrl } from '../../../src/log/redact';
import { shellQuote, shellQuoteBytes } from '../../../src/export/shell-quote';
import { exportCurl, ShellVariables } from '../../../src/export/curl';
import { parseRecordLine, RecordLineSplitter } from '../../../src/log/reader';
import { parseFilterExpression, parseSince } from '../../../src/log/filter';
import { replayTarget } from '../../../src/replay/plan';
import type { ExchangeRecord, HeaderPairs } from '../../../src/model/exchange';

export interface ScalingCase {
  id: string;
  build: (size: number) => unknown;
  run: (input: never) => unknown;
}

/** `piece` repeated to about `size` characters, between an optional head and tail. */
const fill = (piece: string, size: number, head = '', tail = ''): string => head + piece.repeat(Math.max(1, Math.floor((size - head.length - tail.length) / piece.length))) + tail;
const text = (id: string, run: (input: string) => unknown, piece: string, head = '', tail = ''): ScalingCase => ({
  id,
  build: (size) => fill(piece, size, head, tail),
  run: run as (input: never) => unknown,
});
const NOW = Date.parse('2026-11-21T20:41:03.120Z');
const b64url = (s: string): string => Buffer.from(s).toString('base64url');
const json = (s: string): void => {
  const parsed = parseJsonLocated(s);
  if (!parsed.ok) explainJsonError(s, parsed.offset, parsed.message);
};

function record(url: string, headers: HeaderPairs, body?: string): ExchangeRecord {
  return {
    v: 1, id: 'scale', seq: 1, startedAt: new Date(NOW).toISOString(), client: { address: '127.0.0.1' },
    request: { method: 'POST', url, httpVersion: '1.1', headers, body: body === undefined ? { size: 0, truncated: false } : { size: Buffer.byteLength(body), text: body, truncated: false } },
    phases: { total: 1 }, tunnel: false, replayOf: null, findings: [],
  };
}
const curl = (rec: ExchangeRecord): unknown => exportCurl(rec, { includeSecrets: false, bodyDir: '/tmp', variables: new ShellVariables() });

export const SCALING_CASES: ScalingCase[] = [
  // WWW-Authenticate
  text('www-authenticate: many challenges', parseWwwAuthenticate, 'Basic,'),
  text('www-authenticate: many distinct params', parseWwwAuthenticate, 'a=b, ', 'Bearer '),
  text('www-authenticate: long token68', parseWwwAuthenticate, 'A', 'Negotiate ', '=='),
  text('www-authenticate: quoted string of escapes', parseWwwAuthenticate, '\\"', 'Bearer realm="'),
  text('www-authenticate: empty list elements', parseWwwAuthenticate, ' ,'),
  text('www-authenticate: long token then garbage', parseWwwAuthenticate, 'a', 'Bearer ', ' x'),
  // Retry-After
  text('retry-after: spaces inside', (s) => parseRetryAfter(s, NOW), ' ', '1', '1'),
  text('retry-after: trailing tabs', (s) => parseRetryAfter(s, NOW), '\t', 'Sun, 06 Nov 1994 08:49:37 GMT', 'x'),
  text('retry-after: long number', (s) => parseRetryAfter(s, NOW), '9'),
  text('http-date: long garbage', (s) => parseHttpDate(s, NOW), 'Sun, 06 Nov '),
  // JWT
  text('jwt: dots', decodeJwt, '.'),
  { id: 'jwt: huge claim', build: (size) => `${b64url('{"alg":"none"}')}.${b64url(`{"sub":"${'x'.repeat(size)}"}`)}.sig`, run: decodeJwt as (input: never) => unknown },
  { id: 'jwt: deeply nested claims', build: (size) => `${b64url('{"alg":"none"}')}.${b64url(`{"a":${'['.repeat(size / 2)}${']'.repeat(size / 2)}}`)}.sig`, run: decodeJwt as (input: never) => unknown },
  // Rate limits
  text('rate-limit: quotes and escapes', (s) => parseRateLimit([['RateLimit-Policy', s]], NOW), '\\"', '"'),
  { id: 'rate-limit: many headers', build: (size) => Array.from({ length: size / 20 }, (_, i): [string, string] => [i % 2 ? 'X-RateLimit-Limit' : 'X-Other', '1']), run: ((h: HeaderPairs) => parseRateLimit(h, NOW)) as (input: never) => unknown },
  // JSON error locator (and the explanation the invalid-json rule adds)
  text('json-locate: one long word', json, 'a'),
  text('json-locate: dashed words', json, 'abcdefg-'),
  text('json-locate: dotted names before colons', json, 'a.b :'),
  text('json-locate: unterminated secret', json, 'x', '{"password": "'),
  text('json-locate: deep nesting', json, '['),
  text('json-locate: nested objects', json, '{"a":'),
  text('json-locate: form pairs', json, '&a'),
  text('json-locate: many lines', json, '\n', '', 'x'),
  text('json-locate: quoted names', json, '"a'),
  // OAuth errors
  text('oauth-error: long description', (s) => parseOAuthErrorBody(s, 'application/json'), 'x', '{"error":"invalid_grant","error_description":"', '"}'),
  text('oauth-error: form failing at the end', (s) => parseOAuthErrorBody(s), 'a=b&', 'error=x&', ' '),
  text('oauth-error: bad percent-encoding', (s) => parseOAuthErrorBody(s, 'application/x-www-form-urlencoded'), '%', 'error=invalid_grant&error_description='),
  text('oauth-error: challenge attributes', (s) => responseOAuthError({ headers: [['WWW-Authenticate', s]], body: {} }), 'x', 'Bearer error="invalid_token", error_description="', '"'),
  // Validation errors
  text('validation-errors: many error objects', validationErrorsFromText, '{"field":"a","message":"b"},', '{"errors":[', '{}]}'),
  text('validation-errors: long Grape sentence', validationErrorsFromText, 'title is missing, ', '{"error":"', 'x"}'),
  text('validation-errors: names waiting for a verb', validationErrorsFromText, 'a, ', '{"error":"', 'b c"}'),
  text('validation-errors: GitLab quoted field', validationErrorsFromText, 'a', '{"message":"400 (Bad request) \\"', '\\" not given"}'),
  text('validation-errors: nested error objects', validationErrorsFromText, '{"error":', '', '1'),
  text('error-body-summary: long plain text', errorBodySummary, 'word '),
  // Body kind
  text('body-kind: form failing at the end', sniffTextKind, 'a=b&', '', ' x'),
  text('body-kind: long form value', sniffTextKind, 'b', 'a=', ' '),
  text('body-kind: long XML name', sniffTextKind, 'a', '<'),
  text('body-kind: brace and spaces', sniffTextKind, ' ', '{', 'x'),
  text('body-kind: content-disposition without colon', sniffTextKind, 'content-disposition ', '--b\n'),
  text('body-kind: multipart boundary', multipartBoundaryOf, 'x', '--'),
  text('body-kind: content type', kindOfContentType, 'a', '', '+json'),
  // Redaction
  text('redact text: Bearer words', redactText, 'Bearer '),
  text('redact text: JWT starts', redactText, 'eyJa.'),
  text('redact text: URL schemes', redactText, 'a://'),
  text('redact text: JWT summaries in a URL', redactText, 'JWT{', 'http://h/?'),
  text('redact text: JSON pairs', redactText, '"a": "'),
  text('redact text: key=value', redactText, 'a=', 'password='),
  text('redact text: header lines', redactText, 'X-Note: b\n', 'Authorization: Bearer x\n'),
  text('redact text: indentation', redactText, ' ', '', 'a'),
  text('redact text: nested Bearer schemes', redactText, 'Bearer ', 'Authorization: ', 'x'),
  text('redact header: nested Bearer schemes', (s) => redactHeaderValue('Authorization', s), 'Bearer ', '', 'x'),
  text('redact header: Digest params', (s) => redactHeaderValue('Authorization', s), 'realm=b, ', 'Digest '),
  text('redact header: cookies', (s) => redactHeaderValue('Cookie', s), 'a=; '),
  text('redact url: many params', redactUrl, 'a=1&', 'http://h/?token=1&'),
  text('redact url: at signs', redactUrl, '@', 'http://'),
  text('redact url: bad percent-encoding', redactUrl, '%', 'http://u:', '@h/'),
  text('redact body json: nested objects', (s) => redactBodyText(s, 'application/json'), '{"a":'),
  text('redact body json: many members', (s) => redactBodyText(s, 'application/json'), '"a":"x",', '{"password":"x",', '"a":1}'),
  text('redact body json: escapes', (s) => redactBodyText(s, 'application/json'), '\\"', '["'),
  text('redact body multipart: content-disposition', (s) => redactBodyText(s, 'multipart/form-data; boundary=b'), 'content-disposition:', '--b\r\n', '\r\n\r\nx\r\n--b--'),
  text('redact body multipart: many parts', (s) => redactBodyText(s, 'multipart/form-data; boundary=b'), '--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nx\r\n'),
  // curl export quoting
  text('shell quote: quotes', shellQuote, "'"),
  { id: 'shell quote: bytes', build: (size) => Buffer.alloc(size, 0xff), run: shellQuoteBytes as (input: never) => unknown },
  text('curl export: long target with secrets', (s) => curl(record(s, [['Host', 'h']])), `access_token=x&${'p'.repeat(400)}=1&`, 'http://h/?'),
  text('curl export: long header of quotes', (s) => curl(record('http://h/', [['Host', 'h'], ['X-Q', s]])), `'"$\`!`),
  // Record reader
  text('reader: a long line in small chunks', (s) => {
    const splitter = new RecordLineSplitter();
    for (let i = 0; i < s.length; i += 4096) splitter.push(s.slice(i, i + 4096));
  }, 'x'),
  text('reader: long JSON line', parseRecordLine, '[1,', '{"v":1,"id":"x","a":', '1]}'),
  // Filters and replay targets
  text('filter: repeated terms', (s) => parseFilterExpression(s), 'status=4xx '),
  text('filter: more terms than a call takes arguments', (s) => parseFilterExpression(s), 'errors '),
  text('filter: long duration failing at the end', (s) => { try { parseSince(s); } catch { /* FilterError */ } }, '1m', '', 'x'),
  text('replay target: long URL', (s) => replayTarget({ method: 'GET', url: s }), 'a/', 'http://h/'),
];
