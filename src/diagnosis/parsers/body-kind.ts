/**
 * What a captured body looks like, independent of what its Content-Type claims. Pure, never throws.
 * Used to tell the user which Content-Type a body needs (missing-content-type) or that the declared type
 * does not match the bytes (content-type-mismatch).
 */
import type { CapturedBody } from '../../model/exchange';
import { mediaType } from '../../model/headers';
import { parseJsonCached } from './json-cache';

export type BodyKind = 'json' | 'form' | 'xml' | 'multipart' | 'text' | 'binary' | 'empty';

/** Human names for findings ("the body looks like JSON"). */
export const BODY_KIND_NAMES: Record<BodyKind, string> = {
  json: 'JSON',
  form: 'form-encoded (name=value&…)',
  xml: 'XML',
  multipart: 'multipart form data',
  text: 'plain text',
  binary: 'binary data',
  empty: 'empty',
};

/** The Content-Type value to send for a body of this kind. */
export function suggestedContentType(kind: BodyKind, multipartBoundary?: string): string | undefined {
  switch (kind) {
    case 'json':
      return 'application/json';
    case 'form':
      return 'application/x-www-form-urlencoded';
    case 'xml':
      return 'application/xml';
    case 'multipart':
      return `multipart/form-data; boundary=${multipartBoundary ?? '<the boundary used in the body>'}`;
    case 'text':
      return 'text/plain; charset=utf-8';
    case 'binary':
      return 'application/octet-stream';
    case 'empty':
      return undefined;
  }
}

/** The kind a declared Content-Type promises, or undefined for types we do not classify (e.g. image/png). */
export function kindOfContentType(contentType: string | undefined): BodyKind | undefined {
  const type = mediaType(contentType);
  if (type === undefined) return undefined;
  // RFC 6839 §3.1: "+json" structured syntax suffix; §3.2 "+xml".
  if (type === 'application/json' || type.endsWith('+json') || type === 'text/json') return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type.startsWith('multipart/')) return 'multipart';
  if (type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')) return 'xml';
  if (type.startsWith('text/')) return 'text';
  if (type === 'application/octet-stream') return 'binary';
  return undefined;
}

/** Classifies a captured body. A truncated body is judged by its captured prefix. */
export function sniffBodyKind(body: CapturedBody | undefined): BodyKind {
  if (!body || body.size === 0) return 'empty';
  if (body.text === undefined) return body.base64 !== undefined ? 'binary' : 'empty';
  return sniffTextKind(body.text, body.truncated);
}

const MULTIPART_START = /^--([^\r\n]{1,70})\r?\n/;
// application/x-www-form-urlencoded (WHATWG URL §5): name=value pairs joined by '&', spaces as '+', no raw whitespace.
const FORM_BODY = /^[^=&\s{}<>"]+=[^&\s]*(&[^=&\s]+(=[^&\s]*)?)*&?$/;
const XML_START = /^<(\?xml[\s?]|[A-Za-z_][\w:.-]*[\s/>]|!--|!DOCTYPE\s)/i;

/** Classifies body text; `truncated` relaxes checks that need the end of the body. */
export function sniffTextKind(text: string, truncated = false): BodyKind {
  if (text.length === 0) return 'empty';
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return 'text';
  if (looksLikeJson(trimmed, truncated)) return 'json';
  if (XML_START.test(trimmed)) return 'xml';
  const multipart = MULTIPART_START.exec(text);
  if (multipart && /content-disposition\s*:/i.test(text)) return 'multipart';
  if (FORM_BODY.test(trimmed)) return 'form';
  return 'text';
}

/** The boundary a multipart body actually uses (its first delimiter line), when it is one. */
export function multipartBoundaryOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const match = MULTIPART_START.exec(text);
  return match ? match[1].trimEnd() : undefined;
}

function looksLikeJson(trimmed: string, truncated: boolean): boolean {
  const first = trimmed[0];
  if (first !== '{' && first !== '[') return false;
  if (parseJsonCached(trimmed).ok) return true;
  // Broken JSON still "looks like" JSON when it opens like an object or array of JSON values;
  // a truncated prefix cannot parse by construction.
  const opening = first === '{' ? /^\{\s*("|'|\}|[A-Za-z_$][\w$]*\s*:)/ : /^\[\s*([{["'\d\]-]|true|false|null)/;
  return opening.test(trimmed) || (truncated && trimmed.length > 1);
}
