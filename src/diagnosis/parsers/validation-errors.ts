/**
 * Flattens the many shapes APIs use for validation errors into `[{ field?, message }]`. Pure, never throws.
 *
 * Shapes handled (all seen in the wild):
 * - GitLab (Rails model errors): {"message":{"title":["can't be blank"],"labels":{"name":["is invalid"]}}}
 * - GitLab (Grape params): {"message":"400 (Bad request) \"title\" not given"}, {"error":"title is missing"}
 * - {"errors":[…]} with strings, {field,message}, {path,message}, GitHub {field,code}, JSON:API {source:{pointer},detail}
 * - Rails/Laravel/ASP.NET {"errors":{"title":["…"]}}
 * - Jira {"errorMessages":["…"],"errors":{"summary":"You must specify a summary of the issue."}}
 * - RFC 9457 problem details: title/detail, with `errors` or RFC 7807's `invalid-params` [{name, reason}] extension
 * - FastAPI/Pydantic {"detail":[{"loc":["body","title"],"msg":"field required"}]}
 * - Google APIs {"error":{"message":…,"details":[{"fieldViolations":[{"field","description"}]}]}}
 */
import { parseJsonLocated } from './json-locate';

export interface FieldError {
  /** Dotted path of the offending field ("labels.name"), absent for errors about the request as a whole. */
  field?: string;
  message: string;
}

const MAX_ERRORS = 50;
const MAX_MESSAGE_LENGTH = 200;
const MAX_DEPTH = 8;
/** Keys Rails-style error objects use for "the record as a whole" rather than a field (GitLab: message.error, base). */
const WHOLE_RECORD_KEYS = new Set(['base', 'error', '_error', '__all__', 'non_field_errors', '']);
const MESSAGE_KEYS = ['message', 'msg', 'detail', 'description', 'reason', 'title', 'error_description', 'error'];
const FIELD_KEYS = ['field', 'path', 'param', 'parameter', 'property', 'propertyPath', 'name', 'key', 'loc', 'attribute', 'pointer'];

/** Flattens errors from a response body's text; [] when it is not JSON or holds no recognisable errors. */
export function validationErrorsFromText(text: string | undefined): FieldError[] {
  if (text === undefined) return [];
  const parsed = parseJsonLocated(text.trim());
  return parsed.ok ? flattenValidationErrors(parsed.value) : [];
}

/** Flattens errors from an already-parsed JSON body. */
export function flattenValidationErrors(body: unknown): FieldError[] {
  const out: FieldError[] = [];
  try {
    collectTopLevel(body, out);
  } catch {
    // Defensive only: every branch below is guarded; a hostile structure must never break a diagnosis.
  }
  return dedupe(out).slice(0, MAX_ERRORS);
}

/** "title: can't be blank; labels.name: is invalid" — for one-line summaries of short error bodies. */
export function formatFieldErrors(errors: readonly FieldError[], max = 5): string {
  const shown = errors.slice(0, max).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
  const more = errors.length > max ? ` (and ${errors.length - max} more)` : '';
  return shown.join('; ') + more;
}

/**
 * What a short error body says, in one line: the flattened errors, else a top-level message, else short plain text.
 * Undefined for HTML pages, long bodies and empty ones.
 */
export function errorBodySummary(text: string | undefined, maxLength = 200): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const parsed = parseJsonLocated(trimmed);
  let summary: string | undefined;
  if (parsed.ok) {
    const errors = flattenValidationErrors(parsed.value);
    if (errors.length > 0) summary = formatFieldErrors(errors, 3);
    else if (isObject(parsed.value)) summary = firstString(parsed.value, MESSAGE_KEYS);
  } else if (!/^\s*</.test(trimmed) && trimmed.length <= maxLength * 2) {
    summary = trimmed.replace(/\s+/g, ' ');
  }
  // One line whatever the body held: a message or a field name may contain line breaks.
  summary = summary?.replace(/\s+/g, ' ').trim();
  if (summary === undefined || summary === '') return undefined;
  return summary.length > maxLength ? `${summary.slice(0, maxLength - 1)}…` : summary;
}

function collectTopLevel(body: unknown, out: FieldError[]): void {
  if (Array.isArray(body)) {
    collectList(body, out, 0);
    return;
  }
  if (!isObject(body)) return;
  const before = out.length;

  // Jira: errorMessages (whole request) + errors (field → message).
  if (Array.isArray(body.errorMessages)) {
    for (const m of body.errorMessages) if (typeof m === 'string' && m.trim() !== '') push(out, undefined, m);
  }
  if (Array.isArray(body.errors)) collectList(body.errors, out, 0);
  else if (isObject(body.errors)) collectFieldMap(body.errors, undefined, out, 0);
  else if (typeof body.errors === 'string') pushSentence(out, body.errors);
  // RFC 7807 §3 example extension.
  if (Array.isArray(body['invalid-params'])) collectList(body['invalid-params'], out, 0);
  if (Array.isArray(body.invalid_params)) collectList(body.invalid_params, out, 0);
  if (Array.isArray(body.violations)) collectList(body.violations, out, 0);
  // FastAPI / Pydantic: detail is a list of {loc, msg}.
  if (Array.isArray(body.detail)) collectList(body.detail, out, 0);
  if (out.length > before) return;

  // GitLab: message is either a field map or a Grape sentence.
  if (isObject(body.message)) {
    collectFieldMap(body.message, undefined, out, 0);
    return;
  }
  if (typeof body.message === 'string' && pushGitLabMessage(out, body.message)) return;

  // Google APIs / nested error objects.
  if (isObject(body.error)) {
    collectTopLevel(body.error, out);
    if (out.length > before) return;
  }
  if (Array.isArray(body.details)) {
    for (const detail of body.details) {
      if (isObject(detail) && Array.isArray(detail.fieldViolations)) collectList(detail.fieldViolations, out, 0);
    }
    if (out.length > before) return;
  }

  // Grape: {"error":"title is missing, labels is invalid"}; an OAuth-style code ("invalid_grant") is not one.
  if (typeof body.error === 'string' && !/^[A-Za-z_.-]+$/.test(body.error.trim())) {
    pushSentence(out, body.error);
    return;
  }
  // RFC 9457 problem details without an errors extension: the detail (or title) is the whole-request message.
  if (typeof body.detail === 'string' && body.detail.trim() !== '') push(out, undefined, body.detail);
  else if (typeof body.message === 'string' && body.message.trim() !== '') push(out, undefined, body.message);
  else if (isProblem(body) && typeof body.title === 'string') push(out, undefined, body.title);
}

/** A list of errors: strings or objects naming a field in one of the usual ways. */
function collectList(list: readonly unknown[], out: FieldError[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (const item of list) {
    if (out.length >= MAX_ERRORS) return;
    if (typeof item === 'string') pushSentence(out, item);
    else if (isObject(item)) collectErrorObject(item, out, depth + 1);
  }
}

function collectErrorObject(item: Record<string, unknown>, out: FieldError[], depth: number): void {
  // class-validator: {property, constraints: {rule: message}}
  if (isObject(item.constraints)) {
    const field = typeof item.property === 'string' ? item.property : undefined;
    for (const value of Object.values(item.constraints)) if (typeof value === 'string') push(out, field, value);
    if (Array.isArray(item.children)) collectList(item.children, out, depth + 1);
    return;
  }
  const field = fieldOf(item);
  let message = firstString(item, MESSAGE_KEYS);
  // GitHub: {"resource":"Issue","field":"title","code":"missing_field"}.
  if (message === undefined && typeof item.code === 'string') message = item.code.replace(/_/g, ' ');
  if (message === undefined) {
    if (Array.isArray(item.messages)) {
      for (const m of item.messages) if (typeof m === 'string') push(out, field, m);
    }
    return;
  }
  push(out, field, message);
}

/** Rails-style { field: ["msg", …] | "msg" | { nested: [...] } }. */
function collectFieldMap(map: Record<string, unknown>, prefix: string | undefined, out: FieldError[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (const [key, value] of Object.entries(map)) {
    if (out.length >= MAX_ERRORS) return;
    const whole = WHOLE_RECORD_KEYS.has(key) && prefix === undefined;
    const field = whole ? undefined : prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') push(out, field, value);
    else if (Array.isArray(value)) {
      for (const entry of value) {
        if (typeof entry === 'string') push(out, field, entry);
        else if (isObject(entry)) {
          const message = firstString(entry, MESSAGE_KEYS);
          if (message !== undefined) push(out, fieldOf(entry) ?? field, message);
          else collectFieldMap(entry, field, out, depth + 1);
        }
      }
    } else if (isObject(value)) collectFieldMap(value, field, out, depth + 1);
  }
}

/** GitLab Grape: `400 (Bad request) "title" not given`, `"labels" is invalid`. True when it found one. */
function pushGitLabMessage(out: FieldError[], message: string): boolean {
  const withoutStatus = message.replace(/^\d{3}\s+(\(Bad request\)|Bad request\s*-?)\s*/i, '');
  const quoted = /^"([^"]+)"\s+(.+)$/s.exec(withoutStatus);
  if (quoted) {
    push(out, quoted[1], quoted[2]);
    return true;
  }
  return false;
}

// Grape's parameter names are lower-case identifiers, which keeps "Token is expired" from reading as a field.
const FIELD_SENTENCE = /^([a-z_][a-z0-9_.[\]-]*(?:,\s*[a-z_][a-z0-9_.[\]-]*)*)\s+((?:is|are|does|do|must|has|have|should|cannot|can't|can|was|were|not|length|exceeds|contains)\b.*)$/s;

/** Grape joins messages with ", ": "title is missing, labels is invalid" → two field errors. */
function pushSentence(out: FieldError[], sentence: string): void {
  const parts = sentence.split(/,\s+/);
  const merged: string[] = [];
  let pending = '';
  for (const part of parts) {
    const candidate = pending ? `${pending}, ${part}` : part;
    // "assignee_id, assignee_ids are mutually exclusive": a bare name joins the next part.
    if (/^[a-z_][a-z0-9_.[\]-]*$/.test(part.trim())) pending = candidate;
    else {
      merged.push(candidate);
      pending = '';
    }
  }
  if (pending) merged.push(pending);
  const allFieldShaped = merged.every((part) => FIELD_SENTENCE.test(part.trim()));
  if (!allFieldShaped) {
    push(out, undefined, sentence);
    return;
  }
  for (const part of merged) {
    const match = FIELD_SENTENCE.exec(part.trim());
    if (match) push(out, match[1], match[2]);
  }
}

function fieldOf(item: Record<string, unknown>): string | undefined {
  // JSON:API §7 error objects: source.pointer (RFC 6901) or source.parameter.
  if (isObject(item.source)) {
    if (typeof item.source.pointer === 'string') return pointerToField(item.source.pointer);
    if (typeof item.source.parameter === 'string') return item.source.parameter;
  }
  for (const key of FIELD_KEYS) {
    const value = item[key];
    if (typeof value === 'string' && value.trim() !== '') {
      // {"name":"ValidationError",…} names the error class, not a field.
      if (key === 'name' && /(Error|Exception)$/.test(value)) continue;
      return key === 'pointer' || value.startsWith('/') || value.startsWith('#/') ? pointerToField(value) : value.replace(/^\$\./, '');
    }
    if (Array.isArray(value) && value.length > 0 && value.every((p) => typeof p === 'string' || typeof p === 'number')) {
      // Pydantic's loc starts with where the value came from ("body", "query").
      const parts = value.map(String);
      if (key === 'loc' && parts.length > 1 && ['body', 'query', 'path', 'header'].includes(parts[0])) parts.shift();
      return parts.join('.');
    }
  }
  return undefined;
}

/** "/data/attributes/title" → "title"; "/items/0/name" → "items.0.name" (RFC 6901 unescaping). */
function pointerToField(pointer: string): string | undefined {
  const path = pointer.replace(/^#/, '').replace(/^\/data\/(attributes|relationships)\//, '/');
  const parts = path.split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.length > 0 ? parts.join('.') : undefined;
}

function isProblem(body: Record<string, unknown>): boolean {
  return typeof body.title === 'string' && (typeof body.status === 'number' || typeof body.type === 'string');
}

function firstString(item: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = item[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

function push(out: FieldError[], field: string | undefined, message: string): void {
  if (out.length >= MAX_ERRORS) return;
  let text = message.replace(/\s+/g, ' ').trim();
  if (text === '') return;
  if (text.length > MAX_MESSAGE_LENGTH) text = `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
  out.push(field !== undefined && field.trim() !== '' ? { field: field.trim(), message: text } : { message: text });
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field ?? ''}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
