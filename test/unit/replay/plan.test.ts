import { captureBody } from '../../../src/model/body';
import { isIdempotentMethod, planReplay, replayTarget, type ReplayPlan, type ReplayRequest } from '../../../src/replay/plan';
import { makeExchange } from '../../helpers/make-exchange';

function request(plan: ReplayPlan): ReplayRequest {
  if ('refusal' in plan) throw new Error(`unexpected refusal: ${plan.refusal}`);
  return plan.request;
}

function refusal(plan: ReplayPlan): string {
  if (!('refusal' in plan)) throw new Error('expected a refusal');
  return plan.refusal;
}

const post = makeExchange({
  seq: 17,
  request: {
    method: 'POST',
    url: 'https://api.example.com/v4/projects/acme%2Fbackend//issues?x=%2F',
    headers: [
      ['Host', 'api.example.com'],
      ['authorization', 'Bearer old'],
      ['Content-Type', 'application/json'],
      ['X-Trace', 'a'],
      ['Content-Length', '13'],
      ['AUTHORIZATION', 'Bearer again'],
    ],
    body: '{"title":"x"}',
  },
});

describe('planReplay without edits', () => {
  test('sends the recorded method, raw URL, headers in order and case, and body bytes', () => {
    const planned = request(planReplay(post, {}));
    expect(planned.method).toBe('POST');
    expect(planned.url).toBe('https://api.example.com/v4/projects/acme%2Fbackend//issues?x=%2F');
    expect(planned.headers).toEqual(post.request.headers);
    expect(planned.body.toString('utf8')).toBe('{"title":"x"}');
  });

  test('binary bodies come back byte for byte', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_v, i) => i));
    const planned = request(planReplay(makeExchange({ request: { method: 'PUT', body: bytes } }), {}));
    expect(planned.body.equals(bytes)).toBe(true);
  });

  test('hop-by-hop headers the forwarder drops are not sent (RFC 9110 §7.6.1)', () => {
    const original = makeExchange({
      request: {
        url: 'http://api.example.com/x',
        headers: [['Host', 'api.example.com'], ['Proxy-Authorization', 'Basic dTpw'], ['Proxy-Connection', 'keep-alive'], ['Connection', 'X-Hop'], ['X-Hop', '1'], ['Accept', '*/*']],
      },
    });
    expect(request(planReplay(original, {})).headers).toEqual([['Host', 'api.example.com'], ['Accept', '*/*']]);
  });

  test('Host follows the absolute-form target in place, as the forwarder sends it (RFC 9112 §3.2.2)', () => {
    const original = makeExchange({ request: { url: 'http://user:pw@api.example.com:8080/x', headers: [['X-A', '1'], ['host', 'wrong'], ['X-B', '2']] } });
    expect(request(planReplay(original, {})).headers).toEqual([['X-A', '1'], ['host', 'api.example.com:8080'], ['X-B', '2']]);
  });
});

describe('planReplay edits', () => {
  test('--header replaces every header of that name at the position of the first, with the new case', () => {
    const planned = request(planReplay(post, { setHeaders: [['Authorization', 'Bearer new']] }));
    expect(planned.headers).toEqual([
      ['Host', 'api.example.com'],
      ['Authorization', 'Bearer new'],
      ['Content-Type', 'application/json'],
      ['X-Trace', 'a'],
      ['Content-Length', '13'],
    ]);
  });

  test('--header for a header that is not there appends it', () => {
    const planned = request(planReplay(post, { setHeaders: [['X-New', 'yes']] }));
    expect(planned.headers.at(-1)).toEqual(['X-New', 'yes']);
    expect(planned.headers).toHaveLength(post.request.headers.length + 1);
  });

  test('--remove-header removes every header of that name, whatever its case', () => {
    const planned = request(planReplay(post, { removeHeaders: ['Authorization', 'x-trace'] }));
    expect(planned.headers.map(([name]) => name)).toEqual(['Host', 'Content-Type', 'Content-Length']);
  });

  test('--method and --url change the request line; Host follows the new authority', () => {
    const planned = request(planReplay(post, { method: 'PUT', url: 'http://other.example.com:9000/a%2Fb//c' }));
    expect(planned.method).toBe('PUT');
    expect(planned.url).toBe('http://other.example.com:9000/a%2Fb//c');
    expect(planned.headers[0]).toEqual(['Host', 'other.example.com:9000']);
  });

  test('--header Host wins over the host of --url', () => {
    const planned = request(planReplay(post, { url: 'http://127.0.0.1:9000/x', setHeaders: [['Host', 'api.example.com']] }));
    expect(planned.headers[0]).toEqual(['Host', 'api.example.com']);
  });

  test('--body replaces the body and updates Content-Length in place', () => {
    const planned = request(planReplay(post, { body: Buffer.from('{"title":"a longer title"}') }));
    expect(planned.body.toString()).toBe('{"title":"a longer title"}');
    expect(planned.headers[4]).toEqual(['Content-Length', '26']);
  });

  test('--body keeps chunked framing when the request came chunked', () => {
    const chunked = makeExchange({ request: { method: 'POST', headers: [['Host', 'api.example.com'], ['Transfer-Encoding', 'chunked']], body: 'abc' } });
    const planned = request(planReplay(chunked, { body: Buffer.from('longer body') }));
    expect(planned.headers).toEqual([['Host', 'api.example.com'], ['Transfer-Encoding', 'chunked']]);
  });

  test('--body on a request without framing adds a Content-Length (RFC 9112 §6.3)', () => {
    const get = makeExchange({ request: { headers: [['Host', 'api.example.com']] } });
    expect(request(planReplay(get, { body: Buffer.from('hello') })).headers).toEqual([['Host', 'api.example.com'], ['Content-Length', '5']]);
    expect(request(planReplay(get, { body: Buffer.alloc(0) })).headers).toEqual([['Host', 'api.example.com']]);
  });

  test('a Content-Length set with --header is kept as given', () => {
    const planned = request(planReplay(post, { body: Buffer.from('xy'), setHeaders: [['Content-Length', '99']] }));
    expect(planned.headers.filter(([name]) => name.toLowerCase() === 'content-length')).toEqual([['Content-Length', '99']]);
  });
});

describe('planReplay refusals', () => {
  const truncated = makeExchange({
    seq: 17,
    request: { method: 'POST', headers: [['Host', 'api.example.com'], ['Content-Length', String(12 * 1024 * 1024)]], body: captureBody(Buffer.alloc(1024 * 1024, 0x61), 12 * 1024 * 1024, true) },
  });

  test('a body truncated at capture is refused, naming what was kept and the fix', () => {
    expect(refusal(planReplay(truncated, {}))).toBe(
      'request body of #17 was truncated at capture (1.0 MiB of 12.0 MiB recorded); pass --body @file with the full body',
    );
  });

  test('…and accepted with --body, Content-Length following the new body', () => {
    const planned = request(planReplay(truncated, { body: Buffer.from('full') }));
    expect(planned.headers[1]).toEqual(['Content-Length', '4']);
  });

  test('blind tunnels are refused', () => {
    const tunnel = makeExchange({ seq: 5, request: { method: 'CONNECT', url: 'pinned.example.com:443' }, tunnel: { target: 'pinned.example.com:443', reason: 'no-intercept', bytesUp: 1, bytesDown: 2 } });
    expect(refusal(planReplay(tunnel, {}))).toBe('#5 is a blind tunnel to pinned.example.com:443 (no-intercept); proxydoc never saw its requests, so there is nothing to replay');
  });

  test('WebSockets are refused', () => {
    const ws = makeExchange({ seq: 6, request: { url: 'wss://chat.example.com/socket' }, tunnel: { target: 'chat.example.com:443', reason: 'websocket', bytesUp: 1, bytesDown: 2 } });
    expect(refusal(planReplay(ws, {}))).toMatch(/^#6 is a WebSocket;/);
  });

  test('a CONNECT that never carried a request (the client rejected the certificate) is refused', () => {
    const rejected = makeExchange({
      seq: 7,
      request: { method: 'CONNECT', url: 'api.example.com:443' },
      response: null,
      error: { kind: 'client-tls-rejected', code: 'PROXYDOC_CLIENT_CLOSED_DURING_HANDSHAKE', message: 'closed', stage: 'tls' },
    });
    expect(refusal(planReplay(rejected, {}))).toBe('#7 is a CONNECT to api.example.com:443 that carried no request; there is nothing to replay');
  });

  test('invalid edits are refused with what is wrong', () => {
    expect(refusal(planReplay(post, { method: 'GE T' }))).toMatch(/^method "GE T" is not a valid HTTP method/);
    expect(refusal(planReplay(post, { url: 'ftp://example.com/x' }))).toBe('--url "ftp://example.com/x" is not an absolute http:// or https:// URL with a host');
    expect(refusal(planReplay(post, { url: '/relative' }))).toMatch(/^--url "\/relative" is not an absolute/);
    expect(refusal(planReplay(post, { setHeaders: [['Bad Name', 'x']] }))).toMatch(/^header name "Bad Name" is not valid/);
    expect(refusal(planReplay(post, { setHeaders: [['X-A', 'a\r\nInjected: 1']] }))).toMatch(/contains a line break/);
  });
});

describe('replayTarget', () => {
  test('splits without normalising; an empty path becomes / (or * for OPTIONS), RFC 9112 §3.2.1', () => {
    expect(replayTarget({ method: 'GET', url: 'https://u:p@[::1]:8443//a/%2F/../b?q=%2F' })).toEqual({
      scheme: 'https', authority: '[::1]:8443', host: '::1', port: 8443, path: '//a/%2F/../b?q=%2F',
    });
    expect(replayTarget({ method: 'GET', url: 'http://example.com' })?.path).toBe('/');
    expect(replayTarget({ method: 'GET', url: 'http://example.com?x=1' })?.path).toBe('/?x=1');
    expect(replayTarget({ method: 'OPTIONS', url: 'http://example.com' })?.path).toBe('*');
    expect(replayTarget({ method: 'GET', url: 'http://example.com/page#section' })?.path).toBe('/page');
    expect(replayTarget({ method: 'GET', url: 'example.com:443' })).toBeUndefined();
  });
});

test('isIdempotentMethod follows RFC 9110 §9.2.2, case-sensitively', () => {
  expect(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'].every(isIdempotentMethod)).toBe(true);
  expect(['POST', 'PATCH', 'CONNECT', 'LOCK', 'get'].some(isIdempotentMethod)).toBe(false);
});
