import { classifyUpstreamError, CONNECT_TIMEOUT_CODE, describeFailure, failureStage } from '../../../src/capture/transport-errors';

describe('classifyUpstreamError', () => {
  test.each([
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND x.invalid' }, 'connect', 'dns'],
    [{ code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN x' }, 'connect', 'dns'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'connect', 'refused'],
    [{ code: 'EHOSTUNREACH', message: 'unreachable' }, 'connect', 'refused'],
    [{ code: CONNECT_TIMEOUT_CODE, message: 'took too long' }, 'connect', 'connect-timeout'],
    [{ code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' }, 'connect', 'connect-timeout'],
    [{ code: 'ETIMEDOUT', message: 'read ETIMEDOUT' }, 'response-body', 'timeout'],
    [{ code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, 'tls', 'tls'],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }, 'tls', 'tls'],
    [{ code: 'EPROTO', message: 'wrong version number' }, 'tls', 'tls'],
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'request', 'reset'],
    [{ code: 'ECONNRESET', message: 'read ECONNRESET' }, 'tls', 'tls'], // a reset mid-handshake is a TLS failure
    [{ code: 'HPE_INVALID_CONSTANT', message: 'Parse Error: Expected HTTP/' }, 'response-headers', 'protocol'],
    [{ message: 'something odd' }, 'request', 'reset'],
  ] as const)('%o at %s is %s', (error, stage, kind) => {
    expect(classifyUpstreamError(error, stage)).toMatchObject({ kind, stage, code: 'code' in error ? error.code : 'UNKNOWN' });
  });

  test('the client-facing paragraph names the target and says whether the request was sent', () => {
    const dns = classifyUpstreamError({ code: 'ENOTFOUND', message: 'x' }, 'connect');
    expect(describeFailure(dns, 'api.example.com:443')).toBe(
      'proxydoc could not resolve the host name of api.example.com:443 (ENOTFOUND): the request was not sent. Check the host name for typos, and VPN or split-DNS settings.',
    );
    const reset = classifyUpstreamError({ code: 'ECONNRESET', message: 'socket hang up' }, 'request');
    expect(describeFailure(reset, 'api.example.com:443')).toContain('may have received and even processed the request');
  });
});

describe('failureStage', () => {
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  test.each([
    ['nothing reached', {}, false, 'https', 'connect'],
    ['TCP connected, TLS not done', { connect: 1 }, false, 'https', 'tls'],
    ['plain HTTP connected, request not all sent', { connect: 1 }, false, 'http', 'request'],
    ['TLS done, request not all sent (a long upload)', { connect: 1, secureConnect: 2 }, false, 'https', 'request'],
    ['request all sent: waiting for the response head', { connect: 1, secureConnect: 2, requestSent: 3 }, false, 'https', 'response-headers'],
    ['a reused connection, request all sent', { requestSent: 3 }, true, 'http', 'response-headers'],
    ['a reused connection, request not all sent', {}, true, 'http', 'request'],
  ] as const)('%s → %s', (_name, marks, reused, scheme, stage) => {
    expect(failureStage(marks, reset, reused, scheme)).toBe(stage);
  });

  test('a connect timeout is placed by the marks alone', () => {
    const timeout = Object.assign(new Error('timed out'), { code: CONNECT_TIMEOUT_CODE });
    expect(failureStage({ connect: 1 }, timeout, false, 'https')).toBe('tls');
    expect(failureStage({}, timeout, false, 'https')).toBe('connect');
  });
});
