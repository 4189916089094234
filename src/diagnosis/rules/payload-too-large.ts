/**
 * 413 Content Too Large (RFC 9110 §15.5.14), or a 400 whose body says the body is too large (some stacks answer
 * 400). We name the body size and who refused it when the page tells: nginx (client_max_body_size, default 1m per
 * the nginx docs), Express/body-parser (PayloadTooLargeError, default limit 100kb), or the API itself.
 * A Retry-After on a 413 means the condition is temporary (RFC 9110 §15.5.14).
 */
import type { Finding } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import { bodyText } from '../../model/body';
import { splitRawUrl } from '../../model/url';
import { errorBodySummary } from '../parsers/validation-errors';
import type { Rule } from '../rule';

const TOO_LARGE_TEXT =
  /request entity too large|payload too large|content too large|body (is )?too large|too large (request )?body|request body .{0,20}exceed|exceeds? the (maximum|max|limit)[^.]{0,40}(size|bytes)|maximum (allowed )?(upload|request|body|payload|file) size|file (is )?too large|PayloadTooLargeError/i;
const NGINX_DEFAULT_BYTES = 1024 * 1024;
const BODY_PARSER_DEFAULT_BYTES = 100 * 1024;

export const payloadTooLarge: Rule = {
  id: 'payload-too-large',
  description: '413 (or a 400 saying so): the request body size and how to send less (compression, batches, chunked upload).',
  check(record) {
    const response = record.response;
    if (!response) return [];
    const text = bodyText(response.body) ?? '';
    if (response.status !== 413 && !(response.status === 400 && TOO_LARGE_TEXT.test(text))) return [];
    const request = record.request;
    const method = request.method.toUpperCase();
    const path = splitRawUrl(request.url)?.path || '/';
    const size = request.body.size;
    const contentLength = headerValue(request.headers, 'content-length');
    const contentEncoding = headerValue(request.headers, 'content-encoding');
    const retryAfter = headerValue(response.headers, 'retry-after');
    const evidence = [`request body ${formatBytes(size)}`];
    if (contentLength !== undefined && Number(contentLength) !== size) evidence.push(`Content-Length: ${contentLength}`);
    if (contentEncoding !== undefined) evidence.push(`Content-Encoding: ${contentEncoding}`);
    if (retryAfter !== undefined) evidence.push(`Retry-After: ${retryAfter}`);

    const reasons: string[] = [`The server refused a ${formatBytes(size)} ${method} body as too large.`];
    const nginxPage = /<title>413 Request Entity Too Large<\/title>/i.test(text) && /<center>nginx/i.test(text);
    if (nginxPage) {
      evidence.push("the 413 is nginx's own page");
      reasons.push(
        "The 413 is nginx's page, so nginx in front of the API refused it before the API saw it: client_max_body_size" +
          (size > NGINX_DEFAULT_BYTES && size <= 2 * NGINX_DEFAULT_BYTES ? ' (the body is just over its 1 MB default)' : '') +
          ' is the setting to raise if you run that proxy.',
      );
    } else if (/PayloadTooLargeError|request entity too large/.test(text)) {
      reasons.push(
        "The wording is Express's body-parser (PayloadTooLargeError)" +
          (size > BODY_PARSER_DEFAULT_BYTES ? ', whose default limit is 100kb' : '') +
          '; the application sets the limit (express.json({ limit })).',
      );
    } else {
      const said = errorBodySummary(text);
      if (said) {
        evidence.push(`the server says "${said}"`);
      }
    }
    if (size === 0 && request.body.truncated === false) {
      reasons.push('The captured body is empty, so the limit possibly concerns something else (a declared Content-Length, the upload as a whole, or the headers).');
    }
    if (retryAfter !== undefined) reasons.push(`Retry-After: ${retryAfter} says the limit is temporary: retry after that delay.`);

    const finding: Finding = {
      rule: 'payload-too-large',
      severity: 'error',
      summary: `The ${method} ${path} body (${formatBytes(size)}) was refused as too large.`,
      explanation: reasons.join(' '),
      evidence,
      nextSteps: [
        'Send less per request: split the data into batches or paginate',
        contentEncoding === undefined
          ? 'Compress the body (Content-Encoding: gzip) if the API documents support for it'
          : 'The body is already compressed: split it instead',
        'For files, use the API\'s chunked/multipart or resumable upload endpoint',
        'If you operate the server or proxy, raise its body size limit',
      ],
    };
    return [finding];
  },
};

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
