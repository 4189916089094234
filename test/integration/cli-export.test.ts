/**
 * `proxydoc export` as a subprocess against records made by the real proxy. The curl commands it prints are run
 * with real bash and curl against the same raw server, which must receive the same bytes as from the original
 * request; HAR output goes through har-validator; raw output is compared with the bytes received and sent again.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExchangeRecord } from '../../src/model/exchange';
import { curl, rawRequest, run, startHarness, type Harness } from '../helpers/proxy-harness';
import { closedPort, makeUpstreamCa, startHttpsServer, startRawServer, type Closable, type RawExchange } from '../helpers/servers';
import { runBin } from '../helpers/cli';

// har-validator ships no types; har() resolves with the document or rejects with the schema errors.
const harValidator = require('har-validator') as { har(data: unknown): Promise<unknown> };

const TOKEN = 'export-secret-token-7c1e4b9a2d';

/**
 * The head as lines, minus what proxydoc's own upstream connection adds and with the one difference curl cannot
 * avoid normalised:
 * - `Connection: keep-alive` is written by Node's keep-alive agent in proxydoc, never sent by the client.
 * - An empty header value: Node writes `Name: `, curl writes `Name:`. RFC 9112 §5.1: the whitespace after the
 *   colon is optional and not part of the value.
 */
function headLines(exchange: RawExchange): string[] {
  return exchange.head
    .split('\r\n')
    .filter((line) => line !== '' && !/^connection: keep-alive$/i.test(line))
    .map((line) => line.replace(/^([^:\s]+):\s*$/, '$1:'));
}

describe('proxydoc export', () => {
  let harness: Harness;
  let server: Awaited<ReturnType<typeof startRawServer>>;
  let secure: Closable & { port: number };
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;
  let work: string;
  /** bash and curl without any proxy settings from the test's environment: the export goes to the server directly. */
  const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, LC_ALL: 'C.utf8', ...extra });
  const exportArgs = (...args: string[]): string[] => ['export', ...args, '--log-dir', harness.config.logDir];
  // --norc: bash reads ~/.bashrc when its stdin is a socket (it takes that for rshd), and Node's pipes are sockets.
  const bash = (script: string, env: Record<string, string> = {}) => run('bash', ['--norc', '--noprofile', '-c', script], { cwd: work, env: cleanEnv(env) });

  beforeAll(async () => {
    server = await startRawServer((_exchange, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok'));
    upstreamCa = await makeUpstreamCa();
    secure = await startHttpsServer(upstreamCa.leaves, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"secure":true}');
    });
    harness = await startHarness({ upstreamCa: [upstreamCa.caPath] });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-export-'));
  });

  afterAll(async () => {
    await harness.close();
    await server.close();
    await secure.close();
    upstreamCa.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Runs `send`, then resolves with the record it produced and what the raw server received from it. */
  async function original(send: () => Promise<unknown>): Promise<{ record: ExchangeRecord; received: RawExchange }> {
    const recordsBefore = harness.seen.length;
    const seenBefore = server.seen.length;
    await send();
    const records = await harness.records(recordsBefore + 1);
    expect(server.seen).toHaveLength(seenBefore + 1);
    return { record: records[recordsBefore], received: server.seen[seenBefore] };
  }

  /** Exports a record as curl, runs the command with bash, and resolves with what the server received from it. */
  async function replayExported(record: ExchangeRecord, env: Record<string, string> = {}, extraArgs: string[] = []): Promise<{ received: RawExchange; stdout: string; stderr: string }> {
    const exported = await runBin(exportArgs(String(record.seq), ...extraArgs), { cwd: work });
    expect(exported.stderr.split('\n').filter((line) => !line.includes('written to'))).toEqual(['']);
    expect(exported.code).toBe(0);
    const seenBefore = server.seen.length;
    const result = await bash(exported.stdout, env);
    // curl's progress meter goes to stderr when its output is not a terminal: only the outcome is checked.
    expect(result).toMatchObject({ code: 0, stdout: 'ok' });
    expect(server.seen).toHaveLength(seenBefore + 1);
    return { received: server.seen[seenBefore], stdout: exported.stdout, stderr: exported.stderr };
  }

  async function expectSameBytes(send: () => Promise<unknown>): Promise<{ record: ExchangeRecord; exported: string; stderr: string }> {
    const first = await original(send);
    const again = await replayExported(first.record);
    expect(headLines(again.received)).toEqual(headLines(first.received));
    expect(again.received.body).toEqual(first.received.body);
    return { record: first.record, exported: again.stdout, stderr: again.stderr };
  }

  const url = (target: string): string => `http://127.0.0.1:${server.port}${target}`;

  describe('--format curl reproduces the request byte for byte', () => {
    test('a POST with JSON, and quotes, $, backquotes, ! and unicode in header values and the body', async () => {
      const json = `{"text":"line1\\nline2\nreal newline","quote":"it's \\"x\\"","unicode":"José ✓ 日本","shell":"$HOME \`id\` !! \\\\"}`;
      const { exported } = await expectSameBytes(() =>
        curl(harness, [
          '-H', 'Content-Type: application/json',
          '-H', `X-Quote: it's "quoted" $HOME \`id\` wow!`,
          '-H', 'X-Unicode: José ✓ 日本',
          '--data-binary', json,
          url('/api/items'),
        ]),
      );
      expect(exported).toContain("-H 'X-Unicode: José ✓ 日本'");
    });

    test('a binary body, sent with --data-binary @FILE written next to the command', async () => {
      const bytes = Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x0d, 0x0a, 0x27, 0x22, 0x24, 0x60, 0x21, 0x89, 0x50, 0x4e, 0x47]);
      const file = path.join(work, 'original.bin');
      fs.writeFileSync(file, bytes);
      const { record, exported, stderr } = await expectSameBytes(() =>
        curl(harness, ['-H', 'Content-Type: application/octet-stream', '--data-binary', `@${file}`, url('/upload')]),
      );
      const bodyFile = path.join(work, `proxydoc-body-${record.seq}.bin`);
      expect(fs.readFileSync(bodyFile)).toEqual(bytes);
      expect((fs.statSync(bodyFile).mode & 0o777).toString(8)).toBe('600');
      expect(exported).toContain(`--data-binary @${bodyFile} `);
      expect(stderr).toBe(`proxydoc: #${record.seq}: body (15 bytes) written to ${bodyFile}, which the command reads\n`);
    });

    test('%2F in the path', async () => {
      const { exported } = await expectSameBytes(() => curl(harness, [url('/api/v4/projects/group%2Fproj/issues?labels=a%2Cb')]));
      expect(exported).not.toContain('--path-as-is');
    });

    test('// and /../ in the path', async () => {
      const { exported } = await expectSameBytes(() => curl(harness, ['--path-as-is', url('/a//b/../c/./d?x=/../y')]));
      expect(exported).toContain('--path-as-is');
    });

    test('an empty body with Content-Length: 0', async () => {
      const { record } = await expectSameBytes(() => curl(harness, ['--data-binary', '', url('/empty')]));
      expect(record.request.headers).toContainEqual(['Content-Length', '0']);
    });

    test('an empty header value, repeated headers and header case', async () => {
      await expectSameBytes(() => curl(harness, ['-X', 'DELETE', '-H', 'X-Empty;', '-H', 'x-lower: 1', '-H', 'X-Rep: a', '-H', 'X-Rep: b', '-H', 'User-Agent:', url('/h')]));
    });

    test('a chunked body: same headers and body bytes, curl chunks it itself', async () => {
      await expectSameBytes(() => curl(harness, ['-H', 'Transfer-Encoding: chunked', '--data-binary', 'chunked body ✓', url('/chunked')]));
    });

    test('a client that sends Host later and in lower case: curl sends it first as "Host", and says so', async () => {
      const first = await original(() =>
        rawRequest(
          harness.proxy.port,
          `PUT ${url('/node')} HTTP/1.1\r\nx-first: 1\r\nhost: 127.0.0.1:${server.port}\r\ncontent-length: 5\r\nConnection: close\r\n\r\nhello`,
        ),
      );
      const exported = await runBin(exportArgs(String(first.record.seq)), { cwd: work });
      expect(exported.stderr).toBe(`proxydoc: #${first.record.seq}: curl always sends Host first and spelled "Host"; the original sent "host" as header 2\n`);
      const seenBefore = server.seen.length;
      expect((await bash(exported.stdout)).code).toBe(0);
      const again = headLines(server.seen[seenBefore]);
      const before = headLines(first.received);
      // The only difference is where curl puts Host and how it spells it (header names are case-insensitive, RFC 9110 §5.1).
      expect(again[1]).toBe(`Host: 127.0.0.1:${server.port}`);
      expect([again[0], ...again.slice(2)]).toEqual(before.filter((line) => !line.startsWith('host:')));
      expect(server.seen[seenBefore].body.toString()).toBe('hello');
    });
  });

  describe('credentials', () => {
    test('a Bearer token becomes $TOKEN: the command works once TOKEN is set, and the token is printed nowhere', async () => {
      const first = await original(() => curl(harness, ['-H', `Authorization: Bearer ${TOKEN}`, url(`/me?access_token=${TOKEN}q`)]));
      const exported = await runBin(exportArgs(String(first.record.seq)), { cwd: work });
      expect(exported.code).toBe(0);
      expect(exported.stdout + exported.stderr).not.toContain(TOKEN);
      expect(exported.stdout).toContain('-H "Authorization: Bearer ${TOKEN:?}"');
      expect(exported.stdout).toMatch(/^# export TOKEN=…  \(Bearer, 30 chars, sha256:[0-9a-f]{6}\)$/m);
      expect(exported.stdout).toMatch(/^# export ACCESS_TOKEN=…  \(query parameter access_token, 31 chars, sha256:[0-9a-f]{6}\)$/m);

      // Without the variables bash refuses to run curl, so no request without credentials goes out.
      const seenBefore = server.seen.length;
      const unset = await bash(exported.stdout);
      expect(unset.code).not.toBe(0);
      expect(unset.stderr).toMatch(/parameter null or not set/);
      expect(server.seen).toHaveLength(seenBefore);

      const result = await bash(exported.stdout, { TOKEN, ACCESS_TOKEN: `${TOKEN}q` });
      expect(result.code).toBe(0);
      expect(headLines(server.seen[seenBefore])).toEqual(headLines(first.received));
      expect(server.seen[seenBefore].head).toContain(`Authorization: Bearer ${TOKEN}\r\n`);
    });

    test('--include-secrets prints the real values, and --output makes the file 0600', async () => {
      const record = harness.seen.find((r) => r.request.headers.some(([name]) => name === 'Authorization'))!;
      const output = path.join(work, 'with-secrets.sh');
      const exported = await runBin(exportArgs(String(record.seq), '--include-secrets', '--output', output), { cwd: work });
      expect(exported).toMatchObject({ code: 0, stdout: '', stderr: `proxydoc: wrote 1 request to ${output}\n` });
      expect(fs.readFileSync(output, 'utf8')).toContain(`-H 'Authorization: Bearer ${TOKEN}'`);
      expect((fs.statSync(output).mode & 0o777).toString(8)).toBe('600');
    });
  });

  test('--format raw writes the bytes the server received, and they can be sent again as they are', async () => {
    const body = Buffer.from([0x7b, 0x00, 0xff, 0x0a, 0x7d]);
    const first = await original(() => curl(harness, ['-H', 'Content-Type: application/octet-stream', '-H', 'X-Case: Kept', '--data-binary', '@-', url('/raw%2Fpath//x')], { input: body }));
    const output = path.join(work, 'request.http');
    const exported = await runBin(exportArgs(String(first.record.seq), '--format', 'raw', '--output', output), { cwd: work });
    expect(exported.code).toBe(0);
    const bytes = fs.readFileSync(output);
    const receivedHead = first.received.head.replace(/\r\nConnection: keep-alive(?=\r\n)/, '');
    expect(bytes).toEqual(Buffer.concat([Buffer.from(receivedHead, 'latin1'), first.received.body]));

    const seenBefore = server.seen.length;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write(bytes));
      socket.once('data', () => {
        socket.end();
        resolve();
      });
      socket.on('error', reject);
    });
    expect(server.seen[seenBefore]).toEqual({ head: receivedHead, body: first.received.body });
  });

  test('--format har of several records, including HTTPS and a failed one, is valid HAR 1.2', async () => {
    const ok = await original(() => curl(harness, ['-H', `Authorization: Bearer ${TOKEN}`, '--data-binary', '{"a":1}', '-H', 'Content-Type: application/json', url('/har')]));
    const before = harness.seen.length;
    const https = await curl(harness, [`https://127.0.0.1:${secure.port}/secure?page=1`]);
    expect(https.stdout).toBe('{"secure":true}');
    const deadPort = await closedPort();
    await curl(harness, [`http://127.0.0.1:${deadPort}/down`]);
    const [httpsRecord, failedRecord] = (await harness.records(before + 2)).slice(before);

    const exported = await runBin(exportArgs(String(ok.record.seq), `#${httpsRecord.seq}`, failedRecord.id, '--format', 'har'), { cwd: work });
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).not.toContain(TOKEN);
    const har = JSON.parse(exported.stdout) as { log: { creator: { name: string }; entries: Array<Record<string, any>> } };
    await expect(harValidator.har(har)).resolves.toBeDefined();
    expect(har.log.creator.name).toBe('proxydoc');
    const [first, second, third] = har.log.entries;
    expect(first.request).toMatchObject({ method: 'POST', url: url('/har'), postData: { mimeType: 'application/json', text: '{"a":1}' } });
    expect(first.response).toMatchObject({ status: 200, content: { text: 'ok', mimeType: 'text/plain' } });
    expect(second.request.url).toBe(`https://127.0.0.1:${secure.port}/secure?page=1`);
    expect(second.request.queryString).toEqual([{ name: 'page', value: '1' }]);
    expect(second.response.content.text).toBe('{"secure":true}');
    expect(second.timings.ssl).toBeGreaterThanOrEqual(0);
    expect(second.timings.connect).toBeGreaterThanOrEqual(second.timings.ssl);
    expect(second.serverIPAddress).toBe('127.0.0.1');
    expect(third.response).toMatchObject({ status: 0, _error: expect.stringMatching(/^refused: ECONNREFUSED/) });
    expect(third._proxydoc).toMatchObject({ seq: failedRecord.seq, error: { kind: 'refused' } });
  });

  test('--filter picks the records, and --all every one', async () => {
    const filtered = await runBin(exportArgs('--filter', 'method=DELETE,PUT', '--format', 'har'), { cwd: work });
    expect(filtered.code).toBe(0);
    const methods = (JSON.parse(filtered.stdout) as { log: { entries: Array<{ request: { method: string } }> } }).log.entries.map((e) => e.request.method);
    expect(methods).toEqual(['DELETE', 'PUT']);

    const all = await runBin(exportArgs('--all', '--format', 'har'), { cwd: work });
    expect(all.code).toBe(0);
    expect((JSON.parse(all.stdout) as { log: { entries: unknown[] } }).log.entries).toHaveLength(harness.seen.length);
  });

  test('a blind tunnel is skipped with a line on stderr, the rest is exported, and the exit status is 1', async () => {
    const before = harness.seen.length;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(harness.proxy.port, '127.0.0.1', () => socket.write(`CONNECT 127.0.0.1:${server.port} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`));
      socket.once('data', () => socket.end('ssh-2.0-openssh_9.2\r\n')); // neither TLS nor HTTP: tunnelled blind
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const [tunnel] = (await harness.records(before + 1)).slice(before);
    expect(tunnel.tunnel).toMatchObject({ reason: 'not-tls' });
    const okRecord = harness.seen.find((record) => record.request.url.endsWith('/empty'))!;

    const exported = await runBin(exportArgs(String(tunnel.seq), String(okRecord.seq)), { cwd: work });
    expect(exported.code).toBe(1);
    expect(exported.stderr).toBe(
      [
        `proxydoc: #${tunnel.seq}: not exported: it is a blind tunnel to 127.0.0.1:${server.port} (the client did not speak TLS): proxydoc saw only opaque bytes, no HTTP request`,
        'proxydoc: 1 of 2 selected records could not be exported as sent (see above)',
        '',
      ].join('\n'),
    );
    expect(exported.stdout).toContain(`# #${okRecord.seq} POST ${url('/empty')}`);
  });

  describe('errors: one line, the right exit status', () => {
    test('an unknown record → 1', async () => {
      const result = await runBin(exportArgs('9999'), { cwd: work });
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(/^proxydoc: no record #9999 in .*exchanges\.jsonl \(it has #1–#\d+\)\n$/);
    });

    test('no records, --all and --filter all missing → 2', async () => {
      const result = await runBin(exportArgs(), { cwd: work });
      expect(result).toMatchObject({
        code: 2,
        stdout: '',
        stderr: 'proxydoc: say which records to export: give their seq numbers or ids, --all, or --filter EXPR; see proxydoc export --help\n',
      });
    });

    test('ids and --all together → 2', async () => {
      const result = await runBin(exportArgs('1', '--all'), { cwd: work });
      expect(result).toMatchObject({ code: 2, stderr: 'proxydoc: give record ids, --all or --filter, only one of them; see proxydoc export --help\n' });
    });

    test('a bad --filter → 2, before anything is read', async () => {
      const result = await runBin(['export', '--filter', 'colour=red', '--log-dir', path.join(work, 'nowhere')], { cwd: work });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^proxydoc: invalid filter term "colour=red": use status=4xx,504 .*; see proxydoc export --help\n$/);
    });

    test('a --filter nothing matches → 1', async () => {
      const result = await runBin(exportArgs('--filter', 'status=418'), { cwd: work });
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(/^proxydoc: no record matches --filter "status=418" \(\d+ in .*exchanges\.jsonl\)\n$/);
    });

    test('an unknown format → 2', async () => {
      const result = await runBin(exportArgs('1', '--format', 'postman'), { cwd: work });
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expect(result.stderr).toMatch(/postman/);
    });
  });

  test('--help reads like a man page', async () => {
    const result = await runBin(['export', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^proxydoc export ID\.\.\. \| --all \| --filter EXPR/);
    for (const option of ['--all', '--filter', '--format', '--output', '--body-dir', '--include-secrets', '--log-dir', '--config']) expect(result.stdout).toContain(option);
    expect(result.stdout).toMatch(/Examples:\n/);
    expect(result.stdout).toMatch(/Exit status: 0 /);
  });
});
