/**
 * Small descriptive statistics used by the profiles and effect sizes. Written
 * for typed arrays (simple-statistics takes plain arrays, and copying a
 * million-value Float64Array into one would cost more than the sum itself).
 */

/** Arithmetic mean; NaN for an empty sample. */
export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  return sum / n;
}

/**
 * Sample standard deviation with the n − 1 denominator, computed in two passes
 * (mean first, then squared deviations) to avoid the cancellation of the
 * one-pass formula. 0 when n < 2.
 */
export function sampleStandardDeviation(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return 0;
  const mu = mean(values);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mu;
    sum += d * d;
  }
  return Math.sqrt(sum / (n - 1));
}
