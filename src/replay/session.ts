/**
 * A replay run against one log directory: opens its Recorder (so replays get the next seq, are diagnosed with the
 * recent history of the same client and origin, and are appended to exchanges.jsonl and proxydoc.log like any
 * exchange), then plans, sends and records replays until closed. Used by `proxydoc replay` and its `--probe`.
 *
 * Each replay gets a fresh connection (its own Upstream, destroyed afterwards): phases are then comparable from one
 * replay to the next, and a keep-alive connection the server closed while idle can never fail a replay.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProxyConfig } from '../config';
import { systemClock, type Clock } from '../capture/clock';
import { Recorder, RECORDS_FILE } from '../capture/recorder';
import { MAX_HEADER_SIZE, parseUpstreamProxy, Upstream, type UpstreamOptions } from '../capture/upstream';
import { diagnose } from '../diagnosis/diagnose';
import { readRecordsFile } from '../log/reader';
import type { ExchangeRecord } from '../model/exchange';
import { planReplay, type ReplayEdits } from './plan';
import { sendReplay } from './send';

export interface ReplaySessionOptions {
  config: ProxyConfig;
  /**
   * An http:// proxy to send replays through (a running proxydoc, a corporate proxy). Absent: the route
   * `proxydoc start` takes with the same config (its upstreamProxy, if any, except for upstreamNoProxy hosts).
   * '': direct.
   */
  via?: string;
  /** Injected for tests. */
  clock?: Clock;
  /** The records of exchanges.jsonl when the caller already read them (seed the diagnosis history); read otherwise. */
  records?: readonly ExchangeRecord[];
}

/** The plan refused the replay (a truncated body, a tunnel…); the message says why and what to do. */
export class ReplayRefusedError extends Error {
  readonly code = 'PROXYDOC_ERR_REPLAY_REFUSED';
  override name = 'ReplayRefusedError';
}

/** A setup or log-writing failure of the session, one line for the user. */
export class ReplaySessionError extends Error {
  override name = 'ReplaySessionError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}


export class ReplaySession {
  private writeError?: { file: string; error: NodeJS.ErrnoException };

  private constructor(
    private readonly config: ProxyConfig,
    private readonly upstreamOptions: UpstreamOptions,
    private readonly clock: Clock,
    private readonly recorder: Recorder,
  ) {}

  static async open(options: ReplaySessionOptions): Promise<ReplaySession> {
    const { config } = options;
    const clock = options.clock ?? systemClock;
    const upstreamOptions = upstreamOptionsFor(config, options.via);
    let session: ReplaySession | undefined;
    const recorder = await Recorder.open({
      logDir: config.logDir,
      clock,
      diagnose,
      userTimeouts: config.timeouts,
      onWriteError: (file, error) => {
        if (session && !session.writeError) session.writeError = { file, error };
      },
    });
    session = new ReplaySession(config, upstreamOptions, clock, recorder);
    recorder.seedHistory(options.records ?? (await readExistingRecords(path.join(config.logDir, RECORDS_FILE))));
    return session;
  }

  /** Plans, sends and records one replay of `original` (replayOf = original.id), diagnosed like any exchange. */
  async replay(original: ExchangeRecord, edits: ReplayEdits): Promise<ExchangeRecord> {
    const plan = planReplay(original, edits);
    if ('refusal' in plan) throw new ReplayRefusedError(plan.refusal);
    const upstream = new Upstream(this.upstreamOptions);
    try {
      return await sendReplay(
        { upstream, recorder: this.recorder, clock: this.clock, maxBodyCapture: this.config.maxBodyCapture, connectTimeoutMs: this.config.connectTimeoutMs },
        plan.request,
        { clientAddress: original.client.address, replayOf: original.id },
      );
    } finally {
      upstream.destroy();
    }
  }

  /** Flushes the log files; rejects when a record could not be written, so the loss is never silent. */
  async close(): Promise<void> {
    await this.recorder.close();
    if (this.writeError) {
      const { file, error } = this.writeError;
      throw new ReplaySessionError(
        `the replay could not be written to ${file} in ${this.config.logDir}: ${error.code ?? error.message}; check that directory's permissions and free space`,
        'PROXYDOC_ERR_LOG_WRITE',
      );
    }
  }
}

function upstreamOptionsFor(config: ProxyConfig, via: string | undefined): UpstreamOptions {
  const proxyUrl = via === undefined ? config.upstreamProxy : via === '' ? undefined : via;
  return {
    extraCaPems: config.upstreamCa.map(readCaFile),
    insecure: config.insecureUpstream,
    proxy: proxyUrl === undefined ? undefined : parseUpstreamProxy(proxyUrl),
    // --via names the one proxy to use for this replay; upstreamNoProxy belongs to the configured upstream proxy.
    noProxy: via === undefined ? config.upstreamNoProxy : [],
    maxHeaderSize: MAX_HEADER_SIZE,
  };
}

function readCaFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ReplaySessionError(
      `cannot read --upstream-ca file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; check the path`,
      'PROXYDOC_ERR_UPSTREAM_CA',
    );
  }
}

/** The records already in the log directory; none yet is fine (the original may come from elsewhere). */
async function readExistingRecords(file: string): Promise<ExchangeRecord[]> {
  try {
    return (await readRecordsFile(file)).records;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
