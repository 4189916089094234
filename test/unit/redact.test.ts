import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  maskSecret,
  redactBodyText,
  redactHeaders,
  redactHeaderValue,
  redactRecord,
  redactText,
  redactUrl,
} from '../../src/log/redact';
import type { ExchangeRecord } from '../../src/model/exchange';
import { makeExchange } from '../helpers/make-exchange';

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const SIGNATURE = 'c2lnbmF0dXJlLW5ldmVyLXNob3du';
const JWT_HEADER = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'key-2026' }));
const JWT_PAYLOAD = base64url(
  JSON.stringify({
    iss: 'https://login.example.com/',
    sub: 'user-42',
    aud: ['api', 'web'],
    exp: 1795291200, // 2026-11-21T20:00:00Z
    iat: 1795287600,
    nbf: 1795287600,
    scope: 'read write',
  }),
);
const JWT = `${JWT_HEADER}.${JWT_PAYLOAD}.${SIGNATURE}`;
const JWT_SUMMARY =
  'JWT{alg=RS256 kid=key-2026 iss=https://login.example.com/ aud=[api,web] exp=2026-11-21T20:00:00Z ' +
  'iat=2026-11-21T19:00:00Z nbf=2026-11-21T19:00:00Z scope="read write"}';

/** The secret and every recognisable piece of it must be gone. */
function expectAbsent(output: string, ...secrets: string[]): void {
  for (const secret of secrets) expect(output).not.toContain(secret);
}

describe('maskSecret', () => {
  it('shows the length and the first 6 hex digits of SHA-256', () => {
    // sha256("hunter2") = f52fbd32…
    expect(maskSecret('hunter2')).toBe('‹7 chars, sha256:f52fbd›');
    expect(maskSecret('')).toBe('‹0 chars, sha256:e3b0c4›');
  });

  it('counts characters, not UTF-16 units or bytes', () => {
    const key = '🔑é';
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 6);
    expect(maskSecret(key)).toBe(`‹2 chars, sha256:${hash}›`);
  });

  it('gives equal values equal masks and different values different masks', () => {
    expect(maskSecret('token-a')).toBe(maskSecret('token-a'));
    expect(maskSecret('token-a')).not.toBe(maskSecret('token-b'));
  });
});

describe('redactHeaderValue', () => {
  it('keeps the Bearer scheme and masks an opaque token', () => {
    const out = redactHeaderValue('Authorization', 'Bearer glpat-AbCdEf123456');
    expect(out).toBe(`Bearer ${maskSecret('glpat-AbCdEf123456')}`);
  });

  it('shows a JWT as its decoded header and claims, never the signature or the raw parts', () => {
    const out = redactHeaderValue('Authorization', `Bearer ${JWT}`);
    expect(out).toBe(`Bearer ${JWT_SUMMARY} ${maskSecret(JWT)}`);
    expectAbsent(out, SIGNATURE, JWT_PAYLOAD, JWT_HEADER, 'user-42');
  });

  it('shows the Basic user name but never the password', () => {
    const payload = Buffer.from('alice@example.com:Tr0ub4dor&3').toString('base64');
    const out = redactHeaderValue('Authorization', `Basic ${payload}`);
    expect(out).toBe(`Basic user=alice@example.com ${maskSecret('Tr0ub4dor&3')}`);
    expectAbsent(out, 'Tr0ub4dor', payload);
  });

  it('masks a Basic payload that is not base64 of user:secret', () => {
    expect(redactHeaderValue('Authorization', 'Basic not-base64!!')).toBe(`Basic ${maskSecret('not-base64!!')}`);
    const noColon = Buffer.from('justonepart').toString('base64');
    expect(redactHeaderValue('Authorization', `Basic ${noColon}`)).toBe(`Basic ${maskSecret(noColon)}`);
  });

  it('masks the whole Basic payload when the user name is itself a key (Stripe: sk_live_…:)', () => {
    const payload = Buffer.from('sk_live_51HabcdEFGH1234567890:').toString('base64');
    const out = redactHeaderValue('Authorization', `Basic ${payload}`);
    expect(out).toBe(`Basic ${maskSecret(payload)}`);
    expectAbsent(out, 'sk_live');
  });

  it('masks Proxy-Authorization like Authorization', () => {
    const payload = Buffer.from('bob:proxy-pass').toString('base64');
    expect(redactHeaderValue('Proxy-Authorization', `Basic ${payload}`)).toBe(`Basic user=bob ${maskSecret('proxy-pass')}`);
  });

  it('keeps cookie names and masks every value, separators byte-identical', () => {
    const out = redactHeaderValue('Cookie', 'session=0123456789abcdef0123456789abcdef; theme=dark;lang=en');
    expect(out).toBe(
      `session=${maskSecret('0123456789abcdef0123456789abcdef')}; theme=${maskSecret('dark')};lang=${maskSecret('en')}`,
    );
  });

  it('keeps Set-Cookie attributes and masks only the value', () => {
    const out = redactHeaderValue('Set-Cookie', 'sid=s3cr3tSessionValue; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure');
    expect(out).toBe(`sid=${maskSecret('s3cr3tSessionValue')}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure`);
  });

  it('keeps a cleared cookie visibly empty', () => {
    expect(redactHeaderValue('Set-Cookie', 'sid=; Max-Age=0')).toBe('sid=; Max-Age=0');
  });

  it.each([
    ['X-Api-Key', 'ak_9f8e7d6c5b4a'],
    ['Private-Token', 'glpat-xxxxYYYYzzzz1234'],
    ['X-Auth-Token', 'a1b2c3d4e5'],
    ['X-Gitlab-Token', 'webhook-secret'],
    ['X-Hub-Signature-256', 'sha256=abcdef0123456789'],
    ['PRIVATE_TOKEN', 'glpat-underscore'],
  ])('masks the whole value of %s', (name, secret) => {
    const out = redactHeaderValue(name, secret);
    expect(out).toBe(maskSecret(secret));
  });

  it('masks near-miss spellings of credential headers (they carry the credential the app meant to send)', () => {
    expect(redactHeaderValue('Autorization', 'Bearer tok_12345678')).toBe(`Bearer ${maskSecret('tok_12345678')}`);
    expect(redactHeaderValue('Authorisation', 'Bearer tok_12345678')).toBe(`Bearer ${maskSecret('tok_12345678')}`);
    expect(redactHeaderValue('X-Api-Kye', 'abc123')).toBe(maskSecret('abc123'));
  });

  it('keeps a scheme-only value and placeholder bugs visible, since they are the diagnosis', () => {
    expect(redactHeaderValue('Authorization', 'Bearer')).toBe('Bearer');
    expect(redactHeaderValue('Authorization', 'Bearer undefined')).toBe('Bearer undefined');
    expect(redactHeaderValue('Authorization', 'Bearer Bearer tok_12345678')).toBe(`Bearer Bearer ${maskSecret('tok_12345678')}`);
  });

  it('keeps a trailing newline or space around the masked token', () => {
    expect(redactHeaderValue('Authorization', 'Bearer tok_12345678\n')).toBe(`Bearer ${maskSecret('tok_12345678')}\n`);
  });

  it('keeps Digest parameter names and public values, masks the proof', () => {
    const out = redactHeaderValue(
      'Authorization',
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b", uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1"',
    );
    expect(out).toBe(
      `Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b", uri="/dir/index.html", response="${maskSecret('6629fae49393a05397450978507c4ef1')}"`,
    );
  });

  it('masks an auth-param list it cannot parse end to end', () => {
    const out = redactHeaderValue('Authorization', 'Digest realm="x" hiddenSecretValue');
    expect(out).toBe(`Digest ${maskSecret('realm="x" hiddenSecretValue')}`);
  });

  it('leaves other headers and authentication challenges unchanged', () => {
    expect(redactHeaderValue('Content-Type', 'application/json; charset=utf-8')).toBe('application/json; charset=utf-8');
    expect(redactHeaderValue('WWW-Authenticate', 'Bearer realm="api", error="invalid_token"')).toBe(
      'Bearer realm="api", error="invalid_token"',
    );
    expect(redactHeaderValue('Idempotency-Key', 'order-77')).toBe('order-77');
    expect(redactHeaderValue(':authority', 'api.example.com')).toBe('api.example.com');
  });

  it('masks secrets in URL-valued headers (OAuth redirects carry code= and #access_token=)', () => {
    const out = redactHeaderValue('Location', 'https://app.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz');
    expect(out).toBe(`https://app.example.com/cb?code=${maskSecret('SplxlOBeZQQYbYS6WxSbIA')}&state=xyz`);
  });

  it("leaves the placeholder the capture records for proxydoc's own credential as it is", () => {
    expect(redactHeaderValue('Proxy-Authorization', 'Basic ‹not recorded›')).toBe('Basic ‹not recorded›');
    // Only the placeholder itself: a real value that merely contains it is still a secret.
    expect(redactHeaderValue('Proxy-Authorization', 'Basic x‹not recorded›')).toBe(`Basic ${maskSecret('x‹not recorded›')}`);
  });

  it('masks a JWT in a header nobody listed', () => {
    expect(redactHeaderValue('X-Amzn-Oidc-Data', JWT)).toBe(`${JWT_SUMMARY} ${maskSecret(JWT)}`);
  });
});

describe('redactHeaders', () => {
  it('keeps order, letter case and repeated names', () => {
    const out = redactHeaders([
      ['Host', 'api.example.com'],
      ['authorization', 'Bearer tok_abcdefgh'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
    expect(out).toEqual([
      ['Host', 'api.example.com'],
      ['authorization', `Bearer ${maskSecret('tok_abcdefgh')}`],
      ['Set-Cookie', `a=${maskSecret('1')}`],
      ['Set-Cookie', `b=${maskSecret('2')}`],
    ]);
  });
});

describe('redactUrl', () => {
  it('masks the password in userinfo and keeps the rest byte-identical', () => {
    const out = redactUrl('https://deploy:hunter2@git.example.com/group%2Fproj//x/../y?');
    expect(out).toBe(`https://deploy:${maskSecret('hunter2')}@git.example.com/group%2Fproj//x/../y?`);
  });

  it('masks a user name that is a token (https://ghp_…@github.com)', () => {
    const token = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
    expect(redactUrl(`https://${token}@github.com/o/r.git`)).toBe(`https://${maskSecret(token)}@github.com/o/r.git`);
  });

  it('masks secret query parameters only, with the mask over the decoded value', () => {
    const out = redactUrl('https://gitlab.example.com/api/v4/projects?private_token=glpat%2Dabc&per_page=100&search=a+b&flag');
    expect(out).toBe(`https://gitlab.example.com/api/v4/projects?private_token=${maskSecret('glpat-abc')}&per_page=100&search=a+b&flag`);
  });

  it('masks access_token and keeps OAuth parameters that are not secret', () => {
    const out = redactUrl('https://api.example.com/me?access_token=ya29.a0AfH6SM&token_type_hint=access_token&grant_type=refresh_token');
    expect(out).toBe(
      `https://api.example.com/me?access_token=${maskSecret('ya29.a0AfH6SM')}&token_type_hint=access_token&grant_type=refresh_token`,
    );
  });

  it('masks implicit-flow tokens in the fragment', () => {
    const out = redactUrl('https://app.example.com/cb#access_token=2YotnFZFEjr1zCsicMWpAA&token_type=Bearer&expires_in=3600');
    expect(out).toBe(`https://app.example.com/cb#access_token=${maskSecret('2YotnFZFEjr1zCsicMWpAA')}&token_type=Bearer&expires_in=3600`);
  });

  it('masks a JWT in any parameter and shows its claims', () => {
    expect(redactUrl(`https://h/cb?state=${JWT}`)).toBe(`https://h/cb?state=${JWT_SUMMARY} ${maskSecret(JWT)}`);
  });

  it('returns a URL without secrets unchanged, including the origin-form of a request target', () => {
    const url = 'https://gitlab.example.com/api/v4/projects/group%2Fproj/issues?state=opened&per_page=20#top';
    expect(redactUrl(url)).toBe(url);
    expect(redactUrl('/search?q=x&api_key=k123')).toBe(`/search?q=x&api_key=${maskSecret('k123')}`);
  });
});

describe('redactBodyText', () => {
  it('masks secret fields of a form body and keeps the rest byte-identical', () => {
    const body = 'grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&client_id=s6BhdRkqt3&client_secret=7Fjfp0ZBr1KtDRbnfVdmIw&scope=read%20write';
    const out = redactBodyText(body, 'application/x-www-form-urlencoded; charset=utf-8');
    expect(out).toBe(
      `grant_type=refresh_token&refresh_token=${maskSecret('tGzv3JOkF0XG5Qx2TlKWIA')}&client_id=s6BhdRkqt3` +
        `&client_secret=${maskSecret('7Fjfp0ZBr1KtDRbnfVdmIw')}&scope=read%20write`,
    );
  });

  it('masks the password of a form login, decoding + and %XX first', () => {
    const out = redactBodyText('username=alice&password=p%40ss+word', 'application/x-www-form-urlencoded');
    expect(out).toBe(`username=alice&password=${maskSecret('p@ss word')}`);
  });

  it('masks nested JSON secrets and keeps formatting and everything else byte-identical', () => {
    const body = [
      '{',
      '  "client_id": "web-app",',
      '  "client_secret" : "cs_live_9a8b7c6d",',
      '  "auth": { "type": "password", "password": "Tr0ub4dor&3", "pin": 1234 },',
      '  "tokens": [{"refresh_token":"rt_12345"}],',
      '  "token_type": "Bearer", "expires_in": 3600, "token_endpoint": "https://idp/token",',
      '  "password": null',
      '}',
    ].join('\n');
    const out = redactBodyText(body, 'application/json');
    expect(out).toBe(
      [
        '{',
        '  "client_id": "web-app",',
        `  "client_secret" : "${maskSecret('cs_live_9a8b7c6d')}",`,
        `  "auth": { "type": "password", "password": "${maskSecret('Tr0ub4dor&3')}", "pin": 1234 },`,
        `  "tokens": [{"refresh_token":"${maskSecret('rt_12345')}"}],`,
        '  "token_type": "Bearer", "expires_in": 3600, "token_endpoint": "https://idp/token",',
        '  "password": null',
        '}',
      ].join('\n'),
    );
    expect(() => JSON.parse(out)).not.toThrow();
  });

  it('masks every value under a secret key whose value is an object or a number', () => {
    const out = redactBodyText('{"credentials":{"user":"bob","secret":"s1"},"password":123456,"next":1}', 'application/json');
    expect(out).toBe(
      `{"credentials":{"user":"${maskSecret('bob')}","secret":"${maskSecret('s1')}"},"password":"${maskSecret('123456')}","next":1}`,
    );
  });

  it('keeps identifiers under ambiguous names (error codes, Jira issue keys) but masks an OAuth code', () => {
    const errorBody = '{"error":{"code":404,"status":"NOT_FOUND"},"key":"PROJ-12","code2":"x"}';
    expect(redactBodyText(errorBody, 'application/json')).toBe(errorBody);
    const stringCode = '{"code":"ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"}';
    expect(redactBodyText(stringCode, 'application/json')).toBe(stringCode);
    const out = redactBodyText('{"grant_type":"authorization_code","code":"SplxlOBeZQQYbYS6WxSbIA"}', 'application/json');
    expect(out).toBe(`{"grant_type":"authorization_code","code":"${maskSecret('SplxlOBeZQQYbYS6WxSbIA')}"}`);
  });

  it('shows the claims of a JWT returned by a token endpoint, still as valid JSON', () => {
    const out = redactBodyText(`{"access_token":"${JWT}","token_type":"Bearer"}`, 'application/json');
    expect(JSON.parse(out)).toEqual({ access_token: `${JWT_SUMMARY} ${maskSecret(JWT)}`, token_type: 'Bearer' });
    expectAbsent(out, SIGNATURE, JWT_PAYLOAD);
  });

  it('masks a secret cut off by truncation', () => {
    const out = redactBodyText('{"user":"a","password":"hunter2-and-more', 'application/json');
    expect(out).toBe(`{"user":"a","password":"${maskSecret('hunter2-and-more')}"`);
  });

  it('handles escaped keys and values', () => {
    const out = redactBodyText('{"pass\\u0077ord":"a\\"b","note":"say \\"hi\\""}', 'application/json');
    expect(out).toBe(`{"pass\\u0077ord":"${maskSecret('a"b')}","note":"say \\"hi\\""}`);
  });

  it('recognises JSON sent without a Content-Type', () => {
    expect(redactBodyText('{"api_key":"k-123"}', undefined)).toBe(`{"api_key":"${maskSecret('k-123')}"}`);
  });

  it('masks Bearer tokens in JSON strings that are not secret fields', () => {
    const out = redactBodyText('{"headers":{"X-Forwarded":"Bearer tok_abcdefgh"}}', 'application/json');
    expect(out).toBe(`{"headers":{"X-Forwarded":"Bearer ${maskSecret('tok_abcdefgh')}"}}`);
  });

  it('masks JWTs and Bearer tokens in bodies of unknown type', () => {
    const out = redactBodyText(`token was ${JWT}; retry with Bearer tok_abcdefgh.`, 'text/plain');
    expect(out).toBe(`token was ${JWT_SUMMARY} ${maskSecret(JWT)}; retry with Bearer ${maskSecret('tok_abcdefgh.')}`);
  });

  it('masks secret parts of a multipart form', () => {
    const body = [
      '--XyZ',
      'Content-Disposition: form-data; name="username"',
      '',
      'alice',
      '--XyZ',
      'Content-Disposition: form-data; name="password"',
      '',
      'Tr0ub4dor&3',
      '--XyZ--',
      '',
    ].join('\r\n');
    const out = redactBodyText(body, 'multipart/form-data; boundary=XyZ');
    expect(out).toBe(body.replace('Tr0ub4dor&3', maskSecret('Tr0ub4dor&3')));
  });
});

describe('redactText', () => {
  it('masks Bearer tokens, JWTs and URLs with secrets in error messages', () => {
    const out = redactText(
      `request to https://ci:s3cr3t@h.example.com/x?access_token=abc123 failed; sent Bearer ${JWT}`,
    );
    expect(out).toBe(
      `request to https://ci:${maskSecret('s3cr3t')}@h.example.com/x?access_token=${maskSecret('abc123')} failed; ` +
        `sent Bearer ${JWT_SUMMARY} ${maskSecret(JWT)}`,
    );
  });

  it('masks credential header lines of a curl -v dump and keeps the others', () => {
    const dump = '> GET /api HTTP/1.1\n> Host: h\n> Authorization: Basic ' + Buffer.from('bob:pw1').toString('base64') + '\n> Cookie: sid=abc\n< HTTP/1.1 401';
    expect(redactText(dump)).toBe(
      `> GET /api HTTP/1.1\n> Host: h\n> Authorization: Basic user=bob ${maskSecret('pw1')}\n> Cookie: sid=${maskSecret('abc')}\n< HTTP/1.1 401`,
    );
  });

  it('masks secret key=value and "key": "value" pairs in prose', () => {
    const out = redactText('config: client_secret=abc&x=1 and {"password": "hunter2"} (exit code=1)');
    expect(out).toBe(`config: client_secret=${maskSecret('abc')}&x=1 and {"password": "${maskSecret('hunter2')}"} (exit code=1)`);
  });

  it('leaves prose and challenges about tokens alone', () => {
    const prose = 'missing Bearer token; WWW-Authenticate: Bearer realm="api", error="invalid_token". Basic auth failed';
    expect(redactText(prose)).toBe(prose);
  });

  it('is idempotent on its own output', () => {
    const once = redactText(`Cookie: a=1\nAuthorization: Bearer ${JWT}\nhttps://u:p@h/?token=t`);
    expect(redactText(once)).toBe(once);
  });
});

describe('redactRecord', () => {
  function secretRecord(): ExchangeRecord {
    const record = makeExchange({
      seq: 5,
      request: {
        method: 'POST',
        url: 'https://idp.example.com/oauth/token?client_secret=qs-secret-1',
        headers: [
          ['Host', 'idp.example.com'],
          ['Authorization', 'Basic ' + Buffer.from('app:hdr-secret-2').toString('base64')],
          ['Content-Type', 'application/x-www-form-urlencoded'],
        ],
        body: 'grant_type=password&username=alice&password=body-secret-3',
      },
      response: {
        status: 200,
        headers: [['Content-Type', 'application/json'], ['Set-Cookie', 'sid=cookie-secret-4; HttpOnly']],
        body: `{"access_token":"${JWT}","refresh_token":"rt-secret-5","token_type":"Bearer"}`,
      },
      upstream: { reusedConnection: false, viaProxy: 'http://corp:proxy-secret-6@proxy.corp:3128' },
    });
    record.error = { kind: 'reset', code: 'ECONNRESET', message: 'reset while sending Bearer err-secret-7' };
    record.findings = [
      {
        rule: 'oauth-error',
        severity: 'warn',
        summary: 'sent password=finding-secret-8',
        explanation: 'the refresh_token=finding-secret-9 was reused',
        evidence: ['Authorization: Bearer finding-secret-10'],
        nextSteps: [`curl -H "Authorization: Bearer ${JWT}"`],
      },
    ];
    return record;
  }

  it('redacts every part of the record and leaves the original untouched', () => {
    const record = secretRecord();
    const before = JSON.stringify(record);
    const redacted = redactRecord(record);
    expect(JSON.stringify(record)).toBe(before);
    const text = JSON.stringify(redacted);
    expectAbsent(
      text,
      'qs-secret-1',
      'hdr-secret-2',
      Buffer.from('app:hdr-secret-2').toString('base64'),
      'body-secret-3',
      'cookie-secret-4',
      'rt-secret-5',
      'proxy-secret-6',
      'err-secret-7',
      'finding-secret-8',
      'finding-secret-9',
      'finding-secret-10',
      SIGNATURE,
      JWT_PAYLOAD,
    );
    expect(redacted.request.body.text).toBe(`grant_type=password&username=alice&password=${maskSecret('body-secret-3')}`);
    expect(redacted.request.headers[0]).toEqual(['Host', 'idp.example.com']);
    expect(redacted.response?.headers[1]).toEqual(['Set-Cookie', `sid=${maskSecret('cookie-secret-4')}; HttpOnly`]);
    expect(redacted.upstream?.viaProxy).toBe(`http://corp:${maskSecret('proxy-secret-6')}@proxy.corp:3128`);
    expect(redacted.request.body.size).toBe(record.request.body.size);
  });

  it('returns new objects, so mutating the copy never reaches the record', () => {
    const record = secretRecord();
    const redacted = redactRecord(record);
    redacted.request.headers.push(['X', 'y']);
    redacted.findings[0].evidence.push('z');
    expect(record.request.headers).toHaveLength(3);
    expect(record.findings[0].evidence).toHaveLength(1);
  });

  it('reads a base64 body as Latin-1 to find secrets in non-UTF-8 form posts', () => {
    const latin1 = Buffer.from('user=jos\xe9&password=geheim-11', 'latin1');
    const record = makeExchange({
      request: { method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: latin1 },
    });
    expect(record.request.body.base64).toBeDefined();
    const redacted = redactRecord(record);
    expect(redacted.request.body.text).toBe(`user=jos\xe9&password=${maskSecret('geheim-11')}`);
  });
});

describe('properties', () => {
  const redactors: Array<[string, (text: string) => string]> = [
    ['maskSecret', maskSecret],
    ['redactText', redactText],
    ['redactUrl', redactUrl],
    ['redactBodyText json', (text) => redactBodyText(text, 'application/json')],
    ['redactBodyText form', (text) => redactBodyText(text, 'application/x-www-form-urlencoded')],
    ['redactBodyText multipart', (text) => redactBodyText(text, 'multipart/form-data; boundary=b')],
    ['redactBodyText unknown', (text) => redactBodyText(text, undefined)],
    ['redactHeaderValue Authorization', (text) => redactHeaderValue('Authorization', text)],
    ['redactHeaderValue Cookie', (text) => redactHeaderValue('Cookie', text)],
    ['redactHeaderValue Set-Cookie', (text) => redactHeaderValue('Set-Cookie', text)],
    ['redactHeaderValue X-Api-Key', (text) => redactHeaderValue('X-Api-Key', text)],
    ['redactHeaderValue Location', (text) => redactHeaderValue('Location', text)],
    ['redactHeaderValue arbitrary name', (text) => redactHeaderValue(text, text)],
  ];

  // Strings biased towards the characters the redactor reacts to.
  const interesting = fc.oneof(
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: fc.constantFrom(...'{}[]":,\\=&?#@/ \n\r\t.eyJBearer Basic ‹›%+'.split('')), maxLength: 80 }),
    fc.string({ unit: 'binary' }),
  );

  it.each(redactors)('%s never throws on arbitrary strings', (_name, redact) => {
    fc.assert(
      fc.property(interesting, (text) => {
        expect(typeof redact(text)).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('redactRecord never throws on arbitrary bodies, headers and URLs', () => {
    fc.assert(
      fc.property(interesting, interesting, interesting, (url, header, body) => {
        const record = makeExchange({ request: { url, headers: [[header, header], ['Content-Type', header]], body } });
        expect(() => redactRecord(record)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  const secretToken = fc.stringMatching(/^[A-Za-z0-9]{16,40}$/);

  it('never lets a secret through in any of the usual places', () => {
    fc.assert(
      fc.property(secretToken, fc.jsonValue(), (secret, other) => {
        const basic = Buffer.from(`alice:${secret}`).toString('base64');
        const outputs = [
          redactHeaderValue('Authorization', `Bearer ${secret}`),
          redactHeaderValue('Authorization', `Basic ${basic}`),
          redactHeaderValue('Cookie', `sid=${secret}`),
          redactHeaderValue('Private-Token', secret),
          redactUrl(`https://u:${secret}@h/p?access_token=${secret}`),
          redactBodyText(JSON.stringify({ other, deep: { client_secret: secret } }), 'application/json'),
          redactBodyText(`a=1&password=${secret}`, 'application/x-www-form-urlencoded'),
          redactText(`failed with Bearer ${secret}`),
        ];
        for (const output of outputs) expect(output).not.toContain(secret);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps JSON valid and non-secret values equal', () => {
    fc.assert(
      fc.property(fc.jsonValue(), secretToken, (other, secret) => {
        const document = { other, password: secret };
        const out = redactBodyText(JSON.stringify(document, null, 1), 'application/json');
        const parsed = JSON.parse(out) as { password: string };
        expect(parsed.password).toBe(maskSecret(secret));
      }),
      { numRuns: 200 },
    );
  });

  it('returns URLs without userinfo or query byte-identical', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: false, withFragments: false }), (url) => {
        expect(redactUrl(url)).toBe(url);
      }),
      { numRuns: 200 },
    );
  });
});
