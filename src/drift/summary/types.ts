/**
 * Mergeable window summaries: what a drift check needs to know about a
 * window, in a size that does not grow with the window. The storage side
 * feeds every value of an hour into a `WindowSummaryBuilder` (builder.ts),
 * keeps each closed hour's summary (encoded by `encodeWindowSummary`,
 * codec.ts), merges the hours of a window (`mergeWindowSummaries`,
 * builder.ts) and evaluates the result with `evaluateDriftFromSummary`
 * (evaluate.ts).
 *
 * Per numeric feature (and the score), on the reference's fine grid
 * (grid.ts): per bin, the count of values, the count of values equal
 * to the bin's left edge ("atoms", so that the current CDF is known exactly
 * at and just below every edge), and the sum of the other values' offsets
 * from the left edge (so each bin's mean is known, for Wasserstein); plus n,
 * missing, min, max and Σ(v − origin), Σ(v − origin)² (origin = reference
 * min; for the pooled standard deviation when the reference is constant).
 * Per categorical feature: category → count, n, missing.
 *
 * Every field is a sum (or a min / max) over values, so merging is adding:
 * associative and commutative, exactly for the counts (integers in doubles,
 * exact to 2⁵³) and up to floating-point rounding for the offset sums.
 */
export const WINDOW_SUMMARY_VERSION = 1;

export interface NumericSummary {
  kind: 'numeric';
  name: string;
  /** Fingerprint of the grid the bins refer to (`SummaryGrid.fingerprint`). */
  grid: string;
  /** Non-missing values. */
  n: number;
  /** Missing values (always `rows − n` in a finished summary). */
  missing: number;
  /** Values per grid bin; length `SummaryGrid.binCount`. */
  counts: Float64Array;
  /** Values equal to the bin's left edge (0 for the underflow bin). */
  atoms: Float64Array;
  /**
   * Σ (v − anchor) over the bin's values that are not atoms, where anchor is
   * the bin's left edge (for the underflow bin: the reference min, so the
   * sum is negative).
   */
  offsetSums: Float64Array;
  /** Σ (v − origin), origin = the reference min (0 for an empty reference). */
  sum: number;
  /** Σ (v − origin)². */
  sumSquares: number;
  /** Smallest and largest value; null when n = 0. */
  min: number | null;
  max: number | null;
}

export interface CategoricalSummary {
  kind: 'categorical';
  name: string;
  n: number;
  missing: number;
  /** Category → count over the non-missing values. */
  counts: Record<string, number>;
}

export type FeatureSummary = NumericSummary | CategoricalSummary;

export interface WindowSummary {
  version: typeof WINDOW_SUMMARY_VERSION;
  /** Quantile steps of every numeric grid (`summaryGrid(profile, bins)`). */
  bins: number;
  /** Rows of the window: every feature has `n + missing = rows`. */
  rows: number;
  /** The tested features, in the order the builder was given. */
  features: FeatureSummary[];
  /**
   * The model score (named `SCORE_FEATURE`); null when the reference
   * has no score profile or no score was ever added.
   */
  score: NumericSummary | null;
}

export type WindowSummaryErrorReason = 'grid_mismatch' | 'feature_mismatch' | 'invalid_format';

/**
 * Summaries that cannot be merged or evaluated together (`grid_mismatch`,
 * `feature_mismatch`), or an encoded summary that does not decode
 * (`invalid_format`). Callers match on `reason`.
 */
export class WindowSummaryError extends RangeError {
  readonly reason: WindowSummaryErrorReason;
  constructor(reason: WindowSummaryErrorReason, message: string) {
    super(`window summary: ${message}`);
    this.name = 'WindowSummaryError';
    this.reason = reason;
  }
}
