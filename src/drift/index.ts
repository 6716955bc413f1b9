/**
 * driftwatch drift decisions: pure functions from a reference profile and a
 * window of current values to per-feature results, dataset drift, score
 * drift and data-quality signals. No clock, no randomness, no I/O.
 */
export { evaluateDrift, adjustPValues } from './evaluate.js';
export {
  defaultDriftPolicy,
  resolveDriftPolicy,
  type Correction,
  type DriftPolicy,
  type DriftPolicyInput,
} from './policy.js';
export { buildNumericProfile, buildCategoricalProfile, buildReferenceProfile } from './profile.js';
export { numericFeatureRows, categoricalFeatureRows, type FeatureRows } from './featureTests.js';
export { DriftInputError } from './values.js';
export {
  SCORE_FEATURE,
  type CurrentWindow,
  type DatasetDrift,
  type DriftReport,
  type DriftStatus,
  type DriftTestName,
  type DriftTestResult,
  type EvaluateDriftInput,
  type FeatureDrift,
} from './types.js';
