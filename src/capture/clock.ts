/** Time as proxydoc reads it, injectable so tests control it. */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Monotonic milliseconds, for durations. */
  monotonicMs(): number;
  /** Milliseconds since the epoch, for timestamps. */
  epochMs(): number;
}

export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  epochMs: () => Date.now(),
};
