import { redirectHazard } from '../../../src/diagnosis/rules/redirect-hazard';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import type { HeaderPairs } from '../../../src/model/exchange';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const context: DiagnosisContext = { history: [], now: FAKE_START_MS + 100, userTimeouts: [] };
const BEARER = 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

function redirect(status: number, location: string, opts: { method?: string; url?: string; headers?: HeaderPairs; body?: string } = {}) {
  const record = makeExchange({
    request: { method: opts.method ?? 'GET', url: opts.url ?? 'https://api.example.com/v1/items', headers: opts.headers, body: opts.body },
    response: { status, headers: [['Location', location]] },
  });
  return redirectHazard.check(record, context);
}

describe('redirect-hazard', () => {
  it('warns about an https → http downgrade', () => {
    const [finding] = redirect(301, 'http://api.example.com/v1/items');
    expect(finding.summary).toBe('301 redirect to http://api.example.com/v1/items downgrades HTTPS to plain HTTP.');
    expect(finding.severity).toBe('warn');
  });

  it('warns that Authorization will be dropped on a cross-host follow', () => {
    const [finding] = redirect(302, 'https://files.example.net/blob/1?X-Amz-Signature=abc', {
      headers: [['Authorization', BEARER]],
    });
    expect(finding.summary).toBe(
      '302 redirect to https://files.example.net/blob/1?… moves to files.example.net and the follow-up will arrive without Authorization.',
    );
    expect(finding.severity).toBe('warn');
    expect(JSON.stringify(finding)).not.toContain('abc');
    expect(JSON.stringify(finding)).not.toContain('eyJ');
  });

  it('warns that a 301 on a POST turns it into a GET', () => {
    const [finding] = redirect(301, '/v1/items/', { method: 'POST', body: '{"name":"x"}', headers: [['Content-Type', 'application/json']] });
    expect(finding.summary).toBe('301 redirect to https://api.example.com/v1/items/ turns the POST into a GET.');
    expect(finding.evidence).toContain('301 on a POST with a 12-byte body');
  });

  it('notes (info, not a warning) that a 303 turns a PUT into a GET: post/redirect/get is deliberate', () => {
    const [finding] = redirect(303, '/done', { method: 'PUT' });
    expect(finding.summary).toBe('303 redirect to https://api.example.com/done turns the PUT into a GET.');
    expect(finding.severity).toBe('info');
    expect(redirect(302, '/done', { method: 'POST' })[0].severity).toBe('warn');
  });

  it('combines hazards in one finding', () => {
    const [finding] = redirect(302, 'http://other.example.com/x', { method: 'POST', headers: [['Authorization', BEARER]] });
    expect(finding.summary).toBe(
      '302 redirect to http://other.example.com/x downgrades HTTPS to plain HTTP, moves to other.example.com and the follow-up will ' +
        'arrive without Authorization and turns the POST into a GET.',
    );
  });

  it('reports an anonymous host change as info only', () => {
    const [finding] = redirect(301, 'https://api2.example.com/v1/items');
    expect(finding.severity).toBe('info');
    expect(finding.summary).toBe('301 redirect to https://api2.example.com/v1/items moves to another host (api2.example.com).');
  });

  it.each([
    ['a same-origin GET redirect', 302, '/v1/items/', 'GET'],
    ['a 307 keeping the POST on the same host', 307, '/v2/items', 'POST'],
    ['a 308 keeping the POST on the same host', 308, 'https://api.example.com/v2/items', 'POST'],
    ['a 303 after a GET', 303, '/other', 'GET'],
    ['a 304', 304, '/x', 'GET'],
    ['a 200 with a Location', 200, 'http://elsewhere.example/x', 'GET'],
    ['a host that differs only in case', 301, 'https://API.example.com/v1/x', 'GET'],
  ])('stays silent on %s', (_label, status, location, method) => {
    expect(redirect(status, location, { method })).toEqual([]);
  });

  it('stays silent without a usable Location', () => {
    const record = makeExchange({ response: { status: 302, headers: [] } });
    expect(redirectHazard.check(record, context)).toEqual([]);
    expect(redirect(302, 'http://[broken')).toEqual([]);
  });
});
