import { maskSecret } from '../../../src/log/redact';
import type { Finding } from '../../../src/model/exchange';
import { formatReplayComparison } from '../../../src/present/replay-comparison';
import { makeExchange } from '../../helpers/make-exchange';

function finding(rule: string): Finding {
  return { rule, severity: 'error', summary: `${rule} happened`, explanation: '', evidence: [], nextSteps: [] };
}

const original = makeExchange({
  id: 'orig-1',
  seq: 17,
  request: {
    url: 'https://jira.example.com/rest/api/2/myself',
    headers: [['Host', 'jira.example.com'], ['Proxy-Connection', 'keep-alive'], ['Authorization', 'Basic wrong'], ['Accept', '*/*']],
  },
  response: {
    status: 401,
    headers: [['Date', 'Sat, 21 Nov 2026 20:41:03 GMT'], ['WWW-Authenticate', 'Bearer realm="Jira"'], ['Content-Type', 'application/json'], ['Content-Length', '99']],
    body: '{"errorMessages":["You are not authenticated. Authentication required to perform this operation."]}',
  },
  phases: { total: 61.3, ttfb: 40.2 },
});
original.findings = [finding('auth-scheme-mismatch')];

const replay = makeExchange({
  seq: 18,
  replayOf: 'orig-1',
  request: {
    url: 'https://jira.example.com/rest/api/2/myself',
    headers: [['Host', 'jira.example.com'], ['Authorization', 'Bearer NjM0NTY3ODkwMTIzOkF1dGhUb2tlbkZvckRD'], ['Accept', '*/*']],
  },
  response: {
    status: 200,
    headers: [['Date', 'Sat, 21 Nov 2026 20:45:00 GMT'], ['Content-Type', 'application/json'], ['Content-Length', '58'], ['X-AREQUESTID', '1x2']],
    body: '{"name":"dev","emailAddress":"dev@example.test","active":true}',
  },
  phases: { total: 40, ttfb: 21.6 },
});

describe('formatReplayComparison', () => {
  test('status, request edits, changed response headers, timing and findings, word for word', () => {
    expect(formatReplayComparison(original, replay, { color: false })).toBe(
      [
        'compared with #17:',
        '  status    401 Unauthorized → 200 OK',
        `  request   ~ Authorization: Basic ${maskSecret('wrong')} → Bearer ${maskSecret('NjM0NTY3ODkwMTIzOkF1dGhUb2tlbkZvckRD')}`,
        '  response  − WWW-Authenticate: Bearer realm="Jira"',
        '            ~ Content-Length: 99 → 58',
        '            + X-AREQUESTID: 1x2',
        '            body 99 B → 62 B',
        '  timing    total 61 ms → 40 ms · ttfb 40 ms → 22 ms',
        '  findings  gone: auth-scheme-mismatch · new: none',
      ].join('\n'),
    );
  });

  test('a replay sent as recorded says so; hop-by-hop headers the proxy never forwarded are not edits', () => {
    const same = { ...original, id: 'r2', seq: 19, replayOf: 'orig-1', request: { ...original.request, headers: original.request.headers.filter(([name]) => name !== 'Proxy-Connection') } };
    const text = formatReplayComparison(original, same, { color: false });
    expect(text).toContain('  request   sent as recorded');
    expect(text).toContain('  response  same headers and body');
    expect(text).toContain('  findings  same (auth-scheme-mismatch)');
  });

  test('method, URL, body and header letter-case edits are listed; secrets in URLs are masked', () => {
    const edited = makeExchange({
      seq: 20,
      request: {
        method: 'POST',
        url: 'https://jira.example.com/rest/api/2/myself?access_token=s3cr3t-value',
        headers: [['Host', 'jira.example.com'], ['authorization', 'Basic wrong'], ['Accept', '*/*'], ['Content-Length', '2']],
        body: '{}',
      },
      response: null,
      error: { kind: 'refused', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED', stage: 'connect' },
      phases: { total: 2 },
    });
    const text = formatReplayComparison(original, edited, { color: false });
    expect(text).toContain('  status    401 Unauthorized → ✖ refused ECONNREFUSED');
    expect(text).toContain('  request   method GET → POST\n');
    expect(text).toContain(`            url https://jira.example.com/rest/api/2/myself → https://jira.example.com/rest/api/2/myself?access_token=${maskSecret('s3cr3t-value')}`);
    expect(text).toContain('            ~ Authorization → authorization (letter case)');
    expect(text).toContain('            + Content-Length: 2');
    expect(text).toContain('            body 0 B → 2 B');
    expect(text).toContain('  timing    total 61 ms → 2 ms · ttfb 40 ms → —');
    expect(text).not.toContain('s3cr3t-value');
    expect(text).not.toContain('response ');
  });

  test('new findings are named; bodies of the same size but other bytes are "changed"', () => {
    const changed = makeExchange({
      seq: 21,
      request: { url: original.request.url, headers: [['Host', 'jira.example.com'], ['Authorization', 'Basic wrong'], ['Accept', '*/*']] },
      response: { status: 401, headers: original.response!.headers, body: original.response!.body.text!.replace('You', 'you') },
    });
    changed.findings = [finding('token-expired')];
    const text = formatReplayComparison(original, changed, { color: false });
    expect(text).toContain('  response  body changed (99 B)');
    expect(text).toContain('  findings  gone: auth-scheme-mismatch · new: token-expired');
  });

  test('colour marks the statuses and the findings', () => {
    const text = formatReplayComparison(original, replay, { color: true });
    expect(text).toContain('\u001b[31m401 Unauthorized\u001b[0m → \u001b[32m200 OK\u001b[0m');
    expect(text).toContain('gone: \u001b[32mauth-scheme-mismatch\u001b[0m');
  });
});
