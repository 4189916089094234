/**
 * probesFor/judgeProbe on hand-built records. Findings come from the real diagnosis engine, so a plan is only
 * built for a record the real rule would flag.
 */
import { diagnose } from '../../../src/diagnosis/diagnose';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { judgeProbe, noProbeMessage, probesFor, type ProbeOutcome, type ProbePlan } from '../../../src/replay/probes';
import { FAKE_START_MS, makeExchange, type ExchangeInput } from '../../helpers/make-exchange';

const TOKEN = 'abcDEF123456ghiJKL789mnoPQR';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

const APACHE_404 =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n' +
  '<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n<hr>\n' +
  '<address>Apache/2.4.57 (Debian) Server at gitlab.example.com Port 443</address>\n</body></html>\n';
const APACHE_HEADERS: Array<[string, string]> = [['Server', 'Apache/2.4.57 (Debian)'], ['Content-Type', 'text/html; charset=iso-8859-1']];

/** A record as the proxy would have written it: the real rules' findings attached. */
function diagnosed(input: ExchangeInput): ExchangeRecord {
  const record = makeExchange({ seq: 17, id: 'orig-17', ...input });
  record.findings = diagnose(record, { history: [], now: FAKE_START_MS + 100, userTimeouts: [] });
  return record;
}

/** A replay of `original` that got `response` (null: no response, a transport error). */
function replayOf(original: ExchangeRecord, seq: number, response: ExchangeInput['response'], error?: ExchangeInput['error']): ExchangeRecord {
  return makeExchange({ seq, request: { url: original.request.url }, response, error, replayOf: original.id });
}

function planOf(record: ExchangeRecord, rule: string): ProbePlan {
  const plan = probesFor(record).find((p) => p.rule === rule);
  if (!plan) throw new Error(`no ${rule} plan; findings: ${record.findings.map((f) => f.rule).join(', ')}`);
  return plan;
}

const apache404 = (): ExchangeRecord =>
  diagnosed({
    request: { url: 'https://gitlab.example.com/api/v4/projects/acme%2Fbackend/issues?state=opened%2Fall', headers: [['PRIVATE-TOKEN', 'glpat-secret']] },
    response: { status: 404, headers: APACHE_HEADERS, body: APACHE_404 },
  });

const misspelled401 = (): ExchangeRecord =>
  diagnosed({
    request: { url: 'https://api.example.com/v1/me', headers: [['Accept', '*/*'], ['Autorization', `Bearer ${TOKEN}`]] },
    response: { status: 401, headers: [['Content-Type', 'application/json'], ['WWW-Authenticate', 'Bearer realm="api"']], body: '{"message":"Unauthorized"}' },
  });

describe('probesFor: encoded slashes and odd paths', () => {
  it('replays an Apache 404 for %2F with %252F and with the decoded path, leaving the query alone', () => {
    const record = apache404();
    const plan = planOf(record, 'encoded-slash');
    expect(plan.hypothesis).toBe(record.findings.find((f) => f.rule === 'encoded-slash')?.summary);
    expect(plan.variants).toEqual([
      { label: 'with %2F encoded as %252F', edits: { url: 'https://gitlab.example.com/api/v4/projects/acme%252Fbackend/issues?state=opened%2Fall' } },
      { label: 'with the decoded path (/ for the encoded slash)', edits: { url: 'https://gitlab.example.com/api/v4/projects/acme/backend/issues?state=opened%2Fall' } },
    ]);
  });

  it('replays a double-encoded %252F with %2F and with the decoded path', () => {
    const record = diagnosed({
      request: { url: 'https://gitlab.example.com/api/v4/projects/acme%252Fbackend' },
      response: { status: 404, body: '{"message":"404 Project Not Found"}' },
    });
    expect(planOf(record, 'encoded-slash').variants).toEqual([
      { label: 'with %252F encoded once, as %2F', edits: { url: 'https://gitlab.example.com/api/v4/projects/acme%2Fbackend' } },
      { label: 'with the decoded path (/ for the encoded slash)', edits: { url: 'https://gitlab.example.com/api/v4/projects/acme/backend' } },
    ]);
  });

  it('never decodes %5C into a raw backslash', () => {
    const record = diagnosed({ request: { url: 'https://h.example/files/a%5Cb' }, response: { status: 404, headers: APACHE_HEADERS, body: APACHE_404 } });
    expect(planOf(record, 'encoded-slash').variants).toEqual([{ label: 'with %5C encoded as %255C', edits: { url: 'https://h.example/files/a%255Cb' } }]);
  });

  it('replays "//" and dot segments with the normalised path', () => {
    const record = diagnosed({ request: { url: 'https://api.example.com/api//v1/./items/%2E%2E/users?x=1' }, response: { status: 404 } });
    expect(planOf(record, 'double-slash-or-dot-segment').variants).toEqual([
      { label: 'with the normalised path /api/v1/users', edits: { url: 'https://api.example.com/api/v1/users?x=1' } },
    ]);
  });
});

describe('probesFor: credentials', () => {
  it('renames a misspelled Authorization, keeping its value', () => {
    expect(planOf(misspelled401(), 'auth-header-misspelled').variants).toEqual([
      { label: 'with `Authorization` spelled right', edits: { removeHeaders: ['Autorization'], setHeaders: [['Authorization', `Bearer ${TOKEN}`]] } },
    ]);
  });

  it('hyphenates PRIVATE_TOKEN and removes a header name pasted into its own value', () => {
    const underscore = diagnosed({ request: { headers: [['PRIVATE_TOKEN', 'glpat-x']] }, response: { status: 401 } });
    expect(planOf(underscore, 'auth-header-misspelled').variants).toEqual([
      { label: 'with `PRIVATE-TOKEN` instead of `PRIVATE_TOKEN`', edits: { removeHeaders: ['PRIVATE_TOKEN'], setHeaders: [['PRIVATE-TOKEN', 'glpat-x']] } },
    ]);
    const echoed = diagnosed({ request: { headers: [['Authorization', `Authorization: Bearer ${TOKEN}`]] }, response: { status: 401 } });
    expect(planOf(echoed, 'auth-header-misspelled').variants).toEqual([
      { label: 'with "Authorization:" removed from the start of the Authorization value', edits: { setHeaders: [['Authorization', `Bearer ${TOKEN}`]] } },
    ]);
  });

  it('leaves a misspelled name alone when the right one was sent as well', () => {
    const record = diagnosed({
      request: { headers: [['Authorization', `Bearer ${TOKEN}`], ['Autorization', 'Bearer other']] },
      response: { status: 401 },
    });
    expect(record.findings.map((f) => f.rule)).toContain('auth-header-misspelled');
    expect(probesFor(record).find((p) => p.rule === 'auth-header-misspelled')).toBeUndefined();
  });

  it('sends Basic credentials as the Bearer the challenge asks for: whole payload, and the password alone', () => {
    const record = diagnosed({
      request: { headers: [['Authorization', `Basic ${b64(`jdoe:${TOKEN}`)}`]] },
      response: { status: 401, headers: [['WWW-Authenticate', 'Bearer realm="api"']] },
    });
    expect(planOf(record, 'auth-scheme-mismatch').variants).toEqual([
      { label: 'with the same credentials under Bearer instead of Basic', edits: { setHeaders: [['Authorization', `Bearer ${b64(`jdoe:${TOKEN}`)}`]] } },
      { label: 'with the Basic password as a Bearer token', edits: { setHeaders: [['Authorization', `Bearer ${TOKEN}`]] } },
    ]);
  });

  it('moves a Bearer token to Basic only when it already is base64(user:secret)', () => {
    const challenge: Array<[string, string]> = [['WWW-Authenticate', 'Basic realm="x"']];
    const opaque = diagnosed({ request: { headers: [['Authorization', `Bearer ${TOKEN}`]] }, response: { status: 401, headers: challenge } });
    expect(opaque.findings.map((f) => f.rule)).toContain('auth-scheme-mismatch');
    expect(probesFor(opaque)).toEqual([]);
    expect(noProbeMessage(opaque)).toMatch(
      /^#17 has no finding proxydoc can probe \(findings: [a-z, -]*auth-scheme-mismatch[a-z, -]*; the recorded request holds nothing to vary for auth-scheme-mismatch\); probes exist for /,
    );
    const pair = diagnosed({ request: { headers: [['Authorization', `Bearer ${b64('alice:pw')}`]] }, response: { status: 401, headers: challenge } });
    expect(planOf(pair, 'auth-scheme-mismatch').variants).toEqual([
      { label: 'with the same credentials under Basic', edits: { setHeaders: [['Authorization', `Basic ${b64('alice:pw')}`]] } },
    ]);
  });

  it('repairs a malformed value under its own scheme', () => {
    const glued = diagnosed({ request: { headers: [['Authorization', `Bearer${TOKEN}`]] }, response: { status: 401 } });
    expect(planOf(glued, 'auth-scheme-mismatch').variants).toEqual([
      { label: 'with the Authorization value repaired (a space after Bearer)', edits: { setHeaders: [['Authorization', `Bearer ${TOKEN}`]] } },
    ]);
    const doubled = diagnosed({ request: { headers: [['Authorization', `Bearer Bearer ${TOKEN}`]] }, response: { status: 401 } });
    expect(planOf(doubled, 'auth-scheme-mismatch').variants[0].edits).toEqual({ setHeaders: [['Authorization', `Bearer ${TOKEN}`]] });
    const plain = diagnosed({ request: { headers: [['Authorization', 'Basic alice:pw']] }, response: { status: 401, headers: [['WWW-Authenticate', 'Basic realm="x"']] } });
    expect(planOf(plain, 'auth-scheme-mismatch').variants).toEqual([
      { label: 'with the Authorization value repaired (user:secret base64-encoded)', edits: { setHeaders: [['Authorization', `Basic ${b64('alice:pw')}`]] } },
    ]);
    const bare = diagnosed({ request: { headers: [['Authorization', TOKEN]] }, response: { status: 401, headers: [['WWW-Authenticate', 'Bearer']] } });
    expect(planOf(bare, 'auth-scheme-mismatch').variants).toEqual([
      { label: 'with the bare token sent as Bearer', edits: { setHeaders: [['Authorization', `Bearer ${TOKEN}`]] } },
    ]);
  });

  it('sends one Authorization when two were sent', () => {
    const record = diagnosed({ request: { headers: [['Authorization', `Bearer ${TOKEN}`], ['Authorization', 'Bearer other']] }, response: { status: 401 } });
    expect(planOf(record, 'auth-scheme-mismatch').variants).toEqual([
      { label: 'with only the first Authorization header', edits: { setHeaders: [['Authorization', `Bearer ${TOKEN}`]] } },
    ]);
  });

  it('never puts a credential in a label or hypothesis', () => {
    const records = [
      misspelled401(),
      diagnosed({ request: { headers: [['Authorization', `Basic ${b64(`jdoe:${TOKEN}`)}`]] }, response: { status: 401, headers: [['WWW-Authenticate', 'Bearer']] } }),
    ];
    for (const plan of records.flatMap(probesFor)) {
      expect(plan.hypothesis).not.toContain(TOKEN);
      for (const variant of plan.variants) expect(variant.label).not.toMatch(/abcDEF|amRvZT/);
    }
  });
});

describe('probesFor: Content-Type', () => {
  it('adds the Content-Type a JSON body needs', () => {
    const record = diagnosed({ request: { method: 'POST', headers: [['Host', 'api.example.com']], body: '{"title":"Crash"}' }, response: { status: 400, body: '{"error":"title is missing"}' } });
    expect(planOf(record, 'missing-content-type').variants).toEqual([
      { label: 'with Content-Type: application/json', edits: { setHeaders: [['Content-Type', 'application/json']] } },
    ]);
  });

  it('relabels a JSON body declared as a form', () => {
    const record = diagnosed({
      request: { method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: '{"title":"Crash"}' },
      response: { status: 400 },
    });
    expect(planOf(record, 'content-type-mismatch').variants).toEqual([
      { label: 'with Content-Type: application/json (what the body is)', edits: { setHeaders: [['Content-Type', 'application/json']] } },
    ]);
  });

  it('tries the type a 415 lists in Accept-Post when the body already matches its header', () => {
    const record = diagnosed({
      request: { method: 'POST', headers: [['Content-Type', 'application/json']], body: '{"a":1}' },
      response: { status: 415, headers: [['Accept-Post', 'text/turtle, application/ld+json'], ['Content-Type', 'text/plain']], body: 'nope' },
    });
    expect(planOf(record, 'content-type-mismatch').variants).toEqual([
      { label: 'with Content-Type: text/turtle (listed in Accept-Post)', edits: { setHeaders: [['Content-Type', 'text/turtle']] } },
    ]);
  });

  it('puts the body\'s own boundary on a multipart header that lacks one', () => {
    const body = '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--\r\n';
    const record = diagnosed({ request: { method: 'POST', headers: [['Content-Type', 'multipart/form-data']], body }, response: { status: 400 } });
    expect(planOf(record, 'content-type-mismatch').variants).toEqual([
      { label: 'with Content-Type: multipart/form-data; boundary=XyZ (what the body is)', edits: { setHeaders: [['Content-Type', 'multipart/form-data; boundary=XyZ']] } },
    ]);
  });
});

describe('probesFor: which findings get a plan', () => {
  it('has no plan for a record without a probe-able finding, and says which findings it has', () => {
    const failed = diagnosed({ response: { status: 500, body: '{"error":"boom"}' } });
    expect(probesFor(failed)).toEqual([]);
    expect(noProbeMessage(failed)).toBe(
      '#17 has no finding proxydoc can probe (findings: server-error); probes exist for encoded-slash, double-slash-or-dot-segment, ' +
        'auth-scheme-mismatch, missing-content-type, content-type-mismatch, auth-header-misspelled',
    );
    const healthy = diagnosed({});
    expect(probesFor(healthy)).toEqual([]);
    expect(noProbeMessage(healthy)).toMatch(/^#17 has no finding proxydoc can probe \(findings: none\); probes exist for encoded-slash/);
  });

  it('makes one plan per probe-able rule, in the order of the findings', () => {
    const record = diagnosed({
      request: { method: 'POST', url: 'https://api.example.com/v1/items', headers: [['Autorization', `Bearer ${TOKEN}`], ['X-Api_Key', 'k-1']], body: '{"name":"a"}' },
      response: { status: 401, body: '{"message":"Unauthorized"}' },
    });
    expect(probesFor(record).map((p) => p.rule)).toEqual(['auth-header-misspelled', 'missing-content-type']);
    const misspelled = planOf(record, 'auth-header-misspelled');
    expect(misspelled.variants.map((v) => v.label)).toEqual(['with `Authorization` spelled right', 'with `X-Api-Key` instead of `X-Api_Key`']);
    // Two findings of one rule share the plan; the hypothesis quotes both.
    expect(misspelled.hypothesis).toContain('Autorization');
    expect(misspelled.hypothesis).toContain('X-Api_Key');
  });
});

describe('judgeProbe', () => {
  function outcomes(original: ExchangeRecord, plan: ProbePlan, replies: Array<ExchangeInput['response'] | Error>): ProbeOutcome[] {
    return plan.variants.map((variant, index) => {
      const reply = replies[index];
      const replay =
        reply instanceof Error
          ? replayOf(original, 18 + index, null, { kind: 'refused', code: 'ECONNREFUSED', message: reply.message })
          : replayOf(original, 18 + index, reply);
      return { variant, replay };
    });
  }

  it('confirms when a variant succeeds, naming the variant and both answers, then the fix', () => {
    const original = misspelled401();
    const plan = planOf(original, 'auth-header-misspelled');
    const verdict = judgeProbe(original, plan, outcomes(original, plan, [{ status: 200 }]));
    expect(verdict).toEqual({
      verdict: 'confirmed',
      lines: [
        '✔ auth-header-misspelled confirmed: with `Authorization` spelled right the server answers 200 OK (was 401 Unauthorized)',
        '  next: Rename the header to Authorization.',
      ],
    });
  });

  it('confirms a path hypothesis when a variant gets past the hop that answered', () => {
    const original = apache404();
    const plan = planOf(original, 'encoded-slash');
    const gitlab404 = { status: 404, headers: [['Server', 'Apache/2.4.57 (Debian)'], ['Content-Type', 'application/json']] as Array<[string, string]>, body: '{"message":"404 Project Not Found"}' };
    const verdict = judgeProbe(original, plan, outcomes(original, plan, [gitlab404, { status: 404, headers: APACHE_HEADERS, body: APACHE_404 }]));
    expect(verdict.verdict).toBe('confirmed');
    expect(verdict.lines[0]).toBe(
      "✔ encoded-slash confirmed: with %2F encoded as %252F the request gets past Apache httpd, and GitLab answers 404 Not Found (was Apache httpd's 404 Not Found)",
    );
    expect(verdict.lines[1]).toMatch(/^ {2}next: .*AllowEncodedSlashes/);
  });

  it('prefers a success over getting past the hop', () => {
    const original = apache404();
    const plan = planOf(original, 'encoded-slash');
    const verdict = judgeProbe(original, plan, outcomes(original, plan, [{ status: 404, body: '{"message":"404 Project Not Found"}' }, { status: 200 }]));
    expect(verdict.lines[0]).toBe('✔ encoded-slash confirmed: with the decoded path (/ for the encoded slash) the server answers 200 OK (was 404 Not Found)');
  });

  it('refutes when every variant gets the same answer, and points at the other findings', () => {
    const original = misspelled401();
    const plan = planOf(original, 'auth-header-misspelled');
    const verdict = judgeProbe(original, plan, outcomes(original, plan, [{ status: 401 }]));
    expect(verdict).toEqual({
      verdict: 'refuted',
      lines: ['✖ auth-header-misspelled refuted: the variant still gets 401 Unauthorized — the cause is elsewhere', '  other findings on #17: auth-missing'],
    });
  });

  it('refutes a path hypothesis only when the same hop answers every variant the same way', () => {
    const original = apache404();
    const plan = planOf(original, 'encoded-slash');
    const sameApache = { status: 404, headers: APACHE_HEADERS, body: APACHE_404 };
    const verdict = judgeProbe(original, plan, outcomes(original, plan, [sameApache, sameApache]));
    expect(verdict.verdict).toBe('refuted');
    expect(verdict.lines[0]).toBe('✖ encoded-slash refuted: every variant still gets 404 Not Found from Apache httpd — the cause is elsewhere');
  });

  it('is inconclusive when a variant fails in transport or answers differently without succeeding', () => {
    const original = apache404();
    const plan = planOf(original, 'encoded-slash');
    const verdict = judgeProbe(
      original,
      plan,
      outcomes(original, plan, [new Error('connect ECONNREFUSED'), { status: 400, headers: APACHE_HEADERS, body: APACHE_404.replace('404', '400') }]),
    );
    expect(verdict).toEqual({
      verdict: 'inconclusive',
      lines: [
        '? encoded-slash inconclusive: with %2F encoded as %252F the replay failed (refused ECONNREFUSED); ' +
          'with the decoded path (/ for the encoded slash) the server answers 400 Bad Request (was 404 Not Found): different, but not a success',
        '  compare: proxydoc show 18 · proxydoc show 19',
      ],
    });
  });

  it('is inconclusive on a different failure status for a credential hypothesis', () => {
    const original = misspelled401();
    const plan = planOf(original, 'auth-header-misspelled');
    const verdict = judgeProbe(original, plan, outcomes(original, plan, [{ status: 403 }]));
    expect(verdict.verdict).toBe('inconclusive');
    expect(verdict.lines[0]).toBe(
      '? auth-header-misspelled inconclusive: with `Authorization` spelled right the server answers 403 Forbidden (was 401 Unauthorized): different, but not a success',
    );
  });

  it('is inconclusive when no variant could be sent', () => {
    const original = misspelled401();
    expect(judgeProbe(original, planOf(original, 'auth-header-misspelled'), [])).toEqual({
      verdict: 'inconclusive',
      lines: ['? auth-header-misspelled inconclusive: no variant could be sent'],
    });
  });
});
