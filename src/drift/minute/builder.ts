/**
 * Builds the minute summaries of a batch of stored rows: one summary per
 * (model, version, UTC minute) of the rows, in one pass per group and
 * feature. Pure: seeds come from the rows (seed.ts), never from a clock or
 * Math.random.
 *
 * @example
 * const [one] = buildMinuteSummaries(
 *   [{ model: 'churn', version: 'v1', epochMs: 90_000, requestId: 'r1', numValues: [3], catValues: ['a'], score: 0.5 }],
 *   () => ({ numeric: ['tenure'], categorical: ['plan'] }),
 * );
 * // one.minuteMs = 60_000, one.summary.rows = 1,
 * // one.summary.numeric.get('tenure') → count 1, sum 3, sumSquares 9, min = max = 3
 */
import { KllSketch } from '../../stats/kll.js';
import { KLL_DEFAULT_K } from '../../stats/kllBounds.js';
import { featureSeed, fnv1a32, groupSeed } from './seed.js';
import {
  DEFAULT_MAX_CATEGORIES,
  MINUTE_MS,
  MinuteSummaryError,
  type CategoricalMinute,
  type KeyedMinuteSummary,
  type NumericMinute,
} from './types.js';

/** What the builder reads of a stored row. */
export interface MinuteSummaryRow {
  model: string;
  version: string;
  epochMs: number;
  requestId: string;
  /** Numeric features in the version's layout order (null: missing). */
  numValues: readonly (number | null)[];
  /** Categorical features in the version's layout order (null: missing). */
  catValues: readonly (string | null)[];
  score: number | null;
}

/** Feature names of a version, in the order of `numValues` / `catValues`. */
export interface MinuteSummaryLayout {
  numeric: readonly string[];
  categorical: readonly string[];
}

export interface MinuteSummaryOptions {
  /** Sketch accuracy parameter (default 200). */
  k?: number;
  /** Distinct categories kept per feature (default 1,000). */
  maxCategories?: number;
}

/** Start of the UTC minute holding `epochMs`. */
export function minuteOf(epochMs: number): number {
  return Math.floor(epochMs / MINUTE_MS) * MINUTE_MS;
}

interface Group {
  model: string;
  version: string;
  minuteMs: number;
  rows: MinuteSummaryRow[];
}

// Scratch for one feature's values in a group, grown as needed: reused, as
// allocating per group and feature would cost more than filling it.
let scratch = new Float64Array(1_024);

/** Slot of a numeric feature in `numValues`, or SCORE_SLOT for the score. */
const SCORE_SLOT = -1;

function numericMinute(
  rows: readonly MinuteSummaryRow[],
  slot: number,
  k: number,
  seed: number,
): NumericMinute {
  if (scratch.length < rows.length) scratch = new Float64Array(rows.length * 2);
  let count = 0;
  let missing = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const value = slot === SCORE_SLOT ? row.score : row.numValues[slot];
    if (value === null || value === undefined) {
      missing++;
      continue;
    }
    scratch[count++] = value;
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
    sumSquares += value * value;
  }
  const sketch = new KllSketch({ k, seed });
  if (count > 0) sketch.updateMany(scratch.subarray(0, count));
  return { count, missing, min, max, sum, sumSquares, sketch };
}

function categoricalMinute(
  rows: readonly MinuteSummaryRow[],
  slot: number,
  maxCategories: number,
): CategoricalMinute {
  const counts = new Map<string, number>();
  let count = 0;
  let missing = 0;
  let other = 0;
  for (const row of rows) {
    const value = row.catValues[slot];
    if (value === null || value === undefined) {
      missing++;
      continue;
    }
    count++;
    const seen = counts.get(value);
    if (seen !== undefined) counts.set(value, seen + 1);
    else if (counts.size < maxCategories) counts.set(value, 1);
    else other++;
  }
  return { count, missing, counts, other };
}

function checkOptions(options: MinuteSummaryOptions): { k: number; maxCategories: number } {
  const k = options.k ?? KLL_DEFAULT_K;
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (!Number.isInteger(maxCategories) || maxCategories < 1) {
    throw new MinuteSummaryError(`maxCategories must be an integer >= 1, got ${maxCategories}`);
  }
  return { k, maxCategories };
}

/**
 * One summary per (model, version, UTC minute) of `rows`, in order of first
 * appearance. `layoutOf` names each version's features.
 * @throws MinuteSummaryError on bad options; StatisticsInputError (from the
 * sketch) on a non-finite value or a bad k.
 */
export function buildMinuteSummaries(
  rows: readonly MinuteSummaryRow[],
  layoutOf: (model: string, version: string) => MinuteSummaryLayout,
  options: MinuteSummaryOptions = {},
): KeyedMinuteSummary[] {
  const { k, maxCategories } = checkOptions(options);
  const groups = new Map<string, Group>();
  let last: Group | null = null;
  for (const row of rows) {
    const minuteMs = minuteOf(row.epochMs);
    // A batch is usually one version and a few minutes: skip the key string
    // while consecutive rows share the group.
    if (
      last === null ||
      last.minuteMs !== minuteMs ||
      last.model !== row.model ||
      last.version !== row.version
    ) {
      const key: string = `${row.model}\u0000${row.version}\u0000${minuteMs}`;
      last = groups.get(key) ?? null;
      if (last === null) {
        last = { model: row.model, version: row.version, minuteMs, rows: [] };
        groups.set(key, last);
      }
    }
    last.rows.push(row);
  }

  const summaries: KeyedMinuteSummary[] = [];
  for (const group of groups.values()) {
    const layout = layoutOf(group.model, group.version);
    const seed = groupSeed(group.model, group.version, group.minuteMs, group.rows[0]!.requestId);
    const numeric = new Map<string, NumericMinute>();
    layout.numeric.forEach((name, slot) => {
      numeric.set(name, numericMinute(group.rows, slot, k, featureSeed(seed, fnv1a32(name))));
    });
    const categorical = new Map<string, CategoricalMinute>();
    layout.categorical.forEach((name, slot) => {
      categorical.set(name, categoricalMinute(group.rows, slot, maxCategories));
    });
    summaries.push({
      model: group.model,
      version: group.version,
      minuteMs: group.minuteMs,
      summary: {
        rows: group.rows.length,
        seed,
        k,
        maxCategories,
        score: numericMinute(group.rows, SCORE_SLOT, k, featureSeed(seed, 0)),
        numeric,
        categorical,
      },
    });
  }
  return summaries;
}
