/**
 * `proxydoc tail` as a subprocess against records produced through the real proxy: every filter, -n, --json,
 * colour, a corrupt line, and -f printing a record that appears while it runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { curl, startHarness, type Harness } from '../helpers/proxy-harness';
import { closedPort, startHttpServer, type Closable } from '../helpers/servers';
import { BIN, runBin } from '../helpers/cli';

const SECRET = 'tail-secret-token-5f1c9a';

describe('proxydoc tail', () => {
  let harness: Harness;
  let api: Closable & { url: string; port: number };
  let deadPort: number;

  beforeAll(async () => {
    api = await startHttpServer((req, res) => {
      const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
      const challenge = status === 401 ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : {};
      res.writeHead(status, { 'Content-Type': 'application/json', ...challenge });
      res.end(JSON.stringify({ path: req.url }));
    });
    deadPort = await closedPort();
    harness = await startHarness();
    // #1 200 GET, #2 404 GET, #3 504 POST, #4 refused, #5 401 with a Bearer token (auth finding)
    await curl(harness, [`${api.url}/status/200`]);
    await curl(harness, [`${api.url}/status/404`]);
    await curl(harness, ['-X', 'POST', '-d', 'x=1', `${api.url}/status/504`]);
    await curl(harness, [`http://127.0.0.1:${deadPort}/down`]);
    await curl(harness, ['-H', `Authorization: Bearer ${SECRET}`, `${api.url}/status/401`]);
    await harness.records(5);
  });

  afterAll(async () => {
    await harness.close();
    await api.close();
  });

  const tail = (...args: string[]) => runBin(['tail', '--log-dir', harness.config.logDir, ...args]);
  const seqs = (stdout: string): number[] => [...stdout.matchAll(/^\S+ #(\d+) /gm)].map((m) => Number(m[1]));

  it('prints the last records as the annotated log does', async () => {
    const result = await tail();
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(seqs(result.stdout)).toEqual([1, 2, 3, 4, 5]);
    // Same text as proxydoc.log, line for line.
    expect(result.stdout).toBe(harness.readLog());
    expect(result.stdout).not.toContain(SECRET);
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('limits with -n and filters by status, method, host, rule, errors and since', async () => {
    expect(seqs((await tail('-n', '2')).stdout)).toEqual([4, 5]);
    expect(seqs((await tail('--status', '4xx,504')).stdout)).toEqual([2, 3, 5]);
    expect(seqs((await tail('--status', '5xx', '--method', 'post')).stdout)).toEqual([3]);
    expect(seqs((await tail('--method', 'GET', '--status', '404')).stdout)).toEqual([2]);
    expect(seqs((await tail('--host', '127.0.0.1:' + deadPort)).stdout)).toEqual([4]);
    expect(seqs((await tail('--host', 'example.com')).stdout)).toEqual([]);
    expect(seqs((await tail('--errors')).stdout)).toEqual(
      harness.seen.filter((r) => r.error || r.findings.some((f) => f.severity === 'error')).map((r) => r.seq),
    );
    expect(seqs((await tail('--errors')).stdout)).toContain(4);
    const rule = harness.seen[4].findings[0]?.rule;
    expect(rule).toBeDefined();
    expect(seqs((await tail('--rule', rule!)).stdout)).toContain(5);
    expect(seqs((await tail('--since', '1h')).stdout)).toEqual([1, 2, 3, 4, 5]);
    expect(seqs((await tail('--since', '2999-01-01T00:00:00Z')).stdout)).toEqual([]);
  });

  it('prints raw records for jq with --json', async () => {
    const result = await tail('--json', '--status', '404');
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((r) => r.seq)).toEqual([2]);
    expect(lines[0].response.status).toBe(404);
  });

  it('colours on request and stays plain when piped', async () => {
    const coloured = await runBin(['tail', '--log-dir', harness.config.logDir, '-n', '1'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(coloured.stdout).toContain('\u001b[');
    const plain = await runBin(['tail', '--log-dir', harness.config.logDir, '-n', '1', '--no-color'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('rejects bad filter values with one line and exit 2', async () => {
    const result = await tail('--status', '4x');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'proxydoc: invalid status "4x": use a code (404), a class (4xx) or a range (500-504), comma-separated; see proxydoc tail --help\n',
    );
    expect((await tail('-n', 'ten')).code).toBe(2);
    expect((await tail('--bogus')).stderr).toBe('proxydoc: unknown option --bogus; see proxydoc tail --help\n');
  });

  it('says where the records should be when there are none', async () => {
    const empty = path.join(harness.dir, 'empty');
    const result = await runBin(['tail', '--log-dir', empty]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `proxydoc: no records: ${path.join(empty, 'exchanges.jsonl')} does not exist; run \`proxydoc start\` (and send traffic through it) or pass --log-dir\n`,
    );
  });

  it('reports a corrupt line once and skips it', async () => {
    const dir = path.join(harness.dir, 'corrupt');
    fs.mkdirSync(dir);
    const good = fs.readFileSync(path.join(harness.config.logDir, 'exchanges.jsonl'), 'utf8').split('\n');
    fs.writeFileSync(path.join(dir, 'exchanges.jsonl'), [good[0], '{"v":1,"oops', good[1], '{"v":1,"half'].join('\n'));
    const result = await runBin(['tail', '--log-dir', dir]);
    expect(result.code).toBe(0);
    expect(seqs(result.stdout)).toEqual([1, 2]);
    expect(result.stderr).toBe(`proxydoc: skipped a corrupt line in ${path.join(dir, 'exchanges.jsonl')} (line 2: not JSON)\n`);
  });

  it('-f prints a record that is written while it runs, and stops cleanly on SIGTERM', async () => {
    // -n 1 prints #5 (the last 401) first: that line says the initial read is done and following has begun.
    const child = spawn(process.execPath, [BIN, 'tail', '-f', '-n', '1', '--status', '401,418', '--log-dir', harness.config.logDir], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let onOutput: () => void = () => undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      onOutput();
    });
    const printed = (text: string): Promise<void> =>
      new Promise((resolve) => {
        onOutput = () => out.includes(text) && resolve();
        onOutput();
      });
    try {
      await printed('#5 ');
      const sawTeapot = printed('→ 418');
      await curl(harness, [`${api.url}/status/200`]);
      await curl(harness, [`${api.url}/status/418`]);
      await sawTeapot;
    } finally {
      child.kill('SIGTERM'); // also when an await above fails, so jest is not left waiting on the child
    }
    expect(await exited).toBe(0);
    expect(seqs(out)).toEqual([5, 7]);
    expect(out).toMatch(/#7 GET http:\/\/127\.0\.0\.1:\d+\/status\/418 → 418/);
    expect(err).toBe('');
  });
});
