import { uriTooLong } from '../../../src/diagnosis/rules/uri-too-long';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };

function exchange(url: string, status: number, body = '') {
  return makeExchange({ request: { url }, response: { status, body } });
}

describe('uri-too-long', () => {
  const jql = 'key in (' + Array.from({ length: 900 }, (_, i) => `PRJ-${i}`).join(',') + ')';
  const url = `https://jira.example.com/rest/api/2/search?maxResults=50&jql=${encodeURIComponent(jql)}`;

  it('names the URL length and the longest parameter', () => {
    const [finding] = uriTooLong.check(exchange(url, 414), context);
    const target = url.slice('https://jira.example.com'.length);
    expect(finding.summary).toBe(`The GET URL for /rest/api/2/search is ${target.length} bytes long and was refused as too long.`);
    expect(finding.evidence).toContain(`longest parameter: jql (${url.length - url.indexOf('jql=')} bytes)`);
    expect(finding.nextSteps[0]).toContain('POST /rest/api/2/search');
  });

  it('notices a parameter repeated per list item', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `id=${i}`).join('&');
    const [finding] = uriTooLong.check(exchange(`https://api.example.com/v1/items?${ids}`, 414), context);
    expect(finding.evidence).toContain('id repeated 400 times');
  });

  it('does not name a long value-only parameter that may be a token', () => {
    const token = 'eyJ' + 'a'.repeat(9000);
    const [finding] = uriTooLong.check(exchange(`https://api.example.com/v1/x?${token}`, 414), context);
    expect(JSON.stringify(finding)).not.toContain(token.slice(0, 40));
  });

  it('fires on a 400 whose page says Request-URI Too Large', () => {
    expect(uriTooLong.check(exchange(url, 400, '<title>414 Request-URI Too Large</title>'), context)).toHaveLength(1);
  });

  it('stays silent on other statuses and plain 400s', () => {
    expect(uriTooLong.check(exchange(url, 200), context)).toEqual([]);
    expect(uriTooLong.check(exchange(url, 400, '{"message":"bad jql"}'), context)).toEqual([]);
  });
});
