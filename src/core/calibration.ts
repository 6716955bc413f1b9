/**
 * How well a binary classifier's scores match observed outcomes on its
 * reference, and the map that makes them match: fitted once when a reference
 * with `score` and `label` columns is imported (drift/calibration.ts builds
 * it), stored with the profile, read by the estimated-performance part of
 * the performance check and shown on the version.
 */

/** One equal-width bin of the reliability table. */
export interface ReliabilityBin {
  /** Bin edges; a score equal to an interior edge falls in the lower bin (as numpy's searchsorted). */
  lower: number;
  upper: number;
  /** Reference rows whose score falls in the bin. */
  count: number;
  /** Mean score of those rows; null for an empty bin. */
  meanScore: number | null;
  /** Share of those rows labelled 1; null for an empty bin. */
  observedRate: number | null;
}

/** A calibration fitted on the reference; JSON-serialisable as is. */
export interface Calibration {
  /** Thresholds of the isotonic fit, x strictly increasing, y non-decreasing in [0, 1]. */
  isotonic: { x: number[]; y: number[] };
  /** Every bin, empty ones included; null when a score lies outside [0, 1]. */
  reliability: ReliabilityBin[] | null;
  /**
   * Σ count·|observedRate − meanScore| / rows over the non-empty bins: how far,
   * on average over the reference rows, a raw score is from the rate it
   * claims. Null with `reliability`.
   */
  expectedCalibrationError: number | null;
  /** Reference rows the calibration was fitted on. */
  rows: number;
  /** Of which labelled 1. */
  positives: number;
}

/** The reference's (score, label) pairs: the calibration set, and what sampling error is measured on. */
export interface ReferenceOutcomes {
  /** Scores, ascending. */
  scores: Float64Array;
  /** 0 or 1, in the order of `scores`. */
  labels: Uint8Array;
  calibration: Calibration;
}
