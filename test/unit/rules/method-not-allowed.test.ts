import { methodNotAllowed } from '../../../src/diagnosis/rules/method-not-allowed';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };

function exchange(method: string, path: string, status: number, allow?: string, body = '') {
  return makeExchange({
    request: { method, url: `https://api.example.com${path}?q=secret-ish` },
    response: { status, headers: allow === undefined ? [] : [['allow', allow]], body },
  });
}

describe('method-not-allowed', () => {
  it('names the method, the Allow header and a POST-to-search mix-up', () => {
    const [finding] = methodNotAllowed.check(exchange('POST', '/v1/search', 405, 'GET, HEAD'), context);
    expect(finding.summary).toBe('POST is not allowed on /v1/search; the server allows GET, HEAD.');
    expect(finding.explanation).toContain('search/list endpoint');
    expect(finding.nextSteps[0]).toBe('Send the request with GET (the Allow header lists it)');
    expect(JSON.stringify(finding)).not.toContain('secret-ish');
  });

  it('suggests POST for a GET to a POST-only endpoint and PATCH for PUT', () => {
    expect(methodNotAllowed.check(exchange('GET', '/rest/api/2/search', 405, 'POST'), context)[0].nextSteps[0]).toBe(
      'Send the request with POST (the Allow header lists it)',
    );
    expect(methodNotAllowed.check(exchange('PUT', '/v1/items/12', 405, 'GET, PATCH, DELETE'), context)[0].explanation).toContain(
      'updates this resource with PATCH',
    );
  });

  it('flags a write to a collection URL', () => {
    const [finding] = methodNotAllowed.check(exchange('DELETE', '/v1/items', 405, 'GET, POST'), context);
    expect(finding.explanation).toContain('addresses the collection');
  });

  it("recognises nginx's static-file 405 and a missing Allow header", () => {
    const page = '<html>\r\n<head><title>405 Not Allowed</title></head>\r\n<body>\r\n<center><h1>405 Not Allowed</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>';
    const [finding] = methodNotAllowed.check(exchange('POST', '/index.html', 405, undefined, page), context);
    expect(finding.summary).toBe('POST is not allowed on /index.html.');
    expect(finding.evidence).toEqual(['POST /index.html', 'no Allow header in the 405', "the 405 is nginx's own page, not the API's"]);
  });

  it('stays silent on other statuses', () => {
    expect(methodNotAllowed.check(exchange('POST', '/v1/search', 404, 'GET'), context)).toEqual([]);
    expect(methodNotAllowed.check(exchange('GET', '/v1/search', 200), context)).toEqual([]);
  });
});
