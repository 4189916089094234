import { formatFindings } from '../../../src/present/findings';
import { maskSecret } from '../../../src/log/redact';
import type { Finding } from '../../../src/model/exchange';

const ENCODED_SLASH: Finding = {
  rule: 'encoded-slash',
  severity: 'error',
  summary: 'An intermediary in front of the API decoded or refused the encoded slash (%2F) in the path.',
  explanation: '',
  evidence: ['path has %2F', "the 404 is an HTML page from Apache, not the API's JSON error"],
  nextSteps: ['Apache: AllowEncodedSlashes NoDecode + ProxyPass … nocanon'],
};

describe('formatFindings', () => {
  it('renders an error finding word for word, with the reproduce hint', () => {
    expect(formatFindings([ENCODED_SLASH], { color: false, seq: 17 })).toBe(
      [
        '  ✖ encoded-slash  An intermediary in front of the API decoded or refused the encoded slash (%2F) in the path.',
        "    evidence: path has %2F · the 404 is an HTML page from Apache, not the API's JSON error",
        '    next: Apache: AllowEncodedSlashes NoDecode + ProxyPass … nocanon · reproduce: proxydoc export 17 --format curl',
      ].join('\n'),
    );
  });

  it('shows the explanation as a why: line and gives warnings and infos no reproduce hint', () => {
    const findings: Finding[] = [
      {
        rule: 'token-expires-soon',
        severity: 'warn',
        summary: 'The bearer token expires in 40 s.',
        explanation: 'Its exp claim is 2026-11-21T20:41:43Z;\nthe next call will likely get a 401.',
        evidence: ['exp=2026-11-21T20:41:43Z'],
        nextSteps: ['refresh the token before it expires'],
      },
      { rule: 'slow-dns', severity: 'info', summary: 'DNS took 900 ms.', explanation: 'DNS took 900 ms.', evidence: [], nextSteps: [] },
    ];
    expect(formatFindings(findings, { color: false, seq: 3 })).toBe(
      [
        '  ⚠ token-expires-soon  The bearer token expires in 40 s.',
        '    why: Its exp claim is 2026-11-21T20:41:43Z; the next call will likely get a 401.',
        '    evidence: exp=2026-11-21T20:41:43Z',
        '    next: refresh the token before it expires',
        '  ℹ slow-dns  DNS took 900 ms.',
      ].join('\n'),
    );
  });

  it('is empty without findings', () => {
    expect(formatFindings([], { color: false, seq: 1 })).toBe('');
  });

  it('redacts secrets a rule quoted', () => {
    const out = formatFindings(
      [{ ...ENCODED_SLASH, evidence: ['sent Authorization: Bearer glpat-leaky-token'], nextSteps: ['retry with ?private_token=glpat-leaky-token'] }],
      { color: false, seq: 2 },
    );
    expect(out).not.toContain('glpat-leaky-token');
    expect(out).toContain(`evidence: sent Authorization: Bearer ${maskSecret('glpat-leaky-token')}`);
    expect(out).toContain(`next: retry with ?private_token=${maskSecret('glpat-leaky-token')} · reproduce:`);
  });

  it('colours the mark and the rule id only when asked', () => {
    expect(formatFindings([ENCODED_SLASH], { color: false, seq: 17 })).not.toContain('\u001b');
    const coloured = formatFindings([ENCODED_SLASH], { color: true, seq: 17 }).split('\n');
    expect(coloured[0]).toBe(
      '  \u001b[31m✖\u001b[0m \u001b[1mencoded-slash\u001b[0m  An intermediary in front of the API decoded or refused the encoded slash (%2F) in the path.',
    );
    expect(coloured[1].startsWith('    \u001b[2mevidence:\u001b[0m path has %2F')).toBe(true);
  });
});

describe('the redaction safety net on findings', () => {
  test('keeps an explanation that names a credential header, masking only what is token-shaped', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJl';
    const text = formatFindings(
      [
        {
          rule: 'token-expired',
          severity: 'error',
          summary: 'The JWT in Authorization (Bearer) expired.',
          explanation: `Authorization: Bearer (JWT, 154 chars, sha256:7d39fb) carries exp 2023-11-14T22:13:20Z. Leaked by a bug: Bearer ${token}`,
          evidence: [],
          nextSteps: [],
        },
      ],
      { color: false, seq: 3 },
    );
    expect(text).toContain('why: Authorization: Bearer (JWT, 154 chars, sha256:7d39fb) carries exp 2023-11-14T22:13:20Z.');
    expect(text).not.toContain(token);
  });
});
