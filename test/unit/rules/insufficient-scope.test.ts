import { insufficientScope } from '../../../src/diagnosis/rules/insufficient-scope';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const ctx: DiagnosisContext = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };

function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.c2ln`;
}

function run(options: { token?: string; status?: number; url?: string; headers?: Array<[string, string]>; body?: string }) {
  const record = makeExchange({
    seq: 4,
    request: { url: options.url, headers: [['Authorization', `Bearer ${options.token ?? 'opaque-token'}`]] },
    response: { status: options.status ?? 403, headers: options.headers ?? [['Content-Type', 'application/json']], body: options.body },
  });
  return insufficientScope.check(record, ctx);
}

describe('insufficient-scope', () => {
  it('fires on RFC 6750 insufficient_scope and compares with the JWT scopes', () => {
    const [finding] = run({
      token: jwt({ scope: 'read:issues profile' }),
      headers: [['WWW-Authenticate', 'Bearer realm="api", error="insufficient_scope", scope="write:issues"']],
    });
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('The token lacks the scope this endpoint needs: needs write:issues, holds read:issues profile.');
  });

  it("fires on GitLab's JSON body and suggests a new GitLab token", () => {
    const [finding] = run({
      url: 'https://gitlab.example.com/api/v4/projects/1/issues',
      body: '{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api"}',
    });
    expect(finding.summary).toBe('The token lacks the scope this endpoint needs (api).');
    expect(finding.explanation).toContain('Server says: "The request requires higher privileges than provided by the access token."');
    expect(finding.nextSteps[0]).toContain('Create a GitLab token with the api scope');
  });

  it("fires on GitHub's accepted vs held scope headers; a 404 is a warning", () => {
    const headers: Array<[string, string]> = [['X-OAuth-Scopes', 'read:org, gist'], ['X-Accepted-OAuth-Scopes', 'repo']];
    const [finding] = run({ url: 'https://api.github.com/repos/o/r', status: 404, headers });
    expect(finding.summary).toBe('The token lacks the scope this endpoint needs: needs repo, holds read:org gist.');
    expect(finding.severity).toBe('warn');
  });

  it('fires on a 403 whose challenge names a scope the JWT (scp array) lacks', () => {
    const [finding] = run({ token: jwt({ scp: ['User.Read'] }), headers: [['WWW-Authenticate', 'Bearer scope="Mail.Send"']] });
    expect(finding.summary).toBe('The token lacks the scope this endpoint needs: needs Mail.Send, holds User.Read.');
  });

  it.each([
    ['GitHub scopes that cover the requirement', { headers: [['X-OAuth-Scopes', 'repo'], ['X-Accepted-OAuth-Scopes', 'repo:status']] }],
    ['GitHub admin:org covering read:org', { headers: [['X-OAuth-Scopes', 'admin:org'], ['X-Accepted-OAuth-Scopes', 'read:org']] }],
    ['a JWT holding the named scope', { token: jwt({ scope: 'a b' }), headers: [['WWW-Authenticate', 'Bearer scope="b"']] }],
    ['a plain 403', { body: '{"message":"403 Forbidden"}' }],
    ['invalid_token (another rule)', { status: 401, headers: [['WWW-Authenticate', 'Bearer error="invalid_token"']] }],
    ['a 200 with GitHub headers', { status: 200, headers: [['X-OAuth-Scopes', ''], ['X-Accepted-OAuth-Scopes', 'repo']] }],
  ] as Array<[string, { token?: string; status?: number; headers?: Array<[string, string]>; body?: string }]>)('stays silent on %s', (_label, options) => {
    expect(run(options)).toEqual([]);
  });
});
