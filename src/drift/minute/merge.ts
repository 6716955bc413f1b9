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
import { decodeMinuteSummary, encodeMinuteSummary, type MinuteSummaryJson } from './codec.js';
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

function copyNumeric(minute: NumericMinute, seed: number): NumericMinute {
  return { ...minute, sketch: copySketch(minute.sketch, seed) };
}

/** Adds `source` into `target` (whose sketch is the caller's own copy). */
function addNumeric(target: NumericMinute, source: NumericMinute): void {
  target.count += source.count;
  target.missing += source.missing;
  target.min = Math.min(target.min, source.min);
  target.max = Math.max(target.max, source.max);
  target.sum += source.sum;
  target.sumSquares += source.sumSquares;
  target.sketch.merge(source.sketch);
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

/** A copy whose sketches draw fresh coins from `seed`. */
function copySummary(summary: MinuteSummary, seed: number): MinuteSummary {
  const numeric = new Map<string, NumericMinute>();
  for (const [name, minute] of summary.numeric) {
    numeric.set(name, copyNumeric(minute, featureSeed(seed, fnv1a32(name))));
  }
  return {
    ...summary,
    seed,
    score: copyNumeric(summary.score, featureSeed(seed, 0)),
    numeric,
    categorical: new Map(summary.categorical),
  };
}

/** Adds `source` into `target`, a summary the caller owns (from copySummary). */
function addInto(target: MinuteSummary, source: MinuteSummary): void {
  if (target.k !== source.k) {
    throw new MinuteSummaryError(
      `summaries of different k cannot be merged (${target.k}, ${source.k})`,
    );
  }
  target.rows += source.rows;
  target.maxCategories = Math.max(target.maxCategories, source.maxCategories);
  addNumeric(target.score, source.score);
  for (const [name, minute] of source.numeric) {
    const own = target.numeric.get(name);
    if (own) addNumeric(own, minute);
    else target.numeric.set(name, copyNumeric(minute, featureSeed(target.seed, fnv1a32(name))));
  }
  for (const name of new Set([...target.categorical.keys(), ...source.categorical.keys()])) {
    target.categorical.set(
      name,
      mergeCategorical(
        target.categorical.get(name),
        source.categorical.get(name),
        target.maxCategories,
      ),
    );
  }
}

/**
 * The summary of the rows of `a` and `b` together; `a` and `b` are left
 * unchanged. Features present on one side only are taken from it (a
 * version's schema can gain features only while it has no rows, so this is
 * rare).
 * @throws MinuteSummaryError when the sketches' k differ.
 */
export function mergeMinuteSummaries(a: MinuteSummary, b: MinuteSummary): MinuteSummary {
  if (a.k !== b.k) {
    throw new MinuteSummaryError(`summaries of different k cannot be merged (${a.k}, ${b.k})`);
  }
  const merged = copySummary(a, mixSeeds(a.seed, b.seed));
  addInto(merged, b);
  return merged;
}

/**
 * All summaries merged (inputs unchanged): one copy of the first, the others
 * added into it, so merging m summaries copies one set of sketches, not m.
 * Null when there are none.
 */
export function mergeAllMinuteSummaries(summaries: readonly MinuteSummary[]): MinuteSummary | null {
  const [first, ...rest] = summaries;
  if (first === undefined) return null;
  const merged = copySummary(
    first,
    rest.reduce((seed, s) => mixSeeds(seed, s.seed), first.seed),
  );
  for (const summary of rest) addInto(merged, summary);
  return merged;
}

/** A stored partial: its minute and its decoded summary. */
export interface MinutePartial {
  /** Start of the UTC minute, epoch ms. */
  minuteMs: number;
  summary: MinuteSummary;
}

/** A window's partials merged, and what they covered. */
export interface MergedMinuteWindow {
  /** Null when the window holds no partial. */
  summary: MinuteSummary | null;
  /** Rows per minute that holds any, ascending by minute. */
  minutes: { minuteMs: number; rows: number }[];
  partials: number;
}

/**
 * The partials of a window merged in two steps: each minute's partials in
 * the order given (storage order: by id), then the minutes in ascending
 * order. A minute's step is exactly what compaction stores as its one row,
 * so a window merges to the same summary — sketches included, bit for bit —
 * before and after its minutes are compacted.
 */
export function mergeMinuteWindow(partials: readonly MinutePartial[]): MergedMinuteWindow {
  const byMinute = new Map<number, MinuteSummary[]>();
  for (const partial of partials) {
    const list = byMinute.get(partial.minuteMs);
    if (list) list.push(partial.summary);
    else byMinute.set(partial.minuteMs, [partial.summary]);
  }
  const minutes = [...byMinute.keys()].sort((a, b) => a - b);
  const merged = minutes.map((minuteMs) => {
    const list = byMinute.get(minuteMs)!;
    // One partial: no copy needed (mergeAll copies the first, leaving it unchanged).
    return list.length === 1 ? list[0]! : mergeAllMinuteSummaries(list)!;
  });
  return {
    summary: mergeAllMinuteSummaries(merged),
    minutes: minutes.map((minuteMs, i) => ({ minuteMs, rows: merged[i]!.rows })),
    partials: partials.length,
  };
}

/**
 * Compaction's merge: one minute's stored partials (JSON, in insertion
 * order) to the JSON of their merge — the same merge `mergeMinuteWindow`
 * applies to a minute's partials, so a window reads the same summary before
 * and after compaction.
 * @throws MinuteSummaryError when a partial is malformed or k differs.
 */
export function compactMinutePartials(partials: readonly unknown[]): MinuteSummaryJson {
  const merged = mergeAllMinuteSummaries(partials.map((json) => decodeMinuteSummary(json)));
  if (merged === null) throw new MinuteSummaryError('no partials to compact');
  return encodeMinuteSummary(merged);
}
