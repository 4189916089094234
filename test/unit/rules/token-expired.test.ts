import { tokenExpired } from '../../../src/diagnosis/rules/token-expired';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const ctx: DiagnosisContext = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };
const START_S = FAKE_START_MS / 1000;

function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k1' })}.${part(claims)}.c2lnbmF0dXJl`;
}

function run(token: string, status: number, responseHeaders: Array<[string, string]> = [], body?: string) {
  const record = makeExchange({
    seq: 5,
    request: { headers: [['Authorization', `Bearer ${token}`]] },
    response: { status, headers: responseHeaders, body },
  });
  return tokenExpired.check(record, ctx);
}

describe('token-expired', () => {
  it('fires on a 401 with a JWT that expired before the request, saying when and who issued it', () => {
    const token = jwt({ iss: 'https://login.example.com/', exp: START_S - 3 * 3600 - 12 * 60, iat: START_S - 4 * 3600 - 12 * 60 });
    const [finding] = run(token, 401);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe(
      'The JWT in Authorization (Bearer) expired 3 h 12 min before the request (exp 2026-11-21T17:29:03Z, issued by https://login.example.com/).',
    );
    expect(finding.explanation).toContain('The token was valid for 1 h from iat');
    expect(finding.nextSteps[0]).toBe('Fetch a new token from https://login.example.com/ (refresh_token grant or sign in again) and retry.');
    expect(JSON.stringify(finding)).not.toContain(token);
  });

  it('finds an expired JWT in a cookie', () => {
    const token = jwt({ exp: START_S - 45 });
    const record = makeExchange({ request: { headers: [['Cookie', `session=${token}; theme=dark`]] }, response: { status: 403 } });
    expect(tokenExpired.check(record, ctx)[0].summary).toBe('The JWT in cookie session expired 45 s before the request (exp 2026-11-21T20:40:18Z).');
  });

  it('only warns about an expired cookie JWT when a live Authorization credential was sent too', () => {
    const record = makeExchange({
      request: { headers: [['Authorization', `Bearer ${jwt({ exp: START_S + 3600 })}`], ['Cookie', `ajs=${jwt({ exp: START_S - 600 })}`]] },
      response: { status: 401 },
    });
    const [finding] = tokenExpired.check(record, ctx);
    expect(finding.severity).toBe('warn');
    expect(finding.explanation).toContain('possibly about that one');
  });

  it('fires on WWW-Authenticate invalid_token with an opaque token, quoting the description', () => {
    const [finding] = run('opaque-token-value-123', 401, [['WWW-Authenticate', 'Bearer error="invalid_token", error_description="The access token expired"']]);
    expect(finding.summary).toBe('The server rejected the token as expired (error="invalid_token").');
    expect(finding.evidence).toContain('description: The access token expired');
  });

  it('on invalid_token with an unexpired JWT, points at revocation, audience or issuer', () => {
    const token = jwt({ iss: 'https://idp', aud: 'other-api', exp: START_S + 3600 });
    const [finding] = run(token, 401, [['WWW-Authenticate', 'Bearer error="invalid_token"']]);
    expect(finding.summary).toBe('The server rejected the token as invalid (error="invalid_token").');
    expect(finding.explanation).toContain('iss https://idp, aud other-api, alg RS256, kid k1');
  });

  it('warns on a 2xx when the token expires within the next minute', () => {
    const [finding] = run(jwt({ exp: START_S + 40 }), 200);
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toBe('The JWT in Authorization (Bearer) expires 40 s after this request (exp 2026-11-21T20:41:43Z).');
  });

  it('is a warning, not the error, on a non-auth failure', () => {
    expect(run(jwt({ exp: START_S - 600 }), 400)[0].severity).toBe('warn');
  });

  it.each([
    ['a valid JWT on a 401', jwt({ exp: START_S + 3600 }), 401],
    ['a JWT expiring in 2 minutes on a 200', jwt({ exp: START_S + 120 }), 200],
    ['an expired JWT on a 200', jwt({ exp: START_S - 120 }), 200],
    ['a JWT without exp on a 401', jwt({ iss: 'x' }), 401],
    ['a non-numeric exp', jwt({ exp: 'yesterday' }), 401],
    ['an opaque token on a 401 without invalid_token', 'opaque', 401],
    ['a malformed JWT', 'eyJ.broken.token', 401],
  ])('stays silent on %s', (_label, token, status) => {
    expect(run(token as string, status as number)).toEqual([]);
  });

  it('stays silent on invalid_token when no credential was sent', () => {
    const record = makeExchange({ request: { headers: [] }, response: { status: 401, headers: [['WWW-Authenticate', 'Bearer error="invalid_token"']] } });
    expect(tokenExpired.check(record, ctx)).toEqual([]);
  });
});
