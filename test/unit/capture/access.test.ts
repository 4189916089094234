import {
  connectPortRefusal,
  isConnectPortAllowed,
  isOwnAddress,
  maskProxyAuthorization,
  proxyAuthChecker,
  proxyAuthorizationValues,
  rawResponse,
} from '../../../src/capture/access';

const basic = (text: string): string => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('proxyAuthChecker (RFC 9110 §11.7.1, RFC 7617)', () => {
  const check = proxyAuthChecker({ user: 'alice', password: 'pä:ss word' });

  it('accepts the right credentials, whatever the case of the scheme and the padding', () => {
    expect(check([basic('alice:pä:ss word')])).toBeUndefined();
    expect(check([`bAsIc  ${Buffer.from('alice:pä:ss word').toString('base64')}`])).toBeUndefined();
    expect(check([basic('alice:pä:ss word').replace(/=+$/, '')])).toBeUndefined();
  });

  it.each([
    [[], 'PROXYDOC_PROXY_AUTH_MISSING'],
    [[basic('alice:wrong')], 'PROXYDOC_PROXY_AUTH_WRONG_PASSWORD'],
    [[basic('bob:pä:ss word')], 'PROXYDOC_PROXY_AUTH_WRONG_USER'],
    [[basic('alice:pä:ss wor')], 'PROXYDOC_PROXY_AUTH_WRONG_PASSWORD'],
    [[basic('alice:pä:ss word'), basic('alice:pä:ss word')], 'PROXYDOC_PROXY_AUTH_REPEATED'],
    [['Bearer abc'], 'PROXYDOC_PROXY_AUTH_SCHEME'],
    [['Basic'], 'PROXYDOC_PROXY_AUTH_MALFORMED'],
    [['Basic not*base64'], 'PROXYDOC_PROXY_AUTH_MALFORMED'],
    [[basic('alicenocolon')], 'PROXYDOC_PROXY_AUTH_MALFORMED'],
    [[''], 'PROXYDOC_PROXY_AUTH_MALFORMED'],
  ])('%j → 407 %s', (values, code) => {
    const refusal = check(values);
    expect(refusal).toBeDefined();
    expect(refusal!.code).toBe(code);
    expect(refusal!.status).toBe(407);
    expect(refusal!.statusText).toBe('Proxy Authentication Required');
    // RFC 9110 §15.5.8: a 407 carries the challenge; the body is short text, and the connection closes.
    expect(refusal!.headers).toEqual([
      ['Proxy-Authenticate', 'Basic realm="proxydoc"'],
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Length', String(Buffer.byteLength(refusal!.body))],
      ['Connection', 'close'],
    ]);
    expect(refusal!.body.trim().split('\n')).toHaveLength(1);
    expect(refusal!.message).toMatch(/^proxydoc answered 407: /);
    // Neither the client nor the log learns the configured password.
    expect(`${refusal!.body}${refusal!.message}`).not.toContain('pä:ss');
  });

  it('tells the client only that its credentials were refused, not which half was wrong', () => {
    expect(check([basic('alice:wrong')])!.body).toBe(check([basic('bob:x')])!.body);
  });
});

describe('proxyAuthorizationValues', () => {
  it('finds every occurrence, whatever the case of the name', () => {
    expect(proxyAuthorizationValues(['Host', 'a', 'proxy-authorization', 'Basic x', 'PROXY-AUTHORIZATION', 'Basic y'])).toEqual(['Basic x', 'Basic y']);
    expect(proxyAuthorizationValues(['Host', 'a', 'Authorization', 'Basic z'])).toEqual([]);
  });
});

describe('maskProxyAuthorization', () => {
  it('keeps the header and its scheme, never the credentials', () => {
    const headers: Array<[string, string]> = [
      ['Host', 'a'],
      ['Proxy-Authorization', basic('alice:secret')],
      ['Authorization', 'Bearer app-token'],
      ['proxy-authorization', 'rawsecretwithoutscheme'],
      ['Proxy-Authorization', ''],
    ];
    expect(maskProxyAuthorization(headers)).toEqual([
      ['Host', 'a'],
      ['Proxy-Authorization', 'Basic ‹not recorded›'],
      // The app's own credential is kept: replay needs it, and proxydoc.log masks it.
      ['Authorization', 'Bearer app-token'],
      ['proxy-authorization', '‹not recorded›'],
      ['Proxy-Authorization', ''],
    ]);
  });

  it('returns the same array when there is nothing to mask', () => {
    const headers: Array<[string, string]> = [['Host', 'a']];
    expect(maskProxyAuthorization(headers)).toBe(headers);
  });
});

describe('CONNECT ports', () => {
  const allowed = [
    { from: 443, to: 443 },
    { from: 9000, to: 9100 },
  ];

  it.each([
    [443, true],
    [9000, true],
    [9100, true],
    [80, false],
    [8999, false],
    [9101, false],
  ])('port %d allowed: %s', (port, expected) => {
    expect(isConnectPortAllowed(port, allowed)).toBe(expected);
  });

  it('any port when unrestricted', () => {
    expect(isConnectPortAllowed(25, undefined)).toBe(true);
  });

  it('a 403 with a one-line reason naming the allowed ports', () => {
    const refusal = connectPortRefusal(25, allowed);
    expect(refusal.status).toBe(403);
    expect(refusal.body).toBe('proxydoc does not open tunnels to port 25: --connect-ports allows 443, 9000-9100.\n');
    expect(refusal.code).toBe('PROXYDOC_CONNECT_PORT_NOT_ALLOWED');
    expect(rawResponse(refusal)).toBe(
      'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 82\r\nConnection: close\r\n\r\n' +
        'proxydoc does not open tunnels to port 25: --connect-ports allows 443, 9000-9100.\n',
    );
  });
});

describe('isOwnAddress: a target that would loop back into proxydoc', () => {
  const interfaces = (): string[] => ['127.0.0.1', '::1', '192.0.2.2', 'fd00::2', 'buildhost'];
  const unused = (): string[] => {
    throw new Error('interfaces are only read for a listener on every interface');
  };

  it('another port is never a loop', () => {
    expect(isOwnAddress('127.0.0.1', 8081, { host: '127.0.0.1', port: 8080 }, unused)).toBe(false);
    expect(isOwnAddress('192.0.2.2', 8081, { host: '0.0.0.0', port: 8080 }, unused)).toBe(false);
  });

  it.each(['127.0.0.1', 'localhost', 'LocalHost.', '::1', '[::1]', '0.0.0.0', '::', 'app.localhost', '::ffff:127.0.0.1'])(
    'listening on loopback, %s is proxydoc',
    (host) => {
      expect(isOwnAddress(host, 8080, { host: '127.0.0.1', port: 8080 }, unused)).toBe(true);
    },
  );

  it('listening on loopback, the machine\'s other addresses are not proxydoc', () => {
    expect(isOwnAddress('192.0.2.2', 8080, { host: '127.0.0.1', port: 8080 }, unused)).toBe(false);
    expect(isOwnAddress('example.com', 8080, { host: '127.0.0.1', port: 8080 }, unused)).toBe(false);
  });

  it.each(['192.0.2.2', 'fd00::2', '[fd00::2]', '::ffff:192.0.2.2', 'BuildHost', '127.0.0.1', 'localhost', '0.0.0.0'])(
    'listening on 0.0.0.0, %s (an address of this machine) is proxydoc',
    (host) => {
      expect(isOwnAddress(host, 8080, { host: '0.0.0.0', port: 8080 }, interfaces)).toBe(true);
      expect(isOwnAddress(host, 8080, { host: '::', port: 8080 }, interfaces)).toBe(true);
    },
  );

  it('listening on 0.0.0.0, other machines are not proxydoc', () => {
    expect(isOwnAddress('192.0.2.3', 8080, { host: '0.0.0.0', port: 8080 }, interfaces)).toBe(false);
    expect(isOwnAddress('example.com', 8080, { host: '0.0.0.0', port: 8080 }, interfaces)).toBe(false);
  });

  it('listening on one LAN address, that address is proxydoc and loopback is not', () => {
    expect(isOwnAddress('192.0.2.2', 8080, { host: '192.0.2.2', port: 8080 }, unused)).toBe(true);
    expect(isOwnAddress('127.0.0.1', 8080, { host: '192.0.2.2', port: 8080 }, unused)).toBe(false);
  });
});
