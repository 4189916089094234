import { authHeaderMisspelled } from '../../../src/diagnosis/rules/auth-header-misspelled';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const ctx: DiagnosisContext = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };
const SECRET = 'glpat-abcdefghijklmnop';

function run(headers: Array<[string, string]>, status = 401) {
  return authHeaderMisspelled.check(makeExchange({ seq: 3, request: { headers }, response: { status } }), ctx);
}

describe('auth-header-misspelled', () => {
  it('fires on Autorization with a 401 as an error', () => {
    const [finding] = run([['Autorization', `Bearer ${SECRET}`]]);
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe('Header Autorization looks like a misspelling of Authorization.');
    expect(finding.explanation).toContain("proxydoc replay 3 --header 'Authorization: <value>'");
    expect(JSON.stringify(finding)).not.toContain(SECRET);
    expect(finding.evidence).toContain(`value: Bearer ‹${SECRET.length} chars›`);
  });

  it('fires on the British spelling', () => {
    expect(run([['Authorisation', 'Bearer x']])[0].summary).toBe("Header Authorisation was sent; HTTP's header is Authorization (with a z).");
  });

  it('fires on X-Api-Kye', () => {
    expect(run([['X-Api-Kye', SECRET]], 403)[0].summary).toBe('Header X-Api-Kye looks like a misspelling of X-Api-Key.');
  });

  it('fires on PRIVATE_TOKEN and names nginx underscores_in_headers', () => {
    const [finding] = run([['PRIVATE_TOKEN', SECRET]]);
    expect(finding.summary).toBe('Header PRIVATE_TOKEN was sent; the credential header is PRIVATE-TOKEN (hyphen, not underscore).');
    expect(finding.explanation).toContain('underscores_in_headers on;');
  });

  it('fires on a custom credential header with an underscore, as error when it is the only credential', () => {
    const [finding] = run([['CUSTOM_AUTH', SECRET]]);
    expect(finding.summary).toBe('Credential header CUSTOM_AUTH has an underscore in its name; nginx drops such headers by default.');
    expect(finding.severity).toBe('error');
    expect(finding.nextSteps[0]).toContain('CUSTOM-AUTH');
    expect(run([['CUSTOM_AUTH', SECRET], ['Authorization', 'Bearer x']])[0].severity).toBe('warn');
  });

  it('fires on the header name inside the value', () => {
    const [finding] = run([['Authorization', `Authorization: Bearer ${SECRET}`]]);
    expect(finding.summary).toBe('The Authorization header\'s value starts with "Authorization:" — the header name was pasted into the value.');
    expect(JSON.stringify(finding)).not.toContain(SECRET);
  });

  it('warns on a 2xx for a misspelled known header (hazard), but not for a custom underscore header', () => {
    const [finding] = run([['Autorization', 'Bearer x']], 200);
    expect(finding.severity).toBe('warn');
    expect(run([['CUSTOM_AUTH', 'x']], 200)).toEqual([]);
  });

  it.each([
    [[['Authorization', 'Bearer x']]],
    [[['PRIVATE-TOKEN', 'x']]],
    [[['X-Api-Key', 'x']]],
    [[['Authentication-Info', 'x'], ['X-Request-Id', 'abc'], ['Accept-Encoding', 'gzip']]],
    [[['X_Request_Id', 'abc']]],
    [[['Cookie', 'a=b']]],
  ] as Array<[Array<[string, string]>]>)('stays silent on correctly spelled or unrelated headers %j', (headers) => {
    expect(run(headers)).toEqual([]);
    expect(run(headers, 200)).toEqual([]);
  });
});
