import { matchesNoProxy, parseUpstreamProxy } from '../../../src/capture/upstream';

describe('matchesNoProxy', () => {
  test.each([
    ['api.example.com', 443, ['example.com'], true],
    ['example.com', 443, ['.example.com'], true],
    ['notexample.com', 443, ['example.com'], false],
    ['internal.corp', 8080, ['internal.corp:8080'], true],
    ['internal.corp', 443, ['internal.corp:8080'], false],
    ['anything', 1, ['*'], true],
    ['::1', 80, ['[::1]:80'], true],
    ['::1', 81, ['[::1]:80'], false],
    ['10.0.0.5', 80, [' 10.0.0.5 ', ''], true],
    ['API.Example.COM', 80, ['example.com'], true],
  ])('%s:%d against %j → %s', (host, port, patterns, expected) => {
    expect(matchesNoProxy(host, port, patterns)).toBe(expected);
  });
});

describe('parseUpstreamProxy', () => {
  test('credentials become Proxy-Authorization and never appear in the display form', () => {
    const proxy = parseUpstreamProxy('http://user%40corp:p%3Ass@proxy.corp:3128');
    expect(proxy).toEqual({ host: 'proxy.corp', port: 3128, display: 'http://proxy.corp:3128', authorization: `Basic ${Buffer.from('user@corp:p:ss').toString('base64')}` });
  });

  test('the default port is 80', () => {
    expect(parseUpstreamProxy('http://proxy.corp')).toEqual({ host: 'proxy.corp', port: 80, display: 'http://proxy.corp' });
  });
});
