import { contentTypeMismatch } from '../../../src/diagnosis/rules/content-type-mismatch';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };

function exchange(contentType: string | undefined, body: string, status: number, responseHeaders: Array<[string, string]> = [], responseBody = '') {
  return makeExchange({
    seq: 12,
    request: {
      method: 'POST',
      url: 'https://jira.example.com/rest/api/2/issue',
      headers: contentType === undefined ? [['Host', 'jira.example.com']] : [['Content-Type', contentType]],
      body,
    },
    response: { status, headers: responseHeaders, body: responseBody },
  });
}

describe('content-type-mismatch', () => {
  it('fires when a JSON body is declared form-encoded (curl -d)', () => {
    const [finding] = contentTypeMismatch.check(exchange('application/x-www-form-urlencoded', '{"fields":{}}', 400), context);
    expect(finding.summary).toBe('The body is JSON but was declared as application/x-www-form-urlencoded.');
    expect(finding.severity).toBe('error');
    expect(finding.explanation).toContain('curl --json');
    expect(finding.nextSteps[0]).toBe('Send Content-Type: application/json');
  });

  it('fires when a form body is declared JSON, as a warning on 2xx', () => {
    const [finding] = contentTypeMismatch.check(exchange('application/json; charset=utf-8', 'a=1&b=2', 200), context);
    expect(finding.summary).toBe('The body is form-encoded (name=value&…) but was declared as application/json.');
    expect(finding.severity).toBe('warn');
  });

  it('fires for fetch()-style text/plain JSON on a failure only', () => {
    const [finding] = contentTypeMismatch.check(exchange('text/plain;charset=UTF-8', '{"a":1}', 400), context);
    expect(finding.summary).toBe('The body is JSON but was declared as text/plain.');
    expect(contentTypeMismatch.check(exchange('text/plain;charset=UTF-8', '{"a":1}', 200), context)).toEqual([]);
  });

  it('fires for multipart without a boundary parameter', () => {
    const body = '--XyZ\r\nContent-Disposition: form-data; name="file"\r\n\r\nhello\r\n--XyZ--\r\n';
    const [finding] = contentTypeMismatch.check(exchange('multipart/form-data', body, 400), context);
    expect(finding.summary).toBe('The multipart/form-data Content-Type has no boundary parameter.');
    expect(finding.nextSteps[0]).toBe('Send Content-Type: multipart/form-data; boundary=XyZ');
    expect(contentTypeMismatch.check(exchange('multipart/form-data; boundary=XyZ', body, 400), context)).toEqual([]);
  });

  it('fires on any 415, naming declared vs actual and Accept-Post', () => {
    const [finding] = contentTypeMismatch.check(
      exchange('application/xml', '<issue/>', 415, [['Accept-Post', 'application/json, text/turtle']], '{"message":"Unsupported media type"}'),
      context,
    );
    expect(finding.summary).toBe('The server refused the POST body as application/xml (415 Unsupported Media Type).');
    expect(finding.evidence).toEqual([
      'Content-Type: application/xml',
      'body looks like XML',
      'Accept-Post: application/json, text/turtle',
      'the server says "Unsupported media type"',
    ]);
    expect(finding.explanation).toContain("proxydoc replay 12 --header 'Content-Type: application/json'");
  });

  it('leaves a 415 with a body and no Content-Type to missing-content-type', () => {
    expect(contentTypeMismatch.check(exchange(undefined, '{"a":1}', 415), context)).toEqual([]);
  });

  it('explains a 415 for an empty body without Content-Type', () => {
    const [finding] = contentTypeMismatch.check(exchange(undefined, '', 415), context);
    expect(finding.summary).toBe('The server refused the POST body as having no Content-Type (415 Unsupported Media Type).');
  });

  it('stays silent when header and body agree, or on non-structured pairs', () => {
    expect(contentTypeMismatch.check(exchange('application/json', '{"a":1}', 400), context)).toEqual([]);
    expect(contentTypeMismatch.check(exchange('application/vnd.api+json', '{"data":{}}', 422), context)).toEqual([]);
    expect(contentTypeMismatch.check(exchange('application/x-www-form-urlencoded', 'a=1', 400), context)).toEqual([]);
    expect(contentTypeMismatch.check(exchange('text/plain', 'hello', 400), context)).toEqual([]);
    expect(contentTypeMismatch.check(exchange('application/json', '', 400), context)).toEqual([]);
    expect(contentTypeMismatch.check(exchange('application/json', 'a=1&b=2', 302), context)).toEqual([]);
  });
});
