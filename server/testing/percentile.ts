// Test and bench support: the percentile of a list of figures, as the tests and
// the bench report latencies.

/**
 * The nearest-rank percentile: the smallest value that at least p% of the values
 * are at or below (the value of rank ⌈p/100 · n⌉). It is always one of the values
 * measured, never an interpolation, and p100 is the maximum. NaN for no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
