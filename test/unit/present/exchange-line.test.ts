import { formatAnnotated, formatExchangeLine } from '../../../src/present/exchange-line';
import { formatBytes, formatClockTime, formatDuration, printable } from '../../../src/present/format';
import { maskSecret } from '../../../src/log/redact';
import { makeExchange } from '../../helpers/make-exchange';

const PLAIN = { color: false, timeZone: 'utc' } as const;
/** 1.2 KiB of JSON. */
const KIB_1_2 = `{"message":"${'x'.repeat(1229 - 15)}"}`;

describe('formatExchangeLine', () => {
  it('renders a failed API call word for word', () => {
    const record = makeExchange({
      seq: 17,
      request: { url: 'https://gitlab.example.com/api/v4/projects/group%2Fproj' },
      response: { status: 404, headers: [['Content-Type', 'text/html']], body: KIB_1_2 },
      phases: { dns: 2.1, connect: 4.8, tls: 12.0, ttfb: 40.2, total: 61.3 },
    });
    expect(formatExchangeLine(record, PLAIN)).toBe(
      '20:41:03.120 #17 GET https://gitlab.example.com/api/v4/projects/group%2Fproj → 404 Not Found  61 ms (dns 2 · connect 5 · tls 12 · ttfb 40)  ↑0 B ↓1.2 KiB',
    );
  });

  it('omits absent phases and the parentheses when only the total is known', () => {
    const reused = makeExchange({ seq: 3, response: { status: 200 }, phases: { ttfb: 30.4, download: 1.6, total: 32 } });
    expect(formatExchangeLine(reused, PLAIN)).toBe(
      '20:41:03.120 #3 GET https://api.example.com/v1/items → 200 OK  32 ms (ttfb 30 · download 2)  ↑0 B ↓0 B',
    );
    const bare = makeExchange({ seq: 4, response: { status: 204 }, phases: { total: 7 } });
    expect(formatExchangeLine(bare, PLAIN)).toBe('20:41:03.120 #4 GET https://api.example.com/v1/items → 204 No Content  7 ms  ↑0 B ↓0 B');
  });

  it('shows a transport error instead of a status, and no download size', () => {
    const record = makeExchange({
      seq: 8,
      request: { url: 'https://nope.example.invalid/' },
      error: { kind: 'dns', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND nope.example.invalid' },
      phases: { dns: 3.2, total: 3.4 },
    });
    expect(formatExchangeLine(record, PLAIN)).toBe('20:41:03.120 #8 GET https://nope.example.invalid/ ✖ dns ENOTFOUND  3 ms (dns 3)  ↑0 B');
  });

  it('shows both when the connection broke after the response headers', () => {
    const record = makeExchange({
      seq: 9,
      response: { status: 200, body: 'partial' },
      error: { kind: 'reset', code: 'ECONNRESET', message: 'socket hang up', stage: 'response-body' },
      phases: { total: 12 },
    });
    expect(formatExchangeLine(record, PLAIN)).toBe('20:41:03.120 #9 GET https://api.example.com/v1/items → 200 OK ✖ reset ECONNRESET  12 ms  ↑0 B ↓7 B');
  });

  it('writes durations from one second on in seconds, also for phases', () => {
    const record = makeExchange({
      seq: 10,
      request: { method: 'POST', body: 'a'.repeat(3 * 1024 * 1024) },
      response: { status: 504, statusText: 'Gateway Timeout' },
      phases: { connect: 1.2, ttfb: 60012.4, total: 60104.9 },
    });
    expect(formatExchangeLine(record, PLAIN)).toBe(
      '20:41:03.120 #10 POST https://api.example.com/v1/items → 504 Gateway Timeout  60.1 s (connect 1 · ttfb 60.0 s)  ↑3.0 MiB ↓0 B',
    );
  });

  it('marks truncated bodies', () => {
    const record = makeExchange({
      seq: 11,
      response: { status: 200, body: { size: 5 * 1024 * 1024, text: 'prefix', truncated: true } },
      phases: { total: 900 },
    });
    expect(formatExchangeLine(record, PLAIN)).toBe('20:41:03.120 #11 GET https://api.example.com/v1/items → 200 OK  900 ms  ↑0 B ↓5.0 MiB (truncated)');
  });

  it('redacts the URL', () => {
    const record = makeExchange({ seq: 12, request: { url: 'https://h.example.com/x?private_token=glpat-secret&page=2' }, response: { status: 401 } });
    const line = formatExchangeLine(record, PLAIN);
    expect(line).not.toContain('glpat-secret');
    expect(line).toContain(`GET https://h.example.com/x?private_token=${maskSecret('glpat-secret')}&page=2 → 401 Unauthorized`);
  });

  it('renders a blind tunnel with its byte counts', () => {
    const record = makeExchange({
      seq: 13,
      request: { method: 'CONNECT', url: 'example.com:443' },
      response: null,
      tunnel: { target: 'example.com:443', reason: 'no-intercept', bytesUp: 512, bytesDown: 4198 },
      phases: { total: 1312 },
    });
    expect(formatExchangeLine(record, PLAIN)).toBe('20:41:03.120 #13 CONNECT example.com:443 ⇄ tunnel (no-intercept) ↑512 B ↓4.1 KiB 1.3 s');
  });

  it('renders a tunnel that failed to connect', () => {
    const record = makeExchange({
      seq: 14,
      response: null,
      error: { kind: 'refused', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED', stage: 'tunnel' },
      tunnel: { target: 'db.internal:5432', reason: 'not-tls', bytesUp: 0, bytesDown: 0 },
      phases: { total: 2 },
    });
    expect(formatExchangeLine(record, PLAIN)).toBe('20:41:03.120 #14 CONNECT db.internal:5432 ⇄ tunnel (not-tls) ✖ refused ECONNREFUSED ↑0 B ↓0 B 2 ms');
  });

  it('renders a WebSocket', () => {
    const record = makeExchange({
      seq: 15,
      request: { url: 'wss://chat.example.com/socket' },
      response: { status: 101, statusText: 'Switching Protocols', headers: [['Upgrade', 'websocket']] },
      tunnel: { target: 'chat.example.com:443', reason: 'websocket', bytesUp: 2048, bytesDown: 1536000 },
      phases: { total: 65000 },
    });
    expect(formatExchangeLine(record, PLAIN)).toBe(
      '20:41:03.120 #15 GET wss://chat.example.com/socket → 101 Switching Protocols ⇄ websocket ↑2.0 KiB ↓1.5 MiB 65.0 s',
    );
  });

  it('marks a replay', () => {
    const record = makeExchange({ seq: 16, response: { status: 200 }, replayOf: '01JD0000000000000000000017', phases: { total: 40 } });
    expect(formatExchangeLine(record, PLAIN)).toBe(
      '20:41:03.120 #16 GET https://api.example.com/v1/items → 200 OK  40 ms  ↑0 B ↓0 B  ↻ replay of 01JD0000000000000000000017',
    );
  });

  it('keeps text from the wire on one printable line', () => {
    const record = makeExchange({ seq: 18, response: { status: 200, statusText: 'OK\u001b[2J\r\nX-Injected: 1' }, phases: { total: 1 } });
    const line = formatExchangeLine(record, PLAIN);
    expect(line).toBe('20:41:03.120 #18 GET https://api.example.com/v1/items → 200 OK\\x1b[2J X-Injected: 1  1 ms  ↑0 B ↓0 B');
    expect(line).not.toContain('\n');
  });

  it('uses ANSI colour only when asked', () => {
    const record = makeExchange({ seq: 19, response: { status: 404 }, error: undefined, phases: { dns: 1, total: 5 } });
    expect(formatExchangeLine(record, PLAIN)).not.toContain('\u001b');
    const coloured = formatExchangeLine(record, { color: true, timeZone: 'utc' });
    expect(coloured).toBe(
      '\u001b[2m20:41:03.120\u001b[0m \u001b[1m#19\u001b[0m GET https://api.example.com/v1/items → \u001b[33m404 Not Found\u001b[0m' +
        '  5 ms \u001b[2m(dns 1)\u001b[0m  ↑0 B ↓0 B',
    );
  });

  it('shows the time in the zone the caller chose', () => {
    // Jest sandboxes process.env, so TZ cannot be switched here; compare with Intl's independent rendering instead.
    const record = makeExchange({ seq: 20, startMs: Date.parse('2026-07-04T03:04:05.006Z'), response: { status: 200 }, phases: { total: 1 } });
    const localClock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .format(new Date('2026-07-04T03:04:05.006Z'));
    expect(formatExchangeLine(record, { color: false, timeZone: 'local' })).toMatch(new RegExp(`^${localClock}\\.006 #20 `));
    expect(formatExchangeLine(record, PLAIN)).toMatch(/^03:04:05\.006 #20 /);
  });
});

describe('formatAnnotated', () => {
  it('is the line alone without findings, and the line plus findings otherwise', () => {
    const record = makeExchange({ seq: 21, response: { status: 500 }, phases: { total: 10 } });
    const line = formatExchangeLine(record, PLAIN);
    expect(formatAnnotated(record, PLAIN)).toBe(line);
    record.findings = [
      { rule: 'server-error', severity: 'error', summary: 'The server failed.', explanation: '', evidence: [], nextSteps: [] },
    ];
    expect(formatAnnotated(record, PLAIN)).toBe(
      `${line}\n  ✖ server-error  The server failed.\n    next: reproduce: proxydoc export 21 --format curl`,
    );
  });
});

describe('format helpers', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1229, '1.2 KiB'],
    [150 * 1024, '150 KiB'],
    [1024 * 1024 - 1, '1.0 MiB'],
    [5.5 * 1024 ** 3, '5.5 GiB'],
    [-1, '? B'],
    [Number.NaN, '? B'],
  ])('formatBytes(%p) = %p', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [0.4, '0 ms'],
    [61.3, '61 ms'],
    [999.4, '999 ms'],
    [999.6, '1.0 s'],
    [60104.9, '60.1 s'],
    [Number.NaN, '? ms'],
  ])('formatDuration(%p) = %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formats the clock time and survives an invalid timestamp', () => {
    expect(formatClockTime('2026-11-21T08:05:09.007Z', 'utc')).toBe('08:05:09.007');
    expect(formatClockTime('not a date', 'utc')).toBe('--:--:--.---');
  });

  it('escapes controls and bidi overrides, flattens line breaks', () => {
    expect(printable('a\r\nb\tc\u0000d\u202ee')).toBe('a b c\\x00d\\u202ee');
  });
});
