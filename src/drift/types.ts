/** Result shapes of a drift evaluation. */
import type { ReferenceProfile } from '../core/referenceProfile.js';
import type { FeatureValue } from '../core/model.js';
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
 * One row per (feature, test): the same shape for every test so that storage,
 * metrics and the API need one code path. Fields a test does not define
 * (the p-value of PSI, …) are null; with `insufficient_data` every
 * statistic is null and `drifted` is false.
 */
export interface DriftTestResult {
  feature: string;
  test: DriftTestName;
  status: DriftStatus;
  statistic: number | null;
  pValue: number | null;
  /** p-value after the policy's correction across the run's features. */
  adjustedPValue: number | null;
  effectSize: number | null;
  /** Whether this row's own rule fired (see docs/statistics.md). */
  drifted: boolean;
  /** Non-missing values in the reference. */
  nReference: number;
  /** Non-missing values in the current window. */
  nCurrent: number;
  /** Missing values in the current window. */
  missingCurrent: number;
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

/** The feature name under which score rows appear in `DriftReport.results`. */
export const SCORE_FEATURE = '__score__';
