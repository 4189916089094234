import { notFound } from '../../../src/diagnosis/rules/not-found';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { FAKE_START_MS, at, makeExchange } from '../../helpers/make-exchange';

const ctx = (history: ExchangeRecord[] = []): DiagnosisContext => ({ history, now: FAKE_START_MS + 20_000, userTimeouts: [] });
const NGINX_404 = '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n';

describe('not-found', () => {
  it('is a fallback rule', () => {
    expect(notFound.fallback).toBe(true);
  });

  it('names the path as sent and the API message', () => {
    const record = makeExchange({
      request: { url: 'https://api.example.com/v1/items/42?expand=owner' },
      response: { status: 404, body: '{"message":"Item not found"}' },
    });
    const [finding] = notFound.check(record, ctx());
    expect(finding.summary).toBe('GET /v1/items/42 got 404 Not Found.');
    expect(finding.severity).toBe('error');
    expect(finding.evidence).toEqual(['path as sent: /v1/items/42', 'query parameters: expand', 'the API says "Item not found"']);
  });

  it('suspects replication lag when this client created the resource seconds earlier', () => {
    const created = at(15_000, {
      seq: 7,
      request: { method: 'POST', url: 'https://api.example.com/v1/items' },
      response: { status: 201, headers: [['Location', '/v1/items/42']] },
    });
    const record = at(20_000, { seq: 8, request: { url: 'https://api.example.com/v1/items/42' }, response: { status: 404 } });
    const [finding] = notFound.check(record, ctx([created]));
    expect(finding.evidence).toContain('#7 POST /v1/items got 201 5 s earlier');
    expect(finding.explanation).toContain('so the new resource is likely not visible yet');
    expect(finding.nextSteps).toContain('Retry after a short delay (poll with backoff) before concluding the resource is missing: proxydoc replay 8');
  });

  it('ignores writes older than a minute and reads', () => {
    const oldWrite = at(-50_000, { request: { method: 'POST', url: 'https://api.example.com/v1/items' }, response: { status: 201 } });
    const read = at(19_000, { request: { method: 'GET', url: 'https://api.example.com/v1/items' }, response: { status: 200 } });
    const record = at(20_000, { request: { url: 'https://api.example.com/v1/items/42' }, response: { status: 404 } });
    const [finding] = notFound.check(record, ctx([oldWrite, read]));
    expect(finding.explanation).not.toContain('created something');
  });

  it('explains that GitHub hides private resources from anonymous callers', () => {
    const record = makeExchange({
      request: { url: 'https://api.github.com/repos/acme/private-repo' },
      response: { status: 404, body: '{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}' },
    });
    const [finding] = notFound.check(record, ctx());
    expect(finding.explanation).toContain('GitHub answers 404 instead of 403 for resources the caller may not see');
    expect(finding.nextSteps).toContain('Send the API token and retry');
  });

  it('points at the token\'s access when GitLab answers 404 to an authenticated call', () => {
    const record = makeExchange({
      request: { url: 'https://gitlab.example.com/api/v4/projects/99', headers: [['PRIVATE-TOKEN', 'glpat-abcdefghijklmnop']] },
      response: { status: 404, body: '{"message":"404 Project Not Found"}' },
    });
    const [finding] = notFound.check(record, ctx());
    expect(finding.explanation).toContain('the token lacks access');
    expect(JSON.stringify(finding)).not.toContain('glpat-abcdefghijklmnop');
  });

  it('says a proxy in front answered when the 404 is nginx\'s own page', () => {
    const record = makeExchange({
      request: { url: 'https://api.example.com/v4/projects' },
      response: { status: 404, headers: [['Server', 'nginx/1.24.0'], ['Content-Type', 'text/html']], body: NGINX_404 },
    });
    const [finding] = notFound.check(record, ctx());
    expect(finding.summary).toBe('GET /v4/projects got 404 Not Found from nginx.');
    expect(finding.explanation).toContain('the request most likely never reached the API');
  });

  it.each([200, 403, 410, 500])('stays silent on %i', (status) => {
    expect(notFound.check(makeExchange({ response: { status } }), ctx())).toEqual([]);
  });

  it('stays silent without a response', () => {
    const record = makeExchange({ error: { kind: 'dns', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND x' } });
    expect(notFound.check(record, ctx())).toEqual([]);
  });
});
