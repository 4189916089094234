/**
 * Validation-error extraction: any text or JSON value (hostile structures included) gives a bounded, normalised,
 * duplicate-free list; errors written in the usual API shapes (Rails maps, errors arrays, JSON:API pointers,
 * Pydantic locations, Grape sentences) read back field by field.
 */
import fc from 'fast-check';
import { errorBodySummary, flattenValidationErrors, formatFieldErrors, validationErrorsFromText, type FieldError } from '../../../src/diagnosis/parsers/validation-errors';
import { almostJson, anyText } from './arbitraries';

const normalise = (message: string): string => {
  const text = message.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
};

function expectWellFormed(errors: FieldError[]): void {
  expect(Array.isArray(errors)).toBe(true);
  expect(errors.length).toBeLessThanOrEqual(50);
  const seen = new Set<string>();
  for (const error of errors) {
    expect(Object.keys(error).every((key) => key === 'field' || key === 'message')).toBe(true);
    expect(typeof error.message).toBe('string');
    expect(error.message).not.toBe('');
    expect(error.message.length).toBeLessThanOrEqual(200);
    expect(error.message).toBe(error.message.replace(/\s+/g, ' ').trim());
    if (error.field !== undefined) {
      expect(typeof error.field).toBe('string');
      expect(error.field).not.toBe('');
      expect(error.field).toBe(error.field.trim());
    }
    const key = `${error.field ?? ''}\u0000${error.message}`;
    expect(seen.has(key)).toBe(false);
    seen.add(key);
  }
}

/** JSON values made of the keys validation-error bodies use, so most runs reach deep into the extractor. */
const KEYS = ['errors', 'message', 'msg', 'detail', 'details', 'error', 'errorMessages', 'invalid-params', 'invalid_params', 'violations', 'fieldViolations', 'field', 'path', 'loc', 'name', 'source', 'pointer', 'parameter', 'constraints', 'property', 'children', 'messages', 'code', 'title', 'status', 'type', 'base', '__all__', '', '__proto__', 'constructor', 'labels', 'description', 'reason', 'error_description', 'two\nlines'];
const errorish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('is invalid', "can't be blank", 'title is missing, labels is invalid', '400 (Bad request) "title" not given', '/data/attributes/x', '', '  ', 'Token is expired', 'invalid_grant', 'two\nlines', ' \t\r\n '),
    anyText(20),
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
})).value;

describe('never throws, and gives a bounded normalised list', () => {
  it('on arbitrary and almost-JSON text', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(80), almostJson(3)), (text) => {
        expectWellFormed(validationErrorsFromText(text));
      }),
      { numRuns: 250 },
    );
  });

  it('on JSON values built from the validation-error vocabulary, parsed or as text', () => {
    fc.assert(
      fc.property(errorish, (value) => {
        expectWellFormed(flattenValidationErrors(value));
        expectWellFormed(validationErrorsFromText(JSON.stringify(value)));
      }),
      { numRuns: 400 },
    );
  });

  it('on hostile structures: huge lists, deep nesting, throwing getters, null prototypes', () => {
    fc.assert(
      fc.property(fc.nat(3), fc.integer({ min: 1, max: 2000 }), (shape, size) => {
        let value: unknown;
        if (shape === 0) value = { errors: Array.from({ length: size }, (_, i) => ({ field: `f${i % 7}`, message: `m${i}` })) };
        else if (shape === 1) {
          value = 'x';
          for (let i = 0; i < size; i++) value = { error: value };
        } else if (shape === 2) {
          const hostile = { field: 'a' };
          Object.defineProperty(hostile, 'message', { get: () => { throw new Error('boom'); }, enumerable: true });
          value = { errors: [hostile, { field: 'b', message: 'ok' }] };
        } else {
          const bare = Object.create(null) as Record<string, unknown>;
          bare.errors = Object.assign(Object.create(null), { title: ['is blank'] });
          value = bare;
        }
        expectWellFormed(flattenValidationErrors(value));
      }),
      { numRuns: 24 },
    );
  });

  it('errorBodySummary gives one short line or nothing', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(80), almostJson(2), errorish.map((value) => JSON.stringify(value))), fc.integer({ min: 2, max: 300 }), (text, max) => {
        const summary = errorBodySummary(text, max);
        if (summary === undefined) return;
        expect(summary.length).toBeLessThanOrEqual(max);
        expect(summary).not.toBe('');
        expect(summary).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 250 },
    );
  });

  it('formatFieldErrors shows at most `max` errors and counts the rest', () => {
    const fieldError = fc.record({ field: fc.option(fc.string({ minLength: 1 }), { nil: undefined }), message: fc.string({ minLength: 1 }) }).map((e) => (e.field === undefined ? { message: e.message } : e));
    fc.assert(
      fc.property(fc.array(fieldError, { maxLength: 10 }), fc.integer({ min: 1, max: 6 }), (errors, max) => {
        const text = formatFieldErrors(errors, max);
        if (errors.length > max) expect(text.endsWith(` (and ${errors.length - max} more)`)).toBe(true);
        else expect(text).not.toMatch(/more\)$/);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Round trips

const fieldName = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/).filter((name) => !['base', 'error'].includes(name));
const message = fc.oneof(
  fc.constantFrom("can't be blank", 'is invalid', 'is too long (maximum is 255 characters)', 'must be unique'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.string({ minLength: 190, maxLength: 260 }),
).filter((text) => text.trim() !== '');

/**
 * Expected errors after normalisation and de-duplication: each (field, message) pair once, where it first appeared.
 * Written differently from the parser's own filter on purpose (a Map keeps a key at its first insertion), so the
 * oracle is not a copy of what it checks.
 */
function dedupe(errors: FieldError[]): FieldError[] {
  return [...new Map(errors.map((error) => [JSON.stringify([error.field ?? null, error.message]), error] as const)).values()];
}

describe('round trips', () => {
  it('Rails/Laravel/ASP.NET maps, nested (GitLab), with whole-record keys', () => {
    type FieldMap = { [key: string]: string | string[] | FieldMap };
    const map: fc.Arbitrary<FieldMap> = fc.letrec((tie) => ({
      map: fc.dictionary(fc.oneof({ weight: 5, arbitrary: fieldName }, { weight: 1, arbitrary: fc.constant('base') }), fc.oneof({ depthSize: 'small' }, message, fc.array(message, { minLength: 1, maxLength: 3 }), tie('map')), { minKeys: 1, maxKeys: 4 }),
    })).map as fc.Arbitrary<FieldMap>;
    const flatten = (m: FieldMap, prefix: string | undefined): FieldError[] =>
      Object.entries(m).flatMap(([key, value]) => {
        const field = key === 'base' && prefix === undefined ? undefined : prefix ? `${prefix}.${key}` : key;
        if (typeof value === 'string' || Array.isArray(value)) {
          return (typeof value === 'string' ? [value] : value).map((text) => (field === undefined ? { message: normalise(text) } : { field, message: normalise(text) }));
        }
        return flatten(value, field);
      });
    fc.assert(
      fc.property(map, fc.constantFrom('errors', 'message'), (errors, key) => {
        const want = dedupe(flatten(errors, undefined)).slice(0, 50);
        expect(validationErrorsFromText(JSON.stringify({ [key]: errors }))).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it('errors arrays of {field|path|param, message|msg|detail} objects, strings and GitHub codes', () => {
    const item = fc.oneof(
      fc.record({ fieldKey: fc.constantFrom('field', 'param', 'parameter', 'property', 'attribute'), field: fieldName, messageKey: fc.constantFrom('message', 'msg', 'detail', 'description', 'reason'), message }).map(({ fieldKey, field, messageKey, message: m }) => ({ json: { [fieldKey]: field, [messageKey]: m }, want: { field, message: normalise(m) } })),
      fc.record({ field: fieldName, code: fc.stringMatching(/^[a-z]{1,8}(_[a-z]{1,8}){0,2}$/) }).map(({ field, code }) => ({ json: { resource: 'Issue', field, code }, want: { field, message: code.replace(/_/g, ' ') } })),
      message.map((m) => ({ json: m, want: { message: normalise(m) } as FieldError })).filter(({ json }) => !/[a-z_] /.test(json) && !json.includes(',')),
    );
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 8 }), fc.constantFrom('errors', 'violations', 'invalid_params'), (items, key) => {
        expect(validationErrorsFromText(JSON.stringify({ [key]: items.map((i) => i.json) }))).toEqual(dedupe(items.map((i) => i.want)));
      }),
      { numRuns: 150 },
    );
  });

  it('JSON:API source pointers (RFC 6901 escapes) and Pydantic locations become dotted fields', () => {
    const segment = fc.string({ unit: fc.constantFrom('a', 'b', '~', '/', '0', '1', '.', 'é', '-'), minLength: 1, maxLength: 6 });
    const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }).filter((s) => s[0] !== 'data'), fc.array(fc.oneof(fieldName, fc.nat(20)), { minLength: 1, maxLength: 4 }), fc.constantFrom('body', 'query', 'path', 'header'), message, (segments, loc, where, m) => {
        const body = {
          errors: [
            { source: { pointer: `/${segments.map(escape).join('/')}` }, detail: m },
            { source: { pointer: `#/data/attributes/${segments.map(escape).join('/')}` }, title: m },
          ],
        };
        expect(validationErrorsFromText(JSON.stringify(body))).toEqual(dedupe([{ field: segments.join('.'), message: normalise(m) }, { field: segments.join('.'), message: normalise(m) }]));
        expect(validationErrorsFromText(JSON.stringify({ detail: [{ loc: [where, ...loc], msg: m, type: 'value_error' }] }))).toEqual([{ field: loc.join('.'), message: normalise(m) }]);
      }),
      { numRuns: 150 },
    );
  });

  it('Grape sentences: "title is missing, labels is invalid"', () => {
    const verb = fc.constantFrom('is', 'are', 'must', 'has', 'should', 'cannot', "can't", 'does', 'exceeds', 'contains');
    const rest = fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { maxLength: 3 }).map((words) => words.join(' '));
    fc.assert(
      fc.property(fc.array(fc.tuple(fieldName, verb, rest), { minLength: 1, maxLength: 4 }), ([...parts]) => {
        const sentence = parts.map(([field, v, r]) => `${field} ${v}${r ? ` ${r}` : ''}`).join(', ');
        const want = dedupe(parts.map(([field, v, r]) => ({ field, message: `${v}${r ? ` ${r}` : ''}` })));
        expect(validationErrorsFromText(JSON.stringify({ error: sentence }))).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });
});
