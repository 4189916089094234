/**
 * The diagnosis engine: runs every rule of the table over one record. Pure.
 * Specific rules run first; fallback rules ("any other 403/404") run only when no specific rule found an error,
 * so the generic explanation never buries the specific one. A rule that throws is a bug in proxydoc, not in the
 * traffic: it is reported as an info finding instead of losing the record.
 */
import type { ExchangeRecord, Finding } from '../model/exchange';
import type { DiagnosisContext, Rule } from './rule';
import { RULES } from './rules';

export function diagnose(record: ExchangeRecord, context: DiagnosisContext, rules: readonly Rule[] = RULES): Finding[] {
  // proxydoc's own 407/403: the record's error says why; the rules read answers of upstreams and would misread it
  // (a 403 to a request without credentials looks like auth-missing).
  if (record.error?.kind === 'proxydoc-refused') return [];
  const findings: Finding[] = [];
  const fallbacks: Rule[] = [];
  for (const rule of rules) {
    if (rule.fallback) fallbacks.push(rule);
    else runRule(rule, record, context, findings);
  }
  if (!findings.some((f) => f.severity === 'error')) {
    for (const rule of fallbacks) runRule(rule, record, context, findings);
  }
  return findings;
}

function runRule(rule: Rule, record: ExchangeRecord, context: DiagnosisContext, into: Finding[]): void {
  try {
    for (const finding of rule.check(record, context)) into.push(finding);
  } catch (error) {
    into.push({
      rule: rule.id,
      severity: 'info',
      summary: `The ${rule.id} diagnosis failed on this exchange; this is a proxydoc bug.`,
      explanation: `The rule threw ${error instanceof Error ? error.name : 'an error'}; the record itself is complete.`,
      evidence: [],
      nextSteps: ['report it with the record (proxydoc export --format har, secrets redacted)'],
    });
  }
}
