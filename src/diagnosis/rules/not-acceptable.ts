/**
 * 406 Not Acceptable (RFC 9110 §15.5.7): the server has no representation matching the request's Accept,
 * Accept-Language or Accept-Charset. When the client sent no Accept (or only *\/*), content negotiation cannot be
 * the reason — then the 406 is more likely a web application firewall's block page (ModSecurity is commonly
 * configured to deny with 406).
 */
import type { Finding } from '../../model/exchange';
import { headerValue, mediaType } from '../../model/headers';
import { bodyText } from '../../model/body';
import { splitRawUrl } from '../../model/url';
import { errorBodySummary } from '../parsers/validation-errors';
import type { Rule } from '../rule';

export const notAcceptable: Rule = {
  id: 'not-acceptable',
  description: '406: the Accept header sent and what the server can produce; suggests application/json.',
  check(record) {
    const response = record.response;
    if (!response || response.status !== 406) return [];
    const accept = headerValue(record.request.headers, 'accept');
    const language = headerValue(record.request.headers, 'accept-language');
    const charset = headerValue(record.request.headers, 'accept-charset');
    const path = splitRawUrl(record.request.url)?.path || '/';
    const anything = accept === undefined || accept.split(',').every((part) => mediaType(part) === '*/*');
    const evidence = [accept !== undefined ? `Accept: ${accept}` : 'no Accept header'];
    if (language !== undefined) evidence.push(`Accept-Language: ${language}`);
    if (charset !== undefined) evidence.push(`Accept-Charset: ${charset}`);
    const producedType = mediaType(headerValue(response.headers, 'content-type'));
    const said = errorBodySummary(bodyText(response.body));
    if (said) evidence.push(`the server says "${said}"`);

    let explanation: string;
    if (anything && language === undefined && charset === undefined) {
      explanation =
        `The request accepted any media type${accept === undefined ? ' (no Accept header)' : ''}, so content negotiation is unlikely to be the cause. ` +
        'A 406 like this is possibly a web application firewall (e.g. ModSecurity) blocking the request; check the body for a block page or incident id and ask the site\'s operators. ' +
        `To test negotiation anyway: proxydoc replay ${record.seq} --header 'Accept: application/json'.`;
    } else {
      explanation =
        `The server cannot produce ${path} in any type the Accept header allows (RFC 9110 §12.5.1), so it refused with 406. ` +
        'JSON APIs usually want Accept: application/json (some a vendor type, e.g. GitHub\'s application/vnd.github+json). ' +
        (language !== undefined || charset !== undefined ? 'Accept-Language/Accept-Charset narrow the choice too. ' : '') +
        `To confirm: proxydoc replay ${record.seq} --header 'Accept: application/json'.`;
    }
    const finding: Finding = {
      rule: 'not-acceptable',
      severity: 'error',
      summary:
        accept !== undefined
          ? `The server has no representation of ${path} matching Accept: ${accept}.`
          : `The server answered 406 Not Acceptable for ${path} although no Accept header was sent.`,
      explanation,
      evidence: producedType ? [...evidence, `the 406 itself is ${producedType}`] : evidence,
      nextSteps: [
        'Send Accept: application/json (or the media type the API documents)',
        'Remove overly narrow Accept-Language/Accept-Charset headers if the client adds them',
      ],
    };
    return [finding];
  },
};
