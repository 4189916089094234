/**
 * Findings under an exchange line:
 *     ✖ encoded-slash  An intermediary … refused the encoded slash (%2F) in the path.
 *       why: …
 *       evidence: path has %2F · the 404 is an HTML page from Apache, not the API's JSON error
 *       next: Apache: AllowEncodedSlashes NoDecode … · reproduce: proxydoc export 17 --format curl
 * Rules quote requests, so every text passes through redactProse as a safety net before it is printed.
 */
import type { Finding, Severity } from '../model/exchange';
import { redactProse } from '../log/redact';
import { paint, printable, type Style } from './format';

export interface FindingsOptions {
  color: boolean;
  /** The exchange's seq, for the `reproduce:` hint. */
  seq: number;
}

const SEVERITY_MARK: Record<Severity, { mark: string; style: Style }> = {
  error: { mark: '✖', style: 'red' },
  warn: { mark: '⚠', style: 'yellow' },
  info: { mark: 'ℹ', style: 'blue' },
};

/** The mark and colour of a severity; a record from a newer version may carry one this version does not know. */
export function severityMark(severity: Severity): { mark: string; style: Style } {
  return SEVERITY_MARK[severity] ?? { mark: '•', style: 'dim' };
}

const FINDING_INDENT = '  ';
const DETAIL_INDENT = '    ';

/** The findings as lines joined with "\n"; '' when there are none. */
export function formatFindings(findings: readonly Finding[], options: FindingsOptions): string {
  return findings.map((finding) => formatFinding(finding, options)).join('\n');
}

function formatFinding(finding: Finding, { color, seq }: FindingsOptions): string {
  const severity = severityMark(finding.severity);
  const lines = [
    `${FINDING_INDENT}${paint(severity.mark, severity.style, color)} ${paint(clean(finding.rule), 'bold', color)}  ${clean(finding.summary)}`,
  ];
  const explanation = clean(finding.explanation);
  if (explanation !== '' && explanation !== clean(finding.summary)) lines.push(detail('why', explanation, color));
  const evidence = finding.evidence.map(clean).filter((item) => item !== '');
  if (evidence.length > 0) lines.push(detail('evidence', evidence.join(' · '), color));
  const next = finding.nextSteps.map(clean).filter((item) => item !== '');
  // Errors get the command that reproduces the call outside the app, the first thing a vendor's support asks for.
  if (finding.severity === 'error') next.push(`reproduce: proxydoc export ${seq} --format curl`);
  if (next.length > 0) lines.push(detail('next', next.join(' · '), color));
  return lines.join('\n');
}

function detail(label: string, text: string, color: boolean): string {
  return `${DETAIL_INDENT}${paint(`${label}:`, 'dim', color)} ${text}`;
}

/** Redacted first (its header-line pass needs the line breaks), then flattened to one printable line. */
function clean(text: string): string {
  return printable(redactProse(text)).trim();
}
