import * as zlib from 'node:zlib';
import { formatExchangeDetail, formatTimestamp, type ExchangeDetailOptions } from '../../../src/present/exchange-detail';
import { cutUtf8, hexDump, reindentJson } from '../../../src/present/body-view';
import { maskSecret } from '../../../src/log/redact';
import type { Finding } from '../../../src/model/exchange';
import { makeExchange } from '../../helpers/make-exchange';

const PLAIN: ExchangeDetailOptions = { color: false, timeZone: 'utc', includeSecrets: false, maxBodyBytes: 64 * 1024 };
const SECRETS: ExchangeDetailOptions = { ...PLAIN, includeSecrets: true };

const ENCODED_SLASH: Finding = {
  rule: 'encoded-slash',
  severity: 'error',
  summary: 'An intermediary in front of the API decoded or refused the encoded slash (%2F) in the path.',
  explanation: 'The path has %2F and the 404 is an HTML page from Apache.\nThe API itself answers 404s in JSON.',
  evidence: ['path has %2F', "the 404 is an HTML page from Apache, not the API's JSON error"],
  nextSteps: ['Apache: AllowEncodedSlashes NoDecode + ProxyPass … nocanon'],
};

/** The lines of the section that starts with `heading`, up to the next blank line. */
function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start < 0) throw new Error(`no section ${heading} in:\n${text}`);
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

/** The body lines (heading, content, notes) of the request or response. */
function bodyOf(text: string, message: 'Request' | 'Response'): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(message));
  const bodyStart = lines.findIndex((line, index) => index > start && line.startsWith('  body  '));
  const end = lines.indexOf('', bodyStart);
  return lines.slice(bodyStart, end < 0 ? undefined : end);
}

describe('formatExchangeDetail', () => {
  it('renders a whole exchange word for word', () => {
    const record = makeExchange({
      id: 'mi8x2k3fc-h-9f3a2c1d',
      seq: 17,
      request: {
        method: 'POST',
        url: 'https://gitlab.example.com/api/v4/projects/group%2Fproj/issues',
        headers: [['Host', 'gitlab.example.com'], ['Content-Type', 'application/json']],
        body: '{"title":"x","labels":[]}',
      },
      response: {
        status: 404,
        headers: [['Server', 'Apache/2.4.57'], ['Content-Type', 'text/html']],
        body: '<html>\r\n<h1>Not Found</h1>\r\n</html>\r\n',
      },
      phases: { dns: 2.1, connect: 4.8, tls: 12, ttfb: 40.2, download: 1.9, total: 61.3 },
      upstream: { reusedConnection: false, address: '203.0.113.7:443', tls: 'TLSv1.3' },
    });
    record.findings = [ENCODED_SLASH];
    expect(formatExchangeDetail(record, PLAIN)).toBe(
      [
        '#17 POST https://gitlab.example.com/api/v4/projects/group%2Fproj/issues → 404 Not Found  61 ms',
        '  id          mi8x2k3fc-h-9f3a2c1d',
        '  started     2026-11-21 20:41:03.120 UTC',
        '  client      127.0.0.1',
        '',
        'Timing  61 ms total',
        '  dns          2 ms    3%  █',
        '  connect      5 ms    8%  ██▍',
        '  tls         12 ms   20%  █████▉',
        '  ttfb        40 ms   66%  ███████████████████▋',
        '  download     2 ms    3%  ▉',
        '  connection  new · 203.0.113.7:443 · TLSv1.3',
        '',
        'Request  POST /api/v4/projects/group%2Fproj/issues HTTP/1.1',
        '  Host: gitlab.example.com',
        '  Content-Type: application/json',
        '',
        '  body  25 B · JSON, reindented',
        '    {',
        '      "title": "x",',
        '      "labels": []',
        '    }',
        '',
        'Response  HTTP/1.1 404 Not Found',
        '  Server: Apache/2.4.57',
        '  Content-Type: text/html',
        '',
        '  body  37 B',
        '    <html>',
        '    <h1>Not Found</h1>',
        '    </html>',
        '',
        'Findings',
        '  ✖ encoded-slash (error)  An intermediary in front of the API decoded or refused the encoded slash (%2F) in the path.',
        '    The path has %2F and the 404 is an HTML page from Apache.',
        '    The API itself answers 404s in JSON.',
        '    evidence:',
        '      - path has %2F',
        "      - the 404 is an HTML page from Apache, not the API's JSON error",
        '    next steps:',
        '      - Apache: AllowEncodedSlashes NoDecode + ProxyPass … nocanon',
        '      - reproduce: proxydoc export 17 --format curl',
      ].join('\n'),
    );
  });

  describe('bodies', () => {
    it('reindents JSON, also without a JSON Content-Type when it opens like JSON and parses', () => {
      const record = makeExchange({ response: { headers: [['Content-Type', 'text/plain']], body: '[{"a":1,"b":{"c":[true,null]}}]' } });
      expect(bodyOf(formatExchangeDetail(record, PLAIN), 'Response')).toEqual([
        '  body  31 B · JSON, reindented',
        '    [',
        '      {',
        '        "a": 1,',
        '        "b": {',
        '          "c": [',
        '            true,',
        '            null',
        '          ]',
        '        }',
        '      }',
        '    ]',
      ]);
    });

    it('keeps a JSON body that does not parse exactly as it is', () => {
      const broken = '{"name": "x",, "tags": [1 2]}';
      const record = makeExchange({ request: { method: 'POST', headers: [['Content-Type', 'application/json']], body: broken } });
      expect(bodyOf(formatExchangeDetail(record, PLAIN), 'Request')).toEqual(['  body  29 B', `    ${broken}`]);
    });

    it('changes only whitespace when reindenting: numbers, escapes and duplicate keys stay as sent', () => {
      expect(reindentJson('{"n":12345678901234567890,"f":1.10,"s":"caf\\u00e9 \\"q\\"","n":2}')).toBe(
        ['{', '  "n": 12345678901234567890,', '  "f": 1.10,', '  "s": "caf\\u00e9 \\"q\\"",', '  "n": 2', '}'].join('\n'),
      );
    });

    it('does not reindent a body truncated at capture, and says how much was captured', () => {
      const record = makeExchange({
        response: { body: { size: 5 * 1024 * 1024, text: '{"items":[{"id":1},', truncated: true } },
      });
      expect(bodyOf(formatExchangeDetail(record, PLAIN), 'Response')).toEqual([
        '  body  5.0 MiB',
        '    {"items":[{"id":1},',
        '    … body truncated: 19 B of 5.0 MiB captured',
      ]);
    });

    it('hex-dumps a binary body like xxd', () => {
      const bytes = Buffer.from(Array.from({ length: 20 }, (_, i) => i * 13));
      const record = makeExchange({ response: { headers: [['Content-Type', 'application/octet-stream']], body: bytes } });
      expect(bodyOf(formatExchangeDetail(record, PLAIN), 'Response')).toEqual([
        '  body  20 B · binary, hex dump',
        // `xxd` prints exactly these two lines for these bytes.
        "    00000000: 000d 1a27 3441 4e5b 6875 828f 9ca9 b6c3  ...'4AN[hu......",
        '    00000010: d0dd eaf7                                ....',
      ]);
    });

    it('cuts bodies at the limit, without splitting a character, and says so', () => {
      const text = makeExchange({ response: { headers: [['Content-Type', 'text/plain']], body: 'ab€cd' } });
      expect(bodyOf(formatExchangeDetail(text, { ...PLAIN, maxBodyBytes: 4 }), 'Response')).toEqual([
        '  body  7 B',
        '    ab',
        '    … 2 B of 7 B shown; a larger --body-limit shows more',
      ]);
      const binary = makeExchange({ response: { body: Buffer.alloc(40, 0) } });
      expect(bodyOf(formatExchangeDetail(binary, { ...PLAIN, maxBodyBytes: 16 }), 'Response')).toEqual([
        '  body  40 B · binary, hex dump',
        '    00000000: 0000 0000 0000 0000 0000 0000 0000 0000  ................',
        '    … 16 B of 40 B shown; a larger --body-limit shows more',
      ]);
      const none = makeExchange({ response: { body: '{"a":1}' } });
      expect(bodyOf(formatExchangeDetail(none, { ...PLAIN, maxBodyBytes: 0 }), 'Response')).toEqual([
        '  body  7 B · JSON, reindented',
        '    … 0 B of 7 B shown; a larger --body-limit shows more',
      ]);
      expect(cutUtf8('ab€', 3)).toBe('ab');
      expect(cutUtf8('ab€', 5)).toBe('ab€');
    });

    it('reindents a JSON body cut by the limit as far as it goes', () => {
      const record = makeExchange({ response: { body: '{"a":1,"b":2}' } });
      expect(bodyOf(formatExchangeDetail(record, { ...PLAIN, maxBodyBytes: 7 }), 'Response')).toEqual([
        '  body  13 B · JSON, reindented',
        '    {',
        '      "a": 1,',
        '    … 7 B of 13 B shown; a larger --body-limit shows more',
      ]);
    });

    it('decodes a gzip body (Content-Encoding) before showing it', () => {
      const json = '{"ok":true}';
      const record = makeExchange({
        response: { headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'gzip']], body: zlib.gzipSync(json) },
      });
      const size = zlib.gzipSync(json).length;
      expect(bodyOf(formatExchangeDetail(record, PLAIN), 'Response')).toEqual([
        `  body  ${size} B · gzip-decoded from ${size} B · JSON, reindented`,
        '    {',
        '      "ok": true',
        '    }',
      ]);
    });

    it('shows a body that claims gzip but is not as received, with a note', () => {
      const record = makeExchange({ response: { headers: [['Content-Encoding', 'gzip']], body: 'plain text' } });
      expect(bodyOf(formatExchangeDetail(record, PLAIN), 'Response')).toEqual([
        '  body  10 B',
        '    plain text',
        '    Content-Encoding gzip: the body does not decode; shown as received',
      ]);
    });

    it('shows an empty body as none and an uncaptured one as truncated', () => {
      const record = makeExchange({ response: { body: { size: 300, truncated: true } } });
      const text = formatExchangeDetail(record, PLAIN);
      expect(bodyOf(text, 'Request')).toEqual(['  body  none']);
      expect(bodyOf(text, 'Response')).toEqual(['  body  300 B', '    … body truncated: 0 B of 300 B captured']);
    });
  });

  it('lists trailers after the response body', () => {
    const record = makeExchange({ response: { body: 'ok', headers: [['Trailer', 'X-Checksum']], trailers: [['X-Checksum', 'abc']] } });
    expect(section(formatExchangeDetail(record, PLAIN), '  trailers')).toEqual(['  trailers', '    X-Checksum: abc']);
  });

  describe('timing and connection', () => {
    it('shows only the phases that happened, and a reused connection through a proxy', () => {
      const record = makeExchange({
        phases: { ttfb: 30, download: 10, total: 40 },
        upstream: { reusedConnection: true, address: '10.0.0.5:3128', viaProxy: 'http://corp:s3cretpass@proxy.corp:3128' },
      });
      const timing = section(formatExchangeDetail(record, PLAIN), 'Timing');
      expect(timing).toEqual([
        'Timing  40 ms total',
        '  ttfb        30 ms   75%  ██████████████████████▌',
        '  download    10 ms   25%  ███████▌',
        `  connection  reused (keep-alive, so no dns, connect or tls) · 10.0.0.5:3128 · via proxy http://corp:${maskSecret('s3cretpass')}@proxy.corp:3128`,
      ]);
      expect(formatExchangeDetail(record, SECRETS)).toContain('via proxy http://corp:s3cretpass@proxy.corp:3128');
    });

    it('says when a new connection was opened during the client handshake, so its tls phase did not all delay the exchange', () => {
      const record = makeExchange({ phases: { connect: 1, tls: 3, ttfb: 2, total: 4 }, upstream: { reusedConnection: false, openedAhead: true, tls: 'TLSv1.3' } });
      expect(section(formatExchangeDetail(record, PLAIN), 'Timing')).toEqual([
        'Timing  4 ms total',
        '  connect     1 ms  (ahead, during the client handshake)',
        '  tls         3 ms  (ahead, during the client handshake)',
        '  ttfb        2 ms   50%  ███████████████',
        "  connection  new, opened ahead during the client's TLS handshake · TLSv1.3",
      ]);
    });

    it('writes long phases in seconds and leaves out shares when the total is zero', () => {
      const slow = makeExchange({ response: { status: 504 }, phases: { connect: 1.2, ttfb: 60012.4, total: 60104.9 } });
      expect(section(formatExchangeDetail(slow, PLAIN), 'Timing')).toEqual([
        'Timing  60.1 s total',
        '  connect       1 ms    0%',
        '  ttfb        60.0 s  100%  ██████████████████████████████',
      ]);
      const instant = makeExchange({ phases: { ttfb: 0, total: 0 } });
      expect(section(formatExchangeDetail(instant, PLAIN), 'Timing')).toEqual(['Timing  0 ms total', '  ttfb        0 ms']);
    });
  });

  it('shows start times in UTC or in the local zone with its offset', () => {
    expect(formatTimestamp('2026-11-21T20:41:03.120Z', 'utc')).toBe('2026-11-21 20:41:03.120 UTC');
    // jest's process.env is a copy, so TZ can't be switched here; the CLI test runs the real thing under TZ=Asia/Kolkata.
    const date = new Date('2026-11-21T20:41:03.120Z');
    const offset = -date.getTimezoneOffset();
    const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
    const clock = [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()].map((n) => String(n).padStart(2, '0')).join('-');
    expect(formatTimestamp('2026-11-21T20:41:03.120Z', 'local')).toBe(`${day} ${clock}.120 ${zone}`);
    expect(formatTimestamp('not a time\u001b', 'utc')).toBe('not a time\\x1b');
  });

  it('shows a transport error with its stage, message and the upstream certificate', () => {
    const record = makeExchange({
      seq: 8,
      request: { url: 'https://expired.example.com/' },
      error: {
        kind: 'tls',
        code: 'CERT_HAS_EXPIRED',
        message: 'certificate has expired',
        stage: 'tls',
        certificate: { subject: 'CN=expired.example.com', issuer: 'CN=Example CA', validFrom: 'Jan  1 00:00:00 2020 GMT', validTo: 'Jan  1 00:00:00 2021 GMT', altNames: 'DNS:expired.example.com' },
      },
      phases: { dns: 1, connect: 2, tls: 5, total: 9 },
    });
    const text = formatExchangeDetail(record, PLAIN);
    expect(text.split('\n')[0]).toBe('#8 GET https://expired.example.com/ ✖ tls CERT_HAS_EXPIRED  9 ms');
    expect(section(text, 'Response')).toEqual(['Response  none: the exchange failed first (see Transport error)']);
    expect(section(text, 'Transport error')).toEqual([
      'Transport error  tls CERT_HAS_EXPIRED, during the TLS handshake with the upstream',
      '  certificate has expired',
      '  upstream certificate',
      '    subject     CN=expired.example.com',
      '    issuer      CN=Example CA',
      '    valid from  Jan  1 00:00:00 2020 GMT',
      '    valid to    Jan  1 00:00:00 2021 GMT',
      '    names       DNS:expired.example.com',
    ]);
  });

  it('shows a blind tunnel without a response section', () => {
    const record = makeExchange({
      seq: 13,
      request: { method: 'CONNECT', url: 'example.com:443', headers: [['Host', 'example.com:443']] },
      response: null,
      tunnel: { target: 'example.com:443', reason: 'no-intercept', bytesUp: 512, bytesDown: 4198 },
      phases: { total: 1312 },
    });
    const text = formatExchangeDetail(record, PLAIN);
    expect(text.split('\n')[0]).toBe('#13 CONNECT example.com:443 ⇄ tunnel (no-intercept)  1.3 s');
    expect(text).toContain('Request  CONNECT example.com:443 HTTP/1.1');
    expect(text).not.toContain('Response');
    expect(section(text, 'Tunnel')).toEqual([
      'Tunnel  to example.com:443',
      '  blind: the host is in --no-intercept, so its TLS was passed through without decrypting it',
      '  ↑ up        512 B from the client',
      '  ↓ down      4.1 KiB from the upstream',
      '  open for    1.3 s',
    ]);
  });

  it('shows a WebSocket with its 101 response and its traffic', () => {
    const record = makeExchange({
      seq: 15,
      request: { url: 'wss://chat.example.com/socket', headers: [['Upgrade', 'websocket']] },
      response: { status: 101, statusText: 'Switching Protocols', headers: [['Upgrade', 'websocket']] },
      tunnel: { target: 'chat.example.com:443', reason: 'websocket', bytesUp: 2048, bytesDown: 1536000 },
      phases: { total: 65000 },
    });
    const text = formatExchangeDetail(record, PLAIN);
    expect(text.split('\n')[0]).toBe('#15 GET wss://chat.example.com/socket → 101 Switching Protocols  65.0 s');
    expect(section(text, 'Tunnel')).toEqual([
      'Tunnel  to chat.example.com:443',
      '  WebSocket (RFC 6455): after the upgrade the frames were relayed, not recorded',
      '  ↑ up        2.0 KiB from the client',
      '  ↓ down      1.5 MiB from the upstream',
      '  open for    65.0 s',
    ]);
  });

  it('names the record a replay repeats', () => {
    const record = makeExchange({ replayOf: 'mi8x2k3fc-h-9f3a2c1d' });
    expect(formatExchangeDetail(record, PLAIN).split('\n')).toContain('  replay of   mi8x2k3fc-h-9f3a2c1d');
    expect(formatExchangeDetail(makeExchange(), PLAIN)).not.toContain('replay of');
  });

  describe('findings', () => {
    it('gives warnings no reproduce hint, skips an explanation that repeats the summary, and says when there are none', () => {
      const record = makeExchange({ seq: 3 });
      record.findings = [
        { rule: 'token-expires-soon', severity: 'warn', summary: 'The bearer token expires in 40 s.', explanation: 'The bearer token expires in 40 s.', evidence: [], nextSteps: ['refresh it first'] },
        { rule: 'slow-dns', severity: 'info', summary: 'DNS took 900 ms.', explanation: '', evidence: ['dns 900 ms'], nextSteps: [] },
      ];
      expect(section(formatExchangeDetail(record, PLAIN), 'Findings')).toEqual([
        'Findings',
        '  ⚠ token-expires-soon (warn)  The bearer token expires in 40 s.',
        '    next steps:',
        '      - refresh it first',
      ]);
      expect(formatExchangeDetail(record, PLAIN).split('\n').slice(-4)).toEqual(['', '  ℹ slow-dns (info)  DNS took 900 ms.', '    evidence:', '      - dns 900 ms']);
      expect(formatExchangeDetail(makeExchange(), PLAIN).split('\n').slice(-2)).toEqual(['', 'Findings  none']);
    });
  });

  describe('redaction', () => {
    const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA';
    const record = makeExchange({
      seq: 21,
      request: {
        method: 'POST',
        url: 'https://api.example.com/login?access_token=url-token-123456&page=2',
        headers: [['Authorization', `Bearer ${BEARER}`], ['Cookie', 'sid=cookie-value-987'], ['Content-Type', 'application/x-www-form-urlencoded']],
        body: 'username=alice&password=hunter2-secret',
      },
      response: { status: 401, headers: [['Set-Cookie', 'sid=set-cookie-value-555; Path=/']], body: '{"refresh_token":"rt-secret-7777","user":"alice"}' },
      error: { kind: 'reset', code: 'ECONNRESET', message: 'reset while sending Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123', stage: 'response-body' },
    });
    record.findings = [{ ...ENCODED_SLASH, evidence: [`sent Bearer ${BEARER}`] }];
    const SECRETS_IN_RECORD = ['url-token-123456', BEARER, 'c2lnbmF0dXJlLXNlY3JldA', 'cookie-value-987', 'hunter2-secret', 'set-cookie-value-555', 'rt-secret-7777', 'abcdefghijklmnopqrstuvwxyz0123'];

    it('masks every credential by default', () => {
      const text = formatExchangeDetail(record, PLAIN);
      for (const secret of SECRETS_IN_RECORD) expect(text).not.toContain(secret);
      expect(text).toContain(`?access_token=${maskSecret('url-token-123456')}&page=2`);
      expect(text).toContain(`password=${maskSecret('hunter2-secret')}`);
      expect(text).toContain('username=alice');
      expect(text).toContain(`"refresh_token": "${maskSecret('rt-secret-7777')}"`);
    });

    it('shows them as recorded with includeSecrets', () => {
      const text = formatExchangeDetail(record, SECRETS);
      for (const secret of SECRETS_IN_RECORD) expect(text).toContain(secret);
    });

    it('masks a secret in a binary (non-UTF-8) body by showing it as text, not as a hex dump', () => {
      const latin1 = Buffer.from('user=jos\u00e9&password=hunter2-secret', 'latin1');
      const form = makeExchange({ request: { method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: latin1 } });
      expect(bodyOf(formatExchangeDetail(form, PLAIN), 'Request')).toEqual([
        '  body  33 B · not UTF-8, shown as Latin-1 text with its credentials masked',
        `    user=josé&password=${maskSecret('hunter2-secret')}`,
      ]);
      expect(bodyOf(formatExchangeDetail(form, SECRETS), 'Request')[0]).toBe('  body  33 B · binary, hex dump');
    });
  });

  it('escapes control characters from the wire but keeps the line breaks of bodies', () => {
    const record = makeExchange({
      seq: 1,
      request: { url: 'https://api.example.com/\u001b]0;pwned\u0007', headers: [['X-Evil', 'a\u001b[2Jb\u202ec']] },
      response: { status: 200, statusText: 'OK\u001b[31m', headers: [['Content-Type', 'text/plain']], body: 'line one\u001b[2J\nline\ttwo\rover\u202e\r\nthree\u0085' },
      error: { kind: 'reset', code: 'E\u001bX', message: 'first\nsecond\u001b[0m', stage: 'response-body' },
    });
    record.findings = [{ ...ENCODED_SLASH, summary: 'bad\u001b[1mthing', evidence: ['x\u009by'] }];
    const text = formatExchangeDetail(record, PLAIN);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(text.split('\n')[0]).toBe('#1 GET https://api.example.com/\\x1b]0;pwned\\x07 → 200 OK\\x1b[31m ✖ reset E\\x1bX  50 ms');
    expect(text).toContain('  X-Evil: a\\x1b[2Jb\\u202ec');
    expect(bodyOf(text, 'Response')).toEqual(['  body  38 B', '    line one\\x1b[2J', '    line\ttwo\\x0dover\\u202e', '    three\\x85']);
    expect(section(text, 'Transport error')).toEqual(['Transport error  reset E\\x1bX, while receiving the response body', '  first', '  second\\x1b[0m']);
    expect(text).toContain('(error)  bad\\x1b[1mthing');
    expect(text).toContain('      - x\\x9by');
  });

  it('uses ANSI colour only when asked, and the coloured text is the plain text plus SGR codes', () => {
    const record = makeExchange({ response: { status: 404 }, error: { kind: 'reset', code: 'ECONNRESET', message: 'x' }, phases: { dns: 2, total: 5 } });
    record.findings = [ENCODED_SLASH];
    const plain = formatExchangeDetail(record, PLAIN);
    const colored = formatExchangeDetail(record, { ...PLAIN, color: true });
    expect(plain).not.toContain('\u001b[');
    expect(colored).toContain('\u001b[33m404 Not Found\u001b[0m');
    expect(colored).toContain('\u001b[31m✖\u001b[0m');
    expect(colored).toContain('\u001b[1mTiming\u001b[0m');
    expect(colored.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });
});

describe('hexDump', () => {
  it('writes nothing for no bytes and pads a short last row so the ASCII column lines up', () => {
    expect(hexDump(Buffer.alloc(0))).toEqual([]);
    expect(hexDump(Buffer.from('Hello, world!\n'))).toEqual(['00000000: 4865 6c6c 6f2c 2077 6f72 6c64 210a       Hello, world!.']);
  });
});
