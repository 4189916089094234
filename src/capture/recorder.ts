/**
 * Turns finished exchanges into records on disk: assigns seq and id, runs the diagnosis with the recent history of
 * the same client and origin, and appends the full record to exchanges.jsonl and the annotated, redacted lines to
 * proxydoc.log. Never blocks forwarding: everything after `finish()` is in-memory work plus queued appends.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ExchangeRecord } from '../model/exchange';
import { originOf } from '../model/url';
import type { DiagnosisContext, UserTimeout } from '../diagnosis/rule';
import { AppendOnlyFile, describeLostWrites, type LostWritesEpisode } from '../log/append-file';
import { redactRecord } from '../log/redact';
import { formatAnnotated } from '../present/exchange-line';
import type { Clock } from './clock';

export type DiagnoseFn = (record: ExchangeRecord, context: DiagnosisContext) => ExchangeRecord['findings'];

export interface RecorderOptions {
  logDir: string;
  clock: Clock;
  diagnose: DiagnoseFn;
  userTimeouts: readonly UserTimeout[];
  /** Called once per failed batch of writes, with the file and the reason. */
  onWriteError?: (file: string, error: NodeJS.ErrnoException) => void;
  /** A file's first failed write since it last worked (an episode starts): tell the user once. */
  onWriteFailure?: (file: string, error: NodeJS.ErrnoException) => void;
  /** Writing a file works again after an episode; `lost` says how much, already noted in proxydoc.log. */
  onWriteResumed?: (file: string, lost: string) => void;
  /** A log file moved, deleted, recreated or not rotated: worth telling, nothing lost by it. */
  onLogNotice?: (message: string) => void;
  /** Rotate each file before it passes this many bytes (undefined: never), keeping maxLogFiles old ones. */
  maxLogSize?: number;
  maxLogFiles?: number;
  /** Mask credentials in exchanges.jsonl as in proxydoc.log (--redact-records). */
  redactRecords?: boolean;
  /** Called with every finished record (the `run` command prints them live). */
  onRecord?: (record: ExchangeRecord, annotated: string) => void;
  /**
   * Diagnose and write finished records after the current I/O callbacks rather than inside them (the proxy). Off
   * for `replay`, which prints a record's findings as soon as it is finished.
   */
  deferred?: boolean;
}

/** How much history a rule may see: the last entries of the same client and origin within a few minutes. */
const HISTORY_PER_KEY = 100;
const HISTORY_MAX_AGE_MS = 10 * 60 * 1000;

export const RECORDS_FILE = 'exchanges.jsonl';
export const ANNOTATED_FILE = 'proxydoc.log';

export class Recorder {
  private seq: number;
  private readonly history = new LRUCache<string, ExchangeRecord[]>({ max: 2000 });
  private readonly records: AppendOnlyFile;
  private readonly annotated: AppendOnlyFile;
  private readonly processTag = randomBytes(4).toString('hex');
  /** Finished records waiting for processFinished (deferred mode). */
  private unprocessed: ExchangeRecord[] = [];
  private processingScheduled = false;

  private constructor(
    private readonly options: RecorderOptions,
    lastSeq: number,
  ) {
    this.seq = lastSeq;
    const fileOptions = (file: string, items: { one: string; many: string }) => ({
      maxSize: options.maxLogSize,
      maxFiles: options.maxLogFiles,
      now: () => options.clock.epochMs(),
      onError: (error: NodeJS.ErrnoException) => options.onWriteError?.(file, error),
      onFailure: (error: NodeJS.ErrnoException) => options.onWriteFailure?.(file, error),
      onRecovery: (episode: LostWritesEpisode) => {
        const lost = describeLostWrites(episode, items);
        // The log itself says where records are missing, so a reader of it later knows the gap is not silence.
        this.annotated.append(`proxydoc: could not write ${file}: ${lost}; writing works again`);
        options.onWriteResumed?.(file, lost);
      },
      onNotice: options.onLogNotice,
    });
    this.records = new AppendOnlyFile(path.join(options.logDir, RECORDS_FILE), fileOptions(RECORDS_FILE, { one: 'record', many: 'records' }));
    this.annotated = new AppendOnlyFile(
      path.join(options.logDir, ANNOTATED_FILE),
      fileOptions(ANNOTATED_FILE, { one: 'entry', many: 'entries' }),
    );
  }

  static async open(options: RecorderOptions): Promise<Recorder> {
    await fs.promises.mkdir(options.logDir, { recursive: true, mode: 0o700 });
    const recordsFile = path.join(options.logDir, RECORDS_FILE);
    // Just after a rotation the current file may hold no record yet: the last seq is then in the rotated one.
    const lastSeq = (await readLastSeq(recordsFile)) || (await readLastSeq(`${recordsFile}.1`));
    return new Recorder(options, lastSeq);
  }

  /** The next sequence number; seq continues across restarts so `proxydoc show 17` stays unambiguous. */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /**
   * A unique id that sorts by start time: 9 base-36 digits of epoch ms, the seq, and 4 random bytes drawn once per
   * recorder. Epoch and seq already tell this process's records apart; the random part only tells apart two
   * processes writing the same seq in the same millisecond (a replay beside the proxy), so one draw is enough —
   * a draw per record cost ~30 µs of the proxy's time per exchange (randomFillSync).
   */
  newId(startEpochMs: number, seq: number): string {
    return `${Math.floor(startEpochMs).toString(36).padStart(9, '0')}-${seq.toString(36)}-${this.processTag}`;
  }

  /**
   * Diagnoses the record, remembers it for later diagnoses and appends it to both files. With `deferred`, that
   * happens for all records finished in one event-loop turn together, in setImmediate (after the turn's socket
   * callbacks), and the record returned has its findings only then. Doing it inside each exchange's last socket
   * callback interleaved two unlike workloads: batching it measured 1.8× S1's throughput (1 593 → 2 912 req/s,
   * CPU per exchange 803 → 436 µs) for the same work.
   */
  finish(record: ExchangeRecord): ExchangeRecord {
    if (!this.options.deferred) return this.diagnoseAndWrite(record);
    this.unprocessed.push(record);
    if (!this.processingScheduled) {
      this.processingScheduled = true;
      setImmediate(() => this.processFinished());
    }
    return record;
  }

  private processFinished(): void {
    this.processingScheduled = false;
    const batch = this.unprocessed;
    this.unprocessed = [];
    for (const record of batch) this.diagnoseAndWrite(record);
  }

  private diagnoseAndWrite(record: ExchangeRecord): ExchangeRecord {
    const key = historyKey(record);
    const now = this.options.clock.epochMs();
    const history = this.recentHistory(key, now);
    try {
      record.findings = this.options.diagnose(record, { history, now, userTimeouts: this.options.userTimeouts });
    } catch {
      record.findings = []; // the engine guards each rule; this only protects the record from an engine bug
    }
    this.remember(key, record);
    this.records.append(JSON.stringify(this.options.redactRecords ? redactRecord(record) : record));
    const annotated = formatAnnotated(record, { color: false, timeZone: 'local' });
    this.annotated.append(annotated);
    this.options.onRecord?.(record, annotated);
    return record;
  }

  /**
   * Adds records finished by another process (read back from exchanges.jsonl) to the history, so an exchange made
   * by a separate run (`proxydoc replay`) is diagnosed against the same recent past as the proxy's own.
   */
  seedHistory(records: readonly ExchangeRecord[]): void {
    const cutoff = this.options.clock.epochMs() - HISTORY_MAX_AGE_MS;
    for (const record of records) {
      if (Date.parse(record.startedAt) >= cutoff) this.remember(historyKey(record), record);
    }
  }

  get lostRecords(): number {
    return this.records.lostLines;
  }

  get writtenRecords(): number {
    return this.records.writtenLines;
  }

  /** exchanges.jsonl first: when its writing recovers, the note about the lost records goes to proxydoc.log. */
  async flush(): Promise<void> {
    this.processFinished();
    await this.records.flush();
    await this.annotated.flush();
  }

  async close(): Promise<void> {
    this.processFinished();
    await this.records.close();
    await this.annotated.close();
  }

  private recentHistory(key: string, now: number): ExchangeRecord[] {
    const entries = this.history.get(key);
    if (!entries) return [];
    const cutoff = now - HISTORY_MAX_AGE_MS;
    let first = 0;
    while (first < entries.length && Date.parse(entries[first].startedAt) < cutoff) first += 1;
    if (first > 0) entries.splice(0, first);
    return entries.slice();
  }

  private remember(key: string, record: ExchangeRecord): void {
    const entries = this.history.get(key) ?? [];
    entries.push(withoutBodies(record));
    if (entries.length > HISTORY_PER_KEY) entries.splice(0, entries.length - HISTORY_PER_KEY);
    this.history.set(key, entries);
  }
}

/** Rules compare a record with earlier ones of the same client and origin (RULES.md). */
function historyKey(record: ExchangeRecord): string {
  return `${record.client.address} ${originOf(record.request.url) ?? record.request.url}`;
}

/** History keeps metadata only: bodies (up to the capture limit each) would make it the proxy's biggest memory user. */
function withoutBodies(record: ExchangeRecord): ExchangeRecord {
  const slim: ExchangeRecord = {
    ...record,
    request: { ...record.request, body: { size: record.request.body.size, truncated: record.request.body.truncated } },
  };
  if (record.response) {
    slim.response = { ...record.response, body: { size: record.response.body.size, truncated: record.response.body.truncated } };
  }
  return slim;
}

/**
 * The highest seq among the last records of an existing exchanges.jsonl (0 when there is none). seq is drawn when an
 * exchange starts and its record written when it ends, so the last line is not always the highest: a slow exchange
 * finishes after quicker, later ones. The highest is among the last records though, so every complete line of the
 * last MiB is looked at (further back until one record is found). Lines are read backwards one at a time, as a single
 * record can be several MiB (two bodies of up to --max-body-capture): a fixed window would miss it and restart at 1.
 */
async function readLastSeq(file: string): Promise<number> {
  const TAIL_BYTES = 1024 * 1024;
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, 'r');
    const { size } = await handle.stat();
    let highest = 0;
    let lineEnd: number | undefined; // the "\n" ending the next complete line back; bytes after the last one are a partial line
    const chunk = Buffer.alloc(64 * 1024);
    for (let position = size; position > 0; ) {
      const start = Math.max(0, position - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, position - start, start);
      for (let i = bytesRead - 1; i >= 0; i--) {
        if (chunk[i] !== 0x0a) continue;
        if (lineEnd !== undefined) {
          highest = Math.max(highest, await seqOfLine(handle, start + i + 1, lineEnd));
          if (highest > 0 && size - (start + i) >= TAIL_BYTES) return highest;
        }
        lineEnd = start + i;
      }
      position = start;
    }
    return lineEnd === undefined ? highest : Math.max(highest, await seqOfLine(handle, 0, lineEnd));
  } catch {
    return 0;
  } finally {
    await handle?.close();
  }
}

/** The seq of the record in bytes [from, to) of the file, or 0 for a line that is not one (corrupt, a torn write). */
async function seqOfLine(handle: fs.promises.FileHandle, from: number, to: number): Promise<number> {
  const line = Buffer.alloc(to - from);
  await handle.read(line, 0, line.length, from);
  try {
    const seq = (JSON.parse(line.toString('utf8')) as { seq?: unknown }).seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
  } catch {
    return 0;
  }
}
