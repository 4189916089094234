import { headersTooLarge } from '../../../src/diagnosis/rules/headers-too-large';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };
const NGINX_400 =
  '<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function jwtWithGroups(count: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const groups = Array.from({ length: count }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`);
  return `${part({ alg: 'RS256' })}.${part({ sub: 'u1', groups })}.${'s'.repeat(40)}`;
}

describe('headers-too-large', () => {
  const cookieValue = 'v'.repeat(6000);
  const headers: Array<[string, string]> = [
    ['Host', 'app.example.com'],
    ['Cookie', `session=${cookieValue}; theme=dark; _ga=GA1.2.3`],
  ];

  it("fires on nginx's 400, naming the largest header and cookie but not their values", () => {
    const record = makeExchange({ request: { headers }, response: { status: 400, body: NGINX_400 } });
    const [finding] = headersTooLarge.check(record, context);
    // Host: 23 bytes + Cookie: 6 + 2 + 6033 + 2 (RFC 9112 field lines with CRLF).
    expect(finding.summary).toBe('The request headers (6066 bytes, largest Cookie at 6041) were refused as too large.');
    expect(finding.evidence).toContain('largest cookie: session (6008 bytes)');
    expect(finding.evidence).toContain('3 cookies, 6029 bytes');
    expect(JSON.stringify(finding)).not.toContain(cookieValue.slice(0, 20));
  });

  it('fires on 431 and describes a large JWT by its claims', () => {
    const token = jwtWithGroups(300);
    const record = makeExchange({ request: { headers: [['Authorization', `Bearer ${token}`]] }, response: { status: 431, body: '' } });
    const [finding] = headersTooLarge.check(record, context);
    expect(finding.explanation).toContain('"groups" claim takes');
    expect(finding.explanation).toContain('per-line limit');
    expect(JSON.stringify(finding)).not.toContain(token.slice(0, 30));
  });

  it('never shows a nameless cookie', () => {
    const record = makeExchange({ request: { headers: [['Cookie', 'rawsecretvalue']] }, response: { status: 431 } });
    expect(JSON.stringify(headersTooLarge.check(record, context))).not.toContain('rawsecretvalue');
  });

  it('stays silent on plain 400s and other statuses', () => {
    expect(headersTooLarge.check(makeExchange({ request: { headers }, response: { status: 400, body: '{"error":"x"}' } }), context)).toEqual([]);
    expect(headersTooLarge.check(makeExchange({ request: { headers }, response: { status: 200 } }), context)).toEqual([]);
  });
});
