/**
 * An append-only log file that never blocks the caller: lines queue in memory and go to disk in batches — every
 * BATCH_DELAY_MS, or at once when BATCH_LENGTH has queued, and never two writes at a time (what queues during a
 * write goes in the next). An asynchronous write costs ~25 µs of CPU however small it is, so one per record was a
 * large share of a busy proxy's time per exchange. Created with mode 0600 because
 * exchanges.jsonl holds credentials; an existing file is tightened to 0600 too.
 *
 * When the disk refuses (full, read-only, permissions, the directory removed), the lines of that write are lost,
 * counted, and forwarding goes on. Failures come in *episodes*: an episode starts at the first failed write and ends
 * at the next successful one, so the owner can say "cannot write" once and "works again, N lost" once, instead of
 * once per record or once per error code forever.
 *
 * Optional size-based rotation (path → path.1 → path.2 …) happens between whole batches, so a line is never split
 * across two files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file operations AppendOnlyFile uses: node's fs.promises, or a fault-injecting stand-in in tests. */
export interface AppendFileSystem {
  open(file: string, flags: 'a+', mode: number): Promise<AppendHandle>;
  mkdir(dir: string, options: { recursive: true; mode: number }): Promise<unknown>;
  stat(file: string): Promise<{ ino: number; size: number }>;
  rename(from: string, to: string): Promise<void>;
  rm(file: string, options: { force: true }): Promise<void>;
}

export interface AppendHandle {
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ ino: number; size: number; nlink: number; isFile(): boolean }>;
  chmod(mode: number): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** A run of failed writes, reported when writing works again. Times are epoch milliseconds. */
export interface LostWritesEpisode {
  lostLines: number;
  firstLostAt: number;
  lastLostAt: number;
  /** The error that started the episode. */
  error: NodeJS.ErrnoException;
  /** Every distinct error code seen during the episode, in order (a full disk may turn into a removed directory). */
  codes: string[];
}

export interface AppendFileEvents {
  /** Every failed write; the lines of that write are counted as lost. */
  onError?: (error: NodeJS.ErrnoException, lostLines: number) => void;
  /** The first failed write of an episode. */
  onFailure?: (error: NodeJS.ErrnoException) => void;
  /** The first successful write after an episode. */
  onRecovery?: (episode: LostWritesEpisode) => void;
  /** Something worth telling that lost nothing: the file was moved or deleted and is reopened, rotation failed. */
  onNotice?: (message: string) => void;
}

export interface AppendFileOptions extends AppendFileEvents {
  /** Rotate before a write would take the file past this many bytes; undefined = never rotate. */
  maxSize?: number;
  /** How many rotated files to keep (path.1 … path.N) when maxSize is set. */
  maxFiles?: number;
  /** Epoch milliseconds: the times of an episode, and pacing of the check that the path is still our file. */
  now?: () => number;
  fs?: AppendFileSystem;
}

export const DEFAULT_MAX_LOG_FILES = 5;

const LINE_BREAK = Buffer.from('\n');

/** How long a line may wait for company before it is written: unnoticeable to `tail -f`, ~20 records at 2 000/s. */
const BATCH_DELAY_MS = 10;
/** Queued characters that are written without waiting for the delay. */
const BATCH_LENGTH = 256 * 1024;

/**
 * How often the path is compared with the open file. An open descriptor keeps writing into a file that was deleted
 * (or whose directory was removed) or renamed, without any error: the records would vanish silently. One stat a
 * second at most costs nothing next to the traffic; `tail -F` checks as often.
 */
const IDENTITY_CHECK_INTERVAL_MS = 1000;

export class AppendOnlyFile {
  private queue: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private queuedLength = 0;
  private writeInFlight = false;
  private writing: Promise<void> = Promise.resolve();
  private handle: AppendHandle | undefined;
  /** Inode of the open file, to notice the path now naming another file (or none). */
  private ino = 0;
  /** Bytes in the open file as far as we know: its size when opened plus what we wrote since. */
  private size = 0;
  private lastIdentityCheck = 0;
  private closed = false;
  private episode: LostWritesEpisode | undefined;
  /** The open file ends mid-line (see open()): the next write starts with a line break. */
  private needsLineBreak = false;
  private rotationBroken = false;
  /** Rotation renames files; a symlink to /dev/null or a FIFO at the path is left alone. */
  private regularFile = true;
  /** Why the handle was closed by checkIdentity, told once the path is open again. */
  private replaced: 'deleted' | 'moved' | 'replaced' | undefined;
  private readonly fs: AppendFileSystem;
  private readonly now: () => number;
  /** Lines handed to append() that could not be written. */
  lostLines = 0;
  /** Lines written successfully. */
  writtenLines = 0;

  constructor(
    readonly path: string,
    private readonly options: AppendFileOptions = {},
  ) {
    this.fs = options.fs ?? fs.promises;
    this.now = options.now ?? Date.now;
  }

  append(line: string): void {
    if (this.closed) {
      this.lostLines += 1;
      return;
    }
    this.queue.push(line.endsWith('\n') ? line : line + '\n');
    this.queuedLength += line.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.writeInFlight || this.queue.length === 0) return; // the running write schedules the rest when done
    if (this.queuedLength >= BATCH_LENGTH) this.drain();
    else this.timer ??= setTimeout(() => this.drain(), BATCH_DELAY_MS);
  }

  /** True while writes are failing (between the first failed write and the next successful one). */
  get failing(): boolean {
    return this.episode !== undefined;
  }

  private drain(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    this.queuedLength = 0;
    this.writeInFlight = true;
    // Chain writes so lines stay in order even when one write is slow (flush() may drain while one runs).
    this.writing = this.writing
      .then(() => this.writeLines(lines))
      .finally(() => {
        this.writeInFlight = false;
        this.schedule();
      });
  }

  private async writeLines(lines: string[]): Promise<void> {
    // One buffer per batch: each record is a whole line in one write(2) with O_APPEND, so a crash leaves either
    // the whole line or a partial last line that readers skip — never interleaved records.
    const text = lines.join('');
    let data = Buffer.from(text, 'utf8');
    let written = 0;
    let handle: AppendHandle | undefined;
    try {
      handle = await this.openFor(data.length);
      if (this.needsLineBreak) data = Buffer.concat([LINE_BREAK, data]);
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written);
        written += bytesWritten;
      }
      this.size += data.length;
      this.needsLineBreak = false;
      this.writtenLines += lines.length;
      this.endEpisode();
    } catch (error) {
      const failure = error as NodeJS.ErrnoException;
      this.lostLines += lines.length;
      if (handle && written > 0) await this.removePartialLine(handle, data.subarray(0, written));
      await this.closeHandle();
      this.recordFailure(failure, lines.length);
    }
  }

  /**
   * The open file, (re)opened when needed: first use, after a failure (the next batch retries the path, so writing
   * resumes by itself once space is freed or permissions are fixed), after the path was moved or deleted, and after
   * rotation.
   */
  private async openFor(incoming: number): Promise<AppendHandle> {
    if (this.handle && this.now() - this.lastIdentityCheck >= IDENTITY_CHECK_INTERVAL_MS) await this.checkIdentity();
    if (!this.handle) await this.open();
    if (this.shouldRotate(incoming)) await this.rotate();
    return this.handle!;
  }

  private async open(): Promise<void> {
    let handle: AppendHandle;
    let recreatedDir = false;
    try {
      handle = await this.fs.open(this.path, 'a+', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The directory is gone (someone cleared the logs while proxydoc runs). Decision: recreate it, 0700 like
      // `start` makes it, and go on writing. nginx and mitmproxy keep failing until reopened by a signal, but here
      // a removed directory almost always means "clear the old logs", and the user still wants the new records.
      const created = await this.fs.mkdir(path.dirname(this.path), { recursive: true, mode: 0o700 });
      recreatedDir = typeof created === 'string'; // mkdir -p returns the first directory it had to create
      handle = await this.fs.open(this.path, 'a+', 0o600);
    }
    try {
      const stat = await handle.stat();
      // Only a regular file is ours to tighten: exchanges.jsonl may be a user's symlink to /dev/null, or a FIFO.
      if (stat.isFile()) await handle.chmod(0o600); // the creation mode is filtered by the umask
      this.ino = stat.ino;
      this.size = stat.size;
      // A file ending in half a line (proxydoc was killed mid-write, or a failed write could not be undone): the next
      // write starts on a fresh line, so the fragment stays one corrupt line that readers skip and report, instead of
      // being glued to the next record and taking it down too. Not truncated: another process may be appending.
      this.regularFile = stat.isFile();
      this.needsLineBreak = stat.isFile() && stat.size > 0 && !(await endsWithLineBreak(handle, stat.size));
      // During an episode the fragment is that of a failed write, already reported as such.
      if (this.needsLineBreak && this.episode === undefined) {
        this.options.onNotice?.(`${this.path} ended in an incomplete line (proxydoc was killed mid-write, or a write failed); it is left as one line readers skip`);
      }
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.handle = handle;
    this.lastIdentityCheck = this.now();
    const replaced = this.replaced;
    this.replaced = undefined;
    if (recreatedDir) {
      this.options.onNotice?.(`${path.dirname(this.path)} was removed while proxydoc was writing to it; recreated it (mode 0700) with a new ${path.basename(this.path)}`);
    } else if (replaced === 'deleted') {
      this.options.onNotice?.(`${this.path} was deleted while proxydoc was writing it; writing to a new one (lines of up to a second before went to the deleted file)`);
    } else if (replaced === 'moved') {
      this.options.onNotice?.(`${this.path} was moved away while proxydoc was writing it (rotated by another tool?); writing to a new one`);
    } else if (replaced === 'replaced') {
      this.options.onNotice?.(`${this.path} was replaced while proxydoc was writing it; writing to the file now at that path`);
    }
  }

  /** Closes the handle when the path no longer names the open file, so the next write reopens (and recreates) it. */
  private async checkIdentity(): Promise<void> {
    this.lastIdentityCheck = this.now();
    let ino: number | undefined;
    try {
      ino = (await this.fs.stat(this.path)).ino;
    } catch {
      ino = undefined; // deleted, or the directory is gone: open() recreates what is missing
    }
    if (ino === this.ino) return;
    // No links left: deleted (the directory with it, perhaps). Otherwise it lives on under another name.
    const links = await this.handle?.stat().then((stat) => stat.nlink, () => 0);
    await this.closeHandle();
    this.replaced = links === 0 ? 'deleted' : ino === undefined ? 'moved' : 'replaced'; // told once reopened
  }

  private shouldRotate(incoming: number): boolean {
    const { maxSize } = this.options;
    // Between whole batches only: a batch bigger than the limit still goes whole into a fresh file.
    return maxSize !== undefined && this.regularFile && !this.rotationBroken && this.size > 0 && this.size + incoming > maxSize;
  }

  /**
   * path → path.1, path.1 → path.2 … keeping maxFiles rotated files, like logrotate's `rotate N`. The size is ours
   * alone: a `proxydoc replay` appending to the same file meanwhile is not counted, so a file may end a little past
   * the limit, and a replay still holding the old file open finishes its line in path.1.
   */
  private async rotate(): Promise<void> {
    const keep = Math.max(1, this.options.maxFiles ?? DEFAULT_MAX_LOG_FILES);
    await this.closeHandle();
    try {
      await this.fs.rm(`${this.path}.${keep}`, { force: true });
      for (let index = keep - 1; index >= 1; index--) {
        await this.fs.rename(`${this.path}.${index}`, `${this.path}.${index + 1}`).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
      await this.fs.rename(this.path, `${this.path}.1`);
    } catch (error) {
      // Keep writing to the one file rather than lose records; say so once.
      this.rotationBroken = true;
      this.options.onNotice?.(
        `cannot rotate ${this.path}: ${describeFileError(error as NodeJS.ErrnoException)}; it keeps growing past --max-log-size`,
      );
    }
    await this.open();
  }

  /**
   * A write cut short (the disk filled up mid-line) left the first bytes of a line in the file. Cut them off again,
   * but only after reading them back: another process (a `proxydoc replay`) may append to the same file, and its
   * lines must never be truncated. When that cannot be done, the next write starts with a line break instead, so
   * the fragment stays one corrupt line that readers skip and report, not glued to the next record.
   */
  private async removePartialLine(handle: AppendHandle, fragment: Buffer): Promise<void> {
    try {
      const { size } = await handle.stat();
      const start = size - fragment.length;
      if (start >= 0) {
        const tail = Buffer.alloc(fragment.length);
        const { bytesRead } = await handle.read(tail, 0, tail.length, start);
        if (bytesRead === fragment.length && tail.equals(fragment)) {
          await handle.truncate(start);
          return;
        }
      }
    } catch {
      // left as it is: open() sees the file end mid-line and starts the next write on a new line
    }
  }

  private recordFailure(error: NodeJS.ErrnoException, lostLines: number): void {
    const now = this.now();
    const code = error.code ?? 'error';
    if (this.episode === undefined) {
      this.episode = { lostLines, firstLostAt: now, lastLostAt: now, error, codes: [code] };
      this.options.onFailure?.(error);
    } else {
      this.episode.lostLines += lostLines;
      this.episode.lastLostAt = now;
      if (!this.episode.codes.includes(code)) this.episode.codes.push(code);
    }
    this.options.onError?.(error, lostLines);
  }

  private endEpisode(): void {
    const episode = this.episode;
    if (episode === undefined) return;
    this.episode = undefined;
    this.options.onRecovery?.(episode);
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  /** Resolves when every line appended so far is on disk (or counted as lost). */
  async flush(): Promise<void> {
    this.drain();
    let pending: Promise<void>;
    do {
      pending = this.writing;
      await pending;
    } while (pending !== this.writing);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.closeHandle();
  }
}

async function endsWithLineBreak(handle: AppendHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  const { bytesRead } = await handle.read(last, 0, 1, size - 1);
  return bytesRead === 1 && last[0] === 0x0a;
}

/** What the system says, for people: the errno name and its meaning, e.g. "ENOSPC (no space left on device)". */
const ERROR_MEANINGS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'the path is a directory',
  EEXIST: 'a file is in the way',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EFBIG: 'file too large',
};

export function describeFileError(error: NodeJS.ErrnoException): string {
  const code = error.code;
  if (code === undefined) return error.message;
  // libuv messages read "ENOSPC: no space left on device, write": the middle part is the meaning.
  const meaning = ERROR_MEANINGS[code] ?? /^[A-Z0-9_]+: ([^,]+)/.exec(error.message)?.[1];
  return meaning ? `${code} (${meaning})` : code;
}

/** "12 records were lost between … and … (ENOSPC)", the line noted in the log when writing works again. */
export function describeLostWrites(episode: LostWritesEpisode, items: { one: string; many: string }): string {
  const count = `${episode.lostLines} ${episode.lostLines === 1 ? `${items.one} was` : `${items.many} were`} lost`;
  const first = new Date(episode.firstLostAt).toISOString();
  const last = new Date(episode.lastLostAt).toISOString();
  const when = episode.lostLines === 1 || first === last ? `at ${first}` : `between ${first} and ${last}`;
  return `${count} ${when} (${episode.codes.join(', ')})`;
}
