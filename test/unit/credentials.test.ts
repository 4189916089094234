import {
  authProductHint,
  carriedCredentials,
  describeCredential,
  describeJwtClaims,
  jwtScopes,
  misspelledCredentialHeaders,
  osaDistance,
  parseCookieHeader,
  splitAuthorization,
} from '../../src/diagnosis/credentials';
import { decodeJwt } from '../../src/model/jwt';
import { humanDuration } from '../../src/diagnosis/text';
import { makeExchange } from '../helpers/make-exchange';

function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;
}

const SECRET = 'glpat-SuperSecretValue123';

describe('splitAuthorization', () => {
  it.each([
    ['Bearer abc', { scheme: 'Bearer', credentials: 'abc' }],
    ['Basic  dXNlcjpwYXNz', { scheme: 'Basic', credentials: 'dXNlcjpwYXNz' }],
    ['Bearer', { scheme: 'Bearer', credentials: '' }],
    ['eyJhbGciOiJIUzI1NiJ9.e30.sig', { credentials: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' }],
    ['Digest username="a", realm="b"', { scheme: 'Digest', credentials: 'username="a", realm="b"' }],
  ])('%p', (value, expected) => {
    expect(splitAuthorization(value)).toEqual(expected);
  });
});

describe('carriedCredentials', () => {
  it('finds the Authorization header with scheme, length and JWT claims', () => {
    const token = jwt({ iss: 'https://login.example.com', exp: 1_800_000_000 });
    const [c] = carriedCredentials(makeExchange({ request: { headers: [['authorization', `Bearer ${token}`]] } }).request);
    expect(c).toMatchObject({ where: 'header', name: 'authorization', scheme: 'Bearer', length: token.length });
    expect(c.jwt?.claims.iss).toBe('https://login.example.com');
    expect(c.hash).toMatch(/^[0-9a-f]{6}$/);
  });

  it('finds API-key headers, each cookie, token query parameters, secret form fields and URL user-info', () => {
    const record = makeExchange({
      request: {
        method: 'POST',
        url: 'https://user:pw@api.example.com/x?access_token=abc&page=2&api_key=',
        headers: [
          ['PRIVATE-TOKEN', SECRET],
          ['Cookie', 'JSESSIONID=1234; theme=dark'],
          ['Content-Type', 'application/x-www-form-urlencoded'],
          ['Proxy-Authorization', 'Basic cHJveHk6cHc='],
        ],
        body: 'grant_type=client_credentials&client_secret=s3cr3t&client_id=app',
      },
    });
    const found = carriedCredentials(record.request).map((c) => `${c.where}:${c.name}:${c.length}`);
    expect(found).toEqual([
      `header:PRIVATE-TOKEN:${SECRET.length}`,
      'cookie:JSESSIONID:4',
      'cookie:theme:4',
      'userinfo:URL user-info:7',
      'query:access_token:3',
      'body:client_secret:6',
    ]);
  });

  it('does not count headers that do not authenticate (Jira XSRF opt-out, CSRF tokens) or Proxy-Authorization', () => {
    const record = makeExchange({
      request: { headers: [['X-Atlassian-Token', 'no-check'], ['X-CSRF-Token', 'abc'], ['Proxy-Authorization', 'Basic eDp5']] },
    });
    expect(carriedCredentials(record.request)).toEqual([]);
  });

  it('reads secret fields of a JSON body', () => {
    const record = makeExchange({
      request: { method: 'POST', headers: [['Content-Type', 'application/json']], body: '{"password":"hunter2","user":"a"}' },
    });
    expect(carriedCredentials(record.request).map((c) => c.name)).toEqual(['password']);
  });

  it('is empty for a request with ordinary headers only, and survives a malformed body', () => {
    const record = makeExchange({
      request: { method: 'POST', headers: [['Accept', '*/*'], ['Content-Type', 'application/json']], body: '{"password":' },
    });
    expect(carriedCredentials(record.request)).toEqual([]);
  });

  it('describes a credential without its value', () => {
    const record = makeExchange({ request: { headers: [['PRIVATE-TOKEN', SECRET]] } });
    const text = describeCredential(carriedCredentials(record.request)[0]);
    expect(text).toMatch(/^PRIVATE-TOKEN header \(25 chars, sha256:[0-9a-f]{6}\)$/);
    expect(text).not.toContain(SECRET);
  });
});

describe('JWT helpers', () => {
  it('lists scopes from scope and scp (string or array)', () => {
    expect(jwtScopes(decodeJwt(jwt({ scope: 'read write' }))!)).toEqual(['read', 'write']);
    expect(jwtScopes(decodeJwt(jwt({ scp: ['a', 'b'] }))!)).toEqual(['a', 'b']);
    expect(jwtScopes(decodeJwt(jwt({ scp: 42 }))!)).toEqual([]);
  });

  it('describes the allowed claims only', () => {
    const decoded = decodeJwt(jwt({ iss: 'https://i', aud: ['x', 'y'], exp: 1_800_000_000, sub: 'person@example.com', scope: 'api' }))!;
    expect(describeJwtClaims(decoded)).toBe('iss https://i, aud x, y, exp 2027-01-15T08:00:00Z, scope api');
  });
});

describe('humanDuration', () => {
  it.each([
    [0, '0 s'],
    [45_400, '45 s'],
    [60_000, '1 min'],
    [192_000, '3 min 12 s'],
    [2 * 3600_000 + 5 * 60_000, '2 h 5 min'],
    [3 * 86400_000 + 4 * 3600_000, '3 days 4 h'],
    [-90_000, '1 min 30 s'],
  ])('%p ms → %p', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('misspelledCredentialHeaders', () => {
  it.each([
    ['Autorization', 'Authorization', 'typo'],
    ['Authroization', 'Authorization', 'typo'],
    ['Authorisation', 'Authorization', 'british-spelling'],
    ['X-Api-Kye', 'X-Api-Key', 'typo'],
    ['PRIVATE_TOKEN', 'PRIVATE-TOKEN', 'underscore'],
    ['Private-Tokne', 'PRIVATE-TOKEN', 'typo'],
    ['Cookies', 'Cookie', 'typo'],
  ])('%p → %p (%s)', (sent, meant, kind) => {
    expect(misspelledCredentialHeaders([[sent, 'x']])).toEqual([{ sent, meant, kind }]);
  });

  it('spots the header name pasted into the value', () => {
    expect(misspelledCredentialHeaders([['Authorization', 'Authorization: Bearer abc']])).toEqual([
      { sent: 'Authorization', meant: 'Authorization', kind: 'name-in-value' },
    ]);
  });

  it.each([
    'Authorization', 'authorization', 'PRIVATE-TOKEN', 'X-Api-Key', 'Cookie', 'Authentication-Info', 'X-Request-Id',
    'Accept-Encoding', 'Accept', 'Content-Type', 'User-Agent', 'Host', 'Origin', 'Connection', 'X-Authorization',
    'Cookie2', 'X-App-Key', 'X-CSRFToken', 'X-Correlation-Id', 'If-None-Match', 'X-Gitlab-Event', 'Traceparent',
    'X-Amz-Date', 'X-Amz-Content-Sha256', 'Api-Key', 'X-Forwarded-For', 'Cache-Control', 'Content-Length',
  ])('stays silent on %p', (name) => {
    expect(misspelledCredentialHeaders([[name, 'Bearer abc']])).toEqual([]);
  });
});

describe('osaDistance', () => {
  it('counts a transposition as one edit', () => {
    expect(osaDistance('ab', 'ba')).toBe(1);
    expect(osaDistance('kitten', 'sitting')).toBe(3);
    expect(osaDistance('', 'abc')).toBe(3);
  });
});

describe('parseCookieHeader', () => {
  it('splits pairs and unquotes values, skipping junk', () => {
    expect(parseCookieHeader('a=1;b="2"; ;=x; c')).toEqual([['a', '1'], ['b', '2']]);
  });
});

describe('authProductHint', () => {
  it('knows Jira Cloud by host, Jira Data Center by headers, GitLab and GitHub', () => {
    expect(authProductHint(makeExchange({ request: { url: 'https://acme.atlassian.net/rest/api/3/issue' } }))?.product).toBe('jira-cloud');
    expect(
      authProductHint(makeExchange({ request: { url: 'https://tickets.acme.com/rest/api/2/issue' }, response: { status: 401, headers: [['X-AREQUESTID', '1']] } }))?.product,
    ).toBe('jira-data-center');
    expect(authProductHint(makeExchange({ request: { url: 'https://gitlab.acme.com/api/v4/projects' } }))?.product).toBe('gitlab');
    expect(authProductHint(makeExchange({ request: { url: 'https://api.github.com/user' } }))?.product).toBe('github');
    expect(authProductHint(makeExchange({ request: { url: 'https://api.example.com/x' } }))).toBeUndefined();
  });
});

describe('osaDistance agrees with the textbook definition', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fc = require('fast-check') as typeof import('fast-check');
  function reference(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_v, i) => Array.from({ length: b.length + 1 }, (_w, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const cost = a[i - 1] === b[j - 1] ? 0 : 1;
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    return d[a.length][b.length];
  }
  test('on arbitrary short strings over a small alphabet (many near misses)', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-', '_'), maxLength: 14 });
    fc.assert(fc.property(word, word, (a, b) => osaDistance(a, b) === reference(a, b)), { numRuns: 2000 });
  });
});
