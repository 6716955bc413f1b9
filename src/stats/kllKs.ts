/**
 * The two-sample Kolmogorov–Smirnov statistic between an exact reference
 * sample and a KLL sketch of the current values (see `kll.ts`), with the
 * bound the sketch's rank error puts on its distance from the exact statistic.
 */
import { KllSketch } from './kll.js';
import { assertSortedSample, StatisticsInputError } from './validate.js';

export interface KsAgainstSketchResult {
  /** D̂ = sup_x |F_ref(x) − F̂(x)|, F̂ the sketch's estimated CDF. */
  statistic: number;
  /** |D̂ − D| ≤ bound with the stated confidence (the sketch's simultaneous rank error). */
  bound: number;
}

/**
 * Two-sample KS statistic between a reference sample (exact ECDF F_ref) and a
 * sketched sample (estimated CDF F̂ = rank):
 * `D̂ = sup_x |F_ref(x) − F̂(x)|`, found by a merge walk over the reference
 * values and the sketch's retained items — both CDFs are right-continuous
 * steps that jump only there, so the supremum over all x is attained at one
 * of them. With D the exact statistic against the sketched values' ECDF F,
 * the triangle inequality gives `|D̂ − D| ≤ sup_x |F̂(x) − F(x)|`, which is at
 * most the sketch's simultaneous bound (`rankErrorBound({ scope: 'all' })`)
 * with the stated confidence (default 0.99).
 *
 * @throws StatisticsInputError when the reference is empty, unsorted or not
 * finite, or the sketch is empty.
 */
export function ksStatisticAgainstSketch(
  referenceSorted: Float64Array,
  sketch: KllSketch,
  options: { confidence?: number } = {},
): KsAgainstSketchResult {
  assertSortedSample('referenceSorted', referenceSorted);
  if (!(sketch instanceof KllSketch)) {
    throw new StatisticsInputError('sketch', 'sketch must be a KllSketch');
  }
  if (sketch.n === 0) throw new StatisticsInputError('sketch', 'the sketch is empty');
  const bound = sketch.rankErrorBound({ confidence: options.confidence, scope: 'all' });
  const { values, cumulativeWeights } = sketch.sortedView();
  const m = referenceSorted.length;
  const r = values.length;
  const n = sketch.n;
  let i = 0;
  let j = 0;
  let statistic = 0;
  // Once either side is exhausted its CDF is 1 and the gap can only shrink.
  while (i < m && j < r) {
    const a = referenceSorted[i]!;
    const b = values[j]!;
    const x = a < b ? a : b;
    while (i < m && referenceSorted[i] === x) i++;
    while (j < r && values[j] === x) j++;
    const gap = Math.abs(i / m - (j === 0 ? 0 : cumulativeWeights[j - 1]! / n));
    if (gap > statistic) statistic = gap;
  }
  return { statistic, bound };
}
