/**
 * Per-minute summaries built at ingest: for one (model, version, UTC minute)
 * and one batch's stored records, the row count; per numeric feature and the
 * score, count, missing, min, max, Σv, Σv² and a KLL quantile sketch; per
 * categorical feature, counts per category up to a cap, the rest folded into
 * one `other` count. A minute's rows arrive in many batches, so storage keeps
 * one partial per batch and merges them when read (merge.ts).
 *
 * Merging is exact for the counts, min and max (integers in doubles, exact to
 * 2⁵³), exact up to floating-point rounding for Σv and Σv² (exact for values
 * whose sums stay integers below 2⁵³), and within the sketch's proven bound
 * for ranks and quantiles (stats/kll.ts). Category counts merge exactly while
 * a feature has at most `maxCategories` distinct values; past that the
 * kept set depends on which values came first (builder) or largest counts
 * (merge), and only the total `Σcounts + other` is exact.
 */
import type { KllSketch } from '../../stats/kll.js';

export const MINUTE_SUMMARY_FORMAT = 1;
export const MINUTE_MS = 60_000;
/** Distinct categories kept per feature before values are folded into `other`. */
export const DEFAULT_MAX_CATEGORIES = 1_000;
/** The category name `other` is reported under by the read path. */
export const OTHER_CATEGORY = '__other__';

export interface NumericMinute {
  /** Non-missing values. */
  count: number;
  missing: number;
  /** +Infinity / −Infinity while count = 0 (null in JSON). */
  min: number;
  max: number;
  sum: number;
  sumSquares: number;
  /** Sketch of the non-missing values (n = count). */
  sketch: KllSketch;
}

export interface CategoricalMinute {
  /** Non-missing values (Σ counts + other). */
  count: number;
  missing: number;
  /** At most `maxCategories` entries. */
  counts: Map<string, number>;
  /** Values of categories not kept in `counts`. */
  other: number;
}

export interface MinuteSummary {
  /** Rows summarised. */
  rows: number;
  /**
   * Seed the sketches' coins were drawn from (per feature: mixed with its
   * position); a merge derives a fresh one from both sides'.
   */
  seed: number;
  /** Sketch accuracy parameter of every sketch. */
  k: number;
  maxCategories: number;
  /** The score (count 0 when no row carried one). */
  score: NumericMinute;
  numeric: Map<string, NumericMinute>;
  categorical: Map<string, CategoricalMinute>;
}

/** A summary with the (model, version, minute) it belongs to. */
export interface KeyedMinuteSummary {
  model: string;
  version: string;
  /** Start of the UTC minute, epoch ms. */
  minuteMs: number;
  summary: MinuteSummary;
}

/** A malformed stored summary, or summaries that cannot be merged. */
export class MinuteSummaryError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'MinuteSummaryError';
  }
}
