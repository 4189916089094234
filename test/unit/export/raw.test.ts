import { exportRaw, wireRequest, type RawExport } from '../../../src/export/raw';
import { maskSecret } from '../../../src/log/redact';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { makeExchange } from '../../helpers/make-exchange';

function raw(record: ExchangeRecord, includeSecrets = false): RawExport {
  const result = exportRaw(record, { includeSecrets });
  if ('unsupported' in result) throw new Error(result.unsupported);
  return result;
}

describe('wireRequest', () => {
  it('is the request as the upstream got it: raw target, hop-by-hop fields dropped, Host from the URL', () => {
    const record = makeExchange({
      request: {
        method: 'GET',
        url: 'http://api.example.com/a%2Fb//c/../d?x=1&&y',
        headers: [['Host', 'api.example.com'], ['Proxy-Connection', 'Keep-Alive'], ['Connection', 'X-Hop'], ['X-Hop', '1'], ['x-Case', 'kept'], ['X-Rep', '1'], ['X-Rep', '2']],
      },
    });
    expect(wireRequest(record)).toMatchObject({
      method: 'GET',
      scheme: 'http',
      authority: 'api.example.com',
      target: '/a%2Fb//c/../d?x=1&&y',
      headers: [['Host', 'api.example.com'], ['x-Case', 'kept'], ['X-Rep', '1'], ['X-Rep', '2']],
    });
  });

  it.each([
    ['http://h', 'GET', '/'],
    ['http://h?q', 'GET', '/?q'],
    ['http://h', 'OPTIONS', '*'],
    ['https://h/p?', 'GET', '/p?'],
    ['http://user:pw@h:8080/x', 'GET', '/x'],
  ])('sends %s (%s) as target %s', (url, method, target) => {
    expect(wireRequest(makeExchange({ request: { method, url, headers: [] } }))).toMatchObject({ target });
  });
});

describe('raw export', () => {
  it('writes the request line, headers in order and case, a blank line and the body', () => {
    const body = '{"a":"b"}';
    const record = makeExchange({
      request: { method: 'POST', url: 'http://h/api/x%2Fy', headers: [['Host', 'h'], ['content-type', 'application/json'], ['Content-Length', '9'], ['X-Empty', '']], body },
    });
    expect(raw(record).bytes.toString('latin1')).toBe('POST /api/x%2Fy HTTP/1.1\r\nHost: h\r\ncontent-type: application/json\r\nContent-Length: 9\r\nX-Empty: \r\n\r\n{"a":"b"}');
  });

  it('writes binary bodies byte for byte', () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a]);
    const record = makeExchange({ request: { method: 'PUT', url: 'http://h/f', headers: [['Host', 'h'], ['Content-Length', '7']], body: bytes } });
    const out = raw(record).bytes;
    expect(out.subarray(out.length - 7)).toEqual(bytes);
  });

  it('writes header values back as the bytes Node read as Latin-1', () => {
    const utf8AsLatin1 = Buffer.from('José', 'utf8').toString('latin1');
    const record = makeExchange({ request: { url: 'http://h/', headers: [['Host', 'h'], ['X-Name', utf8AsLatin1], ['X-Latin1', 'caf\u00e9']] } });
    const out = raw(record).bytes;
    expect(out.includes(Buffer.from('X-Name: José\r\n', 'utf8'))).toBe(true);
    expect(out.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a]))).toBe(true);
  });

  it('writes a chunked body as one chunk and the last chunk', () => {
    const record = makeExchange({ request: { method: 'POST', url: 'http://h/up', headers: [['Host', 'h'], ['Transfer-Encoding', 'chunked']], body: 'hello world' } });
    expect(raw(record).bytes.toString()).toBe('POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n');
  });

  it('keeps an empty body with Content-Length: 0', () => {
    const record = makeExchange({ request: { method: 'POST', url: 'http://h/e', headers: [['Host', 'h'], ['Content-Length', '0']] } });
    expect(raw(record).bytes.toString()).toBe('POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n');
  });

  it('masks credentials and fixes Content-Length so the message still parses', () => {
    const body = '{"password":"hunter2"}';
    const record = makeExchange({
      request: { method: 'POST', url: 'http://h/login?api_key=k123', headers: [['Host', 'h'], ['Authorization', 'Bearer tok-123456'], ['Content-Type', 'application/json'], ['Content-Length', String(body.length)]], body },
    });
    const result = raw(record);
    const text = result.bytes.toString('utf8');
    const redactedBody = `{"password":"${maskSecret('hunter2')}"}`;
    expect(text).toBe(
      `POST /login?api_key=${maskSecret('k123')} HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${maskSecret('tok-123456')}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(redactedBody)}\r\n\r\n${redactedBody}`,
    );
    expect(result.notes).toEqual(['the body had credentials, now masked: Content-Length is that of the masked body']);
    expect(result.incomplete).toBe(false);
    expect(raw(record, true).bytes.toString()).toContain('Bearer tok-123456');
    expect(raw(record, true).bytes.toString()).toContain(`Content-Length: ${body.length}\r\n\r\n${body}`);
  });

  it('says when the body was captured only in part', () => {
    const record = makeExchange({ request: { method: 'POST', url: 'http://h/big', headers: [['Host', 'h'], ['Content-Length', '100']], body: { size: 100, text: 'abc', truncated: true } } });
    const result = raw(record, true);
    expect(result.incomplete).toBe(true);
    expect(result.bytes.toString()).toBe('POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc');
    expect(result.notes[0]).toMatch(/captured only in part \(3 of 100 bytes/);
  });

  it('exports a WebSocket handshake with its Upgrade headers', () => {
    const record = makeExchange({
      request: { url: 'http://h/ws', headers: [['Host', 'h'], ['Connection', 'Upgrade'], ['Upgrade', 'websocket'], ['Sec-WebSocket-Version', '13']] },
      tunnel: { target: 'h:80', reason: 'websocket', bytesUp: 10, bytesDown: 20 },
    });
    expect(raw(record).bytes.toString()).toBe('GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n');
  });

  it('refuses a blind tunnel', () => {
    const record = makeExchange({ request: { method: 'CONNECT', url: 'h:443', headers: [] }, tunnel: { target: 'h:443', reason: 'not-tls', bytesUp: 1, bytesDown: 1 } });
    expect(exportRaw(record, { includeSecrets: false })).toEqual({ unsupported: expect.stringContaining('a blind tunnel to h:443') });
  });
});
