import { invalidJsonBody } from '../../../src/diagnosis/rules/invalid-json-body';
import { makeExchange } from '../../helpers/make-exchange';

const context = { history: [], now: 0, userTimeouts: [] };

function exchange(body: string | Buffer | { size: number; text: string; truncated: boolean }, status: number | null, contentType = 'application/json', method = 'POST') {
  return makeExchange({
    request: { method, url: 'https://api.example.com/v1/items', headers: [['Content-Type', contentType]], body },
    response: status === null ? null : { status, body: '{"message":"Bad Request"}' },
    ...(status === null ? { error: { kind: 'reset' as const, code: 'ECONNRESET', message: 'reset' } } : {}),
  });
}

describe('invalid-json-body', () => {
  it('fires with line, column and snippet on a trailing comma', () => {
    const [finding] = invalidJsonBody.check(exchange('{\n  "name": "x",\n}', 400), context);
    expect(finding.summary).toBe(
      'The application/json request body is not valid JSON: Expected double-quoted property name at line 3, column 1.',
    );
    expect(finding.severity).toBe('error');
    expect(finding.explanation).toContain('a trailing comma before the closing bracket is not allowed in JSON');
    expect(finding.explanation).toContain('    }\n    ^');
  });

  it('handles +json types and warns on 2xx', () => {
    const [finding] = invalidJsonBody.check(exchange("{'a': 1}", 200, 'application/merge-patch+json', 'PATCH'), context);
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toMatch(/^The application\/merge-patch\+json request body is not valid JSON: .* at line 1, column 2\.$/);
    expect(finding.evidence).toContain("single-quoted strings are not JSON (Python's str(dict) or a JavaScript literal?); JSON needs double quotes");
  });

  it('warns when there was no response at all', () => {
    expect(invalidJsonBody.check(exchange('{"a":', null), context)[0].severity).toBe('warn');
  });

  it('never copies a secret into the finding', () => {
    const [finding] = invalidJsonBody.check(exchange("{'password': 'hunter2'", 400), context);
    expect(JSON.stringify(finding)).not.toContain('hunter2');
  });

  it('fires on a body that is not UTF-8', () => {
    const [finding] = invalidJsonBody.check(exchange(Buffer.from('{"name":"caf\u00e9"}', 'latin1'), 400), context);
    expect(finding.summary).toBe('The application/json request body is not valid UTF-8, so it is not valid JSON.');
    expect(finding.evidence).toContain('invalid UTF-8 at byte 12');
  });

  it('warns about an empty JSON body only on parse-failure statuses', () => {
    const [finding] = invalidJsonBody.check(exchange('', 400, 'application/json', 'DELETE'), context);
    expect(finding.summary).toBe('The DELETE request declared application/json but sent an empty body.');
    expect(invalidJsonBody.check(exchange('', 401, 'application/json', 'DELETE'), context)).toEqual([]);
    expect(invalidJsonBody.check(exchange('', 400, 'application/json', 'GET'), context)).toEqual([]);
  });

  it('stays silent on valid JSON, non-JSON types, truncated bodies and form bodies', () => {
    expect(invalidJsonBody.check(exchange('{"a":[1,2]}', 400), context)).toEqual([]);
    expect(invalidJsonBody.check(exchange('{"a":', 400, 'text/plain'), context)).toEqual([]);
    expect(invalidJsonBody.check(exchange({ size: 10_000_000, text: '{"a": [1, 2', truncated: true }, 400), context)).toEqual([]);
    expect(invalidJsonBody.check(exchange('a=1&b=2', 400), context)).toEqual([]);
  });
});
