/**
 * Reading exchanges.jsonl back: line splitting and record validation are pure (RecordLineSplitter,
 * parseRecordLine); reading a whole file and following a growing one are the I/O edges.
 *
 * The writer appends whole lines, one write per batch (append-file.ts), so a reader can only ever see a complete
 * line, or a last line still being written (or cut short by a crash). The last line without its "\n" is therefore
 * held back, never reported as corrupt; a complete line that does not parse is reported once and skipped.
 */
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { RECORD_VERSION, type ExchangeRecord } from '../model/exchange';

export interface CorruptLine {
  /** 1-based line number in the file (counted from where reading started after a reset). */
  lineNumber: number;
  reason: string;
}

export type ParsedLine = { record: ExchangeRecord } | { corrupt: string };

/** Parses one line of exchanges.jsonl and checks the fields every reader relies on. */
export function parseRecordLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { corrupt: 'not JSON' };
  }
  const reason = recordShapeProblem(value);
  return reason === undefined ? { record: value as ExchangeRecord } : { corrupt: reason };
}

/** Why a parsed value is not a usable v1 record, or undefined when it is. */
function recordShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  if (typeof record.v === 'number' && record.v > RECORD_VERSION) {
    return `record version ${record.v} is newer than this proxydoc understands (${RECORD_VERSION}); upgrade proxydoc`;
  }
  if (record.v !== RECORD_VERSION) return 'no record version "v"';
  if (typeof record.id !== 'string' || record.id === '') return 'no "id"';
  if (typeof record.seq !== 'number') return 'no "seq"';
  if (typeof record.startedAt !== 'string') return 'no "startedAt"';
  const request = record.request as Record<string, unknown> | undefined;
  if (typeof request !== 'object' || request === null) return 'no "request"';
  if (typeof request.method !== 'string' || typeof request.url !== 'string') return 'request without method or url';
  if (!Array.isArray(request.headers) || typeof request.body !== 'object' || request.body === null) {
    return 'request without headers or body';
  }
  if (typeof record.phases !== 'object' || record.phases === null) return 'no "phases"';
  if (!Array.isArray(record.findings)) return 'no "findings"';
  return undefined;
}

/**
 * Splits a stream of bytes into complete lines, parses them, and keeps the unterminated tail for the next chunk.
 * Multi-byte UTF-8 characters split across chunks are reassembled by the StringDecoder.
 */
export class RecordLineSplitter {
  private decoder = new StringDecoder('utf8');
  private tail = '';
  private lineNumber = 0;

  push(chunk: Buffer | string): { records: ExchangeRecord[]; corrupt: CorruptLine[] } {
    const decoded = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    // A chunk without a line end only grows the held-back line: splitting the whole tail again for every chunk of a
    // long line was quadratic in its length.
    if (!decoded.includes('\n')) {
      this.tail += decoded;
      return { records: [], corrupt: [] };
    }
    const text = this.tail + decoded;
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    const records: ExchangeRecord[] = [];
    const corrupt: CorruptLine[] = [];
    for (const line of lines) {
      this.lineNumber += 1;
      if (line.trim() === '') continue;
      const parsed = parseRecordLine(line);
      if ('record' in parsed) records.push(parsed.record);
      else corrupt.push({ lineNumber: this.lineNumber, reason: parsed.corrupt });
    }
    return { records, corrupt };
  }

  /** True while an unterminated last line is held back. */
  get hasPartialLine(): boolean {
    return this.tail !== '';
  }

  reset(): void {
    this.decoder = new StringDecoder('utf8');
    this.tail = '';
    this.lineNumber = 0;
  }
}

export interface RecordsRead {
  records: ExchangeRecord[];
  corrupt: CorruptLine[];
  /** True when the file ended in a half-written line (skipped). */
  partialLastLine: boolean;
  /** Bytes read: where a follower continues. */
  size: number;
  /** Inode of the file read, to notice it being replaced. */
  ino: number;
}

/** Reads every complete record of a file. Throws the fs error (ENOENT, EACCES…) for the caller to explain. */
export async function readRecordsFile(file: string): Promise<RecordsRead> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { ino } = await handle.stat();
    const splitter = new RecordLineSplitter();
    const records: ExchangeRecord[] = [];
    const corrupt: CorruptLine[] = [];
    const buffer = Buffer.alloc(1024 * 1024);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, size);
      if (bytesRead === 0) break;
      size += bytesRead;
      const batch = splitter.push(buffer.subarray(0, bytesRead));
      for (const record of batch.records) records.push(record);
      for (const line of batch.corrupt) corrupt.push(line);
    }
    return { records, corrupt, partialLastLine: splitter.hasPartialLine, size, ino };
  } finally {
    await handle.close();
  }
}

export interface FollowEvents {
  onRecords: (records: ExchangeRecord[]) => void;
  onCorrupt: (lines: CorruptLine[]) => void;
  /** The file was replaced or truncated (log rotation, a new run in the same directory): reading restarts at 0. */
  onReset?: () => void;
}

export interface Follower {
  stop(): void;
}

/** How often a followed file is checked, like `tail -F`'s default polling of one second, but snappier. */
const FOLLOW_POLL_MS = 200;

/**
 * Follows a file from `start` (what readRecordsFile returned, or nothing to start at 0 when the file does not exist
 * yet). Uses fs.watchFile (stat polling) because it keeps working when the file is deleted and recreated, which
 * inotify-based fs.watch on the file does not.
 */
export function followRecordsFile(file: string, start: { size: number; ino: number } | undefined, events: FollowEvents): Follower {
  const splitter = new RecordLineSplitter();
  let offset = start?.size ?? 0;
  let ino = start?.ino ?? 0;
  let reading = false;
  let again = false;
  let stopped = false;

  const readMore = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        await readNewBytes();
      } while (again && !stopped);
    } finally {
      reading = false;
    }
  };

  const readNewBytes = async (): Promise<void> => {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, 'r');
    } catch {
      return; // not there (yet, or between a delete and the recreation): the next change tells us
    }
    try {
      const stat = await handle.stat();
      if ((ino !== 0 && stat.ino !== ino) || stat.size < offset) {
        offset = 0;
        splitter.reset();
        if (ino !== 0) events.onReset?.();
      }
      ino = stat.ino;
      const buffer = Buffer.alloc(64 * 1024);
      while (!stopped) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const batch = splitter.push(buffer.subarray(0, bytesRead));
        if (batch.corrupt.length > 0) events.onCorrupt(batch.corrupt);
        if (batch.records.length > 0) events.onRecords(batch.records);
      }
    } finally {
      await handle.close();
    }
  };

  const listener = (): void => {
    if (!stopped) void readMore();
  };
  fs.watchFile(file, { interval: FOLLOW_POLL_MS, persistent: true }, listener);
  // Catch what was appended between the caller's read and the watcher's first stat.
  void readMore();
  return {
    stop: () => {
      stopped = true;
      fs.unwatchFile(file, listener);
    },
  };
}
