import type { ReferenceOutcomes } from './calibration.js';

/**
 * What a check needs to know about a model version's reference (training)
 * data, per feature. Built once when the reference is imported so that a
 * check never re-reads raw reference rows.
 */

export interface NumericFeatureProfile {
  kind: 'numeric';
  name: string;
  /** Number of non-missing values. */
  n: number;
  /** Number of missing values (null / absent). */
  missing: number;
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n - 1 denominator); 0 when n < 2. */
  std: number;
  /** All non-missing values, ascending. */
  sortedValues: Float64Array;
  /**
   * Interior quantile bin edges (for PSI): k bins have k - 1 interior edges;
   * values below the first edge fall in bin 0, at or above the last in bin k - 1.
   */
  binEdges: number[];
}

export interface CategoricalFeatureProfile {
  kind: 'categorical';
  name: string;
  n: number;
  missing: number;
  /** Category → count over the non-missing values. */
  counts: Record<string, number>;
}

export type FeatureProfile = NumericFeatureProfile | CategoricalFeatureProfile;

export interface ReferenceProfile {
  /** Number of reference rows. */
  rows: number;
  features: FeatureProfile[];
  /** Profile of the model score, when the reference rows carried one. */
  score: NumericFeatureProfile | null;
  /**
   * A binary classifier's (score, label) pairs and their calibration, when
   * the reference carried both columns; absent or null otherwise.
   */
  outcomes?: ReferenceOutcomes | null;
  /**
   * Per-value profiles of the other features, for each categorical feature
   * the model's segments slice on (docs/checks.md, "Segments"): a segment of
   * that feature is compared with the same slice of the reference. Absent or
   * null for a reference imported without segment features.
   */
  slices?: ReferenceSlice[] | null;
}

/**
 * The reference rows whose categorical feature `by` has one value, profiled
 * on every other feature of the schema (in schema order). `value` is one of
 * the most frequent values, REST_SLICE (every less frequent value together)
 * or MISSING_SEGMENT (rows without the feature).
 */
export interface ReferenceSlice {
  by: string;
  value: string;
  /** Reference rows in the slice. */
  rows: number;
  features: FeatureProfile[];
}
