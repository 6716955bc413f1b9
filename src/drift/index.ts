/**
 * driftwatch drift decisions: pure functions from a reference profile and a
 * window of current values to per-feature results, dataset drift, score
 * drift and data-quality signals. No clock, no randomness, no I/O.
 */
export { evaluateDrift, evaluateDriftFromColumns, adjustPValues } from './evaluate.js';
export {
  evaluateDriftFromSummary,
  WindowSummaryBuilder,
  mergeWindowSummaries,
  encodeWindowSummary,
  decodeWindowSummary,
  WindowSummaryError,
  WINDOW_SUMMARY_VERSION,
  summaryGrid,
  DEFAULT_SUMMARY_BINS,
  type EvaluateDriftFromSummaryInput,
  type WindowSummary,
  type FeatureSummary,
  type NumericSummary,
  type CategoricalSummary,
  type WindowSummaryErrorReason,
  type SummaryGrid,
} from './summary/index.js';
export {
  defaultDriftPolicy,
  resolveDriftPolicy,
  type Correction,
  type DriftPolicy,
  type DriftPolicyInput,
} from './policy.js';
export {
  buildNumericProfile,
  buildCategoricalProfile,
  buildReferenceProfile,
  numericProfileFromSorted,
} from './profile.js';
export {
  numericFeatureRows,
  categoricalFeatureRows,
  numericRowsFromStatistics,
  type FeatureRows,
  type NumericStatistics,
} from './featureTests.js';
export { DriftInputError, DriftColumnError } from './values.js';
export {
  SCORE_FEATURE,
  type CurrentWindow,
  type DatasetDrift,
  type DriftApproximation,
  type DriftPath,
  type SketchApproximation,
  type SketchFeatureApproximation,
  type FeatureApproximation,
  type DriftReport,
  type DriftStatus,
  type DriftTestName,
  type DriftTestResult,
  type EvaluateDriftInput,
  type FeatureDrift,
  type CollectedColumn,
  type NumericValuesColumn,
  type CategoryCountsColumn,
  type EvaluateDriftFromColumnsInput,
} from './types.js';

export {
  evaluatePerformance,
  MODEL_FEATURE,
  PERFORMANCE_METRICS,
  PerformanceInputError,
  type ClassificationMetricName,
  type EvaluatePerformanceInput,
  type PerformanceFloors,
  type PerformanceMetrics,
  type PerformanceReport,
  type PerformanceStatus,
  type PerformanceTask,
  type PerformanceTestName,
  type PerformanceTestResult,
  type RegressionMetricName,
  type UndefinedMetricReason,
} from './performance.js';
export type { CurrentDistributions } from './currentDistributions.js';
export { collectedDistributions } from './collectedDistributions.js';
export {
  distributionSnapshots,
  numericSnapshot,
  categoricalSnapshot,
  DEFAULT_SNAPSHOT_BINS,
  DEFAULT_SNAPSHOT_CATEGORIES,
  type DistributionSnapshot,
  type NumericSnapshot,
  type CategoricalSnapshot,
  type CategoryShare,
} from './distributionSnapshot.js';
export {
  buildCalibration,
  calibratedProbability,
  DEFAULT_RELIABILITY_BINS,
  type BuildCalibrationOptions,
  type Calibration,
  type ReliabilityBin,
} from './calibration.js';
export {
  estimatePerformance,
  prepareEstimateReference,
  decideEstimatedPerformance,
  estimatedFloorsFromPerformance,
  confusionMetrics,
  ESTIMATED_METRICS,
  DEFAULT_BAND_SIGMAS,
  DEFAULT_SAMPLING_CHUNKS,
  type EstimatePerformanceInput,
  type LabelledReference,
  type PreparedEstimateReference,
  type EstimatedPerformance,
  type EstimatedMetricName,
  type MetricEstimate,
  type ExpectedConfusion,
  type SamplingBasis,
  type EstimatedPerformanceStatus,
  type EstimatedPerformanceFloors,
  type EstimatedPerformanceDecision,
} from './estimatedPerformance.js';
export {
  evaluateSegmentDrift,
  type SegmentDrift,
  type SegmentDriftReport,
  type SegmentWindow,
} from './segments.js';
export { evaluatePerformanceSegments, type PerformanceSegment } from './performanceSegments.js';
export { estimatePerformanceSegments, type EstimatedSegment } from './estimatedSegments.js';
export {
  buildReferenceSlices,
  mergeReferenceSlices,
  mergeSortedArrays,
  segmentReference,
  type SegmentReferenceSource,
} from './referenceSlices.js';
