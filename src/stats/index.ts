/**
 * driftwatch statistics: pure functions (no I/O, no clock, no global random
 * state) that match SciPy where SciPy defines the statistic. Every function
 * validates its inputs and throws {@link StatisticsInputError} naming the
 * argument, index and value when given NaN, ±Infinity or an empty sample.
 */
export {
  ksTwoSample,
  ksTwoSampleSorted,
  ksScaledStatistic,
  ksFromScaledStatistic,
  ksTwoSampleExactSf,
  ksTwoSampleAsymptoticSf,
  KS_MAX_EXACT_N,
  type KsMethod,
  type KsOptions,
  type KsResult,
} from './ks.js';
export { kolmogorovSf, kolmogorovLimitSf, smirnovSf } from './kolmogorov.js';
export { chiSquareContingency, chiSquareHomogeneity, type ChiSquareResult } from './chiSquare.js';
export {
  alignCategoryCounts,
  type AlignedCounts,
  type UnseenCategoryHandling,
} from './categories.js';
export {
  wassersteinDistance,
  wassersteinDistanceSorted,
  normalizedWassersteinDistance,
  normalizedWassersteinDistanceSorted,
  type NormalizedWasserstein,
} from './wasserstein.js';
export { jensenShannonDistance } from './jensenShannon.js';
export { psi, DEFAULT_PSI_EPSILON, type PsiOptions } from './psi.js';
export {
  quantileSorted,
  quantileBinEdges,
  binIndex,
  countAtMost,
  binCounts,
  binCountsSorted,
} from './binning.js';
export { benjaminiHochberg, bonferroni } from './corrections.js';
export { twoProportionZTest, type ZTestResult } from './proportions.js';
export {
  logGamma,
  regularizedGammaP,
  regularizedGammaQ,
  chiSquareSf,
  erfc,
  normalSf,
} from './specialFunctions.js';
export { mean, sampleStandardDeviation } from './descriptive.js';
export { sortFloat64InPlace } from './sort.js';
export { createRandom, type SeededRandom } from './random.js';
export {
  KllSketch,
  type KllSketchOptions,
  type KllSortedView,
  type KllRankErrorOptions,
} from './kll.js';
export { KLL_DEFAULT_K, KLL_MIN_K, KLL_MAX_K, type KllRankErrorScope } from './kllBounds.js';
export { KLL_JSON_VERSION, type KllSketchJson } from './kllJson.js';
export { ksStatisticAgainstSketch, type KsAgainstSketchResult } from './kllKs.js';
export { StatisticsInputError, sortedSample, finiteSample } from './validate.js';

export {
  rocAuc,
  classificationAtThreshold,
  regressionErrors,
  type ThresholdClassification,
  type RegressionErrors,
} from './classification.js';
export { fitIsotonic, predictIsotonic, interpolateIsotonic, type IsotonicFit } from './isotonic.js';
