import fc from 'fast-check';
import {
  oauthErrorFromChallenges,
  parseOAuthErrorBody,
  responseOAuthError,
} from '../../../src/diagnosis/parsers/oauth-error';
import { parseWwwAuthenticate } from '../../../src/diagnosis/parsers/www-authenticate';

describe('parseOAuthErrorBody: JSON (RFC 6749 §5.2)', () => {
  it('reads error, description and uri', () => {
    const body = '{"error":"invalid_grant","error_description":"Code expired","error_uri":"https://idp/err"}';
    expect(parseOAuthErrorBody(body, 'application/json;charset=UTF-8')).toEqual({
      error: 'invalid_grant',
      description: 'Code expired',
      uri: 'https://idp/err',
      source: 'json',
    });
  });

  it("reads GitLab's scope field, also as an array", () => {
    expect(parseOAuthErrorBody('{"error":"insufficient_scope","scope":"api read_api"}', 'application/json')?.scope).toBe('api read_api');
    expect(parseOAuthErrorBody('{"error":"insufficient_scope","scope":["api","read_api"]}', 'application/json')?.scope).toBe('api read_api');
  });

  it('sniffs JSON without a content type and with +json types', () => {
    expect(parseOAuthErrorBody(' {"error":"invalid_client"} ')?.error).toBe('invalid_client');
    expect(parseOAuthErrorBody('{"error":"invalid_client"}', 'application/problem+json')?.error).toBe('invalid_client');
  });

  it.each([
    ['{"timestamp":"2026-01-01","status":401,"error":"Unauthorized","path":"/x"}', 'Spring Boot error body'],
    ['{"error":"Not Found"}', 'reason phrase'],
    ['{"error":{"code":401,"message":"x"}}', 'Google-style error object'],
    ['{"error":""}', 'empty code'],
    ['{"message":"401 Unauthorized"}', 'no error field'],
    ['["error"]', 'array'],
    ['{"error":"invalid_grant"', 'truncated JSON'],
    ['null', 'null'],
  ])('rejects %p (%s)', (body) => {
    expect(parseOAuthErrorBody(body, 'application/json')).toBeUndefined();
  });

  it('does not read JSON declared as HTML', () => {
    expect(parseOAuthErrorBody('{"error":"invalid_grant"}', 'text/html')).toBeUndefined();
  });
});

describe('parseOAuthErrorBody: form-encoded', () => {
  it("reads GitHub's form-encoded error", () => {
    const body = 'error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.&error_uri=https%3A%2F%2Fdocs.github.com%2Fx';
    expect(parseOAuthErrorBody(body, 'application/x-www-form-urlencoded; charset=utf-8')).toEqual({
      error: 'bad_verification_code',
      description: 'The code passed is incorrect or expired.',
      uri: 'https://docs.github.com/x',
      source: 'form',
    });
  });

  it('rejects forms without a valid error code, and free text', () => {
    expect(parseOAuthErrorBody('access_token=abc&token_type=bearer', 'application/x-www-form-urlencoded')).toBeUndefined();
    expect(parseOAuthErrorBody('error=Bad+Thing', 'application/x-www-form-urlencoded')).toBeUndefined();
    expect(parseOAuthErrorBody('an error=occurred here', 'text/plain')).toBeUndefined();
    expect(parseOAuthErrorBody('error=%E0%A4%A', 'application/x-www-form-urlencoded')).toBeUndefined();
  });
});

describe('oauthErrorFromChallenges (RFC 6750 §3)', () => {
  it('reads the error attributes of a Bearer challenge', () => {
    const challenges = parseWwwAuthenticate('Bearer realm="example", error="insufficient_scope", error_description="needs more", scope="api"');
    expect(oauthErrorFromChallenges(challenges)).toEqual({
      error: 'insufficient_scope',
      description: 'needs more',
      scope: 'api',
      source: 'www-authenticate',
    });
  });

  it('is undefined for a challenge without error (no credentials sent)', () => {
    expect(oauthErrorFromChallenges(parseWwwAuthenticate('Bearer realm="example"'))).toBeUndefined();
  });

  it('prefers the body over the header in responseOAuthError', () => {
    const response = {
      headers: [['WWW-Authenticate', 'Bearer error="invalid_token"'], ['Content-Type', 'application/json']] as Array<[string, string]>,
      body: { text: '{"error":"invalid_client"}' },
    };
    expect(responseOAuthError(response)?.error).toBe('invalid_client');
    expect(responseOAuthError({ headers: response.headers, body: {} })?.error).toBe('invalid_token');
    expect(responseOAuthError(undefined)).toBeUndefined();
  });
});

describe('never throws', () => {
  it('on arbitrary bodies and content types', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), (body, type) => {
        const parsed = parseOAuthErrorBody(body, type);
        if (parsed) expect(parsed.error).toMatch(/^[a-z][a-z0-9_.-]*$/);
      }),
    );
  });

  it('on arbitrary JSON values', () => {
    fc.assert(fc.property(fc.json(), (json) => {
      expect(() => parseOAuthErrorBody(json, 'application/json')).not.toThrow();
    }));
  });
});
