import { originOf, rawQueryParams, requestTarget, splitRawUrl } from '../../../src/model/url';

describe('splitRawUrl', () => {
  test('keeps the raw path and query, never normalising', () => {
    expect(splitRawUrl('https://u:p@Host.test:8443/a/../b%2Fc//d;e?x=%2F&y')).toEqual({
      scheme: 'https', authority: 'Host.test:8443', userinfo: 'u:p', host: 'Host.test', port: 8443, path: '/a/../b%2Fc//d;e', query: 'x=%2F&y',
    });
  });
  test('a trailing ? is an empty query, no ? is no query', () => {
    expect(splitRawUrl('http://h/x?')?.query).toBe('');
    expect(splitRawUrl('http://h/x')?.query).toBeUndefined();
  });
  test('IPv6 literals and default ports', () => {
    expect(splitRawUrl('http://[::1]/')).toMatchObject({ host: '::1', port: 80 });
    expect(originOf('https://[::1]/x')).toBe('https://[::1]:443');
  });
  test('authority-form (a CONNECT) is not a URL', () => {
    expect(splitRawUrl('example.com:443')).toBeUndefined();
  });
});

test('requestTarget and rawQueryParams', () => {
  expect(requestTarget('https://h.test?q=1')).toBe('/?q=1');
  expect(rawQueryParams('a=1&b&&c=%2F')).toEqual([['a', '1'], ['b', ''], ['c', '%2F']]);
});
