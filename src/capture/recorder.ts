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
import { AppendOnlyFile } from '../log/append-file';
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
  /** Called with every finished record (the `run` command prints them live). */
  onRecord?: (record: ExchangeRecord, annotated: string) => void;
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

  private constructor(
    private readonly options: RecorderOptions,
    lastSeq: number,
  ) {
    this.seq = lastSeq;
    const onError = (file: string) => (error: NodeJS.ErrnoException) => options.onWriteError?.(file, error);
    this.records = new AppendOnlyFile(path.join(options.logDir, RECORDS_FILE), { onError: onError(RECORDS_FILE) });
    this.annotated = new AppendOnlyFile(path.join(options.logDir, ANNOTATED_FILE), { onError: onError(ANNOTATED_FILE) });
  }

  static async open(options: RecorderOptions): Promise<Recorder> {
    await fs.promises.mkdir(options.logDir, { recursive: true, mode: 0o700 });
    const lastSeq = await readLastSeq(path.join(options.logDir, RECORDS_FILE));
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

  finish(record: ExchangeRecord): ExchangeRecord {
    const key = historyKey(record);
    const now = this.options.clock.epochMs();
    const history = this.recentHistory(key, now);
    try {
      record.findings = this.options.diagnose(record, { history, now, userTimeouts: this.options.userTimeouts });
    } catch {
      record.findings = []; // the engine guards each rule; this only protects the record from an engine bug
    }
    this.remember(key, record);
    this.records.append(JSON.stringify(record));
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

  async flush(): Promise<void> {
    await Promise.all([this.records.flush(), this.annotated.flush()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.records.close(), this.annotated.close()]);
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

/** The seq of the last complete record in an existing exchanges.jsonl (0 when there is none). */
async function readLastSeq(file: string): Promise<number> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, 256 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const seq = (JSON.parse(lines[i]) as { seq?: unknown }).seq;
        if (typeof seq === 'number' && Number.isInteger(seq)) return seq;
      } catch {
        // a partial or corrupt line: keep looking further back
      }
    }
    return 0;
  } catch {
    return 0;
  } finally {
    await handle?.close();
  }
}
