/**
 * AppendOnlyFile against real files: ordering and modes, failure episodes with real kernel errors (ENOSPC from
 * /dev/full, EISDIR/EACCES, ENOTDIR), the path changing under an open descriptor, rotation, and a file left ending
 * mid-line. Faults the kernel can't be made to produce on demand (a write cut short by a filling disk, a failing
 * truncate or rename) come from a fault-injecting wrapper around the real fs.promises.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AppendOnlyFile,
  describeFileError,
  describeLostWrites,
  type AppendFileOptions,
  type AppendFileSystem,
  type AppendHandle,
  type LostWritesEpisode,
} from '../../../src/log/append-file';

const T0 = Date.parse('2030-01-02T03:04:05.000Z');

/** A file with every event recorded and a clock the test moves. */
function harness(file: string, options: Partial<AppendFileOptions> = {}) {
  const clock = { now: T0 };
  const events = {
    failures: [] as string[],
    recoveries: [] as LostWritesEpisode[],
    notices: [] as string[],
    errors: [] as string[],
  };
  const log = new AppendOnlyFile(file, {
    now: () => clock.now,
    onFailure: (error) => events.failures.push(String(error.code)),
    onRecovery: (episode) => events.recoveries.push(episode),
    onNotice: (message) => events.notices.push(message),
    onError: (error, lost) => events.errors.push(`${error.code} ${lost}`),
    ...options,
  });
  /** Appends lines as one batch and waits until they are written (or counted as lost). */
  const write = async (...lines: string[]): Promise<void> => {
    for (const line of lines) log.append(line);
    await log.flush();
  };
  return { log, clock, events, write };
}

const read = (file: string): string => fs.readFileSync(file, 'utf8');

describe('AppendOnlyFile', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-append-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('never two writes at a time: lines appended over several turns while one is in flight go out together next', async () => {
    const file = path.join(dir, 'batched.jsonl');
    const observed = observedFs();
    const log = new AppendOnlyFile(file, { fs: observed.fs });
    const release = observed.holdWrites();
    log.append('first');
    await observed.writesIssued(1);
    // The first write is held in flight: nothing else may be written until it ends, however many turns pass — not
    // even a batch past the size that is otherwise written at once.
    const big = 'x'.repeat(300 * 1024);
    log.append(big);
    for (let turn = 0; turn < 5; turn++) {
      log.append(`turn ${turn}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(observed.writes).toEqual(['first\n']);
    release();
    await observed.writesIssued(2);
    const batch = `${big}\nturn 0\nturn 1\nturn 2\nturn 3\nturn 4\n`;
    expect(observed.writes[1]).toBe(batch);
    await log.close();
    expect(observed.writes).toHaveLength(2);
    expect(read(file)).toBe(`first\n${batch}`);
  });

  test('appends whole lines in order, creates the file 0600 and tightens an existing one', async () => {
    const file = path.join(dir, 'x.jsonl');
    fs.writeFileSync(file, 'old\n', { mode: 0o644 });
    const log = new AppendOnlyFile(file);
    for (let i = 0; i < 1000; i++) log.append(`line ${i}`);
    await log.close();
    const lines = read(file).split('\n');
    expect(lines[0]).toBe('old');
    expect(lines.slice(1, 1001)).toEqual(Array.from({ length: 1000 }, (_v, i) => `line ${i}`));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(log.writtenLines).toBe(1000);
  });

  test('a full disk (real ENOSPC from /dev/full) is one episode: reported once, lines counted, recovery reported once', async () => {
    const file = path.join(dir, 'exchanges.jsonl');
    const devFullMode = fs.statSync('/dev/full').mode;
    fs.symlinkSync('/dev/full', file);
    const { log, clock, events, write } = harness(file);

    await write('a', 'b');
    clock.now += 1500;
    await write('c');
    clock.now += 2500;
    await write('d');
    expect(events.failures).toEqual(['ENOSPC']); // once per episode, not per write
    expect(events.errors).toEqual(['ENOSPC 2', 'ENOSPC 1', 'ENOSPC 1']);
    expect(log.failing).toBe(true);
    expect(log.lostLines).toBe(4);
    expect(events.recoveries).toEqual([]);
    // A device is not ours to chmod (as root this would have changed /dev/full for everyone).
    expect(fs.statSync('/dev/full').mode).toBe(devFullMode);

    fs.unlinkSync(file); // space freed: the next write goes to a new regular file
    clock.now += 1000;
    await write('e');
    expect(read(file)).toBe('e\n');
    expect(log.failing).toBe(false);
    expect(events.recoveries).toHaveLength(1);
    expect(events.recoveries[0]).toMatchObject({ lostLines: 4, firstLostAt: T0, lastLostAt: T0 + 4000, codes: ['ENOSPC'] });
    expect(describeLostWrites(events.recoveries[0], { one: 'record', many: 'records' })).toBe(
      '4 records were lost between 2030-01-02T03:04:05.000Z and 2030-01-02T03:04:09.000Z (ENOSPC)',
    );
    expect(describeFileError(events.recoveries[0].error)).toBe('ENOSPC (no space left on device)');

    // A second episode is reported again.
    fs.unlinkSync(file);
    fs.symlinkSync('/dev/full', file);
    clock.now += 1000; // the path changed under the open file: noticed at the next check
    await write('f');
    expect(events.failures).toEqual(['ENOSPC', 'ENOSPC']);
    await log.close();
  });

  test('permissions: writing fails until fixed, then resumes by itself (EACCES, or EISDIR when running as root)', async () => {
    const logDir = path.join(dir, 'logs');
    fs.mkdirSync(logDir);
    const file = path.join(logDir, 'proxydoc.log');
    // root ignores file modes, so there the fault is the path being taken by a directory.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) fs.mkdirSync(file);
    else fs.chmodSync(logDir, 0o500);
    const { log, events, write } = harness(file);

    await write('one');
    await write('two', 'three');
    expect(events.failures).toEqual([asRoot ? 'EISDIR' : 'EACCES']);
    expect(log.lostLines).toBe(3);

    if (asRoot) fs.rmdirSync(file);
    else fs.chmodSync(logDir, 0o700);
    await write('four');
    expect(read(file)).toBe('four\n');
    expect(events.recoveries.map((episode) => episode.lostLines)).toEqual([3]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await log.close();
  });

  test('the directory removed while the file is open: recreated (0700) with a new file, nothing reported as lost', async () => {
    const logDir = path.join(dir, 'logs');
    fs.mkdirSync(logDir);
    const file = path.join(logDir, 'exchanges.jsonl');
    const { log, clock, events, write } = harness(file);
    await write('before');
    fs.rmSync(logDir, { recursive: true });

    clock.now += 1000; // the path is compared with the open file at most once a second
    await write('after');
    expect(read(file)).toBe('after\n');
    expect(fs.statSync(logDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(events.notices).toEqual([`${logDir} was removed while proxydoc was writing to it; recreated it (mode 0700) with a new exchanges.jsonl`]);
    expect(events.failures).toEqual([]);
    expect(log.lostLines).toBe(0);
    await log.close();
  });

  test('the directory replaced by a file cannot be recreated: an episode (ENOTDIR) until the way is clear', async () => {
    const logDir = path.join(dir, 'logs');
    fs.mkdirSync(logDir);
    const file = path.join(logDir, 'exchanges.jsonl');
    const { log, clock, events, write } = harness(file);
    await write('before');
    fs.rmSync(logDir, { recursive: true });
    fs.writeFileSync(logDir, 'not a directory');

    clock.now += 1000;
    await write('lost 1');
    await write('lost 2');
    expect(events.failures).toEqual(['ENOTDIR']);

    fs.rmSync(logDir);
    await write('after');
    expect(read(file)).toBe('after\n');
    expect(events.recoveries).toEqual([expect.objectContaining({ lostLines: 2, codes: ['ENOTDIR'] })]);
    expect(events.notices).toHaveLength(1);
    expect(events.notices[0]).toContain('recreated it (mode 0700)');
    await log.close();
  });

  test('the file deleted or moved away while open: the next check reopens the path', async () => {
    const file = path.join(dir, 'exchanges.jsonl');
    const { log, clock, events, write } = harness(file);
    await write('1');
    fs.unlinkSync(file);
    await write('2 (within the second: goes to the deleted file)');
    clock.now += 1000;
    await write('3');
    expect(read(file)).toBe('3\n');
    expect(events.notices).toEqual([
      `${file} was deleted while proxydoc was writing it; writing to a new one (lines of up to a second before went to the deleted file)`,
    ]);

    fs.renameSync(file, `${file}.old`); // an outside rotation (logrotate without copytruncate)
    clock.now += 1000;
    await write('4');
    expect(read(`${file}.old`)).toBe('3\n');
    expect(read(file)).toBe('4\n');
    expect(events.notices[1]).toBe(`${file} was moved away while proxydoc was writing it (rotated by another tool?); writing to a new one`);

    fs.renameSync(file, `${file}.old`);
    fs.writeFileSync(file, 'put there by hand\n');
    clock.now += 1000;
    await write('5');
    expect(read(file)).toBe('put there by hand\n5\n');
    expect(events.notices[2]).toBe(`${file} was replaced while proxydoc was writing it; writing to the file now at that path`);
    expect(events.failures).toEqual([]);
    await log.close();
  });

  test('a file ending mid-line (a crash) gets a line break first, so the fragment stays one line and the next line is whole', async () => {
    const file = path.join(dir, 'exchanges.jsonl');
    fs.writeFileSync(file, '{"seq":1}\n{"seq":2,"cut sh');
    const { log, events, write } = harness(file);
    await write('{"seq":3}');
    expect(read(file).split('\n')).toEqual(['{"seq":1}', '{"seq":2,"cut sh', '{"seq":3}', '']);
    expect(events.notices).toEqual([
      `${file} ended in an incomplete line (proxydoc was killed mid-write, or a write failed); it is left as one line readers skip`,
    ]);
    await write('{"seq":4}');
    expect(read(file).endsWith('{"seq":3}\n{"seq":4}\n')).toBe(true);
    await log.close();
  });

  describe('rotation', () => {
    test('rotates between whole batches, keeps maxFiles old files, and never splits a line', async () => {
      const file = path.join(dir, 'exchanges.jsonl');
      const { log, events, write } = harness(file, { maxSize: 100, maxFiles: 2 });
      const lines = Array.from({ length: 30 }, (_v, i) => `line ${String(i).padStart(2, '0')} ${'x'.repeat(12)}`); // 21 bytes each with \n
      for (const line of lines) await write(line);
      expect(fs.readdirSync(dir).sort()).toEqual(['exchanges.jsonl', 'exchanges.jsonl.1', 'exchanges.jsonl.2']);
      const files = [`${file}.2`, `${file}.1`, file].map(read);
      for (const text of files) {
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100);
        expect(text.endsWith('\n')).toBe(true);
      }
      const kept = files.join('').split('\n').filter((line) => line !== '');
      expect(kept).toEqual(lines.slice(lines.length - kept.length)); // the newest lines, in order, whole
      expect(kept).toHaveLength(4 + 4 + 2); // 4 lines of 21 bytes fit in 100; 30 lines leave 2 in the current file
      expect(events.notices).toEqual([]);
      await log.close();
    });

    test('a batch bigger than the limit goes whole into a fresh file; an existing big file is rotated before the first write', async () => {
      const file = path.join(dir, 'proxydoc.log');
      fs.writeFileSync(file, `${'o'.repeat(98)}\n`);
      const { log, write } = harness(file, { maxSize: 100, maxFiles: 3 });
      await write('small');
      expect(read(`${file}.1`)).toBe(`${'o'.repeat(98)}\n`);
      expect(read(file)).toBe('small\n');
      const big = 'b'.repeat(250);
      await write(big);
      expect(read(file)).toBe(`${big}\n`);
      expect(read(`${file}.1`)).toBe('small\n');
      expect(read(`${file}.2`)).toBe(`${'o'.repeat(98)}\n`);
      await log.close();
    });

    test('a path that is not a regular file (a symlink to /dev/null) is never rotated', async () => {
      const file = path.join(dir, 'exchanges.jsonl');
      fs.symlinkSync('/dev/null', file);
      const { log, events, write } = harness(file, { maxSize: 10, maxFiles: 2 });
      for (let i = 0; i < 5; i++) await write(`line ${i} is longer than ten bytes`);
      expect(fs.readlinkSync(file)).toBe('/dev/null');
      expect(fs.readdirSync(dir)).toEqual(['exchanges.jsonl']);
      expect(log.writtenLines).toBe(5);
      expect(events.notices).toEqual([]);
      await log.close();
    });

    test('when rotation fails, writing goes on in the one file and the failure is told once', async () => {
      const file = path.join(dir, 'exchanges.jsonl');
      const faults = faultyFs({ failRename: true });
      const { log, events, write } = harness(file, { maxSize: 50, maxFiles: 2, fs: faults.fs });
      for (let i = 0; i < 6; i++) await write(`line ${i} ${'y'.repeat(20)}`);
      expect(read(file).split('\n').filter(Boolean)).toHaveLength(6);
      expect(log.lostLines).toBe(0);
      expect(events.notices).toEqual([`cannot rotate ${file}: EACCES (permission denied); it keeps growing past --max-log-size`]);
      await log.close();
    });
  });

  describe('a write cut short by a filling disk (fault-injected: a real disk can not be filled on demand here)', () => {
    test('the fragment is cut off again, the batch counted as lost, and the file stays whole lines', async () => {
      const file = path.join(dir, 'exchanges.jsonl');
      const faults = faultyFs();
      const { log, events, write } = harness(file, { fs: faults.fs });
      await write('{"seq":1}');
      faults.shortWriteThenEnospc = 7;
      await write('{"seq":2,"body":"long enough to be cut"}', '{"seq":3}');
      expect(read(file)).toBe('{"seq":1}\n');
      expect(events.failures).toEqual(['ENOSPC']);
      expect(log.lostLines).toBe(2);

      faults.shortWriteThenEnospc = undefined;
      await write('{"seq":4}');
      expect(read(file)).toBe('{"seq":1}\n{"seq":4}\n');
      expect(events.recoveries).toEqual([expect.objectContaining({ lostLines: 2 })]);
      await log.close();
    });

    test('when the fragment can not be cut off, the next line starts on a line of its own', async () => {
      const file = path.join(dir, 'exchanges.jsonl');
      const faults = faultyFs({ failTruncate: true });
      const { log, events, write } = harness(file, { fs: faults.fs });
      await write('{"seq":1}');
      faults.shortWriteThenEnospc = 5;
      await write('{"seq":2,"cut"}');
      await write('{"seq":3,"also lost"}');
      expect(read(file)).toBe('{"seq":1}\n{"seq');
      faults.shortWriteThenEnospc = undefined;
      await write('{"seq":4}');
      expect(read(file).split('\n')).toEqual(['{"seq":1}', '{"seq', '{"seq":4}', '']);
      // The fragment belongs to the failure already reported: no "incomplete line" notice on every retry.
      expect(events.notices).toEqual([]);
      expect(events.failures).toEqual(['ENOSPC']);
      await log.close();
    });

    test('bytes another process appended after the fragment are never truncated', async () => {
      const file = path.join(dir, 'exchanges.jsonl');
      const faults = faultyFs();
      const { log, write } = harness(file, { fs: faults.fs });
      await write('{"seq":1}');
      faults.shortWriteThenEnospc = 5;
      faults.beforeFailing = () => fs.appendFileSync(file, '{"seq":99,"by":"replay"}\n');
      await write('{"seq":2,"cut"}');
      faults.shortWriteThenEnospc = undefined;
      await write('{"seq":3}');
      expect(read(file)).toBe('{"seq":1}\n{"seq{"seq":99,"by":"replay"}\n{"seq":3}\n');
      await log.close();
    });
  });

  test('appending after close counts the line as lost', async () => {
    const { log } = harness(path.join(dir, 'x.log'));
    await log.close();
    log.append('late');
    expect(log.lostLines).toBe(1);
  });
});

describe('describeFileError and describeLostWrites', () => {
  const errno = (code: string, message = `${code}: something, write`): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

  test.each([
    ['ENOSPC', 'ENOSPC (no space left on device)'],
    ['EACCES', 'EACCES (permission denied)'],
    ['EROFS', 'EROFS (read-only file system)'],
    ['EDQUOT', 'EDQUOT (disk quota exceeded)'],
  ])('%s', (code, text) => expect(describeFileError(errno(code))).toBe(text));

  test('an unknown code takes its meaning from the libuv message; no code at all gives the message', () => {
    expect(describeFileError(errno('ESTALE', 'ESTALE: stale file handle, write'))).toBe('ESTALE (stale file handle)');
    expect(describeFileError(new Error('odd'))).toBe('odd');
  });

  test('one lost line is "at" a time; several codes are all named', () => {
    const episode = { lostLines: 1, firstLostAt: T0, lastLostAt: T0, error: errno('ENOSPC'), codes: ['ENOSPC'] };
    expect(describeLostWrites(episode, { one: 'entry', many: 'entries' })).toBe('1 entry was lost at 2030-01-02T03:04:05.000Z (ENOSPC)');
    expect(describeLostWrites({ ...episode, lostLines: 5, lastLostAt: T0 + 60_000, codes: ['ENOSPC', 'ENOENT'] }, { one: 'record', many: 'records' })).toBe(
      '5 records were lost between 2030-01-02T03:04:05.000Z and 2030-01-02T03:05:05.000Z (ENOSPC, ENOENT)',
    );
  });
});

/**
 * The real fs.promises whose writes are reported to the test and held until it releases them, so the test can see
 * what each write(2) carried and append more while one is in flight.
 */
function observedFs() {
  const real = fs.promises;
  const writes: string[] = [];
  const waiting: Array<() => void> = [];
  let hold: Promise<void> | undefined;
  const state = {
    writes,
    /** Resolves once `count` writes have been issued. */
    writesIssued: (count: number) =>
      new Promise<void>((resolve) => {
        const check = (): void => (writes.length >= count ? resolve() : void waiting.push(check));
        check();
      }),
    /** Holds every write issued from now on until the returned function is called. */
    holdWrites: (): (() => void) => {
      let release = (): void => undefined;
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = undefined;
        release();
      };
    },
    fs: {
      open: async (file: string, flags: 'a+', mode: number) => {
        const handle = await real.open(file, flags, mode);
        const wrapped: AppendHandle = {
          write: async (buffer, offset, length) => {
            writes.push(buffer.subarray(offset, offset + length).toString('utf8'));
            waiting.splice(0).forEach((wake) => wake());
            if (hold) await hold;
            return handle.write(buffer, offset, length);
          },
          read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
          stat: () => handle.stat(),
          chmod: (mode) => handle.chmod(mode),
          truncate: (length) => handle.truncate(length),
          close: () => handle.close(),
        };
        return wrapped;
      },
      mkdir: (dir: string, options: { recursive: true; mode: number }) => real.mkdir(dir, options),
      stat: (file: string) => real.stat(file),
      rename: (from: string, to: string) => real.rename(from, to),
      rm: (file: string, options: { force: true }) => real.rm(file, options),
    } satisfies AppendFileSystem,
  };
  return state;
}

/**
 * The real fs.promises with faults switched on by the test: a write that stores only its first N bytes and then
 * fails with ENOSPC (what write(2) does when the disk fills mid-buffer), after which every write fails at once until
 * the test clears the fault (space freed); and failing truncate or rename.
 */
function faultyFs(options: { failTruncate?: boolean; failRename?: boolean } = {}) {
  const real = fs.promises;
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: injected`), { code });
  const state: {
    fs: AppendFileSystem;
    shortWriteThenEnospc: number | undefined;
    beforeFailing: (() => void) | undefined;
  } = {
    shortWriteThenEnospc: undefined,
    beforeFailing: undefined,
    fs: {
      open: async (file, flags, mode) => {
        const handle = await real.open(file, flags, mode);
        const wrapped: AppendHandle = {
          write: async (buffer, offset, length) => {
            const cut = state.shortWriteThenEnospc;
            if (cut !== undefined) {
              if (offset >= cut) {
                state.beforeFailing?.();
                state.beforeFailing = undefined;
                state.shortWriteThenEnospc = 0; // full now: later writes store nothing
                throw errno('ENOSPC');
              }
              return handle.write(buffer, offset, Math.min(length, cut - offset));
            }
            return handle.write(buffer, offset, length);
          },
          read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
          stat: () => handle.stat(),
          chmod: (mode) => handle.chmod(mode),
          truncate: async (length) => {
            if (options.failTruncate) throw errno('EIO');
            return handle.truncate(length);
          },
          close: () => handle.close(),
        };
        return wrapped;
      },
      mkdir: (dir, mkdirOptions) => real.mkdir(dir, mkdirOptions),
      stat: (file) => real.stat(file),
      rename: async (from, to) => {
        if (options.failRename) throw errno('EACCES');
        return real.rename(from, to);
      },
      rm: (file, rmOptions) => real.rm(file, rmOptions),
    },
  };
  return state;
}
