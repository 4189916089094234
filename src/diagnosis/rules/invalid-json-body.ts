/**
 * A request body declared as JSON (application/json or any +json type, RFC 6839 §3.1) that does not parse.
 * The server's parser fails the same way, usually with a terse 400 that names neither line nor column; we give both
 * and a snippet. JSON sent over a network must be UTF-8 (RFC 8259 §8.1), so a non-UTF-8 body counts too.
 * Truncated captures are skipped: the missing tail could be what makes it valid.
 */
import type { ExchangeRecord, Finding } from '../../model/exchange';
import { headerValue, mediaType } from '../../model/headers';
import { bodyBytes, bodyText } from '../../model/body';
import { kindOfContentType, sniffBodyKind } from '../parsers/body-kind';
import { explainJsonError, firstInvalidUtf8Offset, parseJsonLocated } from '../parsers/json-locate';
import type { Rule } from '../rule';

/** Statuses a body parser answers with; an empty JSON body is only worth mentioning on these. */
const PARSE_FAILURE_STATUSES = new Set([400, 415, 422]);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const invalidJsonBody: Rule = {
  id: 'invalid-json-body',
  description: 'A request body declared as JSON does not parse: the error with its line, column and a snippet.',
  check(record) {
    const { request } = record;
    const contentType = headerValue(request.headers, 'content-type');
    if (kindOfContentType(contentType) !== 'json' || request.body.truncated) return [];
    const declared = mediaType(contentType) ?? 'application/json';
    const status = record.response?.status;
    const severity = status !== undefined && status >= 400 ? 'error' : 'warn';
    const outcome = status !== undefined ? `the server answered ${status}` : 'no response was received';

    if (request.body.size === 0) return emptyBody(record, declared);
    const text = bodyText(request.body);
    if (text === undefined) {
      const offset = firstInvalidUtf8Offset(bodyBytes(request.body));
      return [
        {
          rule: 'invalid-json-body',
          severity,
          summary: `The ${declared} request body is not valid UTF-8, so it is not valid JSON.`,
          explanation:
            'RFC 8259 §8.1 requires JSON exchanged between systems to be UTF-8; ' +
            (offset !== undefined
              ? `byte ${offset} starts an invalid sequence, typical of text encoded as Latin-1/Windows-1252 or UTF-16. `
              : 'the body contains bytes (such as NUL) that no JSON text has, possibly UTF-16 or a binary payload. ') +
            `The server's JSON parser likely rejected it (${outcome}).`,
          evidence: [
            `Content-Type: ${declared}`,
            offset !== undefined ? `invalid UTF-8 at byte ${offset}` : 'body captured as binary',
            `${request.body.size} bytes`,
          ],
          nextSteps: ['Encode the JSON text as UTF-8 before sending', 'If the payload is binary, send it with its own media type (e.g. application/octet-stream)'],
        },
      ];
    }
    // A JSON-labelled form, XML or multipart body is content-type-mismatch's case: it names the real format.
    const kind = sniffBodyKind(request.body);
    if (kind === 'form' || kind === 'xml' || kind === 'multipart') return [];

    const parsed = parseJsonLocated(text);
    if (parsed.ok) return [];
    const hint = explainJsonError(text, parsed.offset, parsed.message);
    const finding: Finding = {
      rule: 'invalid-json-body',
      severity,
      summary: `The ${declared} request body is not valid JSON: ${parsed.message} at line ${parsed.line}, column ${parsed.column}.`,
      explanation:
        `The body is declared as JSON but does not parse, so the server's JSON parser ${severity === 'error' ? 'likely rejected it' : 'may have misread it'} (${outcome}). ` +
        (hint ? `Likely cause: ${hint}. ` : '') +
        `The error is at line ${parsed.line}, column ${parsed.column}:\n${indent(parsed.snippet)}`,
      evidence: [
        `Content-Type: ${declared}`,
        `parse error at line ${parsed.line}, column ${parsed.column}: ${parsed.message}`,
        ...(hint ? [hint] : []),
      ],
      nextSteps: [
        'Build the body with a JSON serialiser (JSON.stringify, json.dumps, Jackson) instead of string templates',
        'Validate the exact body locally (e.g. pipe it through jq .) before sending',
      ],
    };
    return [finding];
  },
};

/** Fastify answers 400 FST_ERR_CTP_EMPTY_JSON_BODY; Express's json parser with strict mode and others reject "" too. */
function emptyBody(record: ExchangeRecord, declared: string): Finding[] {
  const status = record.response?.status;
  const method = record.request.method.toUpperCase();
  if (status === undefined || !PARSE_FAILURE_STATUSES.has(status) || !BODY_METHODS.has(method)) return [];
  return [
    {
      rule: 'invalid-json-body',
      severity: 'warn',
      summary: `The ${method} request declared ${declared} but sent an empty body.`,
      explanation:
        `An empty body is not a JSON text, and some servers reject it when the Content-Type promises JSON (Fastify answers 400 "Body cannot be empty when content-type is set to 'application/json'"). ` +
        `This possibly explains the ${status}. To confirm, send {} or drop the Content-Type header when there is nothing to send.`,
      evidence: [`Content-Type: ${declared}`, 'request body is empty'],
      nextSteps: ['Send a JSON body ({} if the API needs none), or omit Content-Type on requests without a body'],
    },
  ];
}

function indent(snippet: string): string {
  return snippet
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
