/**
 * Per-feature tests before correction: each returns its rows with raw
 * p-values; {@link evaluateDrift} then corrects across features and decides.
 */
import type { CategoricalFeatureProfile, NumericFeatureProfile } from '../core/referenceProfile.js';
import {
  alignCategoryCounts,
  binCountsSorted,
  binIndex,
  chiSquareContingency,
  jensenShannonDistance,
  ksTwoSampleSorted,
  normalizedWassersteinDistanceSorted,
  psi,
  twoProportionZTest,
} from '../stats/index.js';
import type { DriftPolicy } from './policy.js';
import type { DriftTestName, DriftTestResult } from './types.js';
import type { CategoricalColumn, NumericColumn } from './values.js';

type Base = Pick<DriftTestResult, 'feature' | 'nReference' | 'nCurrent' | 'missingCurrent'>;

export interface FeatureRows {
  /** ks or chi_square: p-value still raw, `drifted` decided after correction. */
  decisive: DriftTestResult;
  /** Effect-size and PSI rows (already decided). */
  effects: DriftTestResult[];
  /** missing_rate: p-value still raw, decided after correction. */
  missingRate: DriftTestResult;
  /** out_of_range or unseen_categories (already decided). */
  coverage: DriftTestResult;
}

function insufficient(base: Base, test: DriftTestName): DriftTestResult {
  return {
    ...base,
    test,
    status: 'insufficient_data',
    statistic: null,
    pValue: null,
    adjustedPValue: null,
    effectSize: null,
    drifted: false,
  };
}

function thresholdRow(
  base: Base,
  test: DriftTestName,
  statistic: number,
  effectSize: number,
  threshold: number,
): DriftTestResult {
  const drifted = effectSize >= threshold;
  return {
    ...base,
    test,
    status: drifted ? 'drift' : 'ok',
    statistic,
    pValue: null,
    adjustedPValue: null,
    effectSize,
    drifted,
  };
}

function pendingRow(
  base: Base,
  test: DriftTestName,
  statistic: number,
  pValue: number,
  effectSize: number,
): DriftTestResult {
  return {
    ...base,
    test,
    status: 'ok',
    statistic,
    pValue,
    adjustedPValue: null,
    effectSize,
    drifted: false,
  };
}

function missingRateRow(
  base: Base,
  reference: { n: number; missing: number },
  current: { n: number; missing: number },
  policy: DriftPolicy,
): DriftTestResult {
  const referenceRows = reference.n + reference.missing;
  const currentRows = current.n + current.missing;
  if (referenceRows < policy.minSamples || currentRows < policy.minSamples) {
    return insufficient(base, 'missing_rate');
  }
  const z = twoProportionZTest(reference.missing, referenceRows, current.missing, currentRows);
  const change = current.missing / currentRows - reference.missing / referenceRows;
  return pendingRow(base, 'missing_rate', z.statistic, z.pValue, change);
}

/** Number of sorted values strictly below `low` or strictly above `high`. */
function countOutside(sorted: Float64Array, low: number, high: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < low) lo = mid + 1;
    else hi = mid;
  }
  // lo = values strictly below `low`; binIndex = values at or below `high`.
  return lo + (sorted.length - binIndex(sorted, high));
}

/**
 * What the numeric rows are made of, however they were computed: from the
 * raw window ({@link numericFeatureRows}) or from a window summary
 * (`evaluateDriftFromSummary`). Both paths then share one piece of code for
 * PSI, shares, thresholds and row shapes.
 */
export interface NumericStatistics {
  ks: { statistic: number; pValue: number };
  /** W₁ in feature units and divided by the reference std (see wasserstein.ts). */
  wasserstein: { distance: number; normalized: number };
  /** Current counts in the profile's PSI bins (`binEdges.length + 1` of them). */
  currentPsiBins: ArrayLike<number>;
  /** Current values strictly below the reference min or strictly above its max. */
  outsideCount: number;
}

/**
 * Numeric rows from the current window's sizes and a function computing the
 * statistics, called only when both samples reach `minSamples`.
 */
export function numericRowsFromStatistics(
  profile: NumericFeatureProfile,
  current: { n: number; missing: number },
  policy: DriftPolicy,
  statistics: () => NumericStatistics,
): FeatureRows {
  const base: Base = {
    feature: profile.name,
    nReference: profile.n,
    nCurrent: current.n,
    missingCurrent: current.missing,
  };
  const missingRate = missingRateRow(base, profile, current, policy);
  if (profile.n < policy.minSamples || current.n < policy.minSamples) {
    return {
      decisive: insufficient(base, 'ks'),
      effects: [insufficient(base, 'wasserstein'), insufficient(base, 'psi')],
      missingRate,
      coverage: insufficient(base, 'out_of_range'),
    };
  }
  const { ks, wasserstein, currentPsiBins, outsideCount } = statistics();
  const referenceBins = binCountsSorted(profile.sortedValues, profile.binEdges);
  const psiValue = psi(referenceBins, currentPsiBins, { epsilon: policy.psiEpsilon });
  const outsideShare = outsideCount / current.n;
  return {
    decisive: pendingRow(base, 'ks', ks.statistic, ks.pValue, ks.statistic),
    effects: [
      thresholdRow(
        base,
        'wasserstein',
        wasserstein.distance,
        wasserstein.normalized,
        policy.thresholds.wasserstein,
      ),
      thresholdRow(base, 'psi', psiValue, psiValue, policy.thresholds.psi),
    ],
    missingRate,
    coverage: thresholdRow(
      base,
      'out_of_range',
      outsideShare,
      outsideShare,
      policy.quality.outOfRangeShare,
    ),
  };
}

/**
 * Numeric feature: KS (decisive, effect size D), Wasserstein distance
 * normalised by the reference std, PSI on the profile's quantile bins, the
 * missing-rate z-test and the share of values outside the reference range.
 */
export function numericFeatureRows(
  profile: NumericFeatureProfile,
  column: NumericColumn,
  policy: DriftPolicy,
): FeatureRows {
  return numericRowsFromStatistics(
    profile,
    { n: column.sorted.length, missing: column.missing },
    policy,
    () => ({
      ks: ksTwoSampleSorted(profile.sortedValues, column.sorted, { method: policy.ksMethod }),
      wasserstein: normalizedWassersteinDistanceSorted(
        profile.sortedValues,
        column.sorted,
        profile.std,
      ),
      currentPsiBins: binCountsSorted(column.sorted, profile.binEdges),
      outsideCount: countOutside(column.sorted, profile.min, profile.max),
    }),
  );
}

/**
 * Categorical feature: chi-square test of homogeneity (decisive, effect size
 * the Jensen–Shannon distance), JS distance, PSI over the same buckets, the
 * missing-rate z-test and the share of values in unseen categories.
 */
export function categoricalFeatureRows(
  profile: CategoricalFeatureProfile,
  column: CategoricalColumn,
  policy: DriftPolicy,
): FeatureRows {
  const base: Base = {
    feature: profile.name,
    nReference: profile.n,
    nCurrent: column.n,
    missingCurrent: column.missing,
  };
  const missingRate = missingRateRow(base, profile, column, policy);
  if (profile.n < policy.minSamples || column.n < policy.minSamples) {
    return {
      decisive: insufficient(base, 'chi_square'),
      effects: [insufficient(base, 'jensen_shannon'), insufficient(base, 'psi')],
      missingRate,
      coverage: insufficient(base, 'unseen_categories'),
    };
  }
  const aligned = alignCategoryCounts(profile.counts, column.counts, policy.unseenCategories);
  const chi = chiSquareContingency(aligned.reference, aligned.current);
  const js = jensenShannonDistance(aligned.reference, aligned.current);
  const psiValue = psi(aligned.reference, aligned.current, { epsilon: policy.psiEpsilon });
  const unseenShare = aligned.unseenCurrent / column.n;
  return {
    decisive: pendingRow(base, 'chi_square', chi.statistic, chi.pValue, js),
    effects: [
      thresholdRow(base, 'jensen_shannon', js, js, policy.minEffectSize.jensenShannon),
      thresholdRow(base, 'psi', psiValue, psiValue, policy.thresholds.psi),
    ],
    missingRate,
    coverage: thresholdRow(
      base,
      'unseen_categories',
      unseenShare,
      unseenShare,
      policy.quality.unseenCategoryShare,
    ),
  };
}
