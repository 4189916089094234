import { tokenNotYetValid } from '../../../src/diagnosis/rules/token-not-yet-valid';
import type { DiagnosisContext } from '../../../src/diagnosis/rule';
import { FAKE_START_MS, makeExchange } from '../../helpers/make-exchange';

const ctx: DiagnosisContext = { history: [], now: FAKE_START_MS + 1000, userTimeouts: [] };
const START_S = Math.floor(FAKE_START_MS / 1000);

function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.c2ln`;
}

function run(claims: Record<string, unknown>, status = 401, responseHeaders: Array<[string, string]> = []) {
  const record = makeExchange({
    seq: 9,
    request: { headers: [['Authorization', `Bearer ${jwt(claims)}`]] },
    response: { status, headers: responseHeaders },
    phases: { ttfb: 120 },
  });
  return tokenNotYetValid.check(record, ctx);
}

describe('token-not-yet-valid', () => {
  it('fires on nbf two minutes after the request and names the skew', () => {
    const [finding] = run({ iss: 'https://idp', nbf: START_S + 125, exp: START_S + 3600 });
    expect(finding.severity).toBe('error');
    expect(finding.summary).toBe(
      'The JWT in Authorization (Bearer) is not valid until 2 min 5 s after the request (nbf 2026-11-21T20:43:08Z): a clock skew of at least 2 min 5 s.',
    );
    expect(finding.explanation).toContain('proxydoc replay 9');
  });

  it('fires on iat in the future and reads the API clock from Date', () => {
    const [finding] = run({ iat: START_S + 600 }, 401, [['Date', 'Sat, 21 Nov 2026 20:41:03 GMT']]);
    expect(finding.summary).toContain('(iat 2026-11-21T20:51:03Z)');
    expect(finding.explanation).toContain("The API's Date header agrees with this machine's clock");
  });

  it('says how far the API clock is off when Date disagrees', () => {
    const [finding] = run({ nbf: START_S + 600 }, 401, [['Date', 'Sat, 21 Nov 2026 20:51:03 GMT']]);
    expect(finding.evidence).toContain("The API's Date header is 10 min ahead of this machine's clock");
  });

  it('still mentions a small skew within the usual leeway, as a warning', () => {
    const [finding] = run({ nbf: START_S + 20 });
    expect(finding.severity).toBe('warn');
    expect(finding.explanation).toContain('within the 30 s leeway');
  });

  it.each([
    ['nbf in the past', { nbf: START_S - 10, iat: START_S - 10 }, 401],
    ['no time claims', { iss: 'x' }, 401],
    ['a future nbf on a 2xx', { nbf: START_S + 600 }, 200],
    ['a future nbf on a 5xx', { nbf: START_S + 600 }, 503],
    ['a small skew on a non-auth 4xx', { nbf: START_S + 10 }, 404],
  ])('stays silent on %s', (_label, claims, status) => {
    expect(run(claims, status)).toEqual([]);
  });
});
