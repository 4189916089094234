/**
 * The declared Content-Type does not describe the body, or the server answered 415 Unsupported Media Type.
 *
 * The classic mix-ups: a JSON body labelled application/x-www-form-urlencoded (curl -d sets that type by default),
 * form fields labelled application/json, fetch() sending JSON.stringify() output as text/plain;charset=UTF-8 when no
 * header is given, and multipart/form-data set by hand without the boundary parameter the body needs
 * (RFC 7578 §4.1). For 415 (RFC 9110 §15.5.16) the server may say what it accepts: Accept-Post (W3C LDP §7.1) or
 * Accept-Patch (RFC 5789 §3.1).
 */
import type { Finding, RecordedResponse } from '../../model/exchange';
import { headerValue, headerValues, mediaType } from '../../model/headers';
import { bodyText } from '../../model/body';
import {
  BODY_KIND_NAMES,
  kindOfContentType,
  multipartBoundaryOf,
  sniffBodyKind,
  suggestedContentType,
  type BodyKind,
} from '../parsers/body-kind';
import { errorBodySummary } from '../parsers/validation-errors';
import type { Rule } from '../rule';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Declared/actual pairs that are certainly wrong, whatever the status. */
const STRUCTURED: ReadonlySet<BodyKind> = new Set(['json', 'form', 'xml', 'multipart']);

export const contentTypeMismatch: Rule = {
  id: 'content-type-mismatch',
  description: "The declared Content-Type does not match the body (JSON vs form, missing multipart boundary), or a 415.",
  check(record) {
    const { request, response } = record;
    const declaredHeader = headerValue(request.headers, 'content-type');
    const declaredType = mediaType(declaredHeader);
    const declaredKind = kindOfContentType(declaredHeader);
    const actualKind = sniffBodyKind(request.body);
    const status = response?.status;
    const failed = status !== undefined && status >= 400;
    const method = request.method.toUpperCase();

    const problem = describeMismatch(declaredHeader, declaredKind, actualKind, bodyText(request.body), failed);
    if (response && status === 415) {
      // missing-content-type explains a body sent with no header at all.
      if (declaredType === undefined && BODY_METHODS.has(method) && request.body.size > 0) return [];
      return [unsupported(record.seq, method, declaredType, actualKind, problem, response)];
    }
    if (!problem || status === undefined) return [];
    if (!failed && (status < 200 || status >= 300)) return [];

    const finding: Finding = {
      rule: 'content-type-mismatch',
      severity: failed ? 'error' : 'warn',
      summary: `${problem.summary}.`,
      explanation:
        (failed
          ? `The server parses the body by its declared type, so it likely could not read the ${BODY_KIND_NAMES[actualKind]} it got and the fields looked missing or malformed (this ${status}). `
          : `The server answered ${status}, but it parsed the body as ${declaredType ?? 'its declared type'} and may have ignored some or all fields; check the resulting resource. `) +
        problem.detail +
        (problem.fix ? ` To confirm: proxydoc replay ${record.seq} --header 'Content-Type: ${problem.fix}'.` : ''),
      evidence: problem.evidence,
      nextSteps: problem.fix
        ? [`Send Content-Type: ${problem.fix}`, ...problem.nextSteps]
        : problem.nextSteps,
    };
    return [finding];
  },
};

interface Mismatch {
  summary: string;
  detail: string;
  evidence: string[];
  fix?: string;
  nextSteps: string[];
}

function describeMismatch(
  declaredHeader: string | undefined,
  declaredKind: BodyKind | undefined,
  actualKind: BodyKind,
  text: string | undefined,
  failed: boolean,
): Mismatch | undefined {
  const declaredType = mediaType(declaredHeader);
  if (declaredHeader === undefined || declaredType === undefined || declaredKind === undefined) return undefined;
  const declared = `Content-Type: ${declaredType}`;
  if (declaredKind === 'multipart' && declaredType === 'multipart/form-data') {
    const bodyBoundary = multipartBoundaryOf(text);
    const headerBoundary = /;\s*boundary="?([^";]+)"?/i.exec(declaredHeader)?.[1]?.trim();
    if (actualKind === 'multipart' && headerBoundary === undefined) {
      return {
        summary: 'The multipart/form-data Content-Type has no boundary parameter',
        detail:
          'RFC 7578 §4.1 requires the boundary in the header; without it the server cannot split the parts. This happens when the header is set by hand — let the HTTP client (FormData, requests files=, curl -F) set it.',
        evidence: [`${declared} without boundary=`, `body uses boundary ${bodyBoundary ?? '(unknown)'}`],
        fix: suggestedContentType('multipart', bodyBoundary),
        nextSteps: ['Remove the hand-written Content-Type and let the client library generate it with the boundary'],
      };
    }
    if (actualKind === 'multipart' && bodyBoundary !== undefined && headerBoundary !== undefined && bodyBoundary !== headerBoundary) {
      return {
        summary: 'The multipart boundary in Content-Type differs from the one the body uses',
        detail: 'The server looks for the header\'s boundary and finds no parts (RFC 7578 §4.1).',
        evidence: [`header boundary ${headerBoundary}`, `body boundary ${bodyBoundary}`],
        fix: suggestedContentType('multipart', bodyBoundary),
        nextSteps: ['Let the client library generate both the header and the body'],
      };
    }
  }
  if (declaredKind === actualKind || actualKind === 'empty' || actualKind === 'binary') return undefined;
  const actualName = BODY_KIND_NAMES[actualKind];
  // fetch()/undici label a string body text/plain;charset=UTF-8 when no header is given; many APIs reject it.
  if (declaredKind === 'text' && actualKind === 'json' && failed) {
    return {
      summary: `The body is JSON but was declared as ${declaredType}`,
      detail:
        'fetch() and undici label a string body text/plain;charset=UTF-8 when no Content-Type is given, which is the usual way this happens; most JSON APIs do not parse text/plain.',
      evidence: [declared, 'body is JSON'],
      fix: 'application/json',
      nextSteps: ["Set headers: { 'Content-Type': 'application/json' } alongside body: JSON.stringify(…)"],
    };
  }
  if (!STRUCTURED.has(declaredKind) || !STRUCTURED.has(actualKind)) return undefined;
  const hint =
    declaredKind === 'form' && actualKind === 'json'
      ? 'curl -d/--data sends application/x-www-form-urlencoded by default; use curl --json (or -H \'Content-Type: application/json\').'
      : declaredKind === 'json' && actualKind === 'form'
        ? 'The body was form-encoded (e.g. requests data= or URLSearchParams) while the header says JSON; send json= / JSON.stringify() or change the header to match the body.'
        : 'Make the header describe the body the client actually sends.';
  return {
    summary: `The body is ${actualName} but was declared as ${declaredType}`,
    detail: hint,
    evidence: [declared, `body looks like ${actualName}`],
    fix: suggestedContentType(actualKind, multipartBoundaryOf(text)),
    nextSteps: ['Decide which format the API documents and make the header and the body agree'],
  };
}

function unsupported(
  seq: number,
  method: string,
  declaredType: string | undefined,
  actualKind: BodyKind,
  problem: Mismatch | undefined,
  response: RecordedResponse,
): Finding {
  const accepted = [
    ...headerValues(response.headers, 'accept-post').map((v) => ['Accept-Post', v] as const),
    ...headerValues(response.headers, 'accept-patch').map((v) => ['Accept-Patch', v] as const),
  ];
  const acceptEncoding = headerValue(response.headers, 'accept-encoding');
  const evidence = [declaredType ? `Content-Type: ${declaredType}` : 'no Content-Type header'];
  if (actualKind !== 'empty') evidence.push(`body looks like ${BODY_KIND_NAMES[actualKind]}`);
  else evidence.push('empty body');
  for (const [name, value] of accepted) evidence.push(`${name}: ${value}`);
  if (acceptEncoding !== undefined) evidence.push(`Accept-Encoding: ${acceptEncoding}`);
  const said = errorBodySummary(bodyText(response.body));
  if (said) evidence.push(`the server says "${said}"`);

  const parts: string[] = [
    `415 Unsupported Media Type means the server will not process a ${method} body of ${declaredType ?? 'unstated type'} on this endpoint (RFC 9110 §15.5.16).`,
  ];
  if (problem) parts.push(`The header also does not match the body: ${problem.summary.charAt(0).toLowerCase()}${problem.summary.slice(1)}. ${problem.detail}`);
  if (accepted.length > 0) parts.push(`The server lists what it accepts: ${accepted.map(([n, v]) => `${n}: ${v}`).join('; ')}.`);
  if (acceptEncoding !== undefined) parts.push(`It names Accept-Encoding: ${acceptEncoding}, so the request's Content-Encoding may be the problem rather than the type.`);
  if (declaredType === undefined) parts.push('The request had no Content-Type at all; some servers (Spring, ASP.NET) answer 415 for that even on an empty body.');
  const fix = problem?.fix ?? firstAccepted(accepted.map(([, v]) => v)) ?? (actualKind === 'json' || actualKind === 'empty' ? 'application/json' : undefined);
  if (fix) parts.push(`To confirm: proxydoc replay ${seq} --header 'Content-Type: ${fix}'.`);

  return {
    rule: 'content-type-mismatch',
    severity: 'error',
    summary: `The server refused the ${method} body as ${declaredType ?? 'having no Content-Type'} (415 Unsupported Media Type).`,
    explanation: parts.join(' '),
    evidence,
    nextSteps: [
      fix ? `Send the body as ${fix} with a matching Content-Type` : 'Send the body in a media type the API documents for this endpoint',
      'Check the endpoint\'s documentation for its request format (JSON, form, multipart upload)',
    ],
  };
}

function firstAccepted(values: readonly string[]): string | undefined {
  for (const value of values) {
    const first = mediaType(value.split(',')[0]);
    if (first && !first.includes('*')) return first;
  }
  return undefined;
}
