/**
 * Merging of minute summaries (types.ts says what is exact). The inputs are
 * left unchanged: the result's sketches are copies merged with fresh coins
 * seeded from both inputs' seeds.
 *
 * @example
 * // a: rows 2, numeric x {count 2, sum 3}; b: rows 1, numeric x {count 1, sum 4}
 * mergeMinuteSummaries(a, b); // rows 3, x {count 3, sum 7}, x.sketch.n = 3
 */
import { KllSketch } from '../../stats/kll.js';
import { featureSeed, fnv1a32, mixSeeds } from './seed.js';
import {
  MinuteSummaryError,
  type CategoricalMinute,
  type MinuteSummary,
  type NumericMinute,
} from './types.js';

function copySketch(sketch: KllSketch, seed: number): KllSketch {
  return KllSketch.fromJSON(sketch.toJSON(), { seed });
}

function mergeNumeric(
  a: NumericMinute | undefined,
  b: NumericMinute | undefined,
  seed: number,
): NumericMinute {
  const first = (a ?? b)!;
  const second = a === undefined ? undefined : b;
  const sketch = copySketch(first.sketch, seed);
  if (second === undefined) return { ...first, sketch };
  sketch.merge(second.sketch);
  return {
    count: first.count + second.count,
    missing: first.missing + second.missing,
    min: Math.min(first.min, second.min),
    max: Math.max(first.max, second.max),
    sum: first.sum + second.sum,
    sumSquares: first.sumSquares + second.sumSquares,
    sketch,
  };
}

/**
 * Category counts of both sides; past `maxCategories` distinct values the
 * largest counts are kept (ties: the smaller name) and the rest fold into
 * `other`, so the result does not depend on the order of the inputs.
 */
function mergeCategorical(
  a: CategoricalMinute | undefined,
  b: CategoricalMinute | undefined,
  maxCategories: number,
): CategoricalMinute {
  const counts = new Map<string, number>(a?.counts);
  for (const [value, count] of b?.counts ?? []) counts.set(value, (counts.get(value) ?? 0) + count);
  let other = (a?.other ?? 0) + (b?.other ?? 0);
  let kept = counts;
  if (counts.size > maxCategories) {
    const ranked = [...counts].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    kept = new Map(ranked.slice(0, maxCategories));
    for (const [, count] of ranked.slice(maxCategories)) other += count;
  }
  return {
    count: (a?.count ?? 0) + (b?.count ?? 0),
    missing: (a?.missing ?? 0) + (b?.missing ?? 0),
    counts: kept,
    other,
  };
}

/**
 * The summary of the rows of `a` and `b` together. Features present on one
 * side only are taken from it (a version's schema can gain features only
 * while it has no rows, so this is rare).
 * @throws MinuteSummaryError when the sketches' k differ.
 */
export function mergeMinuteSummaries(a: MinuteSummary, b: MinuteSummary): MinuteSummary {
  if (a.k !== b.k) {
    throw new MinuteSummaryError(`summaries of different k cannot be merged (${a.k}, ${b.k})`);
  }
  const seed = mixSeeds(a.seed, b.seed);
  const maxCategories = Math.max(a.maxCategories, b.maxCategories);
  const numeric = new Map<string, NumericMinute>();
  for (const name of new Set([...a.numeric.keys(), ...b.numeric.keys()])) {
    numeric.set(
      name,
      mergeNumeric(a.numeric.get(name), b.numeric.get(name), featureSeed(seed, fnv1a32(name))),
    );
  }
  const categorical = new Map<string, CategoricalMinute>();
  for (const name of new Set([...a.categorical.keys(), ...b.categorical.keys()])) {
    categorical.set(
      name,
      mergeCategorical(a.categorical.get(name), b.categorical.get(name), maxCategories),
    );
  }
  return {
    rows: a.rows + b.rows,
    seed,
    k: a.k,
    maxCategories,
    score: mergeNumeric(a.score, b.score, featureSeed(seed, 0)),
    numeric,
    categorical,
  };
}

/** All summaries merged in order; null when there are none. */
export function mergeAllMinuteSummaries(summaries: readonly MinuteSummary[]): MinuteSummary | null {
  let merged: MinuteSummary | null = null;
  for (const summary of summaries)
    merged = merged === null ? summary : mergeMinuteSummaries(merged, summary);
  return merged;
}
