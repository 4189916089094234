import { spamOrCaptcha } from '../../../src/diagnosis/rules/spam-or-captcha';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };
const url = 'https://gitlab.example.com/api/v4/projects/1/snippets';
const CAPTCHA_BODY =
  '{"needs_captcha_response":true,"spam_log_id":42,"captcha_site_key":"6LcSITEKEY","message":{"error":"Your snippet has been recognized as spam. Please, change the content or solve the reCAPTCHA to proceed."}}';

describe('spam-or-captcha', () => {
  it('explains the CAPTCHA retry path with the spam log id', () => {
    const record = makeExchange({ request: { method: 'POST', url }, response: { status: 400, body: CAPTCHA_BODY } });
    const [finding] = spamOrCaptcha.check(record, context);
    expect(finding.summary).toBe('GitLab flagged the POST /api/v4/projects/1/snippets as possible spam and wants a CAPTCHA before accepting it.');
    expect(finding.nextSteps[1]).toBe('Resend the same request with the headers X-GitLab-Captcha-Response: <token> and X-GitLab-Spam-Log-Id: 42');
    expect(finding.evidence).toEqual([
      'needs_captcha_response: true',
      'spam_log_id: 42',
      'captcha_site_key present',
      'the response says "recognized as spam"',
    ]);
  });

  it('says when a CAPTCHA response was already sent', () => {
    const record = makeExchange({
      request: { method: 'POST', url, headers: [['X-GitLab-Captcha-Response', 'tok'], ['X-GitLab-Spam-Log-Id', '42']] },
      response: { status: 400, body: CAPTCHA_BODY },
    });
    expect(spamOrCaptcha.check(record, context)[0].explanation).toContain('likely rejected');
  });

  it('reads GraphQL extensions', () => {
    const body = '{"errors":[{"message":"Request denied. Solve CAPTCHA challenge and retry","extensions":{"needs_captcha_response":true,"spam_log_id":7,"captcha_site_key":"k"}}]}';
    const record = makeExchange({ request: { method: 'POST', url: 'https://gitlab.example.com/api/graphql' }, response: { status: 200, body } });
    expect(spamOrCaptcha.check(record, context)[0].nextSteps[1]).toContain('X-GitLab-Spam-Log-Id: 7');
  });

  it('fires without CAPTCHA when the content was discarded as spam', () => {
    const body = '{"message":{"error":"Your snippet has been recognized as spam and has been discarded."}}';
    const record = makeExchange({ request: { method: 'POST', url }, response: { status: 400, body } });
    expect(spamOrCaptcha.check(record, context)[0].summary).toBe('GitLab rejected the POST /api/v4/projects/1/snippets as spam.');
  });

  it('stays silent on ordinary errors and on success bodies that mention spam', () => {
    const plain = makeExchange({ request: { method: 'POST', url }, response: { status: 400, body: '{"message":{"title":["can\'t be blank"]}}' } });
    expect(spamOrCaptcha.check(plain, context)).toEqual([]);
    const ok = makeExchange({ request: { method: 'GET', url }, response: { status: 200, body: '[{"title":"How we detected as spam a bot"}]' } });
    expect(spamOrCaptcha.check(ok, context)).toEqual([]);
    const notNeeded = makeExchange({ request: { method: 'POST', url }, response: { status: 201, body: '{"needs_captcha_response":false}' } });
    expect(spamOrCaptcha.check(notNeeded, context)).toEqual([]);
  });
});
