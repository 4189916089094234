import { payloadTooLarge } from '../../../src/diagnosis/rules/payload-too-large';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };
const NGINX_413 =
  '<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function exchange(bodySize: number, status: number, responseBody = '', responseHeaders: Array<[string, string]> = []) {
  return makeExchange({
    request: {
      method: 'POST',
      url: 'https://api.example.com/v1/uploads',
      headers: [['Content-Type', 'application/json']],
      body: { size: bodySize, text: '{"data":"', truncated: true },
    },
    response: { status, body: responseBody, headers: responseHeaders },
  });
}

describe('payload-too-large', () => {
  it("fires on nginx's 413 and notes its 1 MB default", () => {
    const [finding] = payloadTooLarge.check(exchange(1_300_000, 413, NGINX_413), context);
    expect(finding.summary).toBe('The POST /v1/uploads body (1.2 MiB) was refused as too large.');
    expect(finding.evidence).toEqual(['request body 1.2 MiB', "the 413 is nginx's own page"]);
    expect(finding.explanation).toContain('client_max_body_size (the body is just over its 1 MB default)');
  });

  it("recognises Express body-parser's wording", () => {
    const [finding] = payloadTooLarge.check(exchange(150_000, 413, '<pre>PayloadTooLargeError: request entity too large</pre>'), context);
    expect(finding.explanation).toContain('default limit is 100kb');
  });

  it('fires on a 400 that says the body is too large, with Retry-After', () => {
    const [finding] = payloadTooLarge.check(
      exchange(5_000, 400, '{"message":"Request body is too large"}', [['Retry-After', '30']]),
      context,
    );
    expect(finding.summary).toBe('The POST /v1/uploads body (4.9 KiB) was refused as too large.');
    expect(finding.evidence).toContain('Retry-After: 30');
  });

  it('stays silent on other 400s and statuses', () => {
    expect(payloadTooLarge.check(exchange(5_000, 400, '{"message":"title is missing"}'), context)).toEqual([]);
    expect(payloadTooLarge.check(exchange(5_000, 201), context)).toEqual([]);
    expect(payloadTooLarge.check(exchange(5_000, 414), context)).toEqual([]);
  });
});
