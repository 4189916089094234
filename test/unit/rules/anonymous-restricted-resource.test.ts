import { anonymousRestrictedResource } from '../../../src/diagnosis/rules/anonymous-restricted-resource';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const ctx: DiagnosisContext = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };
const JIRA_BODY = `{"errorMessages":[],"errors":{"project":"The value 'PKEY' does not exist for the field 'project'."}}`;

function run(options: { status?: number; headers?: Array<[string, string]>; body?: string; url?: string }) {
  const record = makeExchange({
    seq: 2,
    request: { method: 'POST', url: options.url ?? 'https://acme.atlassian.net/rest/api/2/issue', headers: options.headers ?? [['Content-Type', 'application/json']] },
    response: { status: options.status ?? 400, body: options.body ?? JIRA_BODY },
  });
  return anonymousRestrictedResource.check(record, ctx);
}

describe('anonymous-restricted-resource', () => {
  it("fires on Jira's 'does not exist for the field' without credentials", () => {
    const [finding] = run({});
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('The server says the project "PKEY" does not exist, but the request carried no credential: treat it as a 401/403.');
    expect(finding.explanation).toContain("proxydoc replay 2 --header 'Authorization: Basic <base64 email:API token>'");
    expect(finding.nextSteps[0]).toContain('Jira Cloud wants');
  });

  it("fires on Jira's field-not-on-screen wording", () => {
    const body = `{"errors":{"customfield_10010":"Field 'customfield_10010' cannot be set. It is not on the appropriate screen, or unknown."}}`;
    expect(run({ body })[0].summary).toBe(
      'The server says the field customfield_10010 does not exist, but the request carried no credential: treat it as a 401/403.',
    );
  });

  it('warns on a generic not-found message', () => {
    const [finding] = run({ url: 'https://api.example.com/v1/orders', body: '{"message":"Customer 42 not found"}' });
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toBe('The server says a resource does not exist, but the request carried no credential: treat it as a 401/403.');
  });

  it.each([
    ['credentials were sent', { headers: [['Authorization', 'Basic eDp5']] as Array<[string, string]> }],
    ['a 404', { status: 404 }],
    ['a 200', { status: 200 }],
    ['a 400 about something else', { body: '{"errors":{"summary":"You must specify a summary of the issue."}}' }],
  ])('stays silent when %s', (_label, options) => {
    expect(run(options)).toEqual([]);
  });
});
