/**
 * `proxydoc replay N --probe` as a user runs it: the failing call goes through the real proxy (curl → proxydoc →
 * a loopback fake of the API), then the built CLI probes the recorded exchange in a subprocess and its replays go
 * to the same fake. Each test gets its own proxy and log directory, so seqs never collide between the proxy and
 * the CLI appending to one exchanges.jsonl.
 */
import * as http from 'node:http';
import type { ExchangeRecord } from '../../src/model/exchange';
import { headerValue } from '../../src/model/headers';
import { runBin } from '../helpers/cli';
import { apacheInFrontOf, gitlab, gitlabApi, jira, jiraApi, type Handler } from '../helpers/fake-apis';
import { curl, startHarness, type CommandResult, type Harness } from '../helpers/proxy-harness';
import { startHttpServer, type Closable } from '../helpers/servers';

/** A wrong Bearer token: the header is spelled right in the probe, the server still says no. */
const WRONG_TOKEN = 'wrongTokenZZ9aa8bb7cc6dd5';

describe('proxydoc replay N --probe (subprocess)', () => {
  const servers: Closable[] = [];
  let gitlabUrl: string;
  let apacheUrl: string;
  let jiraUrl: string;
  /** Requests the GitLab fake received, to prove that a refused probe sent nothing. */
  const gitlabRequests: string[] = [];
  let harness: Harness;

  async function serve(handler: Handler): Promise<string> {
    const server = await startHttpServer(handler);
    servers.push(server);
    return server.url;
  }

  beforeAll(async () => {
    const gitlabHandler = gitlabApi();
    gitlabUrl = await serve((req: http.IncomingMessage, res: http.ServerResponse) => {
      gitlabRequests.push(`${req.method} ${req.url}`);
      gitlabHandler(req, res);
    });
    apacheUrl = await serve(apacheInFrontOf(Number(new URL(gitlabUrl).port)));
    jiraUrl = await serve(jiraApi('Bearer'));
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  beforeEach(async () => {
    harness = await startHarness();
  });

  afterEach(async () => {
    await harness.close();
  });

  /** Sends one request with curl through the proxy and resolves with its record, once it is on disk. */
  async function capture(args: string[]): Promise<ExchangeRecord> {
    const before = harness.seen.length;
    await curl(harness, args);
    const records = await harness.records(before + 1);
    return records[before];
  }

  function probe(record: ExchangeRecord, ...extra: string[]): Promise<CommandResult> {
    return runBin(['replay', String(record.seq), '--probe', '--log-dir', harness.config.logDir, ...extra]);
  }

  /** The replays the CLI appended to exchanges.jsonl for `original`. */
  function replaysOf(original: ExchangeRecord): ExchangeRecord[] {
    return harness.readJsonl().filter((record) => record.replayOf === original.id);
  }

  function expectNoSecret(result: CommandResult, ...secrets: string[]): void {
    for (const secret of secrets) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
  }

  test('encoded-slash: Apache 404s on %2F but lets %252F and the decoded path through to GitLab → confirmed', async () => {
    const original = await capture(['-H', `PRIVATE-TOKEN: ${gitlab.token}`, `${apacheUrl}/api/v4/projects/acme%2Fbackend`]);
    expect(original.response?.status).toBe(404);
    expect(original.response?.body.text).toContain('Apache/2.4.57');
    expect(original.findings.map((f) => f.rule)).toContain('encoded-slash');

    const result = await probe(original);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const base = `${apacheUrl}/api/v4/projects`;
    expect(result.stdout).toContain(`probe encoded-slash on #${original.seq}: 404 for a path with %2F, answered by Apache httpd`);
    expect(result.stdout).toContain('  with %2F encoded as %252F\n');
    expect(result.stdout).toMatch(new RegExp(`\\n {4}\\S+ #${original.seq + 1} GET ${escape(`${base}/acme%252Fbackend`)} → 404 Not Found .*↻ replay of ${original.id}\\n`));
    expect(result.stdout).toContain('  with the decoded path (/ for the encoded slash)\n');
    expect(result.stdout).toMatch(new RegExp(`\\n {4}\\S+ #${original.seq + 2} GET ${escape(`${base}/acme/backend`)} → 404 Not Found .*↻ replay of ${original.id}\\n`));
    expect(result.stdout).toContain(
      "✔ encoded-slash confirmed: with %2F encoded as %252F the request gets past Apache httpd, and GitLab answers 404 Not Found (was Apache httpd's 404 Not Found)",
    );

    // What the fake really does: both variants reach GitLab, which finds no project named "acme%2Fbackend" nor "acme".
    const replays = replaysOf(original);
    expect(replays.map((r) => [r.seq, r.request.url, r.response?.status, r.response?.body.text])).toEqual([
      [original.seq + 1, `${base}/acme%252Fbackend`, 404, '{"message":"404 Project Not Found"}'],
      [original.seq + 2, `${base}/acme/backend`, 404, '{"message":"404 Project Not Found"}'],
    ]);
    expectNoSecret(result, gitlab.token);
  });

  test('auth-header-misspelled: Autorization → 401, spelled right → 200 → confirmed', async () => {
    const original = await capture(['-H', `Autorization: Bearer ${jira.pat}`, `${jiraUrl}/rest/api/2/myself`]);
    expect(original.response?.status).toBe(401);
    expect(original.findings.map((f) => f.rule)).toContain('auth-header-misspelled');

    const result = await probe(original);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`probe auth-header-misspelled on #${original.seq}: Header Autorization looks like a misspelling of Authorization.\n`);
    expect(result.stdout).toMatch(new RegExp(`\\n {4}\\S+ #${original.seq + 1} GET ${escape(`${jiraUrl}/rest/api/2/myself`)} → 200 OK .*↻ replay of ${original.id}\\n`));
    expect(result.stdout).toContain(
      '✔ auth-header-misspelled confirmed: with `Authorization` spelled right the server answers 200 OK (was 401 Unauthorized)\n',
    );
    const [replay] = replaysOf(original);
    expect(headerValue(replay.request.headers, 'Authorization')).toBe(`Bearer ${jira.pat}`);
    expect(headerValue(replay.request.headers, 'Autorization')).toBeUndefined();
    expect(replaysOf(original)).toHaveLength(1);
    expectNoSecret(result, jira.pat);
  });

  test('missing-content-type on a POST: refused without --yes (nothing sent), confirmed with it', async () => {
    const original = await capture([
      '-H', `PRIVATE-TOKEN: ${gitlab.token}`,
      '-H', 'Content-Type:', // curl drops the header it would add for --data
      '--data-binary', '{"title":"Crash on save"}',
      `${gitlabUrl}/api/v4/projects/7/issues`,
    ]);
    expect(original.response?.status).toBe(400);
    expect(original.response?.body.text).toBe('{"error":"title is missing"}');
    expect(original.findings.map((f) => f.rule)).toContain('missing-content-type');
    const sentBefore = gitlabRequests.length;

    const refused = await probe(original);

    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `proxydoc: #${original.seq} is a POST, which is not idempotent: probing sends it 1 more time, each of which the server may act on; pass --yes to send them\n`,
    );
    expect(gitlabRequests.length).toBe(sentBefore);
    expect(replaysOf(original)).toEqual([]);

    const result = await probe(original, '--yes');

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  with Content-Type: application/json\n');
    expect(result.stdout).toMatch(new RegExp(`\\n {4}\\S+ #${original.seq + 1} POST ${escape(`${gitlabUrl}/api/v4/projects/7/issues`)} → 201 Created .*↻ replay of ${original.id}\\n`));
    expect(result.stdout).toContain('✔ missing-content-type confirmed: with Content-Type: application/json the server answers 201 Created (was 400 Bad Request)\n');
    const [replay] = replaysOf(original);
    expect(headerValue(replay.request.headers, 'Content-Type')).toBe('application/json');
    expect(replay.request.body.text).toBe('{"title":"Crash on save"}');
    expect(gitlabRequests.slice(sentBefore)).toEqual(['POST /api/v4/projects/7/issues']);
    expectNoSecret(result, gitlab.token);
    expectNoSecret(refused, gitlab.token);
  });

  test('auth-header-misspelled with a wrong token: spelled right it is still 401 → refuted, exit 1', async () => {
    const original = await capture(['-H', `Autorization: Bearer ${WRONG_TOKEN}`, `${jiraUrl}/rest/api/2/myself`]);
    expect(original.response?.status).toBe(401);
    expect(original.findings.map((f) => f.rule)).toContain('auth-header-misspelled');

    const result = await probe(original);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`\\n {4}\\S+ #${original.seq + 1} GET ${escape(`${jiraUrl}/rest/api/2/myself`)} → 401 Unauthorized .*↻ replay of ${original.id}\\n`));
    expect(result.stdout).toContain('✖ auth-header-misspelled refuted: the variant still gets 401 Unauthorized — the cause is elsewhere\n');
    const [replay] = replaysOf(original);
    expect(headerValue(replay.request.headers, 'Authorization')).toBe(`Bearer ${WRONG_TOKEN}`);
    expectNoSecret(result, WRONG_TOKEN);
  });

  test('auth-scheme-mismatch: a Jira PAT sent as Basic where Bearer is asked for → confirmed by the same token as Bearer', async () => {
    const original = await capture(['-H', `Authorization: Basic ${jira.pat}`, `${jiraUrl}/rest/api/2/myself`]);
    expect(original.response?.status).toBe(401);
    expect(original.findings.map((f) => f.rule)).toContain('auth-scheme-mismatch');

    const result = await probe(original);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '✔ auth-scheme-mismatch confirmed: with the same credentials under Bearer instead of Basic the server answers 200 OK (was 401 Unauthorized)\n',
    );
    // Both variants were sent; the Basic payload's password alone is not the PAT, so that one still fails.
    const sent = replaysOf(original).map((r) => [r.request.headers.find(([n]) => n.toLowerCase() === 'authorization')?.[1], r.response?.status]);
    const password = Buffer.from(jira.pat, 'base64').toString('utf8').split(':')[1];
    expect(sent).toEqual([
      [`Bearer ${jira.pat}`, 200],
      [`Bearer ${password}`, 401],
    ]);
    expectNoSecret(result, jira.pat, password);
  });

  test('a record with no finding to probe: one line, exit 1, nothing sent', async () => {
    const original = await capture(['-H', `Authorization: Bearer ${jira.pat}`, `${jiraUrl}/rest/api/2/myself`]);
    expect(original.response?.status).toBe(200);

    const result = await probe(original);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `proxydoc: #${original.seq} has no finding proxydoc can probe (findings: none); probes exist for encoded-slash, ` +
        'double-slash-or-dot-segment, auth-scheme-mismatch, missing-content-type, content-type-mismatch, auth-header-misspelled\n',
    );
    expect(replaysOf(original)).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
