import { plainHttpToHttpsPort } from '../../../src/diagnosis/rules/plain-http-to-https-port';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };
const NGINX_PAGE =
  '<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>The plain HTTP request was sent to HTTPS port</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

describe('plain-http-to-https-port', () => {
  it("fires on nginx's page and gives the https URL without the query", () => {
    const record = makeExchange({
      request: { url: 'http://gitlab.example.com:8443/api/v4/projects?private_token=abc' },
      response: { status: 400, body: NGINX_PAGE },
    });
    const [finding] = plainHttpToHttpsPort.check(record, context);
    expect(finding.summary).toBe('Plain HTTP was sent to port 8443 of gitlab.example.com, which expects HTTPS.');
    expect(finding.explanation).toContain('https://gitlab.example.com:8443/api/v4/projects');
    expect(finding.nextSteps[0]).toBe('Change the base URL to https://gitlab.example.com:8443');
    expect(JSON.stringify(finding)).not.toContain('private_token');
  });

  it('fires for http:// on port 443 even when the connection was just reset', () => {
    const record = makeExchange({
      request: { url: 'http://api.example.com:443/v1' },
      response: null,
      error: { kind: 'reset', code: 'ECONNRESET', message: 'socket hang up' },
    });
    const [finding] = plainHttpToHttpsPort.check(record, context);
    expect(finding.summary).toBe('Plain HTTP was sent to port 443 of api.example.com, which expects HTTPS.');
    expect(finding.evidence).toEqual(['request URL starts with http://api.example.com:443', 'the connection failed: ECONNRESET']);
  });

  it('blames a proxy when the client already used https', () => {
    const record = makeExchange({ request: { url: 'https://api.example.com/v1' }, response: { status: 400, body: 'Client sent an HTTP request to an HTTPS server.\n' } });
    expect(plainHttpToHttpsPort.check(record, context)[0].summary).toBe("A proxy in front of the API sent plain HTTP to its backend's HTTPS port.");
  });

  it('stays silent on ordinary http and https traffic', () => {
    expect(plainHttpToHttpsPort.check(makeExchange({ request: { url: 'http://api.example.com/v1' }, response: { status: 400, body: 'bad' } }), context)).toEqual([]);
    expect(plainHttpToHttpsPort.check(makeExchange({ request: { url: 'https://api.example.com:443/v1' }, response: { status: 200 } }), context)).toEqual([]);
  });
});
