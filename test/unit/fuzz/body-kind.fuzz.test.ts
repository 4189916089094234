/**
 * Body-kind sniffing: any text or bytes get one of the documented kinds; generated JSON, forms, XML and multipart
 * bodies are recognised as what they are (JSON also when cut short), and the Content-Type suggested for a kind is
 * read back as that kind.
 */
import fc from 'fast-check';
import { BODY_KIND_NAMES, kindOfContentType, multipartBoundaryOf, sniffBodyKind, sniffTextKind, suggestedContentType, type BodyKind } from '../../../src/diagnosis/parsers/body-kind';
import { captureBody } from '../../../src/model/body';
import { almostJson, anyCase, anyText, ows, unicodeChar } from './arbitraries';

const KINDS = Object.keys(BODY_KIND_NAMES) as BodyKind[];
const space = fc.constantFrom('', ' ', '\n', '\r\n', '\t', '  \n ');

const jsonContainer = fc
  .oneof(fc.dictionary(fc.string({ unit: unicodeChar, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }))
  .chain((value) => fc.constantFrom(undefined, 1, 2, '\t').map((indent) => JSON.stringify(value, null, indent)));

describe('sniffTextKind', () => {
  it('never throws and gives a documented kind, "empty" only for no text at all', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(80), almostJson(2)), fc.boolean(), (text, truncated) => {
        const kind = sniffTextKind(text, truncated);
        expect(KINDS).toContain(kind);
        expect(kind === 'empty').toBe(text === '');
      }),
      { numRuns: 400 },
    );
  });

  it('recognises any JSON object or array, with surrounding whitespace and a byte-order mark', () => {
    fc.assert(
      fc.property(jsonContainer, space, space, fc.boolean(), (json, before, after, bom) => {
        expect(sniffTextKind(`${bom ? '\ufeff' : ''}${before}${json}${after}`)).toBe('json');
      }),
      { numRuns: 150 },
    );
  });

  it('takes any cut-short prefix of a JSON object or array for JSON when the body was truncated', () => {
    fc.assert(
      fc.property(jsonContainer, fc.nat(), (json, cut) => {
        const prefix = json.slice(0, 2 + (cut % Math.max(1, json.length - 1)));
        if (prefix.trim().length < 2) return;
        expect(sniffTextKind(prefix, true)).toBe('json');
      }),
      { numRuns: 150 },
    );
  });

  it('recognises form bodies: percent-encoded name=value pairs joined by &', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(text.filter((t) => t !== ''), text, fc.boolean()), { minLength: 1, maxLength: 5 }), fc.boolean(), (pairs, trailingAmp) => {
        const body = pairs.map(([name, value, plus]) => `${encodeURIComponent(name)}=${plus ? encodeURIComponent(value).replace(/%20/g, '+') : encodeURIComponent(value)}`).join('&');
        expect(sniffTextKind(trailingAmp ? `${body}&` : body)).toBe('form');
      }),
      { numRuns: 150 },
    );
  });

  it('recognises XML documents and elements', () => {
    const name = fc.stringMatching(/^[A-Za-z_][\w:.-]{0,10}$/);
    fc.assert(
      fc.property(name, fc.constantFrom('<?xml version="1.0" encoding="UTF-8"?>', '<!-- c -->', '<!DOCTYPE x>', ''), fc.constantFrom('', ' a="1"', '/', ' /'), space, (tag, prolog, attrs, before) => {
        expect(sniffTextKind(`${before}${prolog}${prolog ? '\n' : ''}<${tag}${attrs}>${attrs.endsWith('/') ? '' : `x</${tag}>`}`)).toBe('xml');
      }),
      { numRuns: 150 },
    );
  });

  it('recognises multipart bodies and reads back their boundary (RFC 2046 bchars)', () => {
    const boundary = fc.stringMatching(/^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/);
    fc.assert(
      fc.property(boundary, fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 20 })), { minLength: 1, maxLength: 3 }), fc.constantFrom('\r\n', '\n'), anyCase('Content-Disposition'), (b, parts, eol, header) => {
        const body = `${parts.map(([n, v]) => `--${b}${eol}${header}: form-data; name="${n}"${eol}${eol}${v}${eol}`).join('')}--${b}--${eol}`;
        expect(sniffTextKind(body)).toBe('multipart');
        expect(multipartBoundaryOf(body)).toBe(b);
      }),
      { numRuns: 150 },
    );
  });
});

describe('sniffBodyKind', () => {
  it('classifies any captured bytes: binary when they are not UTF-8 text, else like their text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), anyText(30).map((t) => new Uint8Array(Buffer.from(t)))), fc.boolean(), (bytes, truncated) => {
        const buffer = Buffer.from(bytes);
        const captured = captureBody(buffer, truncated ? buffer.length + 10 : buffer.length, truncated);
        const kind = sniffBodyKind(captured);
        if (captured.size === 0) expect(kind).toBe('empty');
        else if (captured.text === undefined) expect(kind).toBe('binary');
        else expect(kind).toBe(sniffTextKind(captured.text, truncated));
      }),
      { numRuns: 250 },
    );
  });
});

describe('kindOfContentType', () => {
  it('never throws on any text', () => {
    fc.assert(
      fc.property(fc.option(anyText(30), { nil: undefined }), (type) => {
        const kind = kindOfContentType(type);
        if (kind !== undefined) expect(KINDS).toContain(kind);
      }),
      { numRuns: 150 },
    );
  });

  it('ignores letter case, surrounding whitespace and parameters', () => {
    const types = ['application/json', 'text/xml', 'multipart/mixed', 'application/x-www-form-urlencoded', 'text/csv', 'application/octet-stream', 'image/png', 'application/ld+json'];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.nat(), ows, fc.constantFrom('', '; charset=utf-8', ';boundary=x', ' ; q=1'), (type, seed, pad, params) => {
        const cased = [...type].map((ch, i) => ((seed >> i % 30) & 1 ? ch.toUpperCase() : ch)).join('');
        expect(kindOfContentType(`${pad}${cased}${pad}${params}`)).toBe(kindOfContentType(type));
      }),
      { numRuns: 200 },
    );
  });

  it('reads every +json and +xml structured syntax suffix (RFC 6839)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,10}\/[a-z.-]{1,15}$/), fc.constantFrom(['+json', 'json'], ['+xml', 'xml']), (type, [suffix, kind]) => {
        expect(kindOfContentType(`${type}${suffix}`)).toBe(kind);
      }),
      { numRuns: 100 },
    );
  });

  it('reads the suggested Content-Type of every kind back as that kind', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS.filter((k) => k !== 'empty')), fc.stringMatching(/^[A-Za-z0-9'()+_,\-./:=?]{1,70}$/), (kind, boundary) => {
        expect(kindOfContentType(suggestedContentType(kind, boundary))).toBe(kind);
      }),
      { numRuns: 100 },
    );
  });
});
