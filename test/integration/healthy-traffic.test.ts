/**
 * Healthy traffic gets no finding (RULES.md): dozens of ordinary, successful exchanges of every common shape —
 * CRUD, 201 + Location, 204, HEAD, same-host redirects, 304, gzip, chunked, ranges, HTTPS, query strings, a Bearer
 * JWT valid for hours, cookies, Basic, a form login, an OAuth token — through the running proxy with curl and
 * Python `requests`, and not one of them may get an `error` or `warn` finding.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { ExchangeRecord } from '../../src/model/exchange';
import { curl, run, startHarness, type CommandResult, type Harness } from '../helpers/proxy-harness';
import { makeUpstreamCa, startHttpServer, startHttpsServer, type Closable } from '../helpers/servers';
import { healthyApi, makeJwt } from '../helpers/fake-apis';

const PYTHON_REQUESTS = spawnSync('python3', ['-c', 'import requests'], { stdio: 'ignore' }).status === 0;
if (!PYTHON_REQUESTS) {
  console.warn('healthy-traffic: python3 cannot import requests; the Python `requests` cases are skipped.');
}
const pyTest = PYTHON_REQUESTS ? test : test.skip;

const pythonEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(https?_proxy|all_proxy|no_proxy|requests_ca_bundle|curl_ca_bundle|ssl_cert_file)$/i.test(name)),
);

/** "#12 GET http://… → 200: rule (warn): summary" for every error/warn finding, so a failure shows them all. */
function offending(records: readonly ExchangeRecord[]): string[] {
  return records.flatMap((record) =>
    record.findings
      .filter((finding) => finding.severity === 'error' || finding.severity === 'warn')
      .map(
        (finding) =>
          `#${record.seq} ${record.request.method} ${record.request.url} → ${record.response?.status ?? record.error?.code}: ` +
          `${finding.rule} (${finding.severity}): ${finding.summary} | evidence: ${finding.evidence.join(' · ')}`,
      ),
  );
}

describe('healthy traffic through proxydoc gets no error or warn finding', () => {
  let harness: Harness;
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;
  let plain: Closable & { url: string };
  let secure: Closable & { port: number };
  let secureUrl: string;
  /** Every record the tests produced, for the final count. */
  const all: ExchangeRecord[] = [];
  const now = Math.floor(Date.now() / 1000);
  // A token from an SSO that is valid for hours: issued a minute ago, expires in six hours.
  const jwt = makeJwt({ iss: 'https://sso.example.test', sub: 'alice', aud: 'api', iat: now - 60, nbf: now - 60, exp: now + 6 * 3600, scope: 'read:items write:items' });

  beforeAll(async () => {
    upstreamCa = await makeUpstreamCa();
    harness = await startHarness({ upstreamCa: [upstreamCa.caPath] });
    plain = await startHttpServer(healthyApi());
    secure = await startHttpsServer(upstreamCa.leaves, healthyApi());
    secureUrl = `https://127.0.0.1:${secure.port}`;
  });

  afterAll(async () => {
    await harness.close();
    await plain.close();
    await secure.close();
    upstreamCa.cleanup();
  });

  /** Runs clients, waits for their `count` records, checks they succeeded and carry no error/warn finding. */
  async function healthy(count: number, action: () => Promise<CommandResult | CommandResult[]>): Promise<{ records: ExchangeRecord[]; outcomes: CommandResult[] }> {
    const before = harness.seen.length;
    const outcome = await action();
    const outcomes = Array.isArray(outcome) ? outcome : [outcome];
    for (const result of outcomes) expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const records = (await harness.records(before + count)).slice(before);
    all.push(...records);
    for (const record of records) {
      expect(record.error).toBeUndefined();
      expect(record.response?.status).toBeLessThan(400);
    }
    expect(offending(records)).toEqual([]);
    return { records, outcomes };
  }

  async function curls(...calls: string[][]): Promise<CommandResult[]> {
    const results: CommandResult[] = [];
    for (const args of calls) results.push(await curl(harness, ['-sS', ...args]));
    return results;
  }

  function python(script: string): Promise<CommandResult> {
    const prelude = ['import json, sys, requests', 'PROXY, CA = sys.argv[1], sys.argv[2]', "proxies = {'http': PROXY, 'https': PROXY}", ''].join('\n');
    return run('python3', ['-c', prelude + script, harness.proxy.url, harness.proxy.caCertPath], { env: pythonEnv });
  }

  test('curl: JSON CRUD over HTTP — GET with a query, POST 201 + Location, GET, PUT, PATCH, DELETE 204, HEAD', async () => {
    const base = `${plain.url}/api/items`;
    const { records, outcomes } = await healthy(7, () =>
      curls(
        [`${base}?page=1&per_page=20&sort=-created_at`],
        ['-i', '--json', '{"name":"second"}', base],
        [`${base}/2`, '-H', 'Accept: application/json'],
        ['-X', 'PUT', '--json', '{"name":"second, renamed"}', `${base}/2`],
        ['-X', 'PATCH', '--json', '{"name":"second, patched"}', `${base}/2`],
        ['-X', 'DELETE', '-o', '/dev/null', '-w', '%{http_code}', `${base}/2`],
        ['-I', base],
      ),
    );
    expect(records.map((r) => `${r.request.method} ${r.response?.status}`)).toEqual(['GET 200', 'POST 201', 'GET 200', 'PUT 200', 'PATCH 200', 'DELETE 204', 'HEAD 200']);
    expect(outcomes[1].stdout).toMatch(/\r\nLocation: \/api\/items\/2\r\n/);
    expect(outcomes[5].stdout).toBe('204');
  });

  test('curl: conditional GET answered 304 Not Modified', async () => {
    let etag: string | undefined;
    const { records } = await healthy(2, async () => {
      const first = await curl(harness, ['-sS', '-i', `${plain.url}/api/items/1`]);
      etag = /\r\nETag: ("[^"]+")/i.exec(first.stdout)?.[1];
      return [first, await curl(harness, ['-sS', '-H', `If-None-Match: ${etag ?? '"none"'}`, '-o', '/dev/null', `${plain.url}/api/items/1`])];
    });
    expect(etag).toBeDefined();
    expect(records.map((r) => r.response?.status)).toEqual([200, 304]);
  });

  test('curl -L: 301 and 302 same-host redirects, and a 307 that keeps the POST', async () => {
    const { records, outcomes } = await healthy(6, () =>
      curls(
        ['-L', `${plain.url}/api/v1/items`],
        ['-L', `${plain.url}/latest?expand=owner`],
        ['-L', '--json', '{"name":"via 307"}', `${plain.url}/api/items-upload`],
      ),
    );
    expect(records.map((r) => r.response?.status)).toEqual([301, 200, 302, 200, 307, 201]);
    expect(JSON.parse(outcomes[2].stdout)).toMatchObject({ name: 'via 307' });
  });

  test('curl: gzip (--compressed), a chunked NDJSON stream, a byte range, query strings', async () => {
    const { records, outcomes } = await healthy(4, () =>
      curls(
        ['--compressed', `${plain.url}/api/report`],
        [`${plain.url}/api/events`],
        ['-r', '0-9', `${plain.url}/api/blob`],
        [`${plain.url}/api/search?q=hello%20world&tag=a&tag=b&empty=&unicode=%C3%A9t%C3%A9`],
      ),
    );
    expect(JSON.parse(outcomes[0].stdout).rows).toHaveLength(200);
    expect(records[0].response?.headers).toContainEqual(['Content-Encoding', 'gzip']);
    expect(outcomes[1].stdout.trim().split('\n')).toHaveLength(5);
    expect(records[1].response?.headers.some(([n, v]) => n.toLowerCase() === 'transfer-encoding' && v === 'chunked')).toBe(true);
    expect(outcomes[2].stdout).toBe('0123456789');
    expect(records[2].response?.status).toBe(206);
    expect(JSON.parse(outcomes[3].stdout)).toMatchObject({ q: 'hello world', tags: ['a', 'b'] });
  });

  test('curl: credentials that work — a Bearer JWT valid for hours, Basic, a form login and its cookie, an OAuth token', async () => {
    const jar = path.join(harness.dir, 'cookies.txt');
    const { outcomes } = await healthy(5, () =>
      curls(
        ['-H', `Authorization: Bearer ${jwt}`, `${plain.url}/api/me`],
        ['-u', 'alice:alice-pw', `${plain.url}/api/me`],
        ['-c', jar, '-d', 'username=alice&password=alice-pw', `${plain.url}/login`],
        ['-b', jar, `${plain.url}/api/me`],
        ['-d', 'grant_type=client_credentials&client_id=batch-job&client_secret=batch-secret', `${plain.url}/oauth/token`],
      ),
    );
    expect(JSON.parse(outcomes[0].stdout)).toEqual({ user: 'alice', via: 'jwt' });
    expect(JSON.parse(outcomes[1].stdout)).toEqual({ user: 'alice', via: 'basic' });
    expect(JSON.parse(outcomes[3].stdout)).toEqual({ user: 'alice', via: 'cookie' });
    expect(JSON.parse(outcomes[4].stdout)).toMatchObject({ token_type: 'Bearer' });
  });

  test('curl: 202 Accepted, an encoded-slash path the API accepts, a 200 KB upload (Expect: 100-continue), plain text', async () => {
    const big = JSON.stringify({ name: 'bulk', rows: Array.from({ length: 4000 }, (_, i) => ({ i, value: `value-${i}-padding-padding` })) });
    const { records } = await healthy(4, () =>
      Promise.all([
        curls(['--json', '{"kind":"export"}', `${plain.url}/api/jobs`], ['-H', 'PRIVATE-TOKEN: glpat-aaaaBBBBccccDDDDeeee', `${plain.url}/api/v4/projects/acme%2Fbackend`]),
        curl(harness, ['-sS', '-o', '/dev/null', '--json', '@-', `${plain.url}/api/items`], { input: big }),
      ]).then(async ([first, upload]) => [...first, upload, ...(await curls([`${plain.url}/health`]))]),
    );
    const byUrl = (suffix: string): ExchangeRecord | undefined => records.find((r) => r.request.url.endsWith(suffix));
    expect(byUrl('/api/jobs')?.response?.status).toBe(202);
    expect(byUrl('/api/v4/projects/acme%2Fbackend')?.response?.status).toBe(200);
    expect(byUrl('/api/items')?.request.body.size).toBe(Buffer.byteLength(big));
    expect(byUrl('/health')?.response?.status).toBe(200);
  });

  test('curl: everyday API headers that are not misspellings of a credential header', async () => {
    const { records } = await healthy(4, () =>
      curls(
        ['-H', 'X-API-Key: k-0123456789abcdef', '-H', 'X-Request-Id: 7f3c', '-H', 'X-Correlation-Id: abc-123', `${plain.url}/api/items`],
        ['-H', 'X-Auth-Token: t-0123456789', '-H', 'X-CSRF-Token: c-123', '-H', 'X-XSRF-TOKEN: x-123', '-H', 'X-Requested-With: XMLHttpRequest', `${plain.url}/api/items`],
        ['-H', 'X-Atlassian-Token: no-check', '-H', 'X-Authorization: Bearer abc.def', '-H', 'Ocp-Apim-Subscription-Key: 0123456789abcdef', `${plain.url}/api/items`],
        ['-H', `Authorization: Bearer ${jwt}`, '-H', 'X-Amz-Security-Token: FwoGZXIvYXdzEXAMPLE', '-H', 'X-Goog-Api-Key: AIzaEXAMPLE', '-H', 'Api-Key: 0123', `${plain.url}/api/items`],
      ),
    );
    expect(records.map((r) => r.response?.status)).toEqual([200, 200, 200, 200]);
  });

  test('curl: a CORS preflight, a multipart upload, a POST without a body, JSON:API and merge-patch types, If-Match, a JSON token request', async () => {
    const { records } = await healthy(7, () =>
      curls(
        ['-X', 'OPTIONS', '-H', 'Origin: https://app.example.test', '-H', 'Access-Control-Request-Method: PUT', '-H', 'Access-Control-Request-Headers: authorization, content-type', `${plain.url}/api/items/1`],
        ['-F', 'file=@-;filename=notes.txt;type=text/plain', '-F', 'meta={"tags":["a"]};type=application/json', `${plain.url}/api/uploads`],
        ['-X', 'POST', `${plain.url}/api/jobs`],
        ['-H', 'Content-Type: application/vnd.api+json', '-H', 'Accept: application/vnd.api+json', '--data-binary', '{"data":{"type":"jobs","attributes":{"kind":"sync"}}}', `${plain.url}/api/jobs`],
        ['-X', 'PATCH', '-H', 'Content-Type: application/merge-patch+json', '--data-binary', '{"name":"merged"}', `${plain.url}/api/items/1`],
        ['-X', 'PUT', '-H', 'If-Match: *', '--json', '{"name":"first"}', `${plain.url}/api/items/1`],
        ['--json', '{"grant_type":"client_credentials","client_id":"batch-job","client_secret":"batch-secret","audience":"https://api.example.test"}', `${plain.url}/oauth/token`],
      ),
    );
    expect(records.map((r) => r.response?.status)).toEqual([204, 201, 202, 202, 200, 200, 200]);
  });

  test('curl over HTTPS: GET, POST 201, gzip, Bearer, DELETE 204', async () => {
    const { records } = await healthy(5, () =>
      curls(
        [`${secureUrl}/api/items?page=2`],
        ['--json', '{"name":"over tls"}', `${secureUrl}/api/items`],
        ['--compressed', '-o', '/dev/null', `${secureUrl}/api/report`],
        ['-H', `Authorization: Bearer ${jwt}`, `${secureUrl}/api/me`],
        ['-X', 'DELETE', `${secureUrl}/api/items/2`],
      ),
    );
    expect(records.every((r) => r.request.url.startsWith('https://'))).toBe(true);
    expect(records.map((r) => r.response?.status)).toEqual([200, 201, 200, 200, 204]);
  });

  pyTest('requests over HTTPS (verify=proxydoc CA): a Session doing an everyday client job', async () => {
    const script = [
      's = requests.Session()',
      `base = ${JSON.stringify(secureUrl)}`,
      'kw = {"proxies": proxies, "verify": CA, "timeout": 10}',
      'codes = []',
      'codes.append(s.get(base + "/api/items", params={"page": 1, "q": "a b"}, **kw).status_code)',
      'r = s.post(base + "/api/items", json={"name": "from python"}, **kw); codes.append(r.status_code); item = r.headers["Location"]',
      'codes.append(s.put(base + item, json={"name": "renamed"}, **kw).status_code)',
      'codes.append(s.patch(base + item, json={"name": "patched"}, **kw).status_code)',
      'codes.append(s.head(base + "/api/items", **kw).status_code)',
      'codes.append(s.get(base + "/api/report", **kw).status_code)  # requests asks for gzip by default',
      'codes.append(s.get(base + "/api/events", stream=True, **kw).status_code)',
      'r = s.get(base + "/api/v1/items", **kw); codes.append([h.status_code for h in r.history] + [r.status_code])',
      'codes.append(s.post(base + "/login", data={"username": "alice", "password": "alice-pw"}, **kw).status_code)',
      'codes.append(s.get(base + "/api/me", **kw).json()["via"])  # the session cookie',
      `codes.append(s.get(base + "/api/me", headers={"Authorization": "Bearer ${jwt}"}, **kw).json()["via"])`,
      'codes.append(s.post(base + "/oauth/token", data={"grant_type": "client_credentials"}, auth=("batch-job", "batch-secret"), **kw).status_code)',
      'codes.append(s.delete(base + item, **kw).status_code)',
      'print(json.dumps(codes))',
    ].join('\n');
    const { records, outcomes } = await healthy(14, () => python(script));
    expect(JSON.parse(outcomes[0].stdout)).toEqual([200, 201, 200, 200, 200, 200, 200, [301, 200], 200, 'cookie', 'jwt', 200, 204]);
    expect(records.every((r) => r.request.url.startsWith('https://'))).toBe(true);
  });

  pyTest('requests over HTTP: query strings, JSON, form and a 302 followed', async () => {
    const script = [
      `base = ${JSON.stringify(plain.url)}`,
      'codes = []',
      'codes.append(requests.get(base + "/api/search", params={"q": "x/y", "tag": ["a", "b"]}, proxies=proxies).status_code)',
      'codes.append(requests.post(base + "/api/jobs", json={"kind": "import"}, proxies=proxies).status_code)',
      'r = requests.get(base + "/latest", proxies=proxies); codes.append([h.status_code for h in r.history] + [r.status_code])',
      'print(json.dumps(codes))',
    ].join('\n');
    const { outcomes } = await healthy(4, () => python(script));
    expect(JSON.parse(outcomes[0].stdout)).toEqual([200, 202, [302, 200]]);
  });

  test('at least 30 healthy exchanges were checked, and none has an error or warn finding', () => {
    const unique = [...new Set(all)];
    expect(unique.length).toBeGreaterThanOrEqual(PYTHON_REQUESTS ? 60 : 40);
    expect(offending(harness.seen)).toEqual([]);
    expect(harness.readLog()).not.toMatch(/^ {2}[✖⚠] /m);
  });
});
