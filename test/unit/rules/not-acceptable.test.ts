import { notAcceptable } from '../../../src/diagnosis/rules/not-acceptable';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };

function exchange(status: number, headers: Array<[string, string]>, body = '') {
  return makeExchange({ seq: 3, request: { url: 'https://api.example.com/v1/report', headers }, response: { status, body } });
}

describe('not-acceptable', () => {
  it('names the Accept sent and suggests application/json', () => {
    const [finding] = notAcceptable.check(exchange(406, [['Accept', 'application/xml']], '{"message":"Only JSON is supported"}'), context);
    expect(finding.summary).toBe('The server has no representation of /v1/report matching Accept: application/xml.');
    expect(finding.evidence).toContain('the server says "Only JSON is supported"');
    expect(finding.explanation).toContain("proxydoc replay 3 --header 'Accept: application/json'");
  });

  it('suspects a firewall when nothing narrowed the choice', () => {
    const [finding] = notAcceptable.check(exchange(406, [['Host', 'api.example.com']]), context);
    expect(finding.summary).toBe('The server answered 406 Not Acceptable for /v1/report although no Accept header was sent.');
    expect(finding.explanation).toContain('ModSecurity');
  });

  it('stays silent on other statuses', () => {
    expect(notAcceptable.check(exchange(200, [['Accept', 'application/xml']]), context)).toEqual([]);
    expect(notAcceptable.check(exchange(415, [['Accept', 'application/xml']]), context)).toEqual([]);
  });
});
