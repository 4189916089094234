/**
 * Real API failure stories, reproduced through the running proxy with real clients (curl, and Python `requests`
 * when it is importable): a loopback server behaves like the API in the story, and the exchange's record and the
 * annotated log must carry the finding an integration engineer would write. No sleeps: slow servers own their timers.
 */
import { spawnSync } from 'node:child_process';
import type { ExchangeRecord, Finding, Severity } from '../../src/model/exchange';
import { curl, run, startHarness, type CommandResult, type Harness } from '../helpers/proxy-harness';
import { closedPort, makeUpstreamCa, startHttpServer, startHttpsServer, type Closable } from '../helpers/servers';
import {
  apacheInFrontOf,
  gitlab,
  gitlabApi,
  jira,
  jiraApi,
  makeJwt,
  OAUTH_CLIENTS,
  OAUTH_USERS,
  oauthServer,
  readBody,
  sendJson,
  slowGateway,
  throttledApi,
  type Handler,
} from '../helpers/fake-apis';

const PYTHON_REQUESTS = spawnSync('python3', ['-c', 'import requests'], { stdio: 'ignore' }).status === 0;
if (!PYTHON_REQUESTS) {
  console.warn('diagnoses-apis: python3 cannot import requests; the Python `requests` cases are skipped.');
}
/** A case run with Python `requests`: skipped (and reported above) when requests is not importable. */
const pyTest = PYTHON_REQUESTS ? test : test.skip;

/** The environment for Python without proxy variables, so only the explicit proxies= and verify= apply. */
const pythonEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(https?_proxy|all_proxy|no_proxy|requests_ca_bundle|curl_ca_bundle|ssl_cert_file)$/i.test(name)),
);

/** Runs a Python snippet with `requests`, `proxies` (proxydoc for http and https) and `CA` (proxydoc's CA) defined. */
function python(harness: Harness, script: string): Promise<CommandResult> {
  const prelude = ['import json, sys, requests', 'PROXY, CA = sys.argv[1], sys.argv[2]', "proxies = {'http': PROXY, 'https': PROXY}", ''].join('\n');
  return run('python3', ['-c', prelude + script, harness.proxy.url, harness.proxy.caCertPath], { env: pythonEnv });
}

interface Observed {
  records: ExchangeRecord[];
  /** The annotated log text of each record (exchange line + findings), same order. */
  texts: string[];
  outcome: CommandResult;
}

/** Runs a client and waits (as an event, no polling) for the `count` records it produces. */
async function observe(harness: Harness, count: number, action: () => Promise<CommandResult>): Promise<Observed> {
  const before = harness.seen.length;
  const outcome = await action();
  const records = (await harness.records(before + count)).slice(before);
  return { records, texts: harness.annotated.slice(before, before + count), outcome };
}

const MARK: Record<Severity, string> = { error: '✖', warn: '⚠', info: 'ℹ' };

function describeFindings(record: ExchangeRecord): string {
  return record.findings.map((f) => `${f.rule} (${f.severity}): ${f.summary}`).join('\n') || '(no findings)';
}

/**
 * The record's finding of `rule` at `severity`, also shown under the exchange in the annotated log.
 * On failure the message lists what the record did get.
 */
function findingOf(record: ExchangeRecord, text: string, rule: string, severity: Severity): Finding {
  const found = record.findings.find((f) => f.rule === rule);
  if (!found || found.severity !== severity) {
    throw new Error(
      `expected a ${severity} ${rule} finding for #${record.seq} ${record.request.method} ${record.request.url} → ${record.response?.status ?? record.error?.code}, got:\n${describeFindings(record)}`,
    );
  }
  expect(text).toContain(`${MARK[severity]} ${rule}  `);
  return found;
}

/** Everything a finding says, for word checks. */
function wording(finding: Finding): string {
  return [finding.summary, finding.explanation, ...finding.evidence, ...finding.nextSteps].join('\n');
}

function ruleIds(record: ExchangeRecord): string[] {
  return record.findings.map((f) => f.rule);
}

describe('API failure stories through proxydoc', () => {
  let harness: Harness;
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;
  const servers: Closable[] = [];

  async function serve(handler: Handler): Promise<string> {
    const server = await startHttpServer(handler);
    servers.push(server);
    return server.url;
  }

  async function serveTls(handler: Handler): Promise<string> {
    const server = await startHttpsServer(upstreamCa.leaves, handler);
    servers.push(server);
    return `https://127.0.0.1:${server.port}`;
  }

  beforeAll(async () => {
    upstreamCa = await makeUpstreamCa();
    harness = await startHarness({ upstreamCa: [upstreamCa.caPath] });
  });

  afterAll(async () => {
    await harness.close();
    await Promise.all(servers.map((server) => server.close()));
    upstreamCa.cleanup();
  });

  describe('GitLab behind Apache', () => {
    let gitlabUrl: string;
    let apacheUrl: string;
    const auth = ['-H', `PRIVATE-TOKEN: ${gitlab.token}`];

    beforeAll(async () => {
      gitlabUrl = await serve(gitlabApi());
      const backendPort = Number(new URL(gitlabUrl).port);
      apacheUrl = await serve(apacheInFrontOf(backendPort));
    });

    test('curl: a blank title on POST /api/v4/projects/7/issues → 400 validation-failed naming title', async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        curl(harness, ['-s', ...auth, '--json', '{"title":"","description":"Crash when saving"}', `${apacheUrl}/api/v4/projects/7/issues`]),
      );
      expect(JSON.parse(outcome.stdout)).toEqual({ message: { title: ["can't be blank"] } });
      const finding = findingOf(records[0], texts[0], 'validation-failed', 'error');
      expect(wording(finding)).toContain('title');
      expect(wording(finding)).toContain("can't be blank");
    });

    pyTest('requests: json={"title": ""} → the same validation-failed finding', async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        python(harness, `r = requests.post(${JSON.stringify(`${apacheUrl}/api/v4/projects/7/issues`)}, json={'title': ''}, headers={'PRIVATE-TOKEN': ${JSON.stringify(gitlab.token)}}, proxies=proxies)\nprint(r.status_code)`),
      );
      expect(outcome.stdout.trim()).toBe('400');
      expect(wording(findingOf(records[0], texts[0], 'validation-failed', 'error'))).toContain('title');
    });

    test('curl: acme%2Fbackend refused by Apache (AllowEncodedSlashes Off) → encoded-slash names Apache and its fix', async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        curl(harness, ['-s', '-i', ...auth, `${apacheUrl}/api/v4/projects/acme%2Fbackend`]),
      );
      expect(outcome.stdout).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
      expect(outcome.stdout).toContain('<p>The requested URL was not found on this server.</p>');
      const record = records[0];
      expect(record.request.url).toBe(`${apacheUrl}/api/v4/projects/acme%2Fbackend`);
      const finding = findingOf(record, texts[0], 'encoded-slash', 'error');
      expect(finding.summary).toContain('Apache');
      expect(finding.nextSteps.join('\n')).toContain('AllowEncodedSlashes NoDecode');
      expect(finding.nextSteps.join('\n')).toContain('nocanon');
      expect(wording(finding)).toMatch(/GitLab never saw the request/);
      expect(ruleIds(record)).not.toContain('not-found'); // the generic 404 explanation stays out of the way
      expect(texts[0]).toContain('AllowEncodedSlashes NoDecode');

      // Control: the numeric id (no slash) goes through the same Apache to GitLab.
      const control = await curl(harness, ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...auth, `${apacheUrl}/api/v4/projects/7`]);
      expect(control.stdout).toBe('200');
    });

    pyTest('requests: the %2F survives requests and Apache refuses it the same way', async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        python(harness, `r = requests.get(${JSON.stringify(`${apacheUrl}/api/v4/projects/acme%2Fbackend/issues?state=opened`)}, headers={'PRIVATE-TOKEN': ${JSON.stringify(gitlab.token)}}, proxies=proxies)\nprint(r.status_code)`),
      );
      expect(outcome.stdout.trim()).toBe('404');
      expect(records[0].request.url).toContain('/projects/acme%2Fbackend/issues');
      const finding = findingOf(records[0], texts[0], 'encoded-slash', 'error');
      expect(finding.summary).toContain('Apache');
      expect(finding.nextSteps.join('\n')).toContain('AllowEncodedSlashes NoDecode');
    });

    test("curl: GitLab's own JSON 404 for a %2F path → a different explanation: the slash arrived, the path is wrong", async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        curl(harness, ['-s', ...auth, `${gitlabUrl}/api/v4/projects/acme%2Fbakend`]),
      );
      expect(JSON.parse(outcome.stdout)).toEqual({ message: '404 Project Not Found' });
      const finding = findingOf(records[0], texts[0], 'encoded-slash', 'warn');
      expect(finding.summary).toContain('GitLab');
      expect(finding.summary).toMatch(/encoded slash arrived/);
      expect(finding.summary).not.toContain('Apache');
      expect(finding.nextSteps.join('\n')).not.toContain('AllowEncodedSlashes');

      // The correctly spelled path works straight to GitLab: the %2F itself is fine.
      const control = await curl(harness, ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...auth, `${gitlabUrl}/api/v4/projects/acme%2Fbackend`]);
      expect(control.stdout).toBe('200');
    });

    test("curl: GitLab's spam check asks for a CAPTCHA → spam-or-captcha with the retry headers; the retry succeeds", async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        curl(harness, ['-s', ...auth, '--json', '{"title":"Win big at the casino","description":"free money"}', `${gitlabUrl}/api/v4/projects/7/issues`]),
      );
      expect(JSON.parse(outcome.stdout)).toMatchObject({ needs_captcha_response: true, spam_log_id: 42 });
      const finding = findingOf(records[0], texts[0], 'spam-or-captcha', 'error');
      expect(wording(finding)).toContain('X-GitLab-Captcha-Response');
      expect(wording(finding)).toContain('X-GitLab-Spam-Log-Id: 42');
      expect(ruleIds(records[0])).not.toContain('conflict'); // GitLab's 409 here is a CAPTCHA request, not a name clash

      const retry = await observe(harness, 1, () =>
        curl(harness, [
          '-s', '-o', '/dev/null', '-w', '%{http_code}', ...auth,
          '-H', 'X-GitLab-Captcha-Response: 03AGdBq24-solved', '-H', 'X-GitLab-Spam-Log-Id: 42',
          '--json', '{"title":"Win big at the casino","description":"free money"}', `${gitlabUrl}/api/v4/projects/7/issues`,
        ]),
      );
      expect(retry.outcome.stdout).toBe('201');
      expect(retry.records[0].findings.filter((f) => f.severity !== 'info')).toEqual([]);
    });
  });

  describe('Jira', () => {
    let dataCenterUrl: string; // wants Bearer personal access tokens
    let cloudUrl: string; // https, wants Basic email:API token

    beforeAll(async () => {
      dataCenterUrl = await serve(jiraApi('Bearer'));
      cloudUrl = await serveTls(jiraApi('Basic'));
    });

    test("curl: anonymous JQL search → 400 \"The value 'PKEY' does not exist\" → anonymous-restricted-resource", async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        curl(harness, ['-s', '-G', '--data-urlencode', 'jql=project = PKEY ORDER BY created DESC', `${dataCenterUrl}/rest/api/2/search`]),
      );
      expect(JSON.parse(outcome.stdout).errorMessages).toEqual(["The value 'PKEY' does not exist for the field 'project'."]);
      const finding = findingOf(records[0], texts[0], 'anonymous-restricted-resource', 'error');
      expect(wording(finding)).toContain('PKEY');
      expect(wording(finding)).toMatch(/credential/i);
    });

    pyTest('requests over HTTPS (verify=proxydoc CA): anonymous JQL on Jira Cloud → anonymous-restricted-resource', async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        python(harness, `r = requests.get(${JSON.stringify(`${cloudUrl}/rest/api/2/search`)}, params={'jql': 'project = PKEY'}, proxies=proxies, verify=CA)\nprint(r.status_code)`),
      );
      expect(outcome.stdout.trim()).toBe('400');
      expect(records[0].request.url.startsWith('https://')).toBe(true);
      expect(wording(findingOf(records[0], texts[0], 'anonymous-restricted-resource', 'error'))).toContain('PKEY');
    });

    test('curl: Basic sent where the server asks for Bearer → auth-scheme-mismatch', async () => {
      const { records, texts } = await observe(harness, 1, () => curl(harness, ['-s', '-u', `${jira.email}:${jira.apiToken}`, `${dataCenterUrl}/rest/api/2/myself`]));
      expect(records[0].response?.status).toBe(401);
      const finding = findingOf(records[0], texts[0], 'auth-scheme-mismatch', 'error');
      expect(wording(finding)).toContain('Basic');
      expect(wording(finding)).toContain('Bearer');
    });

    pyTest('requests: auth=(email, token) to the Bearer server → auth-scheme-mismatch', async () => {
      const { records, texts } = await observe(harness, 1, () =>
        python(harness, `r = requests.get(${JSON.stringify(`${dataCenterUrl}/rest/api/2/myself`)}, auth=(${JSON.stringify(jira.email)}, ${JSON.stringify(jira.apiToken)}), proxies=proxies)\nprint(r.status_code)`),
      );
      expect(records[0].response?.status).toBe(401);
      findingOf(records[0], texts[0], 'auth-scheme-mismatch', 'error');
    });

    test('curl over HTTPS: Bearer sent where the server asks for Basic (the reverse) → auth-scheme-mismatch', async () => {
      const { records, texts } = await observe(harness, 1, () =>
        curl(harness, ['-s', '-H', `Authorization: Bearer ${jira.pat}`, `${cloudUrl}/rest/api/2/myself`]),
      );
      expect(records[0].response?.status).toBe(401);
      const finding = findingOf(records[0], texts[0], 'auth-scheme-mismatch', 'error');
      expect(finding.summary).toMatch(/Bearer/);
      expect(finding.summary).toMatch(/Basic/);
    });

    test('curl: a misspelled "Autorization" header → auth-header-misspelled', async () => {
      const { records, texts } = await observe(harness, 1, () => curl(harness, ['-s', '-H', `Autorization: Bearer ${jira.pat}`, `${dataCenterUrl}/rest/api/2/myself`]));
      expect(records[0].response?.status).toBe(401);
      const finding = findingOf(records[0], texts[0], 'auth-header-misspelled', 'error');
      expect(wording(finding)).toContain('Autorization');
      expect(wording(finding)).toContain('Authorization');
      expect(texts[0]).not.toContain(jira.pat); // the token is redacted in the log
    });

    pyTest('requests: headers={"Autorization": …} → auth-header-misspelled', async () => {
      const { records, texts } = await observe(harness, 1, () =>
        python(harness, `r = requests.get(${JSON.stringify(`${dataCenterUrl}/rest/api/2/myself`)}, headers={'Autorization': 'Bearer ' + ${JSON.stringify(jira.pat)}}, proxies=proxies)\nprint(r.status_code)`),
      );
      expect(records[0].response?.status).toBe(401);
      expect(wording(findingOf(records[0], texts[0], 'auth-header-misspelled', 'error'))).toContain('Autorization');
    });

    test('curl: an expired JWT → token-expired with how long ago and the issuer', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = makeJwt({ iss: 'https://sso.example.test', sub: 'dev', iat: now - 4 * 3600, exp: now - (3 * 3600 + 12 * 60) });
      const { records, texts } = await observe(harness, 1, () => curl(harness, ['-s', '-H', `Authorization: Bearer ${token}`, `${dataCenterUrl}/rest/api/2/myself`]));
      expect(records[0].response?.status).toBe(401);
      const finding = findingOf(records[0], texts[0], 'token-expired', 'error');
      expect(wording(finding)).toMatch(/3 h 1[12] min/);
      expect(wording(finding)).toContain('https://sso.example.test');
    });

    pyTest('requests: an expired JWT → token-expired', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = makeJwt({ iss: 'https://sso.example.test', sub: 'dev', exp: now - 600 });
      const { records, texts } = await observe(harness, 1, () =>
        python(harness, `r = requests.get(${JSON.stringify(`${dataCenterUrl}/rest/api/2/myself`)}, headers={'Authorization': 'Bearer ${token}'}, proxies=proxies)\nprint(r.status_code)`),
      );
      expect(records[0].response?.status).toBe(401);
      expect(wording(findingOf(records[0], texts[0], 'token-expired', 'error'))).toMatch(/10 min/);
    });
  });

  describe('OAuth 2.0 token endpoint', () => {
    let tokenUrl: string;
    const state: { mode: 'ok' | 'overloaded' | 'broken' } = { mode: 'ok' };

    beforeAll(async () => {
      tokenUrl = `${await serve(oauthServer(state))}/oauth/token`;
    });
    afterEach(() => {
      state.mode = 'ok';
    });

    test('curl: the token request sent as GET with its parameters in the query → oauth-error says so', async () => {
      const { records, texts } = await observe(harness, 1, () =>
        curl(harness, ['-s', `${tokenUrl}?grant_type=client_credentials&client_id=batch-job&client_secret=batch-secret`]),
      );
      expect(records[0].response?.status).toBe(400);
      const finding = records[0].findings.find((f) => f.rule === 'oauth-error');
      if (!finding) throw new Error(`no oauth-error finding; got:\n${describeFindings(records[0])}`);
      expect(wording(finding)).toMatch(/\bGET\b/);
      expect(wording(finding)).toMatch(/POST/);
      expect(texts[0]).toContain(' oauth-error  ');
      expect(texts[0]).not.toContain('batch-secret'); // the secret in the query string is redacted in the log
    });

    pyTest('requests: json={...} instead of data= → oauth-error: no grant_type seen, not form-encoded', async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        python(harness, `r = requests.post(${JSON.stringify(tokenUrl)}, json={'grant_type': 'client_credentials', 'client_id': 'batch-job', 'client_secret': 'batch-secret'}, proxies=proxies)\nprint(r.status_code, r.json()['error'])`),
      );
      expect(outcome.stdout.trim()).toBe('400 invalid_request');
      const finding = records[0].findings.find((f) => f.rule === 'oauth-error');
      if (!finding) throw new Error(`no oauth-error finding; got:\n${describeFindings(records[0])}`);
      expect(wording(finding)).toMatch(/form-encoded|x-www-form-urlencoded/);
      expect(texts[0]).toContain(' oauth-error  ');
      expect(texts[0]).not.toContain('batch-secret'); // the client secret in the body never reaches the log
    });

    const cases: Array<{ code: string; status: number; mode?: 'overloaded' | 'broken'; args: string[] }> = [
      { code: 'invalid_request', status: 400, args: ['-d', 'client_id=batch-job', '-d', 'client_secret=batch-secret', '-d', 'scope=read:issues'] },
      { code: 'invalid_client', status: 401, args: ['-u', 'batch-job:rotated-secret', '-d', 'grant_type=client_credentials'] },
      { code: 'invalid_grant', status: 400, args: ['-u', 'web-app:web-secret', '-d', 'grant_type=authorization_code', '-d', 'code=already-used-code', '--data-urlencode', 'redirect_uri=https://app.example.test/callback'] },
      { code: 'unauthorized_client', status: 400, args: ['-u', 'web-app:web-secret', '-d', 'grant_type=client_credentials'] },
      { code: 'unsupported_grant_type', status: 400, args: ['-u', 'batch-job:batch-secret', '-d', 'grant_type=client_credential'] },
      { code: 'invalid_scope', status: 400, args: ['-u', 'batch-job:batch-secret', '-d', 'grant_type=client_credentials', '-d', 'scope=read:issues,admin'] },
      { code: 'access_denied', status: 403, args: ['-u', 'web-app:web-secret', '-d', 'grant_type=password', '-d', 'username=mallory', '-d', 'password=mallory-pw'] },
      { code: 'redirect_uri_mismatch', status: 400, args: ['-u', 'web-app:web-secret', '-d', 'grant_type=authorization_code', '-d', 'code=fresh-code', '--data-urlencode', 'redirect_uri=http://localhost:3000/callback'] },
      { code: 'server_error', status: 500, mode: 'broken', args: ['-u', 'batch-job:batch-secret', '-d', 'grant_type=client_credentials'] },
      // Last: its Retry-After would make every later failure on this origin an ignored retry too.
      { code: 'temporarily_unavailable', status: 503, mode: 'overloaded', args: ['-u', 'batch-job:batch-secret', '-d', 'grant_type=client_credentials'] },
    ];

    test.each(cases)('curl: $code → oauth-error naming $code', async ({ code, status, mode, args }) => {
      if (mode) state.mode = mode;
      const { records, texts, outcome } = await observe(harness, 1, () => curl(harness, ['-s', ...args, tokenUrl]));
      expect(JSON.parse(outcome.stdout).error).toBe(code);
      expect(records[0].response?.status).toBe(status);
      const finding = records[0].findings.find((f) => f.rule === 'oauth-error');
      if (!finding) throw new Error(`no oauth-error finding for ${code}; got:\n${describeFindings(records[0])}`);
      expect(['error', 'warn']).toContain(finding.severity);
      expect(finding.summary).toContain(code);
      expect(texts[0]).toContain(` oauth-error  `);
      if (code === 'invalid_request') expect(wording(finding)).toMatch(/grant_type/);
    });
  });

  describe('gateways and throttling (no configured thresholds)', () => {
    test('curl: a 504 that matches no known timeout still gets gateway-timeout, without a culprit', async () => {
      const url = await serve(slowGateway(0));
      const { records, texts } = await observe(harness, 1, () => curl(harness, ['-s', '-o', '/dev/null', `${url}/now-504`]));
      const finding = findingOf(records[0], texts[0], 'gateway-timeout', 'error');
      expect(finding.summary).toMatch(/no known default timeout matches/);
      expect(finding.summary).not.toMatch(/likely hop/);
    });

    test('curl: 503 with Retry-After → service-unavailable; asking again at once → retry-ignored', async () => {
      const url = await serve(slowGateway(0));
      const first = await observe(harness, 1, () => curl(harness, ['-s', '-o', '/dev/null', `${url}/maintenance`]));
      const finding = findingOf(first.records[0], first.texts[0], 'service-unavailable', 'error');
      expect(wording(finding)).toContain('Retry-After');
      expect(wording(finding)).toMatch(/120|2 min/);
      expect(ruleIds(first.records[0])).not.toContain('retry-ignored');

      const again = await observe(harness, 1, () => curl(harness, ['-s', '-o', '/dev/null', `${url}/maintenance`]));
      const early = findingOf(again.records[0], again.texts[0], 'retry-ignored', 'warn');
      expect(early.summary).toContain(`#${first.records[0].seq}`);
      expect(early.summary).toMatch(/Retry-After \(120\)/);
    });

    test('curl: 429 with Retry-After and RateLimit headers → rate-limited; the next request → retry-ignored', async () => {
      const url = await serve(throttledApi(2));
      const { records, texts } = await observe(harness, 4, async () => {
        let last: CommandResult | undefined;
        for (let i = 0; i < 4; i++) last = await curl(harness, ['-s', '-o', '/dev/null', `${url}/api/v4/projects?page=${i + 1}`]);
        return last as CommandResult;
      });
      expect(records.map((r) => r.response?.status)).toEqual([200, 200, 429, 429]);
      expect(records[0].findings).toEqual([]);
      expect(records[1].findings).toEqual([]);
      const limited = findingOf(records[2], texts[2], 'rate-limited', 'error');
      expect(wording(limited)).toContain('Retry-After');
      expect(wording(limited)).toMatch(/limit/i);
      expect(wording(limited)).toMatch(/backoff|back off/i);
      expect(ruleIds(records[2])).not.toContain('retry-ignored');
      findingOf(records[3], texts[3], 'rate-limited', 'error');
      const early = findingOf(records[3], texts[3], 'retry-ignored', 'warn');
      expect(early.summary).toContain(`#${records[2].seq}`);
    });

    pyTest('requests: a loop that ignores Retry-After → rate-limited, then retry-ignored', async () => {
      const url = await serve(throttledApi(1));
      const { records, texts, outcome } = await observe(harness, 3, () =>
        python(harness, `s = requests.Session()\ncodes = [s.get(${JSON.stringify(`${url}/rest/api/2/search`)}, proxies=proxies).status_code for _ in range(3)]\nprint(codes)`),
      );
      expect(outcome.stdout.trim()).toBe('[200, 429, 429]');
      findingOf(records[1], texts[1], 'rate-limited', 'error');
      findingOf(records[2], texts[2], 'retry-ignored', 'warn');
    });
  });

  describe('request shape', () => {
    let gitlabUrl: string;
    let strictUrl: string; // answers 415 unless the body is declared as JSON

    beforeAll(async () => {
      gitlabUrl = await serve(gitlabApi());
      strictUrl = await serve((req, res) => {
        void readBody(req).then(() => {
          if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
            return sendJson(res, 415, { type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: 'Content-Type must be application/json' }, { 'Content-Type': 'application/problem+json' });
          }
          return sendJson(res, 201, { id: 1 });
        });
      });
    });

    test('curl: JSON POST with the Content-Type removed → 400 "title is missing" → missing-content-type', async () => {
      const { records, texts } = await observe(harness, 1, () =>
        curl(harness, ['-s', '-H', `PRIVATE-TOKEN: ${gitlab.token}`, '-H', 'Content-Type:', '--data-binary', '{"title":"Bug","labels":"backend"}', `${gitlabUrl}/api/v4/projects/7/issues`]),
      );
      expect(records[0].response?.status).toBe(400);
      expect(records[0].request.headers.some(([name]) => name.toLowerCase() === 'content-type')).toBe(false);
      const finding = findingOf(records[0], texts[0], 'missing-content-type', 'error');
      expect(wording(finding)).toMatch(/JSON/);
      expect(wording(finding)).toContain('Content-Type: application/json');
    });

    pyTest('requests: data=json.dumps(...) (no Content-Type) → 415 → missing-content-type', async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        python(harness, `r = requests.post(${JSON.stringify(`${strictUrl}/v1/items`)}, data=json.dumps({'name': 'widget', 'qty': 3}), proxies=proxies)\nprint(r.status_code)`),
      );
      expect(outcome.stdout.trim()).toBe('415');
      const finding = findingOf(records[0], texts[0], 'missing-content-type', 'error');
      expect(wording(finding)).toContain('Content-Type: application/json');
    });

    test('curl: a trailing comma in the JSON body → invalid-json-body with line and column', async () => {
      const { records, texts } = await observe(harness, 1, () =>
        curl(harness, ['-s', '-H', `PRIVATE-TOKEN: ${gitlab.token}`, '--json', '{"title": "Bug",}', `${gitlabUrl}/api/v4/projects/7/issues`]),
      );
      expect(records[0].response?.status).toBe(400);
      const finding = findingOf(records[0], texts[0], 'invalid-json-body', 'error');
      expect(wording(finding)).toMatch(/line 1, column 17/);
      expect(wording(finding)).toMatch(/trailing comma/i);
    });

    pyTest("requests: a hand-built body with Python's True → invalid-json-body at line 3", async () => {
      const { records, texts, outcome } = await observe(harness, 1, () =>
        python(
          harness,
          `body = '{\\n  "name": "widget",\\n  "active": True\\n}'\nr = requests.post(${JSON.stringify(`${strictUrl}/v1/items`)}, data=body, headers={'Content-Type': 'application/json'}, proxies=proxies)\nprint(r.status_code)`,
        ),
      );
      expect(outcome.stdout.trim()).toBe('201'); // this server accepted it unparsed; the body is still broken
      const finding = records[0].findings.find((f) => f.rule === 'invalid-json-body');
      if (!finding) throw new Error(`no invalid-json-body finding; got:\n${describeFindings(records[0])}`);
      expect(wording(finding)).toMatch(/line 3, column 13/);
      expect(wording(finding)).toMatch(/True/);
      expect(texts[0]).toContain(' invalid-json-body  ');
    });
  });

  describe('transport failures', () => {
    test('curl: an unresolvable host → upstream-dns-failure naming the host', async () => {
      const { records, texts } = await observe(harness, 1, () => curl(harness, ['-s', '-o', '/dev/null', 'http://gitlab.corp.invalid/api/v4/projects']));
      expect(records[0].error?.kind).toBe('dns');
      expect(wording(findingOf(records[0], texts[0], 'upstream-dns-failure', 'error'))).toContain('gitlab.corp.invalid');
    });

    test('curl: nothing listening → upstream-connection-refused naming host:port', async () => {
      const port = await closedPort();
      const { records, texts } = await observe(harness, 1, () => curl(harness, ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/rest/api/2/myself`]));
      expect(records[0].error?.kind).toBe('refused');
      expect(wording(findingOf(records[0], texts[0], 'upstream-connection-refused', 'error'))).toContain(`127.0.0.1:${port}`);
    });

    test('curl without --cacert rejects proxydoc certificate → client-rejected-proxy-ca with the curl fix', async () => {
      const url = await serveTls((_req, res) => res.end('x'));
      const { records, texts, outcome } = await observe(harness, 1, () => run('curl', ['-sS', '-x', harness.proxy.url, `${url}/`]));
      expect(outcome.code).toBe(60);
      expect(records[0].error?.kind).toBe('client-tls-rejected');
      expect(wording(findingOf(records[0], texts[0], 'client-rejected-proxy-ca', 'error'))).toContain('--cacert');
    });
  });

  test('proxydoc.log carries the findings under their exchanges', () => {
    const log = harness.readLog();
    for (const rule of ['encoded-slash', 'validation-failed', 'spam-or-captcha', 'anonymous-restricted-resource', 'auth-scheme-mismatch', 'auth-header-misspelled', 'token-expired', 'oauth-error', 'gateway-timeout', 'service-unavailable', 'rate-limited', 'retry-ignored', 'missing-content-type', 'invalid-json-body', 'upstream-dns-failure', 'upstream-connection-refused', 'client-rejected-proxy-ca']) {
      expect(log).toContain(` ${rule}  `);
    }
    expect(log).toContain('AllowEncodedSlashes NoDecode');
    // Every credential these stories sent (right or wrong) stays out of the human-readable log.
    const secrets = [gitlab.token, jira.pat, jira.apiToken, 'rotated-secret', ...Object.values(OAUTH_CLIENTS).map((c) => c.secret), ...Object.values(OAUTH_USERS)];
    for (const secret of secrets) expect({ secret, found: log.includes(secret) }).toEqual({ secret, found: false });
    expect(harness.seen.length).toBeGreaterThan(20);
  });
});

describe('gateway timeouts with configured thresholds', () => {
  let harness: Harness;
  let gateway: Closable & { url: string };

  beforeAll(async () => {
    harness = await startHarness({ timeouts: [{ name: 'test gateway timeout', seconds: 0.5 }] });
    gateway = await startHttpServer(slowGateway(450)); // the backend behind it takes longer than the gateway waits
  });
  afterAll(async () => {
    await harness.close();
    await gateway.close();
  });

  test.each([
    { path: '/timeout', status: 504 },
    { path: '/bad', status: 502 },
    { path: '/busy', status: 503 },
  ])('curl: $status after ~0.45 s → gateway-timeout naming the configured threshold', async ({ path, status }) => {
    const { records, texts } = await observe(harness, 1, () => curl(harness, ['-s', '-o', '/dev/null', `${gateway.url}${path}`]));
    const record = records[0];
    expect(record.response?.status).toBe(status);
    expect(record.phases.total).toBeGreaterThanOrEqual(400);
    const finding = findingOf(record, texts[0], 'gateway-timeout', 'error');
    expect(finding.summary).toContain('your "test gateway timeout" timeout (0.5 s, from the config)');
    expect(finding.nextSteps.join('\n')).toContain('Raise your "test gateway timeout" timeout (0.5 s)');
    // One exchange, one explanation: the timeout-shaped 502/503 is not explained again.
    expect(ruleIds(record)).not.toContain('bad-gateway');
    expect(ruleIds(record)).not.toContain('service-unavailable');
  });

  pyTest('requests: a POST that hits the gateway timeout → gateway-timeout warns it may have been carried out', async () => {
    const { records, texts, outcome } = await observe(harness, 1, () =>
      python(harness, `r = requests.post(${JSON.stringify(`${gateway.url}/timeout`)}, json={'report': 'q3'}, proxies=proxies)\nprint(r.status_code)`),
    );
    expect(outcome.stdout.trim()).toBe('504');
    const finding = findingOf(records[0], texts[0], 'gateway-timeout', 'error');
    expect(finding.summary).toContain('"test gateway timeout"');
    expect(wording(finding)).toMatch(/POST is not idempotent/);
  });
});
