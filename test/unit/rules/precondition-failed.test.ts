import { preconditionFailed } from '../../../src/diagnosis/rules/precondition-failed';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };

function exchange(status: number, headers: Array<[string, string]>, responseHeaders: Array<[string, string]> = []) {
  return makeExchange({
    request: { method: 'PUT', url: 'https://api.example.com/v1/docs/9', headers },
    response: { status, headers: responseHeaders },
  });
}

describe('precondition-failed', () => {
  it('names If-Match and that the resource changed', () => {
    const [finding] = preconditionFailed.check(exchange(412, [['If-Match', '"v1"']], [['ETag', '"v2"']]), context);
    expect(finding.summary).toBe('The PUT /v1/docs/9 was refused because its precondition (If-Match) no longer holds.');
    expect(finding.evidence).toEqual(['If-Match: "v1"', 'current ETag: "v2"']);
    expect(finding.explanation).toContain('differs from the one sent');
  });

  it('names a weak ETag in If-Match as the likely cause', () => {
    const [finding] = preconditionFailed.check(exchange(412, [['if-match', 'W/"abc"']]), context);
    expect(finding.explanation).toContain('strong comparison');
  });

  it('explains If-None-Match: * and If-Unmodified-Since', () => {
    expect(preconditionFailed.check(exchange(412, [['If-None-Match', '*']]), context)[0].explanation).toContain('already exists');
    expect(preconditionFailed.check(exchange(412, [['If-Unmodified-Since', 'Sat, 21 Nov 2026 20:00:00 GMT']]), context)[0].summary).toBe(
      'The PUT /v1/docs/9 was refused because its precondition (If-Unmodified-Since) no longer holds.',
    );
  });

  it('handles a 412 without conditional headers', () => {
    const [finding] = preconditionFailed.check(exchange(412, [['Host', 'api.example.com']]), context);
    expect(finding.summary).toBe('The PUT /v1/docs/9 was refused with 412 Precondition Failed.');
  });

  it('stays silent on other statuses', () => {
    expect(preconditionFailed.check(exchange(200, [['If-Match', '"v1"']]), context)).toEqual([]);
    expect(preconditionFailed.check(exchange(409, [['If-Match', '"v1"']]), context)).toEqual([]);
  });
});
