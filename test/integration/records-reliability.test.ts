/**
 * The records stay trustworthy when things go wrong: a full disk (real ENOSPC from /dev/full), rotation, redaction
 * on request, one proxy per log directory, and a proxy killed with SIGKILL in the middle of continuous traffic.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startProxy } from '../../src/capture/proxy-server';
import { Recorder } from '../../src/capture/recorder';
import { systemClock } from '../../src/capture/clock';
import { DEFAULT_CONFIG } from '../../src/config';
import { parseRecordLine, readRecordsFile } from '../../src/log/reader';
import { ROOT, runBin, startCli } from '../helpers/cli';
import { startHarness, type Harness } from '../helpers/proxy-harness';
import { startHttpServer } from '../helpers/servers';
import { makeExchange } from '../helpers/make-exchange';

/** One request through the proxy (absolute-form, plain HTTP); resolves with the status once the body is read. */
function send(
  proxyPort: number,
  url: string,
  options: { method?: string; body?: Buffer; headers?: http.OutgoingHttpHeaders; agent?: http.Agent } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: proxyPort, path: url, method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('records reliability (in-process proxy)', () => {
  let dir: string;
  let upstream: Awaited<ReturnType<typeof startHttpServer>>;
  let harness: Harness | undefined;
  beforeAll(async () => {
    upstream = await startHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(`answer to ${req.url}`));
    });
  });
  afterAll(() => upstream.close());
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-reliability-'))));
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a full disk (exchanges.jsonl on /dev/full, a real ENOSPC): forwarding goes on, one warning, the loss noted once writing works again', async () => {
    const logDir = path.join(dir, 'logs');
    fs.mkdirSync(logDir, { mode: 0o700 });
    const recordsFile = path.join(logDir, 'exchanges.jsonl');
    fs.symlinkSync('/dev/full', recordsFile);
    const warnings: string[] = [];
    harness = await startHarness({ logDir }, { warn: (message) => warnings.push(message) });
    const port = harness.proxy.port;

    for (let i = 1; i <= 3; i++) expect(await send(port, `${upstream.url}/full-${i}`)).toBe(200);
    await harness.records(3);
    expect(warnings).toEqual([
      `cannot write exchanges.jsonl in ${logDir}: ENOSPC (no space left on device); forwarding continues, records are being lost`,
    ]);
    expect(harness.proxy.stats()).toEqual({ written: 0, lost: 3 });

    fs.unlinkSync(recordsFile); // space freed
    expect(await send(port, `${upstream.url}/after`)).toBe(200);
    await harness.records(4);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(
      // Appends are batched: the three may have been lost in one write ("at T") or in several ("between T1 and T2").
      new RegExp(`^writing exchanges\\.jsonl in ${logDir} works again; 3 records were lost (?:at \\S+|between \\S+ and \\S+) \\(ENOSPC\\)$`),
    );
    expect(harness.proxy.stats()).toEqual({ written: 1, lost: 3 });
    const records = harness.readJsonl();
    expect(records.map((record) => [record.seq, record.request.url])).toEqual([[4, `${upstream.url}/after`]]);
    const log = harness.readLog();
    expect(log).toMatch(/^proxydoc: could not write exchanges\.jsonl: 3 records were lost (?:at \S+|between \S+ and \S+) \(ENOSPC\); writing works again$/m);
    // proxydoc.log itself was fine all along: it has every exchange.
    for (const name of ['full-1', 'full-2', 'full-3', 'after']) expect(log).toContain(`/${name} → 200`);
  });

  test('--redact-records masks credentials in exchanges.jsonl as in proxydoc.log; by default they are kept for replay', async () => {
    const token = 'sk_live_5f3a9c2e7b1d4a6c8e0f2b4d';
    harness = await startHarness({ redactRecords: true });
    expect(await send(harness.proxy.port, `${upstream.url}/me`, { headers: { Authorization: `Bearer ${token}` } })).toBe(200);
    await harness.records(1);
    const raw = fs.readFileSync(path.join(harness.config.logDir, 'exchanges.jsonl'), 'utf8');
    expect(raw).not.toContain(token);
    const [record] = harness.readJsonl();
    expect(record.request.headers.find(([name]) => name === 'Authorization')?.[1]).toMatch(/^Bearer ‹\d+ chars, sha256:[0-9a-f]+›$/);
    expect(fs.statSync(path.join(harness.config.logDir, 'exchanges.jsonl')).mode & 0o777).toBe(0o600);
    await harness.close();

    harness = await startHarness();
    await send(harness.proxy.port, `${upstream.url}/me`, { headers: { Authorization: `Bearer ${token}` } });
    await harness.records(1);
    expect(fs.readFileSync(path.join(harness.config.logDir, 'exchanges.jsonl'), 'utf8')).toContain(token);
  });

  test('--max-log-size rotates both files between whole records, keeps --max-log-files, and seq goes on across files and restarts', async () => {
    const logDir = path.join(dir, 'logs');
    const config = { logDir, maxLogSize: 2048, maxLogFiles: 2 };
    harness = await startHarness(config);
    for (let i = 1; i <= 50; i++) {
      await send(harness.proxy.port, `${upstream.url}/rotate-${i}`);
      await harness.records(i); // one record per write, so the files rotate between single records
    }
    await harness.close();
    harness = undefined;

    const names = fs.readdirSync(logDir).filter((name) => name !== 'proxydoc.state.json').sort();
    expect(names).toEqual(['exchanges.jsonl', 'exchanges.jsonl.1', 'exchanges.jsonl.2', 'proxydoc.log', 'proxydoc.log.1', 'proxydoc.log.2']);
    const seqs: number[] = [];
    for (const name of ['exchanges.jsonl.2', 'exchanges.jsonl.1', 'exchanges.jsonl']) {
      const file = path.join(logDir, name);
      expect(fs.statSync(file).size).toBeLessThanOrEqual(2048);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const read = await readRecordsFile(file);
      expect(read.corrupt).toEqual([]);
      expect(read.partialLastLine).toBe(false);
      seqs.push(...read.records.map((record) => record.seq));
    }
    // The newest records, in order, none split or lost between files; the oldest ones rotated out.
    expect(seqs.at(-1)).toBe(50);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_v, i) => 51 - seqs.length + i));
    expect(seqs.length).toBeLessThan(50);
    for (const name of ['proxydoc.log.2', 'proxydoc.log.1', 'proxydoc.log']) expect(fs.statSync(path.join(logDir, name)).size).toBeLessThanOrEqual(2048);

    // A restart right after a rotation, before the new file holds a record: seq continues from the rotated file.
    fs.renameSync(path.join(logDir, 'exchanges.jsonl.1'), path.join(logDir, 'exchanges.jsonl.2'));
    fs.renameSync(path.join(logDir, 'exchanges.jsonl'), path.join(logDir, 'exchanges.jsonl.1'));
    harness = await startHarness(config);
    await send(harness.proxy.port, `${upstream.url}/after-restart`);
    const [record] = await harness.records(1);
    expect(record.seq).toBe(51);
  });

  test('a second proxy on the same log directory is refused with one line naming the holder; free again once closed', async () => {
    const logDir = path.join(dir, 'logs');
    harness = await startHarness({ logDir });
    const second = startProxy({ ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, caDir: path.join(dir, 'certs2'), logDir }, { warn: () => undefined });
    await expect(second).rejects.toMatchObject({
      code: 'PROXYDOC_ERR_CONFIG',
      message: expect.stringMatching(new RegExp(`^${logDir} is in use by another proxydoc \\(pid ${process.pid}, started \\S+\\): stop that one, or give this one another --log-dir$`)),
    });
    expect(fs.readFileSync(path.join(logDir, 'proxydoc.lock'), 'utf8').split('\n')[0]).toBe(String(process.pid));
    await harness.proxy.close();
    expect(fs.existsSync(path.join(logDir, 'proxydoc.lock'))).toBe(false);
    const third = await startProxy({ ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, caDir: path.join(dir, 'certs2'), logDir }, { warn: () => undefined });
    await third.close();
  });

  test('a restart numbers on from the highest seq of the last records, even when the last line is not it or is huge', async () => {
    const logDir = path.join(dir, 'logs');
    fs.mkdirSync(logDir);
    // seq is drawn at the start of an exchange and the record written at its end: a slow #3 finishes after #4 and #5.
    const huge = makeExchange({ seq: 3, response: { body: 'z'.repeat(600 * 1024) } });
    const lines = [makeExchange({ seq: 1 }), makeExchange({ seq: 2 }), makeExchange({ seq: 5 }), makeExchange({ seq: 4 }), huge].map((record) => JSON.stringify(record));
    fs.writeFileSync(path.join(logDir, 'exchanges.jsonl'), `${lines.join('\n')}\n{"v":1,"id":"torn`);
    const recorder = await Recorder.open({ logDir, clock: systemClock, diagnose: () => [], userTimeouts: [] });
    expect(recorder.nextSeq()).toBe(6);
    await recorder.close();
  });

  test('a log directory that cannot be made is one line saying why, not a stack trace', async () => {
    const logDir = path.join(dir, 'not-a-dir');
    fs.writeFileSync(logDir, '');
    await expect(startProxy({ ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, caDir: path.join(dir, 'certs'), logDir }, { warn: () => undefined })).rejects.toMatchObject({
      code: 'PROXYDOC_ERR_LOG_DIR',
      message: `cannot use the log directory ${logDir}: EEXIST (a file is in the way); check its permissions or pick another --log-dir`,
    });
  });
});

describe('records reliability (the built CLI)', () => {
  let dir: string;
  let logDir: string;
  let caDir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-kill-'));
    logDir = path.join(dir, 'logs');
    caDir = path.join(dir, 'certs');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('SIGKILL under continuous traffic: every complete line is a record, a torn last line is skipped, a restart takes over and continues seq', async () => {
    // Bodies of varied sizes, some making records far bigger than one pipe or page, so writes are large and many.
    const sizes = [0, 17, 1500, 9000, 65_537, 180_000, 300_000];
    const upstream = await startHttpServer((req, res) => {
      const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size') ?? 0);
      req.resume();
      req.on('end', () => res.end('r'.repeat(size)));
    });
    let restarted: Awaited<ReturnType<typeof startCli>> | undefined;
    try {
      const cli = await startCli(['--port', '0', '--log-dir', logDir, '--ca-dir', caDir], dir);
      const recordsFile = path.join(logDir, 'exchanges.jsonl');
      const KILL_AFTER = 150;
      const LANES = 4;
      let answered = 0;
      let killed: Promise<number | null> | undefined;
      const agent = new http.Agent({ keepAlive: true, maxSockets: LANES });
      const lane = async (number: number): Promise<void> => {
        for (let i = 0; killed === undefined; i++) {
          const size = sizes[(i + number) % sizes.length];
          const body = Buffer.alloc(sizes[(i + number + 3) % sizes.length], 'q');
          try {
            await send(cli.port, `${upstream.url}/load?size=${size}&lane=${number}&i=${i}`, { method: 'POST', body, agent });
          } catch {
            return; // the proxy is gone
          }
          answered += 1;
          // Records are being written continuously now: kill with no chance to flush.
          if (answered >= KILL_AFTER && killed === undefined) killed = cli.stop('SIGKILL');
        }
      };
      try {
        await Promise.all(Array.from({ length: LANES }, (_v, number) => lane(number)));
      } finally {
        agent.destroy();
        killed ??= cli.stop('SIGKILL');
      }
      expect(await killed).toBeNull(); // ended by the signal, no exit code

      const text = fs.readFileSync(recordsFile, 'utf8');
      const lines = text.split('\n');
      const tail = lines.pop()!; // '' when the file ends with a whole line
      for (const line of lines) expect('record' in parseRecordLine(line)).toBe(true);
      const afterKill = await readRecordsFile(recordsFile);
      expect(afterKill.corrupt).toEqual([]);
      expect(afterKill.records).toHaveLength(lines.length);
      expect(afterKill.partialLastLine).toBe(tail !== '');
      const count = afterKill.records.length;
      expect(count).toBeGreaterThanOrEqual(KILL_AFTER / 2);
      // Records bigger than a fixed tail window (the restart once read only the last 256 KiB to find the last seq).
      expect(Math.max(...afterKill.records.map((record) => Buffer.byteLength(JSON.stringify(record))))).toBeGreaterThan(256 * 1024);
      // seq is drawn when an exchange starts, the record written when it ends: no seq twice, and none missing except
      // among the last few (exchanges in flight, records queued but not yet written when the signal came).
      const seqs = afterKill.records.map((record) => record.seq);
      const highest = Math.max(...seqs);
      expect(new Set(seqs).size).toBe(count);
      const missing = Array.from({ length: highest }, (_v, i) => i + 1).filter((seq) => !seqs.includes(seq));
      expect(missing.every((seq) => seq > highest - 4 * LANES)).toBe(true);

      // A torn last line, as a SIGKILL between the two write(2) calls of a short write leaves it (added by hand when
      // the kill fell between writes, as it usually does): readers skip it.
      if (tail === '') fs.appendFileSync(recordsFile, lines.at(-1)!.slice(0, 1000));
      const torn = await readRecordsFile(recordsFile);
      expect(torn.partialLastLine).toBe(true);
      expect(torn.records).toHaveLength(count);
      expect(torn.corrupt).toEqual([]);

      // The killed proxy's lock is stale: a restart takes it over and numbers on from the highest seq written.
      expect(fs.readFileSync(path.join(logDir, 'proxydoc.lock'), 'utf8').split('\n')[0]).toBe(String(cli.child.pid));
      restarted = await startCli(['--port', '0', '--log-dir', logDir, '--ca-dir', caDir], dir);
      expect(fs.readFileSync(path.join(logDir, 'proxydoc.lock'), 'utf8').split('\n')[0]).toBe(String(restarted.child.pid));
      expect(await send(restarted.port, `${upstream.url}/after-restart`)).toBe(200);
      expect(await restarted.stop('SIGTERM')).toBe(0);
      expect(fs.existsSync(path.join(logDir, 'proxydoc.lock'))).toBe(false);

      const final = await readRecordsFile(recordsFile);
      expect(final.records.at(-1)).toMatchObject({ seq: highest + 1, request: { url: `${upstream.url}/after-restart` } });
      expect(final.records).toHaveLength(count + 1);
      // The torn fragment stays one line of its own, reported once; the record after it is whole.
      expect(final.corrupt).toEqual([{ lineNumber: count + 1, reason: 'not JSON' }]);
      expect(final.partialLastLine).toBe(false);
      expect(restarted.stderr()).toContain(`${recordsFile} ended in an incomplete line`);
    } finally {
      if (restarted && restarted.child.exitCode === null && restarted.child.signalCode === null) await restarted.stop('SIGKILL');
      await upstream.close();
    }
  });

  test('a second start or run on the same --log-dir is refused: one line naming the pid and the fix, exit 2', async () => {
    const first = await startCli(['--port', '0', '--log-dir', logDir, '--ca-dir', caDir], dir);
    try {
      const expected = new RegExp(
        `^proxydoc: ${logDir} is in use by another proxydoc \\(pid ${first.child.pid}, started \\S+\\): stop that one, or give this one another --log-dir\\n$`,
      );
      const start = await runBin(['start', '--port', '0', '--log-dir', logDir, '--ca-dir', caDir], { cwd: dir });
      expect(start.code).toBe(2);
      expect(start.stdout).toBe('');
      expect(start.stderr).toMatch(expected);

      const run = await runBin(['run', '--log-dir', logDir, '--ca-dir', caDir, '--', process.execPath, '-e', 'process.exit(0)'], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(expected);
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }
    expect(fs.existsSync(path.join(logDir, 'proxydoc.lock'))).toBe(false);
  });

  test('a process that exits without closing the proxy (process.exit) still removes its lock', async () => {
    const lockModule = path.join(ROOT, 'dist/src/log/lock.js');
    expect(fs.existsSync(lockModule)).toBe(true);
    const script = `require(${JSON.stringify(lockModule)}).acquireLogDirLock(${JSON.stringify(logDir)}).then(() => { console.log('locked'); process.exit(0); });`;
    const child = spawn(process.execPath, ['-e', script]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(out).toBe('locked\n');
    expect(fs.existsSync(logDir)).toBe(true);
    expect(fs.existsSync(path.join(logDir, 'proxydoc.lock'))).toBe(false);
  });
});
