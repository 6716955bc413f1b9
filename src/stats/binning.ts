/**
 * Quantiles and histogram bins, for PSI on numeric features.
 *
 * Bins are described by their interior edges e₀ < e₁ < … < e_{k−2}: bin 0 is
 * (−∞, e₀), bin i is [e_{i−1}, e_i), bin k−1 is [e_{k−2}, +∞). The two open
 * end bins are the underflow and overflow bins, so every finite value of a
 * current window lands somewhere even when it lies outside the reference range.
 */
import { assertSortedSample, finiteSample, StatisticsInputError } from './validate.js';

/**
 * Quantile of a sorted sample by linear interpolation between order
 * statistics (Hyndman & Fan type 7; numpy.quantile's default):
 * `h = (n − 1)p`, `Q(p) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋])`.
 */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new StatisticsInputError('sorted', 'sorted must not be empty');
  if (!(p >= 0 && p <= 1)) {
    throw new StatisticsInputError('p', `p must lie in [0, 1], got ${p}`, undefined, p);
  }
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const low = sorted[lo]!;
  return low + (h - lo) * (sorted[hi]! - low);
}

/**
 * Interior edges of `bins` equal-frequency bins of a sorted reference sample:
 * the type-7 quantiles at 1/k, 2/k, …, (k−1)/k, with repeated edges removed
 * (heavy ties give fewer, wider bins rather than empty ones).
 */
export function quantileBinEdges(sortedReference: Float64Array, bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new StatisticsInputError(
      'bins',
      `bins must be an integer >= 1, got ${bins}`,
      undefined,
      bins,
    );
  }
  assertSortedSample('sortedReference', sortedReference);
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const edge = quantileSorted(sortedReference, i / bins);
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return edges;
}

/**
 * How many values of an ascending array are ≤ x (the upper bound, by binary
 * search): the rank of x in a sorted sample, or the bin of x given edges.
 * @example countAtMost([1, 2, 2, 3], 2) === 3
 */
export function countAtMost(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the bin of `value`: the number of edges ≤ value. */
export function binIndex(edges: ArrayLike<number>, value: number): number {
  return countAtMost(edges, value);
}

function checkEdges(edges: ArrayLike<number>): void {
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    if (!Number.isFinite(e) || (i > 0 && !(e > edges[i - 1]!))) {
      throw new StatisticsInputError(
        'edges',
        `edges[${i}] is ${e}; edges must be finite and strictly increasing`,
        i,
        e,
      );
    }
  }
}

/**
 * Counts of a sample in the bins defined by `edges` (length edges.length + 1;
 * first and last are the underflow and overflow bins).
 */
export function binCounts(values: ArrayLike<number>, edges: ArrayLike<number>): number[] {
  checkEdges(edges);
  const sample = finiteSample('values', values, { allowEmpty: true });
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < sample.length; i++) counts[binIndex(edges, sample[i]!)]! += 1;
  return counts;
}

/** As {@link binCounts} for a sample sorted ascending: one merge pass, O(n + k). */
export function binCountsSorted(sorted: Float64Array, edges: ArrayLike<number>): number[] {
  checkEdges(edges);
  assertSortedSample('sorted', sorted, { allowEmpty: true });
  const counts = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    while (bin < edges.length && edges[bin]! <= v) bin++;
    counts[bin]! += 1;
  }
  return counts;
}
