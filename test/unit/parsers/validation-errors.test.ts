import fc from 'fast-check';
import {
  errorBodySummary,
  flattenValidationErrors,
  formatFieldErrors,
  validationErrorsFromText,
} from '../../../src/diagnosis/parsers/validation-errors';

describe('validationErrorsFromText', () => {
  it('flattens GitLab model errors, nested', () => {
    expect(validationErrorsFromText('{"message":{"title":["can\'t be blank"],"labels":{"name":["is invalid"]}}}')).toEqual([
      { field: 'title', message: "can't be blank" },
      { field: 'labels.name', message: 'is invalid' },
    ]);
  });

  it('treats GitLab message.base and message.error as whole-record errors', () => {
    expect(validationErrorsFromText('{"message":{"base":["Limit reached"],"error":"Spam detected"}}')).toEqual([
      { message: 'Limit reached' },
      { message: 'Spam detected' },
    ]);
  });

  it('reads GitLab Grape "not given" messages', () => {
    expect(validationErrorsFromText('{"message":"400 (Bad request) \\"title\\" not given"}')).toEqual([
      { field: 'title', message: 'not given' },
    ]);
  });

  it('splits Grape error sentences', () => {
    expect(validationErrorsFromText('{"error":"title is missing"}')).toEqual([{ field: 'title', message: 'is missing' }]);
    expect(validationErrorsFromText('{"error":"title is missing, labels is invalid"}')).toEqual([
      { field: 'title', message: 'is missing' },
      { field: 'labels', message: 'is invalid' },
    ]);
    expect(validationErrorsFromText('{"error":"assignee_id, assignee_ids are mutually exclusive"}')).toEqual([
      { field: 'assignee_id, assignee_ids', message: 'are mutually exclusive' },
    ]);
  });

  it('does not read OAuth codes or capitalised prose as field errors', () => {
    expect(validationErrorsFromText('{"error":"invalid_grant","error_description":"expired"}')).toEqual([]);
    expect(validationErrorsFromText('{"error":"Token is expired"}')).toEqual([{ message: 'Token is expired' }]);
  });

  it('reads errors arrays in their usual shapes', () => {
    const text = JSON.stringify({
      message: 'Validation Failed',
      errors: [
        'Something broke',
        { field: 'title', message: 'is required' },
        { path: ['items', 0, 'qty'], message: 'must be positive' },
        { resource: 'Issue', field: 'body', code: 'missing_field' },
        { source: { pointer: '/data/attributes/first-name' }, detail: 'must contain at least two characters.' },
        { source: { parameter: 'page' }, title: 'Invalid page' },
        { name: 'ValidationError', message: 'bad' },
      ],
    });
    expect(validationErrorsFromText(text)).toEqual([
      { message: 'Something broke' },
      { field: 'title', message: 'is required' },
      { field: 'items.0.qty', message: 'must be positive' },
      { field: 'body', message: 'missing field' },
      { field: 'first-name', message: 'must contain at least two characters.' },
      { field: 'page', message: 'Invalid page' },
      { message: 'bad' },
    ]);
  });

  it('reads Jira errorMessages and errors', () => {
    expect(
      validationErrorsFromText('{"errorMessages":["Issue does not exist"],"errors":{"summary":"You must specify a summary of the issue."}}'),
    ).toEqual([{ message: 'Issue does not exist' }, { field: 'summary', message: 'You must specify a summary of the issue.' }]);
  });

  it('reads RFC 9457 problem details with and without extensions', () => {
    expect(
      validationErrorsFromText(
        '{"type":"https://example.net/validation-error","title":"Your request is not valid.","invalid-params":[{"name":"age","reason":"must be a positive integer"}]}',
      ),
    ).toEqual([{ field: 'age', message: 'must be a positive integer' }]);
    expect(
      validationErrorsFromText('{"type":"about:blank","title":"Bad Request","status":400,"errors":{"Title":["The Title field is required."]}}'),
    ).toEqual([{ field: 'Title', message: 'The Title field is required.' }]);
    expect(validationErrorsFromText('{"type":"about:blank","title":"Bad Request","status":400,"detail":"Date is in the past"}')).toEqual([
      { message: 'Date is in the past' },
    ]);
  });

  it('reads FastAPI, Google and class-validator shapes', () => {
    expect(validationErrorsFromText('{"detail":[{"loc":["body","title"],"msg":"field required","type":"value_error.missing"}]}')).toEqual([
      { field: 'title', message: 'field required' },
    ]);
    expect(
      validationErrorsFromText(
        '{"error":{"code":400,"message":"Invalid","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"name","description":"required"}]}]}}',
      ),
    ).toEqual([{ field: 'name', message: 'required' }]);
    expect(validationErrorsFromText('[{"property":"email","constraints":{"isEmail":"email must be an email"}}]')).toEqual([
      { field: 'email', message: 'email must be an email' },
    ]);
  });

  it('returns [] for malformed or unrelated bodies', () => {
    expect(validationErrorsFromText(undefined)).toEqual([]);
    expect(validationErrorsFromText('<html>oops</html>')).toEqual([]);
    expect(validationErrorsFromText('{"message":')).toEqual([]);
    expect(validationErrorsFromText('{"id":1,"title":"ok"}')).toEqual([]);
    expect(validationErrorsFromText('null')).toEqual([]);
    expect(validationErrorsFromText('{"errors":[null,1,true,{}]}')).toEqual([]);
  });

  it('bounds deep and huge inputs', () => {
    let deep: unknown = { x: ['deep'] };
    for (let i = 0; i < 100; i++) deep = { nested: deep };
    expect(() => flattenValidationErrors({ message: deep })).not.toThrow();
    const many = { errors: Array.from({ length: 500 }, (_, i) => ({ field: `f${i}`, message: 'bad' })) };
    expect(flattenValidationErrors(many)).toHaveLength(50);
  });

  it('never throws on arbitrary strings or JSON', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      expect(Array.isArray(validationErrorsFromText(text))).toBe(true);
    }));
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(Array.isArray(flattenValidationErrors(value))).toBe(true);
    }));
  });
});

describe('formatFieldErrors and errorBodySummary', () => {
  it('formats a short list', () => {
    expect(formatFieldErrors([{ field: 'a', message: 'x' }, { message: 'y' }, { field: 'c', message: 'z' }], 2)).toBe('a: x; y (and 1 more)');
  });

  it('summarises short bodies and skips HTML', () => {
    expect(errorBodySummary('{"message":"Branch already exists"}')).toBe('Branch already exists');
    expect(errorBodySummary('{"message":{"name":["has already been taken"]}}')).toBe('name: has already been taken');
    expect(errorBodySummary('Version conflict\n')).toBe('Version conflict');
    expect(errorBodySummary('<html><body>409</body></html>')).toBeUndefined();
    expect(errorBodySummary('')).toBeUndefined();
    expect(errorBodySummary(undefined)).toBeUndefined();
    expect(errorBodySummary(`{"message":"${'x'.repeat(300)}"}`)?.length).toBe(200);
  });
});
