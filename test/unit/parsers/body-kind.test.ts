import fc from 'fast-check';
import {
  kindOfContentType,
  multipartBoundaryOf,
  sniffBodyKind,
  sniffTextKind,
  suggestedContentType,
} from '../../../src/diagnosis/parsers/body-kind';
import { body } from '../../helpers/make-exchange';

describe('sniffTextKind', () => {
  it.each([
    ['{"title":"x"}', 'json'],
    ['[1,2]', 'json'],
    ['{"title": "x",}', 'json'],
    ["{'title': 'x'}", 'json'],
    ['{title: "x"}', 'json'],
    ['title=Hello+world&labels=a%2Cb', 'form'],
    ['issue[title]=x', 'form'],
    ['grant_type=client_credentials', 'form'],
    ['<?xml version="1.0"?><a/>', 'xml'],
    ['<issue><title>x</title></issue>', 'xml'],
    ['--abc123\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n--abc123--\r\n', 'multipart'],
    ['hello world', 'text'],
    ['title = x', 'text'],
    ['{not json at all', 'text'],
    ['   ', 'text'],
    ['', 'empty'],
  ])('%j is %s', (text, kind) => {
    expect(sniffTextKind(text)).toBe(kind);
  });

  it('treats a truncated prefix opening like JSON as JSON', () => {
    expect(sniffTextKind('{"a', true)).toBe('json');
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string(), fc.boolean(), (text, truncated) => {
      expect(typeof sniffTextKind(text, truncated)).toBe('string');
    }));
  });
});

describe('sniffBodyKind', () => {
  it('classifies captured bodies', () => {
    expect(sniffBodyKind(undefined)).toBe('empty');
    expect(sniffBodyKind(body(undefined))).toBe('empty');
    expect(sniffBodyKind(body(Buffer.from([0, 1, 2, 255])))).toBe('binary');
    expect(sniffBodyKind(body('a=1&b=2'))).toBe('form');
  });
});

describe('kindOfContentType', () => {
  it.each([
    ['application/json; charset=utf-8', 'json'],
    ['application/vnd.api+json', 'json'],
    ['application/merge-patch+json', 'json'],
    ['Application/X-WWW-Form-Urlencoded', 'form'],
    ['multipart/form-data; boundary=x', 'multipart'],
    ['text/xml', 'xml'],
    ['application/atom+xml', 'xml'],
    ['text/plain;charset=UTF-8', 'text'],
    ['application/octet-stream', 'binary'],
    ['image/png', undefined],
    [undefined, undefined],
    ['', undefined],
  ])('%p → %p', (type, kind) => {
    expect(kindOfContentType(type)).toBe(kind);
  });
});

describe('suggestions', () => {
  it('suggests the header for each kind', () => {
    expect(suggestedContentType('json')).toBe('application/json');
    expect(suggestedContentType('form')).toBe('application/x-www-form-urlencoded');
    expect(suggestedContentType('multipart', 'abc')).toBe('multipart/form-data; boundary=abc');
    expect(suggestedContentType('empty')).toBeUndefined();
  });

  it('reads the boundary a multipart body uses', () => {
    expect(multipartBoundaryOf('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--')).toBe('XyZ');
    expect(multipartBoundaryOf('{"a":1}')).toBeUndefined();
    expect(multipartBoundaryOf(undefined)).toBeUndefined();
  });
});
