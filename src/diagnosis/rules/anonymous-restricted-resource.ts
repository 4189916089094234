/**
 * anonymous-restricted-resource: a 400 that says a resource does not exist, on a request with no credential.
 * Jira (and other APIs that hide what an anonymous caller may not see) validate the request as the anonymous
 * user, so a project that exists but is not visible anonymously is reported as not existing:
 * `The value 'PKEY' does not exist for the field 'project'.` — really a 401/403 in disguise.
 */
import type { Finding, Severity } from '../../model/exchange';
import { bodyText } from '../../model/body';
import type { Rule } from '../rule';
import { authProductHint, carriedCredentials } from '../credentials';
import { clipText } from '../text';

interface Match {
  /** The sentence from the body that names the resource. */
  sentence: string;
  resource?: string;
  field?: string;
  /** A product-specific wording is a strong signal; a generic "not found" only a possible one. */
  strong: boolean;
}

/** Jira REST: `The value 'X' does not exist for the field 'project'.` (JIRA's IssueInputParameters validation). */
const JIRA_VALUE_MISSING = /The value '([^']{1,100})' does not exist for the field '([^']{1,60})'\.?/;
/** Jira: fields an anonymous user may not set are reported as not on the screen or unknown. */
const JIRA_FIELD_UNKNOWN = /Field '([^']{1,60})' cannot be set\. It is not on the appropriate screen, or unknown\.?/;
const JIRA_PROJECT_REQUIRED = /valid project is required/i;
const GENERIC_NOT_EXISTING = /[^.{}"\]]{0,80}\b(?:does not exist|doesn't exist|not found|no such|could not be found|unknown (?:project|repository|issue|user|group|space|organization))\b[^.{}"\]]{0,60}/i;

export const anonymousRestrictedResource: Rule = {
  id: 'anonymous-restricted-resource',
  description: 'A 400 saying a resource does not exist, on a request with no credential (a hidden 401/403).',
  check(record) {
    const response = record.response;
    if (!response || response.status !== 400) return [];
    if (carriedCredentials(record.request).length > 0) return [];
    const text = bodyText(response.body);
    if (text === undefined) return [];
    const match = findMatch(text);
    if (!match) return [];
    const severity: Severity = match.strong ? 'error' : 'warn';
    const product = authProductHint(record);
    const named = match.resource && match.field ? `the ${match.field} "${match.resource}"` : match.field ? `the field ${match.field}` : 'a resource';
    const finding: Finding = {
      rule: 'anonymous-restricted-resource',
      severity,
      summary: `The server says ${named} does not exist, but the request carried no credential: treat it as a 401/403.`,
      explanation: [
        `The request had no Authorization header, cookie or API key, so the server checked it as the anonymous user.`,
        'APIs such as Jira report what an anonymous user may not see as not existing, instead of answering 401 or 403.',
        match.strong ? `So ${named} likely exists and is only hidden from anonymous callers.` : `So ${named} possibly exists and is only hidden from anonymous callers.`,
        `To confirm, replay with a credential: \`proxydoc replay ${record.seq} --header 'Authorization: ${product?.product === 'jira-data-center' ? 'Bearer <personal access token>' : 'Basic <base64 email:API token>'}'\`.`,
      ].join(' '),
      evidence: ['400 Bad Request', `body: ${clipText(match.sentence, 140)}`, 'no credential in the request', ...(product ? [product.evidence] : [])],
      nextSteps: [
        product ? `Send credentials and retry: ${product.expects}.` : 'Send credentials and retry.',
        'If it still fails with credentials, check that user can see the resource in the UI.',
      ],
    };
    return [finding];
  },
};

function findMatch(text: string): Match | undefined {
  const value = JIRA_VALUE_MISSING.exec(text);
  if (value) return { sentence: value[0], resource: value[1], field: value[2], strong: true };
  const field = JIRA_FIELD_UNKNOWN.exec(text);
  if (field) return { sentence: field[0], field: field[1], strong: true };
  const project = JIRA_PROJECT_REQUIRED.exec(text);
  if (project) return { sentence: project[0], field: 'project', strong: true };
  const generic = GENERIC_NOT_EXISTING.exec(text);
  if (generic) return { sentence: generic[0].trim(), strong: false };
  return undefined;
}
