/**
 * Order statistics over timing samples. Percentiles interpolate linearly
 * between the two nearest ranks (Hyndman & Fan type 7, numpy's default), so
 * the median of an even count is the mean of the two middle values.
 */

/** The p-th percentile (0 ≤ p ≤ 100) of a non-empty list; the input is not modified. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("percentile of an empty list");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: median(values),
    p90: percentile(values, 90),
    min: percentile(values, 0),
    max: percentile(values, 100),
  };
}

/** a / b for like statistics: median with median, p90 with p90. */
export interface Ratio {
  median: number;
  p90: number;
}

export function ratio(a: Summary, b: Summary): Ratio {
  return { median: a.median / b.median, p90: a.p90 / b.p90 };
}
