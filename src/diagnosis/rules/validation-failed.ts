/**
 * 400/422 whose body lists field errors: the server parsed the request and refused its content. We flatten the
 * errors (GitLab, Grape, Jira, JSON:API, RFC 9457 problem details, …) and, for each field, say whether the request
 * actually carried it — "title not given" while the body has "Title" or {"issue":{"title":…}} is the usual story.
 * Values are never shown: field names only.
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import { bodyText } from '../../model/body';
import { rawQueryParams, safeDecode, splitRawUrl } from '../../model/url';
import { kindOfContentType } from '../parsers/body-kind';
import { parseJsonLocated } from '../parsers/json-locate';
import { validationErrorsFromText, type FieldError } from '../parsers/validation-errors';
import type { Rule } from '../rule';

const MAX_LISTED = 10;
/** GitLab's spam check answers 400 with message.error; spam-or-captcha explains those. */
const SPAM_BODY = /needs_captcha_response|recogni[sz]ed as spam|spam detected/i;

export const validationFailed: Rule = {
  id: 'validation-failed',
  description: 'A 400/422 whose body lists field errors: each field and its message, and whether the request carried it.',
  check(record) {
    const response = record.response;
    if (!response || (response.status !== 400 && response.status !== 422)) return [];
    const text = bodyText(response.body);
    if (text === undefined || SPAM_BODY.test(text)) return [];
    const errors = validationErrorsFromText(text);
    const fieldErrors = errors.filter((e) => e.field !== undefined);
    // 422 means "understood but invalid" (RFC 9110 §15.5.21), so whole-request messages count there; on a 400
    // only named fields show it is a validation failure rather than some other bad request.
    if (fieldErrors.length === 0 && !(response.status === 422 && errors.length > 0)) return [];

    const sent = requestFieldNames(record);
    const listed = errors.slice(0, MAX_LISTED);
    const evidence = listed.map((e) => describe(e, sent));
    if (errors.length > MAX_LISTED) evidence.push(`and ${errors.length - MAX_LISTED} more`);

    const notSent = fieldErrors.filter((e) => sent && lookup(e.field as string, sent).kind === 'absent');
    const misnamed: Array<{ field: string; sentAs: string }> = [];
    for (const e of fieldErrors) {
      const match = sent ? lookup(e.field as string, sent) : undefined;
      if (match?.kind === 'variant') misnamed.push({ field: e.field as string, sentAs: match.name });
    }
    const contentType = headerValue(record.request.headers, 'content-type');
    const bodyParsable = kindOfContentType(contentType) === 'json' || kindOfContentType(contentType) === 'form';

    const reasons: string[] = [
      `The server parsed the request and rejected its content (${response.status}); fixing the listed ${fieldErrors.length > 0 ? 'fields' : 'problems'} should make it pass.`,
    ];
    if (misnamed.length > 0) {
      reasons.push(
        `Likely a naming mismatch: ${misnamed.map((m) => `"${m.field}" was sent as "${m.sentAs}"`).join(', ')}; field names are case-sensitive and must be at the level the API expects.`,
      );
    }
    if (notSent.length > 0 && sent) {
      reasons.push(`${notSent.map((e) => `"${e.field}"`).join(', ')} ${notSent.length === 1 ? 'was' : 'were'} not in the request at all.`);
      if (record.request.body.size > 0 && !bodyParsable) {
        reasons.push(
          `The body was sent as ${contentType ?? 'no Content-Type'}, so the server possibly did not parse it and saw every field as missing.`,
        );
      }
    }

    const first = summarise(errors);
    const finding: Finding = {
      rule: 'validation-failed',
      severity: 'error',
      summary: `The API rejected the request's content: ${first}.`,
      explanation: reasons.join(' '),
      evidence,
      nextSteps: [
        'Correct the listed fields (names, required values, formats) and send the request again',
        "Compare the field names and nesting with the API's documentation for this endpoint",
      ],
    };
    return [finding];
  },
};

function summarise(errors: readonly FieldError[]): string {
  const shown = errors.slice(0, 3).map((e) => (e.field ? `${e.field} ${e.message}` : e.message));
  const rest = errors.length > 3 ? ` and ${errors.length - 3} more` : '';
  return `${shown.join('; ')}${rest}`.replace(/[.\s]+$/, '');
}

function describe(error: FieldError, sent: Set<string> | undefined): string {
  if (!error.field) return error.message;
  const base = `${error.field}: ${error.message}`;
  if (!sent) return base;
  const match = lookup(error.field, sent);
  if (match.kind === 'sent') return `${base} (sent)`;
  if (match.kind === 'variant') return `${base} (sent as "${match.name}")`;
  return `${base} (not in the request)`;
}

type Lookup = { kind: 'sent' } | { kind: 'variant'; name: string } | { kind: 'absent' };

/** Whether a field the server names was in the request: exactly, as a case/underscore/nesting variant, or not. */
function lookup(field: string, sent: Set<string>): Lookup {
  // Grape names several fields in one message ("assignee_id, assignee_ids").
  const names = field.split(/,\s*/);
  // A nested error ("labels.name") is about a value that was sent when any ancestor ("labels") was.
  const sentOrAncestor = (name: string): boolean => {
    const parts = name.replace(/\[(\w*)\]/g, '.$1').split('.');
    return parts.some((_, i) => sent.has(parts.slice(0, i + 1).join('.'))) || sent.has(name);
  };
  if (names.some(sentOrAncestor)) return { kind: 'sent' };
  const normalise = (name: string): string => name.toLowerCase().replace(/[-_\s]/g, '');
  for (const name of names) {
    const wanted = normalise(name);
    const leaf = normalise(name.split('.').pop() ?? name);
    for (const candidate of sent) {
      const normalised = normalise(candidate);
      if (normalised === wanted || normalised.split('.').pop() === leaf) return { kind: 'variant', name: candidate };
    }
  }
  return { kind: 'absent' };
}

/**
 * Dotted names of the fields the request carried (JSON members to depth 4, form and query parameters), or
 * undefined when the body could not be read (truncated or binary) — then we cannot say what was missing.
 */
function requestFieldNames(record: ExchangeRecord): Set<string> | undefined {
  const names = new Set<string>();
  const query = splitRawUrl(record.request.url)?.query;
  for (const [name] of rawQueryParams(query)) addFormName(names, safeDecode(name));
  const body = record.request.body;
  if (body.size === 0) return names;
  const text = bodyText(body);
  if (text === undefined || body.truncated) return undefined;
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const parsed = parseJsonLocated(trimmed);
    if (!parsed.ok) return undefined;
    addJsonNames(names, parsed.value, '', 0);
    return names;
  }
  if (/^[^=&\s]+=/.test(trimmed)) {
    for (const [name] of rawQueryParams(trimmed)) addFormName(names, safeDecode(name));
    return names;
  }
  return undefined;
}

function addFormName(names: Set<string>, name: string): void {
  // Rails/PHP-style nesting: issue[title] → issue.title; labels[] → labels.
  const dotted = name.replace(/\[\]$/, '').replace(/\[([^\]]*)\]/g, '.$1');
  names.add(dotted);
  names.add(name);
}

function addJsonNames(names: Set<string>, value: unknown, prefix: string, depth: number): void {
  if (depth > 4 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.slice(0, 20).forEach((item, index) => addJsonNames(names, item, prefix ? `${prefix}.${index}` : String(index), depth + 1));
    return;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${key}` : key;
    names.add(name);
    addJsonNames(names, child, name, depth + 1);
  }
}
