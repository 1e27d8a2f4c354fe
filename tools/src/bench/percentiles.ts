/**
 * The p-th percentile (0 < p ≤ 100) by nearest rank: the smallest value with
 * at least p % of the values at or below it. Always one of the observed
 * values, so a p99 is a latency some request really had.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) {
    throw new RangeError('percentile of no values');
  }
  if (!(p > 0 && p <= 100)) {
    throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  }
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(rank, 1) - 1];
}

export interface LatencySummary {
  count: number;
  p50Us: number;
  p99Us: number;
}

/** p50 and p99 of latencies in microseconds, in any order. */
export function summarizeLatencies(latenciesUs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesUs).sort();
  return { count: sorted.length, p50Us: percentile(sorted, 50), p99Us: percentile(sorted, 99) };
}
