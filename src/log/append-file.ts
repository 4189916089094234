/**
 * An append-only log file that never blocks the caller: lines queue in memory and go to disk in one write per
 * event-loop turn (so a burst of records costs one syscall, not one each). Created with mode 0600 because
 * exchanges.jsonl holds credentials; an existing file is tightened to 0600 too.
 */
import * as fs from 'node:fs';

export interface AppendFileEvents {
  /** A write failed; the lines of that write are counted as lost. */
  onError?: (error: NodeJS.ErrnoException, lostLines: number) => void;
}

export class AppendOnlyFile {
  private queue: string[] = [];
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();
  private fd: fs.promises.FileHandle | undefined;
  private opening: Promise<fs.promises.FileHandle> | undefined;
  private closed = false;
  /** Lines handed to append() that could not be written. */
  lostLines = 0;
  /** Lines written successfully. */
  writtenLines = 0;

  constructor(
    readonly path: string,
    private readonly events: AppendFileEvents = {},
  ) {}

  append(line: string): void {
    if (this.closed) {
      this.lostLines += 1;
      return;
    }
    this.queue.push(line.endsWith('\n') ? line : line + '\n');
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    // Chain writes so lines stay in order even when one write is slow.
    this.writing = this.writing.then(() => this.writeLines(lines));
  }

  private async handle(): Promise<fs.promises.FileHandle> {
    if (this.fd) return this.fd;
    if (!this.opening) {
      this.opening = (async () => {
        const handle = await fs.promises.open(this.path, 'a', 0o600);
        await handle.chmod(0o600);
        return handle;
      })();
      this.opening.catch(() => (this.opening = undefined));
    }
    this.fd = await this.opening;
    return this.fd;
  }

  private async writeLines(lines: string[]): Promise<void> {
    // One buffer per batch: each record is a whole line in one write(2) with O_APPEND, so a crash leaves either
    // the whole line or a partial last line that readers skip — never interleaved records.
    const data = Buffer.from(lines.join(''), 'utf8');
    try {
      const handle = await this.handle();
      let offset = 0;
      while (offset < data.length) {
        const { bytesWritten } = await handle.write(data, offset, data.length - offset);
        offset += bytesWritten;
      }
      this.writtenLines += lines.length;
    } catch (error) {
      this.lostLines += lines.length;
      await this.fd?.close().catch(() => undefined);
      this.fd = undefined;
      this.events.onError?.(error as NodeJS.ErrnoException, lines.length);
    }
  }

  /** Resolves when every line appended so far is on disk (or counted as lost). */
  async flush(): Promise<void> {
    if (this.scheduled) this.drain();
    let pending: Promise<void>;
    do {
      pending = this.writing;
      await pending;
    } while (pending !== this.writing);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.fd?.close().catch(() => undefined);
    this.fd = undefined;
  }
}
