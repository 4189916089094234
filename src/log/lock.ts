/**
 * <logDir>/proxydoc.lock: one proxy per log directory. Two proxies appending to the same exchanges.jsonl would
 * number their records with the same seq (each continues from the last one it read at start), so `proxydoc show 17`
 * would be ambiguous, and both would rotate the same files.
 *
 * The lock file holds the holder's pid on the first line (like a pidfile: `kill $(head -1 logs/proxydoc.lock)`
 * works), then when it started, then (on Linux) the process's start time in clock ticks since boot (proc(5)), which
 * tells a live holder from an unrelated process that got the same pid after the holder was killed.
 *
 * It is created complete and atomically: written to a temporary file, then hard-linked to its name. link(2) fails when
 * the name exists, like O_EXCL, and the lock appears with its content, so a reader never sees an empty lock (which
 * it would have to call stale). Where hard links are not supported (vfat, some FUSE mounts) it falls back to O_EXCL,
 * which leaves a moment in which a proxydoc starting at the same instant could find the lock empty and take it.
 * A lock whose holder is gone (kill -9, a crash) is stale and taken over. `proxydoc replay` does not take it: it
 * appends beside a running proxy on purpose.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const LOCK_FILE = 'proxydoc.lock';

export interface LockHolder {
  pid: number;
  /** ISO 8601, as the holder wrote it. */
  startedAt: string;
  /** Linux: field 22 of /proc/<pid>/stat when the holder wrote the lock. */
  processStart?: string;
}

export interface LockEnvironment {
  pid: number;
  /** Epoch ms, for startedAt. */
  now: () => number;
  /** Whether a process exists (signal 0; EPERM means it exists but is another user's). */
  isAlive: (pid: number) => boolean;
  /** The process's start time as the kernel keeps it, or undefined where that cannot be read. */
  processStartOf: (pid: number) => string | undefined;
}

export interface LogDirLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** Thrown when another live proxydoc holds the directory; the message is the one line the user sees. */
export class LogDirInUseError extends Error {
  override name = 'LogDirInUseError';
  constructor(
    readonly logDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `${logDir} is in use by another proxydoc (pid ${holder.pid}, started ${holder.startedAt}): stop that one, or give this one another --log-dir`,
    );
  }
}

export function lockFileOf(logDir: string): string {
  return path.join(logDir, LOCK_FILE);
}

/** Locks held by this process, released on exit even without close() (process.exit after a second Ctrl-C). */
const heldHere = new Map<string, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [file, content] of heldHere) {
      try {
        if (fs.readFileSync(file, 'utf8') === content) fs.rmSync(file, { force: true });
      } catch {
        // best effort: a lock left behind is stale once this process is gone, and taken over
      }
    }
  });
}

export const systemLockEnvironment: LockEnvironment = {
  pid: process.pid,
  now: () => Date.now(),
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  processStartOf: (pid) => {
    try {
      return processStartFromStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return undefined; // not Linux, or the process is gone
    }
  },
};

/**
 * Field 22 (starttime) of /proc/<pid>/stat. Field 2 is the command name in parentheses and may itself contain
 * spaces and parentheses, so counting starts after the last ")" (proc(5)).
 */
export function processStartFromStat(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[22 - 3]; // fields[0] is field 3 (state)
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

export function formatLockFile(holder: LockHolder): string {
  return `${holder.pid}\n${holder.startedAt}\n${holder.processStart ?? ''}\n`;
}

/** The holder a lock file names, or undefined when it is not one (empty, hand-edited). */
export function parseLockFile(text: string): LockHolder | undefined {
  const [pidLine, startedAt = '', processStart = ''] = text.split('\n');
  if (!/^\d+$/.test(pidLine ?? '')) return undefined;
  const pid = Number(pidLine);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, startedAt: startedAt || 'at an unknown time', ...(processStart ? { processStart } : {}) };
}

/**
 * Whether the holder named in a lock (another process's) still runs: its pid is alive and, where the kernel tells,
 * it is the same process that wrote the lock, not a newer one given the same pid.
 */
export function holderIsAlive(holder: LockHolder, env: LockEnvironment): boolean {
  if (!env.isAlive(holder.pid)) return false;
  if (holder.processStart === undefined) return true;
  const current = env.processStartOf(holder.pid);
  return current === undefined || current === holder.processStart;
}

/**
 * Takes the log directory's lock, creating the directory (0700) if needed. Throws LogDirInUseError when a live
 * proxydoc holds it, and the fs error when the directory is not writable.
 */
export async function acquireLogDirLock(logDir: string, env: LockEnvironment = systemLockEnvironment): Promise<LogDirLock> {
  await fs.promises.mkdir(logDir, { recursive: true, mode: 0o700 });
  const file = lockFileOf(logDir);
  const holder: LockHolder = {
    pid: env.pid,
    startedAt: new Date(env.now()).toISOString(),
    processStart: env.processStartOf(env.pid),
  };
  const content = formatLockFile(holder);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.promises.open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  try {
    // Three rounds: a stale lock removed, then another starting proxydoc taking it first, is the most that can happen.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!(await createExclusively(file, temporary, content))) {
        const existing = await readLock(file);
        if (existing === undefined) continue; // removed meanwhile: try again
        const current = parseLockFile(existing);
        // Our own pid is alive by definition: it is a live holder only if this process took that very lock (a
        // second proxy in one process); otherwise a killed process had our pid (containers start from pid 1 each time).
        const alive = current !== undefined && (current.pid === env.pid ? heldHere.get(file) === existing : holderIsAlive(current, env));
        if (alive) throw new LogDirInUseError(logDir, current);
        // Stale (its process is gone) or not a lock at all: remove it, unless it changed since we read it.
        // A window remains between this read and the unlink in which another starting proxydoc could replace it;
        // both would then go on. Closing it needs flock(2), which Node does not offer.
        if ((await readLock(file)) === existing) await fs.promises.rm(file, { force: true });
        continue;
      }
      heldHere.set(file, content);
      installExitHook();
      return {
        file,
        holder,
        release: async () => {
          if (!heldHere.has(file) || heldHere.get(file) !== content) return;
          heldHere.delete(file);
          // Only if still ours: a user may have removed it and started another proxydoc since.
          if ((await readLock(file)) === content) await fs.promises.rm(file, { force: true });
        },
      };
    }
    throw Object.assign(new Error(`could not take ${file}: other proxydoc processes keep replacing it`), { code: 'EBUSY' });
  } finally {
    await fs.promises.rm(temporary, { force: true });
  }
}

/** Creates `file` holding `content` unless it exists (then false). */
async function createExclusively(file: string, temporary: string, content: string): Promise<boolean> {
  try {
    await fs.promises.link(temporary, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
  }
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

async function readLock(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
