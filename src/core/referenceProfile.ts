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
}
