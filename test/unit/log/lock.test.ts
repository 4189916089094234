/**
 * The log directory lock against real files and real processes: a live holder refuses, a dead one (or a pid reused
 * by another process) is taken over, release removes only our own lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import {
  acquireLogDirLock,
  formatLockFile,
  LogDirInUseError,
  parseLockFile,
  processStartFromStat,
  systemLockEnvironment,
  type LockEnvironment,
} from '../../../src/log/lock';

/** The pid of a process that has exited (and been reaped), so nothing answers to it now, barring pid reuse. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('log directory lock', () => {
  let dir: string;
  let logDir: string;
  let lockFile: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-lock-'));
    logDir = path.join(dir, 'logs');
    lockFile = path.join(logDir, 'proxydoc.lock');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('creates the directory (0700) and a 0600 lock naming this pid; a second acquire is refused naming it; release frees it', async () => {
    const lock = await acquireLogDirLock(logDir);
    expect(fs.statSync(logDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(lockFile).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(lockFile, 'utf8');
    expect(text.split('\n')[0]).toBe(String(process.pid)); // pidfile convention: `kill $(head -1 proxydoc.lock)`
    expect(parseLockFile(text)).toEqual(lock.holder);
    expect(fs.readdirSync(logDir)).toEqual(['proxydoc.lock']); // no temporary file left behind

    const refused = await acquireLogDirLock(logDir).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(LogDirInUseError);
    expect((refused as Error).message).toBe(
      `${logDir} is in use by another proxydoc (pid ${process.pid}, started ${lock.holder.startedAt}): stop that one, or give this one another --log-dir`,
    );

    await lock.release();
    await lock.release(); // idempotent
    expect(fs.existsSync(lockFile)).toBe(false);
    const again = await acquireLogDirLock(logDir);
    await again.release();
  });

  test('a lock held by another live process is refused', async () => {
    fs.mkdirSync(logDir);
    const holder = { pid: process.ppid, startedAt: '2030-01-01T00:00:00.000Z', processStart: systemLockEnvironment.processStartOf(process.ppid) };
    fs.writeFileSync(lockFile, formatLockFile(holder));
    await expect(acquireLogDirLock(logDir)).rejects.toThrow(
      `${logDir} is in use by another proxydoc (pid ${process.ppid}, started 2030-01-01T00:00:00.000Z): stop that one, or give this one another --log-dir`,
    );
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(formatLockFile(holder)); // untouched
  });

  test('a stale lock (its process is gone, e.g. after kill -9) is taken over', async () => {
    fs.mkdirSync(logDir);
    fs.writeFileSync(lockFile, formatLockFile({ pid: await deadPid(), startedAt: '2030-01-01T00:00:00.000Z' }));
    const lock = await acquireLogDirLock(logDir);
    expect(parseLockFile(fs.readFileSync(lockFile, 'utf8'))?.pid).toBe(process.pid);
    await lock.release();
  });

  test('a live pid that is another process than the one that wrote the lock (pid reused) is stale', async () => {
    fs.mkdirSync(logDir);
    const env: LockEnvironment = { pid: 1000, now: () => 0, isAlive: () => true, processStartOf: (pid) => (pid === 2000 ? '555' : '1') };
    fs.writeFileSync(lockFile, formatLockFile({ pid: 2000, startedAt: 'then', processStart: '444' }));
    const lock = await acquireLogDirLock(logDir, env);
    expect(parseLockFile(fs.readFileSync(lockFile, 'utf8'))).toEqual({ pid: 1000, startedAt: '1970-01-01T00:00:00.000Z', processStart: '1' });
    await lock.release();

    // Same start time: the same process, still running.
    fs.writeFileSync(lockFile, formatLockFile({ pid: 2000, startedAt: 'then', processStart: '555' }));
    await expect(acquireLogDirLock(logDir, env)).rejects.toBeInstanceOf(LogDirInUseError);
  });

  test('a lock with our own pid that this process did not take (a container restarted with the same pid) is stale', async () => {
    fs.mkdirSync(logDir);
    fs.writeFileSync(lockFile, formatLockFile({ pid: process.pid, startedAt: 'earlier' }));
    const lock = await acquireLogDirLock(logDir);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(formatLockFile(lock.holder));
    await lock.release();
  });

  test('a lock file that is not one (empty, hand-edited) is taken over', async () => {
    fs.mkdirSync(logDir);
    fs.writeFileSync(lockFile, 'who knows\n');
    const lock = await acquireLogDirLock(logDir);
    await lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  test('release leaves alone a lock that is no longer ours', async () => {
    const lock = await acquireLogDirLock(logDir);
    const other = formatLockFile({ pid: process.ppid, startedAt: 'later' });
    fs.writeFileSync(lockFile, other); // removed by hand and taken by another proxydoc meanwhile
    await lock.release();
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(other);
  });

  test('an unwritable log directory is the fs error, not a refusal', async () => {
    fs.writeFileSync(logDir, 'a file where the directory should be');
    await expect(acquireLogDirLock(logDir)).rejects.toMatchObject({ code: 'EEXIST' });
  });
});

describe('lock file parsing', () => {
  test('processStartFromStat reads field 22 even when the command name has spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_v, i) => String(i + 3)); // fields 3..52
    fields[0] = 'S';
    expect(processStartFromStat(`4242 (node (x) y) ${fields.join(' ')}`)).toBe('22');
    expect(processStartFromStat('garbage')).toBeUndefined();
  });

  test('the pid comes first; anything else is not a lock', () => {
    expect(parseLockFile('123\n2030-01-01T00:00:00.000Z\n\n')).toEqual({ pid: 123, startedAt: '2030-01-01T00:00:00.000Z' });
    expect(parseLockFile('123')).toEqual({ pid: 123, startedAt: 'at an unknown time' });
    expect(parseLockFile('')).toBeUndefined();
    expect(parseLockFile('0\n')).toBeUndefined();
    expect(parseLockFile('-5\n')).toBeUndefined();
    expect(parseLockFile('{"pid":1}')).toBeUndefined();
  });

  test('on Linux, this process has a start time to tell it from a later one with the same pid', () => {
    if (!fs.existsSync('/proc/self/stat')) return;
    expect(systemLockEnvironment.processStartOf(process.pid)).toMatch(/^\d+$/);
  });
});
