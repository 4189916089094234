import { missingContentType } from '../../../src/diagnosis/rules/missing-content-type';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };

function post(body: string, status: number, headers: Array<[string, string]> = [['Host', 'api.example.com']], method = 'POST') {
  return makeExchange({
    seq: 7,
    request: { method, url: 'https://api.example.com/api/v4/projects/1/issues', headers, body },
    response: { status, body: '{"error":"title is missing"}' },
  });
}

describe('missing-content-type', () => {
  it('fires as an error on a 400 for a JSON body, naming the header to add', () => {
    const [finding] = missingContentType.check(post('{"title":"Bug"}', 400), context);
    expect(finding.summary).toBe('The POST body (JSON) was sent without a Content-Type header.');
    expect(finding.severity).toBe('error');
    expect(finding.nextSteps[0]).toBe('Send the header Content-Type: application/json');
    expect(finding.explanation).toContain("proxydoc replay 7 --header 'Content-Type: application/json'");
  });

  it('names form bodies', () => {
    const [finding] = missingContentType.check(post('title=Bug&labels=a', 415, undefined, 'PUT'), context);
    expect(finding.summary).toBe('The PUT body (form-encoded (name=value&…)) was sent without a Content-Type header.');
    expect(finding.nextSteps[0]).toBe('Send the header Content-Type: application/x-www-form-urlencoded');
    expect(finding.evidence).toContain('the server answered 415 Unsupported Media Type');
  });

  it('warns on a 2xx', () => {
    const [finding] = missingContentType.check(post('{"title":"Bug"}', 201), context);
    expect(finding.severity).toBe('warn');
  });

  it('stays silent when Content-Type is present, in any letter case', () => {
    expect(missingContentType.check(post('{"a":1}', 400, [['content-type', 'application/json']]), context)).toEqual([]);
  });

  it('stays silent for GET, empty bodies, 3xx and transport failures', () => {
    expect(missingContentType.check(post('{"a":1}', 400, undefined, 'GET'), context)).toEqual([]);
    expect(missingContentType.check(post('', 400), context)).toEqual([]);
    expect(missingContentType.check(post('{"a":1}', 302), context)).toEqual([]);
    const failed = makeExchange({
      request: { method: 'POST', headers: [], body: '{"a":1}' },
      response: null,
      error: { kind: 'reset', code: 'ECONNRESET', message: 'socket hang up' },
    });
    expect(missingContentType.check(failed, context)).toEqual([]);
  });
});
