/** The p-th percentile (0 < p ≤ 100) of sorted values by nearest rank: always a value some request had. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0 || !(p > 0 && p <= 100)) {
    throw new RangeError(`no ${p}th percentile of ${sorted.length} values`);
  }
  return sorted[Math.max(Math.ceil((p / 100) * sorted.length), 1) - 1];
}

/** p50 and p99 of values in any order; nothing without values. */
export function summarizeLatencies(latenciesUs: readonly number[]): { p50Us?: number; p99Us?: number } {
  const sorted = Float64Array.from(latenciesUs).sort();
  return sorted.length === 0 ? {} : { p50Us: percentile(sorted, 50), p99Us: percentile(sorted, 99) };
}

/** The total of some figures (calls, time, CPU) taken in parts. */
export const sum = (values: readonly number[]): number => values.reduce((total, n) => total + n, 0);
