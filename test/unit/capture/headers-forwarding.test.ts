import { forwardedRequestHeaders, forwardedResponseHeaders } from '../../../src/capture/headers-forwarding';

describe('forwardedRequestHeaders', () => {
  const raw = ['Host', 'a.test', 'Connection', 'keep-alive, X-Private', 'X-Private', 'p', 'Proxy-Connection', 'keep-alive', 'Proxy-Authorization', 'Basic x', 'TE', 'trailers', 'Keep-Alive', '5', 'Upgrade', 'h2c', 'X-A', '1', 'x-a', '2', 'Transfer-Encoding', 'chunked'];

  test('drops hop-by-hop fields and those Connection names; keeps the rest in order, case and repeats', () => {
    expect(forwardedRequestHeaders(raw, { upgrade: false })).toEqual(['Host', 'a.test', 'X-A', '1', 'x-a', '2', 'Transfer-Encoding', 'chunked']);
  });

  test('an upgrade keeps Connection and Upgrade, still never Proxy-Authorization', () => {
    const out = forwardedRequestHeaders(['Host', 'a', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Proxy-Authorization', 'Basic x'], { upgrade: true });
    expect(out).toEqual(['Host', 'a', 'Connection', 'Upgrade', 'Upgrade', 'websocket']);
  });

  test('Host is replaced in place by the absolute-form authority (RFC 9112 §3.2.2), name case kept', () => {
    expect(forwardedRequestHeaders(['X-First', '1', 'hOST', 'wrong.test', 'X-Last', '2'], { upgrade: false, hostFromTarget: 'right.test:8080' })).toEqual([
      'X-First', '1', 'hOST', 'right.test:8080', 'X-Last', '2',
    ]);
  });
});

describe('forwardedResponseHeaders', () => {
  test('drops the upstream connection fields, keeps everything else including Transfer-Encoding', () => {
    const raw = ['Connection', 'close, X-Conn', 'X-Conn', 'x', 'Keep-Alive', 'timeout=5', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Transfer-Encoding', 'chunked'];
    expect(forwardedResponseHeaders(raw, '1.1')).toEqual(['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Transfer-Encoding', 'chunked']);
  });

  test('an HTTP/1.0 client gets no chunked framing', () => {
    expect(forwardedResponseHeaders(['Transfer-Encoding', 'chunked', 'X', 'y'], '1.0')).toEqual(['X', 'y']);
  });
});
