/** Result shapes of a drift evaluation. */
import type { ReferenceProfile } from '../core/referenceProfile.js';
import type { FeatureValue } from '../core/model.js';
import type { RunResult } from '../core/run.js';
import type { DriftPolicy, DriftPolicyInput } from './policy.js';

export type DriftTestName =
  | 'ks'
  | 'wasserstein'
  | 'psi'
  | 'chi_square'
  | 'jensen_shannon'
  | 'missing_rate'
  | 'out_of_range'
  | 'unseen_categories';

export type DriftStatus = 'ok' | 'drift' | 'insufficient_data';

/**
 * One row per (feature, test): the result row of every check run (see
 * {@link RunResult}), with the drift tests' names and statuses.
 */
export interface DriftTestResult extends RunResult {
  test: DriftTestName;
  status: DriftStatus;
}

export interface FeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical';
  /** `drift` when the decisive test drifted, `insufficient_data` when it could not run. */
  status: DriftStatus;
  drifted: boolean;
  /** The row that decides: `ks` for numeric features, `chi_square` for categorical ones. */
  decisive: DriftTestResult;
  /** Every row of this feature: decisive, effect sizes, PSI, data quality. */
  results: DriftTestResult[];
}

export interface DatasetDrift {
  /** Drifted features / features with a verdict (0 when none has one). */
  share: number;
  drifted: boolean;
  driftedFeatures: number;
  testedFeatures: number;
  threshold: number;
}

export interface DriftReport {
  /** `drift` on dataset or score drift; `insufficient_data` when nothing could be tested. */
  status: DriftStatus;
  features: FeatureDrift[];
  /** Drift of the model score (not part of the features' correction family). */
  score: FeatureDrift | null;
  dataset: DatasetDrift;
  /** All rows of all features and of the score, flattened. */
  results: DriftTestResult[];
  policy: DriftPolicy;
  /**
   * `exact`: computed from the window's raw values (`evaluateDrift`).
   * `approximate`: computed from a mergeable window summary built from the
   * raw rows (`evaluateDriftFromSummary`); see {@link DriftApproximation}.
   * `summaries`: computed from the minute summaries built at ingest
   * (`evaluateDriftFromMinuteSummary`); see {@link SketchApproximation}.
   */
  path: DriftPath;
  /** How far a summary path may be from the exact one; null on the exact path. */
  approximation: DriftApproximation | SketchApproximation | null;
}

/** How a drift report was computed (see {@link DriftReport.path}). */
export type DriftPath = 'exact' | 'approximate' | 'summaries';

/** Error bounds of one numeric feature (or the score) on the approximate path. */
export interface FeatureApproximation {
  feature: string;
  /**
   * Bound on `D_exact − D_reported` (the reported KS D never exceeds the
   * exact one): D_reported ≤ D_exact ≤ D_reported + ksErrorBound. Null when
   * the test did not run (insufficient data).
   */
  ksErrorBound: number | null;
  /**
   * Bound on |W₁_exact − W₁_reported| in reference standard deviations (the
   * `wasserstein` row's effect size); null when the test did not run.
   */
  wassersteinErrorBound: number | null;
}

export interface DriftApproximation {
  /** Fine bins per numeric feature the summary was built with. */
  bins: number;
  /** Largest `ksErrorBound` over the features and the score (0 when none ran). */
  ksErrorBound: number;
  /** One entry per numeric feature, then the score (as {@link SCORE_FEATURE}) when tested. */
  features: FeatureApproximation[];
}

/** Error bounds of one numeric feature (or the score) on the `summaries` path. */
export interface SketchFeatureApproximation {
  feature: string;
  /**
   * With probability ≥ `confidence`: |D_reported − D_exact| ≤ ksErrorBound,
   * D_exact the KS statistic against the window's exact values (the
   * sketch's simultaneous rank error, stats/kllKs.ts). 0 when the sketch
   * compacted nothing (its ranks are exact). Null when the test did not run.
   */
  ksErrorBound: number | null;
  /**
   * The p-values of D_reported ∓ ksErrorBound, [p(D + bound), p(D − bound)]:
   * where the exact p-value lies with the same confidence. Null when the
   * test did not run.
   */
  pValueRange: [number, number] | null;
  /**
   * Bound on |W₁_exact − W₁_reported| in reference standard deviations:
   * ksErrorBound × (window max − window min) / scale, as ∫|F − F̂| dx ≤ sup|F − F̂| × range.
   */
  wassersteinErrorBound: number | null;
}

/** The `summaries` path's error bounds (approximation of {@link DriftReport}). */
export interface SketchApproximation {
  method: 'kll_sketch';
  /** Probability with which every bound holds (per feature). */
  confidence: number;
  /** The sketches' accuracy parameter. */
  k: number;
  /** Largest `ksErrorBound` over the features and the score (0 when none ran). */
  ksErrorBound: number;
  /** One entry per numeric feature, then the score (as {@link SCORE_FEATURE}) when tested. */
  features: SketchFeatureApproximation[];
}

export interface CurrentWindow {
  /** Feature name → values of the window (null or undefined = missing). */
  features: Readonly<Record<string, ArrayLike<FeatureValue | undefined>>>;
  score?: ArrayLike<number | null | undefined> | undefined;
}

export interface EvaluateDriftInput {
  reference: ReferenceProfile;
  current: CurrentWindow;
  /** Overrides of {@link defaultDriftPolicy}; a full DriftPolicy works too. */
  policy?: DriftPolicyInput | undefined;
}

/**
 * A numeric column collected ahead of the evaluation (the exact check path
 * fills it while the window streams in): the non-missing values only, and how
 * many were missing.
 */
export interface NumericValuesColumn {
  kind: 'numeric';
  /**
   * The non-missing values, in any order. {@link evaluateDriftFromColumns}
   * sorts this array in place: the caller hands it over.
   */
  values: Float64Array;
  missing: number;
}

/** A categorical column counted ahead of the evaluation. */
export interface CategoryCountsColumn {
  kind: 'categorical';
  /** Category → number of values; counts are positive integers summing to `n`. */
  counts: Readonly<Record<string, number>>;
  /** Non-missing values. */
  n: number;
  missing: number;
}

export type CollectedColumn = NumericValuesColumn | CategoryCountsColumn;

/** A window whose columns were collected (split and counted) ahead of the evaluation. */
export interface CollectedWindow {
  /** Rows in the window: a tested feature absent from `features` counts as missing in every row. */
  rows: number;
  /** Feature name → its column; the kind must match the reference profile's. */
  features: Readonly<Record<string, CollectedColumn>>;
  /** The score column, when the score is tested. */
  score?: NumericValuesColumn | undefined;
}

export interface EvaluateDriftFromColumnsInput {
  reference: ReferenceProfile;
  current: CollectedWindow;
  /** Overrides of {@link defaultDriftPolicy}; a full DriftPolicy works too. */
  policy?: DriftPolicyInput | undefined;
}

/** The feature name under which score rows appear in `DriftReport.results`. */
export const SCORE_FEATURE = '__score__';
