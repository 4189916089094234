import { doubleSlashOrDotSegment } from '../../../src/diagnosis/rules/double-slash-or-dot-segment';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const context: DiagnosisContext = { history: [], now: FAKE_START_MS + 100, userTimeouts: [] };
const check = (url: string, status: number, method = 'GET') =>
  doubleSlashOrDotSegment.check(makeExchange({ request: { method, url }, response: { status } }), context);

describe('double-slash-or-dot-segment', () => {
  it('fires on "//" from joining a base URL with a trailing slash', () => {
    const [finding] = check('https://api.example.com/api//v4/projects', 404);
    expect(finding.summary).toBe('GET /api//v4/projects got 404: the path contains "//".');
    expect(finding.severity).toBe('error');
    expect(finding.evidence).toContain('normalised it would be /api/v4/projects');
    expect(finding.nextSteps[0]).toBe('Join the base URL and the path with exactly one "/" (trim the trailing slash of the base URL)');
  });

  it('fires on "/./" and "/../" and resolves them in the suggestion', () => {
    const [finding] = check('https://api.example.com/api/v4/./projects/../users', 400, 'POST');
    expect(finding.summary).toBe('POST /api/v4/./projects/../users got 400: the path contains "/./" and "/../".');
    expect(finding.nextSteps).toContain('Call /api/v4/users instead');
  });

  it('fires on percent-encoded dot segments', () => {
    const [finding] = check('https://api.example.com/files/%2e%2E/etc', 400);
    expect(finding.summary).toBe('GET /files/%2e%2E/etc got 400: the path contains "/../" and percent-encoded dots (%2E).');
    expect(finding.evidence).toContain('normalised it would be /etc');
  });

  it('fires on a leading "//" and a trailing ".."', () => {
    expect(check('https://api.example.com//items', 404)[0].evidence).toContain('normalised it would be /items');
    expect(check('https://api.example.com/a/b/..', 404)[0].evidence).toContain('normalised it would be /a/');
  });

  it.each([
    ['a clean path', 'https://api.example.com/api/v4/projects', 404],
    ['dots inside names', 'https://api.example.com/files/v1.2/..hidden/a..b/.well-known', 404],
    ['"//" only in the query', 'https://api.example.com/redirect?to=https://x.example/', 404],
    ['a 2xx', 'https://api.example.com/api//v4', 200],
    ['a 403', 'https://api.example.com/api//v4', 403],
  ])('stays silent on %s', (_label, url, status) => {
    expect(check(url, status)).toEqual([]);
  });
});
