/**
 * auth-header-misspelled: a request header name is a near miss of a credential header, so the server never saw
 * the credential under the name it looks for (header names are matched exactly, case aside — RFC 9110 §5.1).
 * Also: names with `_`, which nginx drops by default (`underscores_in_headers off`, ngx_http_core_module), and
 * the header name pasted into its own value (`Authorization: Authorization: Bearer …`).
 */
import type { Finding, HeaderPairs, Severity } from '../../model/exchange';
import { isCredentialHeader } from '../../model/secrets';
import type { Rule } from '../rule';
import { carriedCredentials, misspelledCredentialHeaders, splitAuthorization, type MisspelledHeader } from '../credentials';

const NGINX_UNDERSCORES =
  'nginx silently drops request headers whose names contain "_" unless `underscores_in_headers on;` is set, so behind an nginx (ingress-nginx, many PaaS front ends) the backend never receives it';

export const authHeaderMisspelled: Rule = {
  id: 'auth-header-misspelled',
  description: 'A request header name is a near miss of a credential header (Autorization, X-Api-Kye, PRIVATE_TOKEN).',
  check(record) {
    const status = record.response?.status;
    const authFailure = status === 401 || status === 403;
    const findings: Finding[] = [];
    const misspelled = misspelledCredentialHeaders(record.request.headers);
    for (const m of misspelled) {
      // A failed auth makes the near miss the likely cause; on other outcomes it is a hazard (the credential is
      // not reaching the server, the endpoint may just not need it yet).
      const severity: Severity = authFailure ? 'error' : 'warn';
      findings.push(nearMissFinding(record.seq, m, severity, status, record.request.headers));
    }
    if (authFailure) {
      const reported = new Set(misspelled.map((m) => m.sent.toLowerCase()));
      const others = carriedCredentials(record.request).filter((c) => !(c.where === 'header' && c.name.includes('_')));
      for (const [name] of record.request.headers) {
        if (!name.includes('_') || reported.has(name.toLowerCase()) || !isCredentialHeader(name)) continue;
        reported.add(name.toLowerCase());
        findings.push(underscoreFinding(record.seq, name, others.length === 0 ? 'error' : 'warn', status));
      }
    }
    return findings;
  },
};

function nearMissFinding(seq: number, m: MisspelledHeader, severity: Severity, status: number | undefined, headers: HeaderPairs): Finding {
  const outcome = status === undefined ? 'no response' : `a ${status}`;
  const replayFix = `\`proxydoc replay ${seq} --header '${m.meant}: <value>'\``;
  const valueShape = describeValue(headers, m.sent);
  switch (m.kind) {
    case 'name-in-value':
      return {
        rule: 'auth-header-misspelled',
        severity,
        summary: `The ${m.meant} header's value starts with "${m.sent}:" — the header name was pasted into the value.`,
        explanation:
          `The server reads the ${m.meant} value as "${m.sent}: …", which is not a valid credential, so it ${status === 401 || status === 403 ? 'likely rejected it for that reason' : 'may reject it'} (${outcome}). ` +
          `This happens when code sets a header to a whole "Name: value" line (for example from a curl -H string). To confirm, replay with the value alone: ${replayFix}.`,
        evidence: [`${m.sent}: ${m.sent}: … (value starts with the header name)`, ...valueShape],
        nextSteps: [`Set the header value to the credential only, without "${m.sent}:" in front.`],
      };
    case 'underscore':
      return {
        rule: 'auth-header-misspelled',
        severity,
        summary: `Header ${m.sent} was sent; the credential header is ${m.meant} (hyphen, not underscore).`,
        explanation:
          `${m.meant} is the documented name. ${NGINX_UNDERSCORES}, and servers that do accept underscores still treat ${m.sent} as a different header. ` +
          `With ${outcome}, this is ${severity === 'error' ? 'likely' : 'possibly'} why the credential was not seen. Confirm with ${replayFix}.`,
        evidence: [`header sent as ${m.sent}`, `expected ${m.meant}`, ...valueShape],
        nextSteps: [`Rename the header to ${m.meant}.`],
      };
    case 'british-spelling':
      return {
        rule: 'auth-header-misspelled',
        severity,
        summary: `Header ${m.sent} was sent; HTTP's header is ${m.meant} (with a z).`,
        explanation:
          `HTTP only defines the American spelling ${m.meant} (RFC 9110 §11.6.2); a server ignores ${m.sent} as an unknown header, so the credential never counted. ` +
          `With ${outcome}, this is ${severity === 'error' ? 'likely' : 'possibly'} the cause. Confirm with ${replayFix}.`,
        evidence: [`header sent as ${m.sent}`, `expected ${m.meant}`, ...valueShape],
        nextSteps: [`Rename the header to ${m.meant}.`],
      };
    case 'typo':
      return {
        rule: 'auth-header-misspelled',
        severity,
        summary: `Header ${m.sent} looks like a misspelling of ${m.meant}.`,
        explanation:
          `${m.sent} is within a typo of ${m.meant} and is not a header any common API reads, so the server most likely ignored it and saw no credential` +
          ` (${outcome}). Confirm with ${replayFix}.`,
        evidence: [`header sent as ${m.sent}`, `expected ${m.meant}`, ...valueShape],
        nextSteps: [`Rename the header to ${m.meant}.`],
      };
  }
}

function underscoreFinding(seq: number, name: string, severity: Severity, status: number | undefined): Finding {
  const hyphenated = name.replace(/_/g, '-');
  return {
    rule: 'auth-header-misspelled',
    severity,
    summary: `Credential header ${name} has an underscore in its name; nginx drops such headers by default.`,
    explanation:
      `${NGINX_UNDERSCORES}. If an nginx sits in front of this API, the ${status} is ${severity === 'error' ? 'likely' : 'possibly'} because ${name} was removed on the way` +
      `${severity === 'warn' ? ' (the request carried other credentials too, so it may be something else)' : ''}. ` +
      `Confirm by checking whether the API documents ${name} or ${hyphenated}, and try \`proxydoc replay ${seq} --header '${hyphenated}: <value>'\`.`,
    evidence: [`header name ${name} contains "_"`, 'nginx: underscores_in_headers off by default'],
    nextSteps: [
      `Use ${hyphenated} if the API accepts it; otherwise ask the operator to set \`underscores_in_headers on;\` in nginx.`,
    ],
  };
}

/** The misspelled header's value described by scheme and length, never the value itself. */
function describeValue(headers: HeaderPairs, sentName: string): string[] {
  const value = headers.find(([n]) => n === sentName)?.[1];
  if (value === undefined) return [];
  const split = splitAuthorization(value);
  return [split.scheme ? `value: ${split.scheme} ‹${split.credentials.length} chars›` : `value: ‹${value.length} chars›`];
}
