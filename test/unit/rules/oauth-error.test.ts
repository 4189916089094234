import { isTokenEndpoint, oauthError } from '../../../src/diagnosis/rules/oauth-error';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { FAKE_START_MS, at, makeExchange } from '../../helpers/make-exchange';

const TOKEN_URL = 'https://idp.example.com/oauth2/v1/token';
const FORM: [string, string] = ['Content-Type', 'application/x-www-form-urlencoded'];
const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];
const ctx = (history: ExchangeRecord[] = []): DiagnosisContext => ({ history, now: FAKE_START_MS + 1000, userTimeouts: [] });

function tokenRequest(options: {
  method?: string;
  url?: string;
  headers?: Array<[string, string]>;
  body?: string;
  status?: number;
  responseBody?: string;
  responseHeaders?: Array<[string, string]>;
  offsetMs?: number;
  seq?: number;
}): ExchangeRecord {
  return at(options.offsetMs ?? 0, {
    seq: options.seq ?? 21,
    request: { method: options.method ?? 'POST', url: options.url ?? TOKEN_URL, headers: options.headers ?? [FORM], body: options.body },
    response: { status: options.status ?? 400, headers: options.responseHeaders ?? [JSON_TYPE], body: options.responseBody },
  });
}

describe('isTokenEndpoint', () => {
  it.each([
    'https://h/token', 'https://h/oauth/token', 'https://h/oauth2/v1/token', 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
    'https://h/realms/r/protocol/openid-connect/token', 'https://github.com/login/oauth/access_token', 'https://h/connect/token/',
  ])('recognises %p', (url) => expect(isTokenEndpoint(url)).toBe(true));
  it.each(['https://h/api/v4/personal_access_tokens', 'https://h/tokens', 'https://h/token/info', 'https://h/v1/items?token=x'])(
    'does not take %p for one',
    (url) => expect(isTokenEndpoint(url)).toBe(false),
  );
});

describe('oauth-error: error codes', () => {
  it('names invalid_request and that grant_type is missing', () => {
    const [finding] = oauthError.check(
      tokenRequest({ body: 'client_id=app&code=abc&redirect_uri=https%3A%2F%2Fapp%2Fcb', responseBody: '{"error":"invalid_request","error_description":"Missing grant_type"}' }),
      ctx(),
    );
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe(
      'The token endpoint returned OAuth error invalid_request (the request is missing a required parameter, repeats one, or is malformed); this request has no grant_type.',
    );
    expect(finding.explanation).toContain('It says: "Missing grant_type".');
    expect(finding.nextSteps).toContain('Add grant_type (authorization_code, client_credentials, refresh_token…) to the form body.');
  });

  it('sees a JSON body behind unsupported_grant_type', () => {
    const [finding] = oauthError.check(
      tokenRequest({ headers: [JSON_TYPE], body: '{"grant_type":"client_credentials","client_id":"a","client_secret":"s"}', responseBody: '{"error":"unsupported_grant_type"}' }),
      ctx(),
    );
    expect(finding.summary).toBe(
      'The token endpoint returned OAuth error unsupported_grant_type (the server does not support this grant_type, or did not find one); this request has a body of type application/json, not form-encoded.',
    );
  });

  it('spots client credentials sent twice behind invalid_client, without echoing the secret', () => {
    const basic = Buffer.from('app:Sup3rS3cret').toString('base64');
    const [finding] = oauthError.check(
      tokenRequest({
        status: 401,
        headers: [FORM, ['Authorization', `Basic ${basic}`]],
        body: 'grant_type=client_credentials&client_id=app&client_secret=Sup3rS3cret',
        responseBody: '{"error":"invalid_client"}',
      }),
      ctx(),
    );
    expect(finding.summary).toBe(
      'The token endpoint returned OAuth error invalid_client (client authentication failed); this request sends the client credentials twice (HTTP Basic and in the body).',
    );
    expect(JSON.stringify(finding)).not.toContain('Sup3rS3cret');
    expect(JSON.stringify(finding)).not.toContain(basic);
  });

  it('spots a reused authorization code from history behind invalid_grant', () => {
    const body = 'grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fapp%2Fcb&client_id=app';
    const first = tokenRequest({ seq: 20, body, status: 200, responseBody: '{"access_token":"x","token_type":"Bearer"}', offsetMs: -2000 });
    const [finding] = oauthError.check(tokenRequest({ body, responseBody: '{"error":"invalid_grant","error_description":"Code already used"}' }), ctx([first]));
    expect(finding.summary).toBe(
      'The token endpoint returned OAuth error invalid_grant (the authorization code, refresh token or password is invalid, expired, revoked, already used or issued to another client); this request re-sends an authorization code already used in #20.',
    );
    expect(JSON.stringify(finding)).not.toContain('SplxlOBeZQQYbYS6WxSbIA');
  });

  it("reads GitHub's form-encoded error on a 200", () => {
    const [finding] = oauthError.check(
      tokenRequest({
        url: 'https://github.com/login/oauth/access_token',
        headers: [FORM],
        body: 'client_id=Iv1.abc&client_secret=s&code=c',
        status: 200,
        responseHeaders: [['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8']],
        responseBody: 'error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.',
      }),
      ctx(),
    );
    expect(finding.summary).toBe(
      "The token endpoint returned OAuth error bad_verification_code (GitHub's name for invalid_grant: the code is wrong, expired or already used); this request has no grant_type.",
    );
    expect(finding.explanation).toContain('Note the status is 200');
  });

  it('explains redirect_uri_mismatch and points to Microsoft Entra codes', () => {
    const [finding] = oauthError.check(
      tokenRequest({
        url: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token',
        body: 'grant_type=authorization_code&client_id=a&code=c&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb',
        responseBody: '{"error":"redirect_uri_mismatch","error_description":"AADSTS50011: The redirect URI does not match."}',
      }),
      ctx(),
    );
    expect(finding.summary).toBe(
      'The token endpoint returned OAuth error redirect_uri_mismatch (the redirect_uri does not match one registered for the client).',
    );
    expect(finding.explanation).toContain('https://login.microsoftonline.com/error?code=50011');
  });

  it('reports authorization_pending as info (device flow polling)', () => {
    const [finding] = oauthError.check(
      tokenRequest({ body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=d&client_id=a', responseBody: '{"error":"authorization_pending"}' }),
      ctx(),
    );
    expect(finding.severity).toBe('info');
  });
});

describe('oauth-error: malformed token requests without an OAuth body', () => {
  it('fires on a token request sent as GET', () => {
    const [finding] = oauthError.check(
      tokenRequest({ method: 'GET', url: `${TOKEN_URL}?grant_type=client_credentials&client_id=a`, headers: [], status: 405, responseHeaders: [] }),
      ctx(),
    );
    expect(finding.summary).toBe('The token request was sent as GET; the token endpoint answered 405.');
    expect(finding.nextSteps[0]).toBe('Send the token request as POST (RFC 6749 §3.2).');
  });

  it('fires on parameters in the query string of a POST', () => {
    const [finding] = oauthError.check(tokenRequest({ url: `${TOKEN_URL}?grant_type=client_credentials&client_id=a`, headers: [], status: 400, responseHeaders: [] }), ctx());
    expect(finding.summary).toBe('The token request carries its parameters in the URL query string; the token endpoint answered 400.');
  });
});

describe('oauth-error: near misses', () => {
  it('stays silent on a well-formed token request that succeeded', () => {
    const record = tokenRequest({ body: 'grant_type=client_credentials&client_id=a&client_secret=s', status: 200, responseBody: '{"access_token":"x"}' });
    expect(oauthError.check(record, ctx())).toEqual([]);
  });

  it('stays silent on invalid_token and insufficient_scope (other rules)', () => {
    const api = makeExchange({ response: { status: 401, headers: [['WWW-Authenticate', 'Bearer error="invalid_token"']] } });
    expect(oauthError.check(api, ctx())).toEqual([]);
    const gitlab = makeExchange({ response: { status: 403, body: '{"error":"insufficient_scope","scope":"api"}' } });
    expect(oauthError.check(gitlab, ctx())).toEqual([]);
  });

  it('stays silent on non-OAuth error bodies of ordinary APIs', () => {
    const spring = makeExchange({ response: { status: 401, body: '{"status":401,"error":"Unauthorized","path":"/x"}' } });
    expect(oauthError.check(spring, ctx())).toEqual([]);
    const unknownCode = makeExchange({ response: { status: 400, body: '{"error":"validation_failed"}' } });
    expect(oauthError.check(unknownCode, ctx())).toEqual([]);
  });

  it('does not treat an ordinary API using a generic code as a token request', () => {
    const api = makeExchange({ request: { method: 'GET', url: 'https://api.example.com/v1/items' }, response: { status: 400, body: '{"error":"invalid_request"}' } });
    const [finding] = oauthError.check(api, ctx());
    expect(finding.summary).toBe('The server returned OAuth error invalid_request (the request is missing a required parameter, repeats one, or is malformed).');
    expect(finding.evidence).toEqual(['error=invalid_request (json body)']);
  });

  it('stays silent on a well-formed token request that failed for a reason outside the request', () => {
    const record = tokenRequest({ body: 'grant_type=client_credentials&client_id=a&client_secret=s', status: 502, responseHeaders: [], responseBody: 'Bad Gateway' });
    expect(oauthError.check(record, ctx())).toEqual([]);
  });
});
