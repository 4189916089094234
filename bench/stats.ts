/**
 * Pure statistics for the proxy benchmark: percentiles of latency samples, medians over rounds.
 */

/**
 * The p-th percentile (0–100) of `values`, nearest-rank method (the smallest value with at least p % of the samples
 * at or below it), as wrk and most load tools report it. Sorts a copy; undefined for no samples.
 */
export function percentile(values: ArrayLike<number>, p: number): number | undefined {
  if (values.length === 0) return undefined;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, p);
}

/** Same as percentile() on values already sorted ascending (several percentiles of one big sample). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Median of the defined values (mean of the two middle ones for an even count); undefined when there are none. */
export function median(values: ReadonlyArray<number | undefined>): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (defined.length === 0) return undefined;
  const mid = defined.length >> 1;
  return defined.length % 2 ? defined[mid] : (defined[mid - 1] + defined[mid]) / 2;
}

/** proxydoc ÷ direct, or undefined when either side is missing or the baseline is zero. */
export function ratio(proxied: number | undefined, direct: number | undefined): number | undefined {
  if (proxied === undefined || direct === undefined || direct === 0) return undefined;
  return proxied / direct;
}

/** p50 and p99 of one run's latency samples. */
export interface LatencySummary {
  count: number;
  p50: number | undefined;
  p99: number | undefined;
}

export function summarizeLatencies(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  return { count: sorted.length, p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99) };
}
