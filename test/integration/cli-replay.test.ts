/**
 * `proxydoc replay`, run as the built CLI against records the real proxy made: what reaches the server is compared
 * to the byte with what reached it the first time, edits change exactly what they say, refusals send nothing, and
 * secrets never reach the terminal.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as net from 'node:net';
import { runBin } from '../helpers/cli';
import { curl, startHarness, type CommandResult, type Harness } from '../helpers/proxy-harness';
import { closedPort, makeUpstreamCa, startHttpServer, startHttpsServer, startRawServer, type RawExchange } from '../helpers/servers';
import { jira, jiraApi } from '../helpers/fake-apis';
import type { ExchangeRecord } from '../../src/model/exchange';

type RawServer = Awaited<ReturnType<typeof startRawServer>>;

function ok(_exchange: RawExchange, socket: net.Socket): void {
  socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok');
}

/** Everything a user sees of a run, for the "no secret on the terminal" checks. */
function shown(result: CommandResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

describe('proxydoc replay', () => {
  let harness: Harness;
  let raw: RawServer;
  let tmp: string;
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;

  beforeAll(async () => {
    raw = await startRawServer(ok);
    upstreamCa = await makeUpstreamCa();
    harness = await startHarness({ upstreamCa: [upstreamCa.caPath] });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-replay-'));
  });
  afterAll(async () => {
    await harness.close();
    await raw.close();
    upstreamCa.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Sends through the proxy with curl and resolves with the record it made. */
  async function capture(args: string[], options: { input?: Buffer } = {}, on: Harness = harness): Promise<ExchangeRecord> {
    const before = on.seen.length;
    await curl(on, args, options);
    const records = await on.records(before + 1);
    return records[before];
  }

  const replay = (args: string[], options: { input?: Buffer } = {}, on: Harness = harness): Promise<CommandResult> =>
    runBin(['replay', ...args, '--log-dir', on.config.logDir], { cwd: tmp, input: options.input });

  const recordsReplaying = (original: ExchangeRecord, on: Harness = harness): ExchangeRecord[] =>
    on.readJsonl().filter((record) => record.replayOf === original.id);

  test('a GET arrives again byte for byte: request line, header names in order and case, body', async () => {
    const original = await capture(['-H', 'X-Custom: 1', '-H', 'x-lower: two', '-H', 'X-CUSTOM: 3', `http://127.0.0.1:${raw.port}/items?q=a+b&x=%2F`]);
    const first = raw.seen.length - 1;
    const result = await replay([original.id]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(raw.seen).toHaveLength(first + 2);
    expect(raw.seen[first + 1].head).toBe(raw.seen[first].head);
    expect(raw.seen[first + 1].body.equals(raw.seen[first].body)).toBe(true);
    expect(result.stdout).toContain(`GET http://127.0.0.1:${raw.port}/items?q=a+b&x=%2F → 200 OK`);
    expect(result.stdout).toContain(`↻ replay of ${original.id}`);
    expect(result.stdout).toContain(`compared with #${original.seq}:`);
    expect(result.stdout).toContain('  request   sent as recorded');
  });

  test('the replay is a new record in exchanges.jsonl with replayOf and the next seq', async () => {
    const original = await capture([`http://127.0.0.1:${raw.port}/recorded`]);
    const seqsBefore = harness.readJsonl().map((record) => record.seq);
    const result = await replay([`#${original.seq}`, '--json']);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as ExchangeRecord;
    const written = recordsReplaying(original);
    expect(written).toHaveLength(1);
    expect(written[0].id).toBe(printed.id);
    expect(written[0].replayOf).toBe(original.id);
    expect(written[0].seq).toBe(Math.max(...seqsBefore) + 1);
    expect(written[0].response?.status).toBe(200);
    expect(harness.readLog()).toContain(`↻ replay of ${original.id}`);
  });

  test.each([
    ['an encoded slash', '/api/v4/projects/acme%2Fbackend'],
    ['a double slash', '//double//slashes/'],
  ])('%s in the path reaches the server unchanged', async (_name, target) => {
    const original = await capture(['--path-as-is', `http://127.0.0.1:${raw.port}${target}`]);
    const first = raw.seen.length - 1;
    expect(raw.seen[first].head.split('\r\n')[0]).toBe(`GET ${target} HTTP/1.1`);
    const result = await replay([original.id]);
    expect(result.code).toBe(0);
    expect(raw.seen[first + 1].head).toBe(raw.seen[first].head);
  });

  describe('a POST with a binary body', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_v, i) => i));
    let original: ExchangeRecord;
    let first: number;

    beforeAll(async () => {
      original = await capture(['-H', 'Content-Type: application/octet-stream', '--data-binary', '@-', `http://127.0.0.1:${raw.port}/upload`], { input: bytes });
      first = raw.seen.length - 1;
      expect(raw.seen[first].body.equals(bytes)).toBe(true);
    });

    test('is refused without --yes, and nothing is sent or recorded', async () => {
      const result = await replay([original.id]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`proxydoc: #${original.seq} is a POST; replaying it may create a second issue/charge/… — pass --yes to send it anyway\n`);
      expect(result.stdout).toBe('');
      expect(raw.seen).toHaveLength(first + 1);
      expect(recordsReplaying(original)).toHaveLength(0);
    });

    test('is sent byte for byte with --yes', async () => {
      const result = await replay([original.id, '--yes']);
      expect(result.code).toBe(0);
      expect(raw.seen[first + 1].head).toBe(raw.seen[first].head);
      expect(raw.seen[first + 1].body.equals(bytes)).toBe(true);
    });

    test('--body @file replaces the body and its Content-Length', async () => {
      const file = path.join(tmp, 'body.bin');
      fs.writeFileSync(file, Buffer.from([0, 1, 2, 255, 254]));
      const result = await replay([original.id, '--yes', '--body', '@body.bin']);
      expect(result.code).toBe(0);
      const seen = raw.seen[raw.seen.length - 1];
      expect(seen.body.equals(Buffer.from([0, 1, 2, 255, 254]))).toBe(true);
      expect(seen.head).toBe(raw.seen[first].head.replace('Content-Length: 256', 'Content-Length: 5'));
      expect(result.stdout).toContain('body 256 B → 5 B');
    });

    test('--body - reads standard input', async () => {
      const result = await replay([original.id, '--yes', '--body', '-'], { input: Buffer.from('from stdin') });
      expect(result.code).toBe(0);
      expect(raw.seen[raw.seen.length - 1].body.toString()).toBe('from stdin');
    });
  });

  describe('edits on a GET', () => {
    let original: ExchangeRecord;
    let first: number;

    beforeAll(async () => {
      original = await capture(['-H', 'X-Debug: 1', '-H', 'Accept: application/json', `http://127.0.0.1:${raw.port}/edit/me`]);
      first = raw.seen.length - 1;
    });

    const lastHead = (): string => raw.seen[raw.seen.length - 1].head;

    test('--remove-header drops the header (any case) and nothing else', async () => {
      const result = await replay([original.id, '--remove-header', 'x-debug']);
      expect(result.code).toBe(0);
      expect(lastHead()).toBe(raw.seen[first].head.replace('X-Debug: 1\r\n', ''));
      expect(result.stdout).toContain('  request   − X-Debug: 1');
    });

    test('--header replaces in place, with the new letter case', async () => {
      const result = await replay([original.id, '-H', 'accept: text/plain']);
      expect(result.code).toBe(0);
      expect(lastHead()).toBe(raw.seen[first].head.replace('Accept: application/json', 'accept: text/plain'));
    });

    test('--method changes the method and nothing else: a bodiless PUT gets no framing headers (RFC 9112 §6.3)', async () => {
      const result = await replay([original.id, '--method', 'PUT']);
      expect(result.code).toBe(0);
      expect(lastHead()).toBe(raw.seen[first].head.replace(/^GET /, 'PUT '));
      expect(raw.seen[raw.seen.length - 1].body).toHaveLength(0);
      expect(result.stdout).toContain('method GET → PUT');
    });

    test('--url sends to another raw target', async () => {
      const result = await replay([original.id, '--url', `http://127.0.0.1:${raw.port}/other%2Fpath//x`]);
      expect(result.code).toBe(0);
      expect(lastHead()).toBe(raw.seen[first].head.replace('GET /edit/me ', 'GET /other%2Fpath//x '));
    });

    test('a non-idempotent --method needs --yes', async () => {
      const count = raw.seen.length;
      const result = await replay([original.id, '--method', 'PATCH']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`this replay of #${original.seq} is a PATCH; replaying it may create a second`);
      expect(raw.seen).toHaveLength(count);
    });

    test('usage errors name the problem and the fix', async () => {
      const bad = await replay([original.id, '--header', 'no colon here']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('proxydoc: --header "no colon here" is not \'Name: value\'; e.g. --header \'Authorization: Bearer …\'; see proxydoc replay --help\n');
      const probe = await replay([original.id, '--probe', '--method', 'PUT']);
      expect(probe.code).toBe(2);
      expect(probe.stderr).toContain('--probe tries its own variations of the request; drop --method');
      const missing = await replay(['999999']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^proxydoc: no record #999999 in /);
    });
  });

  describe('against a fake Jira', () => {
    let api: Awaited<ReturnType<typeof startHttpServer>>;
    const basic = Buffer.from(`${jira.email}:${jira.apiToken}`).toString('base64');

    beforeAll(async () => {
      api = await startHttpServer(jiraApi('Bearer'));
    });
    afterAll(() => api.close());

    test('--header with the right credential turns the 401 into a 200: exit 0, findings gone, no secret shown', async () => {
      const original = await capture(['-H', `Authorization: Basic ${basic}`, `${api.url}/rest/api/2/myself`]);
      expect(original.response?.status).toBe(401);
      expect(original.findings.length).toBeGreaterThan(0);

      const unchanged = await replay([original.id]);
      expect(unchanged.code).toBe(1);
      expect(unchanged.stdout).toContain('401 Unauthorized → 401 Unauthorized');
      // The third 401 in a row is a loop: the diagnosis saw the original and the first replay, both read back from
      // exchanges.jsonl by this new process.
      const again = await replay([original.id]);
      expect(again.code).toBe(1);
      expect(again.stdout).toContain(' · new: auth-failure-loop');

      const fixed = await replay([original.id, '--header', `Authorization: Bearer ${jira.pat}`]);
      expect(fixed.stderr).toBe('');
      expect(fixed.code).toBe(0);
      expect(fixed.stdout).toContain('  status    401 Unauthorized → 200 OK');
      expect(fixed.stdout).toContain(`  findings  gone: ${original.findings.map((finding) => finding.rule).join(', ')} · new: none`);
      expect(fixed.stdout).toMatch(/~ Authorization: Basic user=dev@example\.test ‹\d+ chars, sha256:[0-9a-f]{6}› → Bearer ‹\d+ chars, sha256:[0-9a-f]{6}›/);
      expect(fixed.stdout).toContain('− WWW-Authenticate: Bearer realm="Jira"');

      const asJson = await replay([original.id, '--header', `Authorization: Bearer ${jira.pat}`, '--json']);
      expect((JSON.parse(asJson.stdout) as ExchangeRecord).request.headers).toContainEqual(['Authorization', expect.stringMatching(/^Bearer ‹\d+ chars/)]);
      // …while exchanges.jsonl keeps the credential, so the replay can itself be replayed.
      expect(recordsReplaying(original).at(-1)?.request.headers).toContainEqual(['Authorization', `Bearer ${jira.pat}`]);

      for (const result of [unchanged, again, fixed, asJson]) {
        for (const secret of [jira.pat, jira.apiToken, basic]) expect(shown(result)).not.toContain(secret);
      }
    });
  });

  describe('a request body truncated at capture', () => {
    let small: Harness;
    let original: ExchangeRecord;
    const full = Buffer.from('x'.repeat(100));

    beforeAll(async () => {
      small = await startHarness({ maxBodyCapture: 16 });
      original = await capture(['-X', 'PUT', '--data-binary', '@-', `http://127.0.0.1:${raw.port}/big`], { input: full }, small);
      expect(original.request.body.truncated).toBe(true);
    });
    afterAll(() => small.close());

    test('is refused, saying how much was kept and how to pass the full body', async () => {
      const count = raw.seen.length;
      const result = await replay([original.id], {}, small);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`proxydoc: request body of #${original.seq} was truncated at capture (16 B of 100 B recorded); pass --body @file with the full body\n`);
      expect(raw.seen).toHaveLength(count);
    });

    test('is sent with --body', async () => {
      fs.writeFileSync(path.join(tmp, 'full.txt'), full);
      const result = await replay([original.id, '--body', '@full.txt'], {}, small);
      expect(result.code).toBe(0);
      expect(raw.seen[raw.seen.length - 1].body.equals(full)).toBe(true);
    });
  });

  describe('an HTTPS original', () => {
    let server: Awaited<ReturnType<typeof startHttpsServer>>;
    const seen: string[] = [];

    beforeAll(async () => {
      server = await startHttpsServer(upstreamCa.leaves, (req, res) => {
        seen.push(`${req.method} ${req.url} ${req.headers['x-token-ish'] ?? ''}`);
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('secure');
      });
    });
    afterAll(() => server.close());

    test('is replayed over TLS, verified against --upstream-ca', async () => {
      const original = await capture(['-H', 'X-Token-Ish: abc', `https://127.0.0.1:${server.port}/secure%2Fpath`]);
      expect(original.response?.status).toBe(200);
      const result = await replay([original.id, '--upstream-ca', upstreamCa.caPath]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(seen).toEqual(['GET /secure%2Fpath abc', 'GET /secure%2Fpath abc']);
      expect(recordsReplaying(original)[0].upstream?.tls).toMatch(/^TLSv1\.[23]$/);
    });

    test('fails as a TLS error (exit 1) when the certificate is not trusted', async () => {
      const original = await capture([`https://127.0.0.1:${server.port}/untrusted`]);
      const result = await replay([original.id]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('✖ tls');
      expect(result.stdout).toContain('upstream-tls-error');
    });
  });

  test('--via sends through another proxy, which records the replay too', async () => {
    const via = await startHarness();
    try {
      const original = await capture(['-H', 'X-Via-Test: 1', `http://127.0.0.1:${raw.port}/via%2Fme//x`]);
      const first = raw.seen.length - 1;
      const result = await replay([original.id, '--via', via.proxy.url]);
      expect(result.code).toBe(0);
      const [throughVia] = await via.records(1);
      expect(throughVia.request.url).toBe(original.request.url);
      expect(raw.seen[first + 1].head).toBe(raw.seen[first].head);
      expect(recordsReplaying(original)[0].upstream?.viaProxy).toBe(via.proxy.url);
    } finally {
      await via.close();
    }
  });

  test('--probe hands the record to the probes, through a session on the same log directory', async () => {
    const original = await capture([`http://127.0.0.1:${raw.port}/nothing-to-probe`]);
    const count = raw.seen.length;
    const result = await replay([original.id, '--probe']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^proxydoc: #${original.seq} has no finding proxydoc can probe`));
    expect(raw.seen).toHaveLength(count);
  });

  test('a transport failure is recorded and exits 1', async () => {
    const port = await closedPort();
    const original = await capture([`http://127.0.0.1:${port}/nothing`]);
    expect(original.error?.kind).toBe('refused');
    const result = await replay([original.id]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✖ refused ECONNREFUSED');
    expect(result.stdout).toContain('  status    ✖ refused ECONNREFUSED → ✖ refused ECONNREFUSED');
    expect(recordsReplaying(original)[0].error?.kind).toBe('refused');
  });
});
