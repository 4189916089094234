/**
 * The contract of a diagnosis rule. Rules are pure: they see one record, a bounded recent history of the same
 * client and origin, the time "now" as data, and the user's configuration — never sockets or the wall clock.
 */
import type { ExchangeRecord, Finding } from '../model/exchange';

/** Thresholds the user added in the config file (`timeouts: [{ name, seconds }]`). */
export interface UserTimeout {
  name: string;
  seconds: number;
}

export interface DiagnosisContext {
  /**
   * Earlier exchanges of the same client address and origin (scheme, host, port), oldest first, most recent last,
   * not including the record being diagnosed. Bounded (the proxy keeps the last few minutes / entries).
   */
  history: readonly ExchangeRecord[];
  /** Milliseconds since the epoch at which the diagnosis runs (normally the end of the exchange). */
  now: number;
  /** User-configured extra timeout thresholds. */
  userTimeouts: readonly UserTimeout[];
}

export interface Rule {
  /** Stable id from ../shared/RULES.md. */
  id: string;
  /** One line for `--help` and docs. */
  description: string;
  /**
   * A fallback rule ("any other 403", "any other 404") runs only when no other rule produced an error-level
   * finding for the record, so a specific explanation is never buried under a generic one.
   */
  fallback?: boolean;
  /** Returns findings (usually zero or one). Must not throw; the engine guards it anyway. */
  check(record: ExchangeRecord, context: DiagnosisContext): Finding[];
}

/** Milliseconds since the epoch of a record's start. */
export function startedAtMs(record: ExchangeRecord): number {
  return Date.parse(record.startedAt);
}
