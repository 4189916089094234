import fc from 'fast-check';
import { authSchemeMismatch } from '../../../src/diagnosis/rules/auth-scheme-mismatch';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const ctx: DiagnosisContext = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };
const TOKEN = 'abcDEF123456ghiJKL789';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function run(authorization: string | string[], options: { status?: number; url?: string; responseHeaders?: Array<[string, string]> } = {}) {
  const values = Array.isArray(authorization) ? authorization : [authorization];
  const record = makeExchange({
    seq: 11,
    request: { url: options.url ?? 'https://api.example.com/v1/items', headers: values.map((v): [string, string] => ['Authorization', v]) },
    response: { status: options.status ?? 401, headers: options.responseHeaders ?? [] },
  });
  return authSchemeMismatch.check(record, ctx);
}

describe('auth-scheme-mismatch: scheme differs from the challenge', () => {
  it('fires when Basic is sent and the server asks for Bearer', () => {
    const [finding] = run(`Basic ${b64('me:pw')}`, { responseHeaders: [['WWW-Authenticate', 'Bearer realm="api"']] });
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('Basic credentials were sent but the server asks for Bearer.');
    expect(finding.explanation).toContain('Scheme sent: Basic; expected: Bearer (WWW-Authenticate).');
    expect(finding.explanation).toContain("proxydoc replay 11 --header 'Authorization: Bearer <credentials>'");
  });

  it('fires the other way round', () => {
    expect(run(`Bearer ${TOKEN}`, { responseHeaders: [['WWW-Authenticate', 'Basic realm="x"']] })[0].summary).toBe(
      'Bearer credentials were sent but the server asks for Basic.',
    );
  });

  it('names Jira Cloud and Data Center expectations', () => {
    const cloud = run(`Bearer ${TOKEN}`, { url: 'https://acme.atlassian.net/rest/api/3/myself' });
    expect(cloud[0].summary).toBe('Bearer was sent to Jira Cloud, which takes API tokens only as Basic email:token.');
    expect(cloud[0].explanation).toContain('Jira Cloud wants `Authorization: Basic base64(email:API token)`');
    const dc = run(`Basic ${b64('jdoe:NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0')}`, {
      url: 'https://tickets.acme.com/rest/api/2/myself',
      responseHeaders: [['X-AREQUESTID', '1x2'], ['X-Seraph-LoginReason', 'AUTHENTICATED_FAILED']],
    });
    expect(dc[0].summary).toBe('Basic was sent to Jira Data Center; a personal access token must be sent as Bearer.');
    expect(dc[0].severity).toBe('warn');
  });

  it('flags a Jira Cloud Basic user that is not an email', () => {
    expect(run(`Basic ${b64('jdoe:tok')}`, { url: 'https://acme.atlassian.net/rest/api/3/myself' })[0].summary).toBe(
      'The Basic user is not an email address; Jira Cloud wants email:API token.',
    );
  });
});

describe('auth-scheme-mismatch: malformed values', () => {
  it.each([
    ['Bearer', 'The Authorization header is "Bearer" with no credentials after it.'],
    [`Bearer${TOKEN}`, 'The Authorization value "Bearer…" has no space between the scheme and the credentials.'],
    [`Bearer Bearer ${TOKEN}`, 'The Authorization value repeats the scheme: "Bearer Bearer …".'],
    [`Bearer "${TOKEN}"`, 'The Bearer token is wrapped in quotes, which the server takes as part of the token.'],
    [`Bearer ${TOKEN}\n`, 'The Authorization value contains a newline or trailing whitespace, which becomes part of the token.'],
    [`Bearer ${TOKEN}  `, 'The Authorization value contains a newline or trailing whitespace, which becomes part of the token.'],
    [`Bearer ${TOKEN}\\n`, 'The Bearer token ends with an escaped newline ("\\n" or "%0A") that became part of the token.'],
    [`Bearer: ${TOKEN}`, 'The Authorization value starts with "Bearer:" — the scheme must be followed by a space, not a colon.'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'The Authorization value is a bare JWT with no scheme in front.'],
    ['Basic me:secret', 'The Basic credentials are user:secret in plain text; Basic needs them base64-encoded.'],
    ['Basic not*base64!', 'The Basic payload is not valid base64.'],
    [`Basic ${b64('justatoken')}`, 'The Basic payload decodes to a value without ":", so it is not user:secret.'],
    [`Basic ${b64('me:secret\n')}`, 'The Basic payload decodes to user:secret followed by a newline, so the secret is wrong by one character.'],
    [`Bearer {"access_token":"x"}`, 'The Bearer token contains characters a bearer token cannot have (RFC 6750 §2.1).'],
  ])('%j', (value, summary) => {
    const findings = run(value);
    expect(findings).toHaveLength(1);
    expect(findings[0].summary).toBe(summary);
    expect(findings[0].severity).toBe('error');
    const text = JSON.stringify(findings[0]);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('secret\\n');
  });

  it('fires on two Authorization headers', () => {
    expect(run([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])[0].summary).toBe(
      'Authorization was sent 2 times; servers see one comma-joined value that is no valid credential.',
    );
  });

  it('also fires on a 400 or 403 for a malformed value', () => {
    expect(run('Bearer', { status: 400 })).toHaveLength(1);
    expect(run('Bearer', { status: 403 })).toHaveLength(1);
  });
});

describe('auth-scheme-mismatch: near misses', () => {
  it.each([
    [`Bearer ${TOKEN}`, [['WWW-Authenticate', 'Bearer realm="api", error="invalid_token"']]],
    [`bearer ${TOKEN}`, [['WWW-Authenticate', 'Bearer']]],
    [`Basic ${b64('me@acme.com:tok')}`, [['WWW-Authenticate', 'Basic realm="x"']]],
    [`Bearer ${TOKEN}`, []],
    ['Digest username="a", realm="b", nonce="c", uri="/", response="d"', [['WWW-Authenticate', 'Digest realm="b"']]],
  ] as Array<[string, Array<[string, string]>]>)('stays silent on well-formed %j matching the challenge', (value, responseHeaders) => {
    expect(run(value, { responseHeaders })).toEqual([]);
  });

  it('stays silent on a Jira Cloud Basic email:token', () => {
    expect(run(`Basic ${b64('me@acme.com:tok')}`, { url: 'https://acme.atlassian.net/rest/api/3/myself' })).toEqual([]);
  });

  it.each([200, 404, 500])('stays silent on status %p even when malformed', (status) => {
    expect(run('Bearer', { status })).toEqual([]);
  });

  it('stays silent without an Authorization header', () => {
    const record = makeExchange({ response: { status: 401, headers: [['WWW-Authenticate', 'Bearer']] } });
    expect(authSchemeMismatch.check(record, ctx)).toEqual([]);
  });
});

describe('auth-scheme-mismatch: safety', () => {
  it('never throws and never echoes the credential, whatever the value', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9._~+/:-]{12,40}$/);
    fc.assert(
      fc.property(fc.constantFrom('', 'Bearer ', 'Basic ', 'Bearer Bearer ', 'Token ', 'Bearer "'), secret, fc.constantFrom('', '\n', ' ', '"'), (prefix, token, suffix) => {
        const findings = run(`${prefix}${token}${suffix}`);
        for (const f of findings) expect(JSON.stringify(f)).not.toContain(token);
      }),
    );
  });
});
