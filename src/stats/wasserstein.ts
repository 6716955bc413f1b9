/** First Wasserstein (earth mover's) distance between two samples. */
import { sampleStandardDeviation } from './descriptive.js';
import { assertSortedSample, sortedSample } from './validate.js';

/**
 * `W₁(u, v) = ∫ |F_u(x) − F_v(x)| dx` over the empirical CDFs: the area
 * between them, summed over the gaps between consecutive pooled values.
 * As `scipy.stats.wasserstein_distance(u, v)` (unweighted).
 * Reference: Ramdas A, García Trillos N, Cuturi M (2017) On Wasserstein
 * two-sample testing and related families of nonparametric tests. Entropy 19(2).
 */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return wassersteinFromSorted(sortedSample('u', u), sortedSample('v', v));
}

/** As {@link wassersteinDistance} for samples already sorted ascending. */
export function wassersteinDistanceSorted(u: Float64Array, v: Float64Array): number {
  assertSortedSample('u', u);
  assertSortedSample('v', v);
  return wassersteinFromSorted(u, v);
}

function wassersteinFromSorted(u: Float64Array, v: Float64Array): number {
  const n = u.length;
  const m = v.length;
  let i = 0;
  let j = 0;
  // Σ |i·m − j·n| · Δx, divided by n·m once at the end.
  let area = 0;
  let x = Math.min(u[0]!, v[0]!);
  while (i < n || j < m) {
    while (i < n && u[i] === x) i++;
    while (j < m && v[j] === x) j++;
    if (i === n && j === m) break;
    const next = i === n ? v[j]! : j === m ? u[i]! : Math.min(u[i]!, v[j]!);
    area += Math.abs(i * m - j * n) * (next - x);
    x = next;
  }
  return area / (n * m);
}

export interface NormalizedWasserstein {
  /** W₁ in the feature's own units. */
  distance: number;
  /** W₁ / scale: how many reference standard deviations the mass moved. */
  normalized: number;
  /** The scale used: the reference std, else the pooled std, else 0. */
  scale: number;
}

/**
 * W₁ divided by the reference sample standard deviation, so that one
 * threshold fits every feature whatever its unit: 0.1 means the distribution
 * moved by a tenth of a reference standard deviation on average.
 *
 * Defined behaviour when the reference is constant (std 0): the pooled
 * standard deviation of both samples is used instead (non-zero whenever the
 * distance is); if that is 0 too, both samples are the same constant and the
 * result is 0.
 */
export function normalizedWassersteinDistanceSorted(
  reference: Float64Array,
  current: Float64Array,
  referenceStd?: number,
): NormalizedWasserstein {
  const distance = wassersteinDistanceSorted(reference, current);
  let scale = referenceStd ?? sampleStandardDeviation(reference);
  if (!(scale > 0)) {
    const pooled = new Float64Array(reference.length + current.length);
    pooled.set(reference);
    pooled.set(current, reference.length);
    scale = sampleStandardDeviation(pooled);
  }
  if (!(scale > 0)) return { distance, normalized: 0, scale: 0 };
  return { distance, normalized: distance / scale, scale };
}

/** As {@link normalizedWassersteinDistanceSorted} for unsorted samples. */
export function normalizedWassersteinDistance(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): NormalizedWasserstein {
  return normalizedWassersteinDistanceSorted(
    sortedSample('reference', reference),
    sortedSample('current', current),
  );
}
