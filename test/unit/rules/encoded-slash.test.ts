import { encodedSlash } from '../../../src/diagnosis/rules/encoded-slash';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const context: DiagnosisContext = { history: [], now: FAKE_START_MS + 100, userTimeouts: [] };
const GITLAB_URL = 'https://gitlab.example.com/api/v4/projects/group%2Fproject/issues';

const APACHE_404 =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n' +
  '<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n<hr>\n' +
  '<address>Apache/2.4.58 (Ubuntu) Server at gitlab.example.com Port 443</address>\n</body></html>\n';
const TOMCAT_400 =
  '<!doctype html><html lang="en"><head><title>HTTP Status 400 – Bad Request</title></head><body>' +
  '<h1>HTTP Status 400 – Bad Request</h1><hr class="line" /><p><b>Type</b> Exception Report</p>' +
  '<p><b>Message</b> Invalid URI: [The encoded slash character is not allowed]</p><h3>Apache Tomcat/10.1.20</h3></body></html>';

describe('encoded-slash', () => {
  it('names Apache and its AllowEncodedSlashes + nocanon fix for an Apache HTML 404', () => {
    const record = makeExchange({
      seq: 17,
      request: { url: GITLAB_URL },
      response: { status: 404, headers: [['Server', 'Apache/2.4.58 (Ubuntu)'], ['Content-Type', 'text/html; charset=iso-8859-1']], body: APACHE_404 },
    });
    const [finding] = encodedSlash.check(record, context);
    expect(finding.summary).toBe(
      '404 for a path with %2F, answered by Apache httpd: it likely refused or decoded the encoded slash before the API saw it.',
    );
    expect(finding.severity).toBe('error');
    expect(finding.evidence).toContain('path has %2F');
    expect(finding.evidence).toContain("the 404 is an HTML page from Apache httpd, not the API's JSON error");
    expect(finding.nextSteps.join('\n')).toContain('AllowEncodedSlashes NoDecode');
    expect(finding.nextSteps.join('\n')).toContain('nocanon');
    expect(finding.nextSteps).toContain('Compare the variants: proxydoc replay 17 --probe');
    expect(finding.explanation).toContain('GitLab never saw the request');
  });

  it("names Tomcat's encodedSolidusHandling for Tomcat's 400 page", () => {
    const record = makeExchange({
      request: { url: 'https://jira.example.com/rest/api/2/issue/A%2FB' },
      response: { status: 400, headers: [['Content-Type', 'text/html;charset=utf-8']], body: TOMCAT_400 },
    });
    const [finding] = encodedSlash.check(record, context);
    expect(finding.summary).toBe(
      '400 for a path with %2F, answered by Apache Tomcat: it likely refused or decoded the encoded slash before the API saw it.',
    );
    expect(finding.nextSteps.join('\n')).toContain('encodedSolidusHandling');
  });

  it('says the slash arrived when GitLab answers with its own JSON 404', () => {
    const record = makeExchange({
      seq: 5,
      request: { url: GITLAB_URL },
      response: { status: 404, headers: [['Server', 'nginx'], ['Content-Type', 'application/json']], body: '{"message":"404 Project Not Found"}' },
    });
    const [finding] = encodedSlash.check(record, context);
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toBe(
      'The 404 for a path with %2F came from GitLab itself, so the encoded slash arrived; the path itself may be wrong.',
    );
    expect(finding.nextSteps).toContain('Or address the project by its numeric id (/api/v4/projects/1234), which needs no slash');
  });

  it("blames nginx when GitLab answers its route-miss 404 through nginx (the slash arrived decoded)", () => {
    const record = makeExchange({
      seq: 9,
      request: { url: 'https://gitlab.example.com/api/v4/projects/group%2Fproject' },
      response: { status: 404, headers: [['Server', 'nginx/1.22.1'], ['Content-Type', 'application/json']], body: '{"error":"404 Not Found"}' },
    });
    const [finding] = encodedSlash.check(record, context);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe(
      'GitLab answered 404 for an unknown route, not for an unknown project: nginx likely decoded the %2F before GitLab saw the path.',
    );
    expect(finding.evidence).toContain('the response passed through nginx: Server: nginx/1.22.1');
    expect(finding.explanation).toContain('proxy_pass WITH a URI part');
    expect(finding.nextSteps[0]).toMatch(/^nginx: Use proxy_pass without a URI part/);
    expect(finding.nextSteps).toContain('Compare the variants: proxydoc replay 9 --probe');
  });

  it('gives the generic keep-encoded fixes for a GitLab route miss when no hop can be named', () => {
    const record = makeExchange({
      request: { url: GITLAB_URL },
      response: { status: 404, headers: [['Content-Type', 'application/json']], body: '{"error":"404 Not Found"}' },
    });
    const [finding] = encodedSlash.check(record, context);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toContain('a reverse proxy in front of it likely decoded the %2F');
    expect(finding.nextSteps[0]).toContain('nginx proxy_pass without a URI part');
  });

  it('calls an unidentified API "the API" (not "the API itself itself") when its JSON error came back', () => {
    const record = makeExchange({
      request: { url: 'https://api.example.com/files/a%2Fb' },
      response: { status: 404, headers: [['Content-Type', 'application/json']], body: '{"error":"no such file"}' },
    });
    const [finding] = encodedSlash.check(record, context);
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toBe('The 404 for a path with %2F came from the API itself, so the encoded slash arrived; the path itself may be wrong.');
    expect(finding.explanation).toMatch(/^The API answered with its own error document/);
  });

  it('blames double encoding when the API answers a %252F path itself', () => {
    const record = makeExchange({
      request: { url: 'https://gitlab.example.com/api/v4/projects/group%252Fproject' },
      response: { status: 404, body: '{"message":"404 Project Not Found"}' },
    });
    const [finding] = encodedSlash.check(record, context);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe(
      'The path is double-encoded (%252F): GitLab decoded it once and found nothing under the literal "%2F" name.',
    );
  });

  it('falls back to generic advice when nobody can be identified, lower-case escapes included', () => {
    const record = makeExchange({
      request: { url: 'https://api.example.com/files/a%2fb%5cc' },
      response: { status: 403, headers: [['Content-Type', 'text/html']], body: '<html><body>Forbidden</body></html>' },
    });
    const [finding] = encodedSlash.check(record, context);
    expect(finding.summary).toBe(
      '403 for a path with %2F, %5C: an intermediary likely refused or decoded the encoded slash before the API saw it.',
    );
    expect(finding.nextSteps[0]).toContain('AllowEncodedSlashes NoDecode');
  });

  it.each([
    ['a 2xx', 'https://api.example.com/a%2Fb', 200],
    ['a 500', 'https://api.example.com/a%2Fb', 500],
    ['a 404 without encoded slashes', 'https://api.example.com/a/b', 404],
    ['%2F only in the query', 'https://api.example.com/search?q=a%2Fb', 404],
    ['another escape (%20, %2E)', 'https://api.example.com/a%20b/%2E', 404],
  ])('stays silent on %s', (_label, url, status) => {
    expect(encodedSlash.check(makeExchange({ request: { url }, response: { status } }), context)).toEqual([]);
  });

  it('stays silent on a transport failure', () => {
    const record = makeExchange({ request: { url: GITLAB_URL }, error: { kind: 'reset', code: 'ECONNRESET', message: 'socket hang up' } });
    expect(encodedSlash.check(record, context)).toEqual([]);
  });
});
