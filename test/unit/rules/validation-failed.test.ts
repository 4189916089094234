import { validationFailed } from '../../../src/diagnosis/rules/validation-failed';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };

function exchange(requestBody: string, status: number, responseBody: string, contentType = 'application/json') {
  return makeExchange({
    request: {
      method: 'POST',
      url: 'https://gitlab.example.com/api/v4/projects/1/issues?confidential=true',
      headers: [['Content-Type', contentType]],
      body: requestBody,
    },
    response: { status, body: responseBody },
  });
}

describe('validation-failed', () => {
  it('lists GitLab field errors and notes which were sent', () => {
    const [finding] = validationFailed.check(
      exchange('{"title":"","labels":"x"}', 400, '{"message":{"title":["can\'t be blank"],"labels":{"name":["is invalid"]}}}'),
      context,
    );
    expect(finding.summary).toBe("The API rejected the request's content: title can't be blank; labels.name is invalid.");
    expect(finding.evidence).toEqual(["title: can't be blank (sent)", 'labels.name: is invalid (sent)']);
    expect(finding.severity).toBe('error');
  });

  it('spots a field sent under another name or nesting', () => {
    const [finding] = validationFailed.check(
      exchange('{"issue":{"Title":"Bug"}}', 400, '{"message":"400 (Bad request) \\"title\\" not given"}'),
      context,
    );
    expect(finding.summary).toBe("The API rejected the request's content: title not given.");
    expect(finding.explanation).toContain('"title" was sent as "issue.Title"');
  });

  it('says a field was missing and that an unparsed body may be why', () => {
    const [finding] = validationFailed.check(exchange('{"title":"Bug"}', 400, '{"error":"title is missing"}', 'text/plain'), context);
    expect(finding.evidence).toEqual(['title: is missing (sent)']);
    const [missing] = validationFailed.check(exchange('name=x', 400, '{"error":"title is missing"}', 'text/plain'), context);
    expect(missing.explanation).toContain('"title" was not in the request at all.');
    expect(missing.explanation).toContain('The body was sent as text/plain');
  });

  it('reads a 422 problem+json with a whole-request detail', () => {
    const [finding] = validationFailed.check(
      exchange('{"due":"2020-01-01"}', 422, '{"type":"about:blank","title":"Unprocessable","status":422,"detail":"Due date is in the past"}'),
      context,
    );
    expect(finding.summary).toBe("The API rejected the request's content: Due date is in the past.");
  });

  it('stays silent on other statuses, fieldless 400s, OAuth errors, spam and HTML', () => {
    expect(validationFailed.check(exchange('{}', 404, '{"message":{"title":["can\'t be blank"]}}'), context)).toEqual([]);
    expect(validationFailed.check(exchange('{}', 400, '{"message":"400 Bad request"}'), context)).toEqual([]);
    expect(validationFailed.check(exchange('{}', 400, '{"error":"invalid_grant","error_description":"bad"}'), context)).toEqual([]);
    expect(
      validationFailed.check(exchange('{}', 400, '{"message":{"error":"Your issue has been recognized as spam and has been discarded."}}'), context),
    ).toEqual([]);
    expect(validationFailed.check(exchange('{}', 400, '<html><title>400 Bad Request</title></html>'), context)).toEqual([]);
    expect(validationFailed.check(exchange('{}', 201, '{"id":1}'), context)).toEqual([]);
  });
});
