import { conflict } from '../../../src/diagnosis/rules/conflict';
import { at } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };
const url = 'https://gitlab.example.com/api/v4/projects/1/repository/branches';

describe('conflict', () => {
  it('names what the short JSON body says', () => {
    const record = at(0, { request: { method: 'POST', url }, response: { status: 409, body: '{"message":"Branch already exists"}' } });
    const [finding] = conflict.check(record, context);
    expect(finding.summary).toBe('The POST conflicts with the current state of the resource: Branch already exists.');
    expect(finding.explanation).toContain('already used');
    expect(finding.severity).toBe('error');
  });

  it('points at an earlier identical attempt that timed out', () => {
    const earlier = at(-20_000, { seq: 40, request: { method: 'POST', url }, response: { status: 504 } });
    const record = at(0, { request: { method: 'POST', url }, response: { status: 409, body: '' } });
    const [finding] = conflict.check(record, { ...context, history: [earlier] });
    expect(finding.summary).toBe('The POST conflicts with the current state of the resource (409).');
    expect(finding.evidence).toContain('an identical POST #40 got 504 earlier');
  });

  it('explains a version conflict on an update', () => {
    const record = at(0, {
      request: { method: 'PUT', url: 'https://k8s.example.com/api/v1/namespaces/a/configmaps/b' },
      response: { status: 409, body: '{"message":"the object has been modified; please apply your changes to the latest version and try again"}' },
    });
    expect(conflict.check(record, context)[0].explanation).toContain('version conflict');
  });

  it('ignores unrelated history and stays silent on other statuses', () => {
    const old = at(-3_600_000, { seq: 2, request: { method: 'POST', url }, response: { status: 201 } });
    const record = at(0, { request: { method: 'POST', url }, response: { status: 409 } });
    expect(conflict.check(record, { ...context, history: [old] })[0].evidence).toEqual(['POST /api/v4/projects/1/repository/branches']);
    expect(conflict.check(at(0, { request: { method: 'POST', url }, response: { status: 400 } }), context)).toEqual([]);
  });

  it("leaves GitLab's spam-check 409 (a CAPTCHA request, not a clash) to spam-or-captcha", () => {
    const body = JSON.stringify({
      needs_captcha_response: true,
      spam_log_id: 42,
      captcha_site_key: 'site-key',
      message: { error: 'Your issue has been recognized as spam. Please, change the content or solve the reCAPTCHA to proceed.' },
    });
    const record = at(0, { request: { method: 'POST', url: 'https://gitlab.example.com/api/v4/projects/1/issues' }, response: { status: 409, body } });
    expect(conflict.check(record, context)).toEqual([]);
    // A 409 that merely mentions spam in its message is still a conflict.
    const taken = at(0, { request: { method: 'POST', url }, response: { status: 409, body: '{"message":"Branch spam-filter already exists"}' } });
    expect(conflict.check(taken, context)).toHaveLength(1);
  });
});
