import * as zlib from 'node:zlib';
import { harDocument, harEntry, type HarEntry } from '../../../src/export/har';
import { maskSecret } from '../../../src/log/redact';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { makeExchange } from '../../helpers/make-exchange';

// har-validator ships no types; har() resolves with the document or rejects with the schema errors.
const harValidator = require('har-validator') as { har(data: unknown): Promise<unknown> };

function entry(record: ExchangeRecord, includeSecrets = false): HarEntry {
  const result = harEntry(record, { includeSecrets });
  if ('unsupported' in result) throw new Error(result.unsupported);
  return result;
}

async function expectValid(entries: HarEntry[]): Promise<void> {
  const doc = harDocument(entries, { creatorVersion: '9.9.9', includeSecrets: false });
  await expect(harValidator.har(JSON.parse(JSON.stringify(doc)))).resolves.toBeDefined();
}

const TOKEN = 'tok_0123456789abcdef';

const apiCall = (): ExchangeRecord =>
  makeExchange({
    seq: 17,
    id: 'mi8x2k3fc-h-9f3a2c1d',
    request: {
      method: 'POST',
      url: 'https://api.example.com/v1/items?page=2&access_token=abc123def456&q=a%20b',
      headers: [['Host', 'api.example.com'], ['Authorization', `Bearer ${TOKEN}`], ['Content-Type', 'application/json'], ['Content-Length', '13'], ['Cookie', 'sid=s3cr3t; theme=dark']],
      body: '{"name":"x"}\n',
    },
    response: {
      status: 201,
      statusText: 'Created',
      headers: [['Content-Type', 'application/json'], ['Set-Cookie', 'sid=n3w; Path=/; Domain=example.com; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure'], ['Location', 'https://api.example.com/v1/items/9']],
      body: '{"id":9}',
    },
    phases: { dns: 2.1, connect: 4.8, tls: 12, ttfb: 40.2, download: 1.9, total: 61.3 },
    upstream: { reusedConnection: false, address: '203.0.113.7:443', tls: 'TLSv1.3' },
  });

describe('HAR entry', () => {
  it('is valid HAR 1.2 with the request, response, timings and proxydoc fields', async () => {
    const e = entry(apiCall());
    await expectValid([e]);
    expect(e.startedDateTime).toBe('2026-11-21T20:41:03.120Z');
    expect(e.request).toMatchObject({ method: 'POST', httpVersion: 'HTTP/1.1', bodySize: 13, postData: { mimeType: 'application/json', text: '{"name":"x"}\n' } });
    expect(e.request.headers.map((h) => h.name)).toEqual(['Host', 'Authorization', 'Content-Type', 'Content-Length', 'Cookie']);
    expect(e.response).toMatchObject({ status: 201, statusText: 'Created', httpVersion: 'HTTP/1.1', redirectURL: 'https://api.example.com/v1/items/9', bodySize: 8 });
    expect(e.response.content).toEqual({ size: 8, mimeType: 'application/json', text: '{"id":9}' });
    expect(e.serverIPAddress).toBe('203.0.113.7');
    expect(e._proxydoc).toMatchObject({ seq: 17, id: 'mi8x2k3fc-h-9f3a2c1d', replayOf: null, findings: [] });
  });

  it('maps phases to HAR timings: connect includes ssl, send is what the phases leave unexplained', () => {
    const { timings, time } = entry(apiCall());
    expect(timings).toEqual({ blocked: -1, dns: 2.1, connect: 16.8, ssl: 12, send: 0.3, wait: 40.2, receive: 1.9 });
    expect(time).toBeCloseTo(61.3, 6);
  });

  it('marks phases that did not happen (a reused connection) with -1', () => {
    const record = makeExchange({ request: { url: 'http://h/', headers: [['Host', 'h']] }, phases: { ttfb: 5, download: 1, total: 7 } });
    expect(entry(record).timings).toEqual({ blocked: -1, dns: -1, connect: -1, ssl: -1, send: 1, wait: 5, receive: 1 });
  });

  it('counts request and response head sizes as they were on the wire', () => {
    const record = makeExchange({ request: { url: 'http://h/x', headers: [['Host', 'h']] }, response: { status: 204, statusText: 'No Content', headers: [['A', 'b']] } });
    const e = entry(record);
    expect(e.request.headersSize).toBe(Buffer.byteLength('GET /x HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(e.response.headersSize).toBe(Buffer.byteLength('HTTP/1.1 204 No Content\r\nA: b\r\n\r\n'));
  });

  it('masks credentials with the same masks as proxydoc.log, and keeps the URL a valid URI', async () => {
    const e = entry(apiCall());
    const json = JSON.stringify(e);
    for (const secret of [TOKEN, 'abc123def456', 's3cr3t', 'n3w']) expect(json).not.toContain(secret);
    expect(e.request.headers[1]).toEqual({ name: 'Authorization', value: `Bearer ${maskSecret(TOKEN)}` });
    expect(e.request.queryString).toEqual([
      { name: 'page', value: '2' },
      { name: 'access_token', value: maskSecret('abc123def456') },
      { name: 'q', value: 'a b' },
    ]);
    const [, digest] = /sha256:([0-9a-f]{6})/.exec(maskSecret('abc123def456'))!;
    expect(e.request.url).toBe(`https://api.example.com/v1/items?page=2&access_token=%E2%80%B912%20chars,%20sha256:${digest}%E2%80%BA&q=a%20b`);
    expect(e.request.url).toMatch(/^[\x21-\x7e]+$/);
    await expectValid([e]);
  });

  it('keeps the values with includeSecrets', () => {
    const e = entry(apiCall(), true);
    expect(e.request.headers[1].value).toBe(`Bearer ${TOKEN}`);
    expect(e.request.url).toBe('https://api.example.com/v1/items?page=2&access_token=abc123def456&q=a%20b');
    expect(e.request.cookies).toEqual([{ name: 'sid', value: 's3cr3t' }, { name: 'theme', value: 'dark' }]);
  });

  it('parses cookies from Cookie and Set-Cookie', () => {
    const e = entry(apiCall());
    expect(e.request.cookies).toEqual([{ name: 'sid', value: maskSecret('s3cr3t') }, { name: 'theme', value: maskSecret('dark') }]);
    expect(e.response.cookies).toEqual([{ name: 'sid', value: maskSecret('n3w'), path: '/', domain: 'example.com', expires: '2026-10-21T07:28:00.000Z', httpOnly: true, secure: true }]);
  });

  it('shows a failed request as status 0 with _error, as Chrome does', async () => {
    const record = makeExchange({
      request: { url: 'http://127.0.0.1:9/x', headers: [['Host', '127.0.0.1:9']] },
      response: null,
      error: { kind: 'refused', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9', stage: 'connect' },
      phases: { total: 3 },
    });
    const e = entry(record);
    expect(e.response).toEqual({
      status: 0,
      statusText: '',
      httpVersion: '',
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
      _error: 'refused: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
    });
    expect(e._proxydoc.error).toMatchObject({ kind: 'refused', code: 'ECONNREFUSED' });
    expect(e.timings).toMatchObject({ send: 3, wait: 0, receive: 0 });
    await expectValid([e]);
  });

  it('writes binary bodies as base64: content.encoding for responses, _encoding for request postData', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff]);
    const record = makeExchange({
      request: { method: 'PUT', url: 'http://h/f', headers: [['Host', 'h'], ['Content-Type', 'application/octet-stream']], body: bytes },
      response: { headers: [['Content-Type', 'image/png']], body: bytes },
    });
    const e = entry(record);
    expect(e.request.postData).toEqual({ mimeType: 'application/octet-stream', text: 'AAEC/w==', _encoding: 'base64' });
    expect(e.response.content).toEqual({ size: 4, mimeType: 'image/png', text: 'AAEC/w==', encoding: 'base64' });
    await expectValid([e]);
  });

  it.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const)('decodes a %s response for devtools and masks what it reveals', async (coding, compress) => {
    const json = '{"access_token":"at-0123456789abcdef","token_type":"Bearer"}';
    const wire = compress(Buffer.from(json));
    const record = makeExchange({ response: { headers: [['Content-Type', 'application/json'], ['Content-Encoding', coding]], body: wire } });
    const e = entry(record);
    expect(e.response.content).toEqual({
      size: json.length,
      compression: json.length - wire.length,
      mimeType: 'application/json',
      text: `{"access_token":"${maskSecret('at-0123456789abcdef')}","token_type":"Bearer"}`,
    });
    expect(e.response.bodySize).toBe(wire.length);
    await expectValid([e]);
  });

  it('keeps content it cannot decode as base64 and says so', () => {
    const record = makeExchange({ response: { headers: [['Content-Encoding', 'gzip']], body: Buffer.from([0x1f, 0x8b, 0xff, 0xff, 0x00]) } });
    expect(entry(record).response.content).toMatchObject({ size: 5, encoding: 'base64', comment: 'still Content-Encoding: gzip: it could not be decoded' });
  });

  it('says when a body was captured only in part', () => {
    const record = makeExchange({ request: { method: 'POST', url: 'http://h/', headers: [['Host', 'h']], body: { size: 9000, text: 'abc', truncated: true } } });
    expect(entry(record).request.postData).toEqual({ mimeType: '', text: 'abc', comment: 'proxydoc captured only the first 3 of 9000 bytes (--max-body-capture)' });
  });

  it('shows header values as the UTF-8 text the client sent', () => {
    const record = makeExchange({ request: { url: 'http://h/', headers: [['Host', 'h'], ['X-Name', Buffer.from('José ✓', 'utf8').toString('latin1')]] } });
    expect(entry(record).request.headers[1]).toEqual({ name: 'X-Name', value: 'José ✓' });
  });

  it('marks a WebSocket and refuses a blind tunnel', () => {
    const ws = makeExchange({
      request: { url: 'http://h/ws', headers: [['Host', 'h'], ['Upgrade', 'websocket'], ['Connection', 'Upgrade']] },
      response: { status: 101, statusText: 'Switching Protocols', headers: [] },
      tunnel: { target: 'h:80', reason: 'websocket', bytesUp: 1, bytesDown: 1 },
    });
    expect(entry(ws)._resourceType).toBe('websocket');
    const blind = makeExchange({ request: { method: 'CONNECT', url: 'h:443', headers: [] }, tunnel: { target: 'h:443', reason: 'no-intercept', bytesUp: 1, bytesDown: 1 } });
    expect(harEntry(blind, { includeSecrets: false })).toEqual({ unsupported: expect.stringContaining('blind tunnel') });
  });
});

describe('HAR document', () => {
  it('names proxydoc as the creator and says when credentials are masked', () => {
    expect(harDocument([], { creatorVersion: '1.2.3', includeSecrets: false }).log).toEqual({
      version: '1.2',
      creator: { name: 'proxydoc', version: '1.2.3' },
      comment: 'Credentials are masked as ‹length, sha256 prefix›; proxydoc export --include-secrets keeps them.',
      entries: [],
    });
    expect(harDocument([], { creatorVersion: '1.2.3', includeSecrets: true }).log.comment).toBeUndefined();
  });
});
