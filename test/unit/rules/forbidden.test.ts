import { forbidden } from '../../../src/diagnosis/rules/forbidden';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const ctx: DiagnosisContext = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };
const SECRET = 'glpat-0123456789abcdef';

function run(options: { status?: number; headers?: Array<[string, string]>; responseHeaders?: Array<[string, string]>; body?: string; url?: string }) {
  const record = makeExchange({
    seq: 12,
    request: { url: options.url, headers: options.headers ?? [['PRIVATE-TOKEN', SECRET]] },
    response: { status: options.status ?? 403, headers: options.responseHeaders ?? [['Content-Type', 'application/json']], body: options.body },
  });
  return forbidden.check(record, ctx);
}

describe('forbidden', () => {
  it('is a fallback rule', () => {
    expect(forbidden.fallback).toBe(true);
  });

  it('fires on a 403 with a credential, quoting the server message, never the secret', () => {
    const [finding] = run({ url: 'https://gitlab.example.com/api/v4/projects/1', body: '{"message":"403 Forbidden - You are not allowed to push"}' });
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('The server identified the caller but refused the request (403): "403 Forbidden - You are not allowed to push".');
    expect(finding.explanation).toContain("proxydoc replay 12 --header 'Authorization: <admin credential>'");
    expect(finding.explanation).toContain("In GitLab, check the user's role");
    expect(finding.nextSteps[0]).toBe('Try the same call as an admin, or open the resource in the UI as this user to see what is allowed.');
    expect(JSON.stringify(finding)).not.toContain(SECRET);
  });

  it("recognises Jira's XSRF check", () => {
    const [finding] = run({ headers: [['Authorization', 'Basic eDp5']], body: 'XSRF check failed', responseHeaders: [['Content-Type', 'text/plain']] });
    expect(finding.summary).toBe("Jira's XSRF check rejected the request; it needs `X-Atlassian-Token: no-check`.");
  });

  it('recognises a Cloudflare block page', () => {
    const [finding] = run({
      responseHeaders: [['Server', 'cloudflare'], ['CF-RAY', '8a1b2c3d4e5f-FRA'], ['Content-Type', 'text/html']],
      body: '<title>Attention Required! | Cloudflare</title> Sorry, you have been blocked',
    });
    expect(finding.summary).toBe('The 403 came from Cloudflare, not from the API: a firewall or bot rule blocked the request.');
    expect(finding.evidence).toContain('cf-ray 8a1b2c3d4e5f-FRA');
  });

  it('recognises a CSRF rejection', () => {
    const [finding] = run({ headers: [['Cookie', 'sessionid=abc']], body: '<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p>' });
    expect(finding.summary).toBe('CSRF protection rejected the request (403), not a missing permission.');
  });

  it("recognises AWS API Gateway's Missing Authentication Token", () => {
    const [finding] = run({ responseHeaders: [['x-amzn-RequestId', 'abc']], body: '{"message":"Missing Authentication Token"}' });
    expect(finding.summary).toBe('AWS API Gateway answered "Missing Authentication Token": the path or method likely does not exist.');
  });

  it.each([
    ['a 401', { status: 401 }],
    ['a 404', { status: 404 }],
    ['a 200', { status: 200 }],
    ['an anonymous 403 (auth-missing explains it)', { headers: [['Accept', '*/*']] }],
    ['a GitHub rate-limit 403', { responseHeaders: [['X-RateLimit-Remaining', '0']], body: '{"message":"API rate limit exceeded"}' }],
  ] as Array<[string, Parameters<typeof run>[0]]>)('stays silent on %s', (_label, options) => {
    expect(run(options)).toEqual([]);
  });
});
