import { authMissing } from '../../../src/diagnosis/rules/auth-missing';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const ctx: DiagnosisContext = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };
const PLAIN = [['Host', 'gitlab.example.com'], ['Accept', 'application/json']] as Array<[string, string]>;

describe('auth-missing', () => {
  it('fires on a 401 without any credential and names the challenge', () => {
    const record = makeExchange({
      seq: 7,
      request: { url: 'https://gitlab.example.com/api/v4/projects', headers: PLAIN },
      response: { status: 401, headers: [['WWW-Authenticate', 'Bearer realm="gitlab"']], body: '{"message":"401 Unauthorized"}' },
    });
    const [finding] = authMissing.check(record, ctx);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('No credential was sent; the server answered 401 and asks for Bearer realm="gitlab".');
    expect(finding.explanation).toContain("proxydoc replay 7 --header 'Authorization: Bearer <token>'");
    expect(finding.nextSteps.join(' ')).toContain('PRIVATE-TOKEN');
  });

  it('says when the server names no scheme', () => {
    const record = makeExchange({ request: { headers: PLAIN }, response: { status: 401, headers: [] } });
    expect(authMissing.check(record, ctx)[0].summary).toBe('No credential was sent; the server answered 401 without saying which scheme it wants.');
  });

  it('fires on an anonymous 403 and mentions a misspelled credential header', () => {
    const record = makeExchange({
      request: { headers: [['Autorization', 'Bearer abc']] },
      response: { status: 403, headers: [] },
    });
    const [finding] = authMissing.check(record, ctx);
    expect(finding.evidence).toContain('header Autorization looks like a misspelling of Authorization (see auth-header-misspelled)');
  });

  it('fires on a 400 that carries a challenge', () => {
    const record = makeExchange({ request: { headers: PLAIN }, response: { status: 400, headers: [['WWW-Authenticate', 'Basic realm="x"']] } });
    expect(authMissing.check(record, ctx)).toHaveLength(1);
  });

  it.each([
    ['Authorization', 'Bearer abc'],
    ['Cookie', 'session=abc'],
    ['X-Api-Key', 'abc'],
    ['PRIVATE-TOKEN', 'abc'],
  ])('stays silent when %s was sent', (name, value) => {
    const record = makeExchange({ request: { headers: [[name, value]] }, response: { status: 401, headers: [['WWW-Authenticate', 'Bearer']] } });
    expect(authMissing.check(record, ctx)).toEqual([]);
  });

  it('stays silent with a token query parameter', () => {
    const record = makeExchange({ request: { url: 'https://api.example.com/x?access_token=abc', headers: PLAIN }, response: { status: 401 } });
    expect(authMissing.check(record, ctx)).toEqual([]);
  });

  it.each([200, 404, 500])('stays silent on %p without credentials', (status) => {
    expect(authMissing.check(makeExchange({ request: { headers: PLAIN }, response: { status } }), ctx)).toEqual([]);
  });

  it('stays silent on a 400 without a challenge and on a transport error', () => {
    expect(authMissing.check(makeExchange({ request: { headers: PLAIN }, response: { status: 400 } }), ctx)).toEqual([]);
    const failed = makeExchange({ request: { headers: PLAIN }, response: null, error: { kind: 'refused', code: 'ECONNREFUSED', message: 'refused' } });
    expect(authMissing.check(failed, ctx)).toEqual([]);
  });
});
