/**
 * The decision policy: when a feature, the dataset and the score count as
 * drifted. Defaults are justified in docs/statistics.md.
 */
import type { KsMethod, UnseenCategoryHandling } from '../stats/index.js';

export type Correction = 'bh' | 'bonferroni' | 'none';

export interface DriftPolicy {
  /** Significance level applied to corrected p-values (default 0.05). */
  alpha: number;
  /** Multiple-testing correction across the features of one run (default `bh`). */
  correction: Correction;
  /** Fewer non-missing values than this, in the reference or the window, gives `insufficient_data` (default 100). */
  minSamples: number;
  /** Effect sizes a significant test must also reach for a feature to drift. */
  minEffectSize: {
    /** KS statistic D for numeric features (default 0.1). */
    ks: number;
    /** Jensen–Shannon distance, base 2, for categorical features (default 0.05). */
    jensenShannon: number;
  };
  /** Thresholds of the informational rows (they do not decide a feature's drift). */
  thresholds: {
    /** Wasserstein distance in reference standard deviations (default 0.1). */
    wasserstein: number;
    /** PSI (default 0.25, the conventional "major shift"). */
    psi: number;
  };
  /** Data-quality thresholds. */
  quality: {
    /** Absolute change of the missing rate that, when significant, flags the feature (default 0.05). */
    missingRateChange: number;
    /** Share of current values outside the reference [min, max] that flags the feature (default 0.05). */
    outOfRangeShare: number;
    /** Share of current values in categories the reference never saw that flags the feature (default 0.05). */
    unseenCategoryShare: number;
  };
  /** Dataset drift when at least this share of tested features drifted (default 0.5). */
  datasetDriftShare: number;
  /** Proportion floor of PSI (default 1e-4). */
  psiEpsilon: number;
  /** Quantile bins of numeric reference profiles, used when a profile is built (default 10). */
  psiBins: number;
  /** KS p-value method (default `auto`: exact up to 10,000 values, as scipy). */
  ksMethod: KsMethod;
  /** Unseen categories in one bucket (default) or one bucket each. */
  unseenCategories: UnseenCategoryHandling;
}

export const defaultDriftPolicy: Readonly<DriftPolicy> = Object.freeze({
  alpha: 0.05,
  correction: 'bh',
  minSamples: 100,
  minEffectSize: Object.freeze({ ks: 0.1, jensenShannon: 0.05 }),
  thresholds: Object.freeze({ wasserstein: 0.1, psi: 0.25 }),
  quality: Object.freeze({
    missingRateChange: 0.05,
    outOfRangeShare: 0.05,
    unseenCategoryShare: 0.05,
  }),
  datasetDriftShare: 0.5,
  psiEpsilon: 1e-4,
  psiBins: 10,
  ksMethod: 'auto',
  unseenCategories: 'bucket',
});

/** A policy override: any subset of fields, nested groups included. */
export type DriftPolicyInput = Partial<
  Omit<DriftPolicy, 'minEffectSize' | 'thresholds' | 'quality'>
> & {
  minEffectSize?: Partial<DriftPolicy['minEffectSize']>;
  thresholds?: Partial<DriftPolicy['thresholds']>;
  quality?: Partial<DriftPolicy['quality']>;
};

function check(ok: boolean, field: string, value: unknown, rule: string): void {
  if (!ok)
    throw new RangeError(`drift policy: ${field} must be ${rule}, got ${JSON.stringify(value)}`);
}

function nonNegative(field: string, value: number): void {
  check(Number.isFinite(value) && value >= 0, field, value, 'a finite number >= 0');
}

/**
 * Merges an override onto {@link defaultDriftPolicy} and validates the
 * result; throws a RangeError naming the first invalid field.
 */
export function resolveDriftPolicy(input: DriftPolicyInput = {}): DriftPolicy {
  const policy: DriftPolicy = {
    ...defaultDriftPolicy,
    ...input,
    minEffectSize: { ...defaultDriftPolicy.minEffectSize, ...input.minEffectSize },
    thresholds: { ...defaultDriftPolicy.thresholds, ...input.thresholds },
    quality: { ...defaultDriftPolicy.quality, ...input.quality },
  };
  check(policy.alpha > 0 && policy.alpha < 1, 'alpha', policy.alpha, 'in (0, 1)');
  check(
    ['bh', 'bonferroni', 'none'].includes(policy.correction),
    'correction',
    policy.correction,
    "'bh', 'bonferroni' or 'none'",
  );
  check(
    Number.isInteger(policy.minSamples) && policy.minSamples >= 1,
    'minSamples',
    policy.minSamples,
    'an integer >= 1',
  );
  nonNegative('minEffectSize.ks', policy.minEffectSize.ks);
  nonNegative('minEffectSize.jensenShannon', policy.minEffectSize.jensenShannon);
  nonNegative('thresholds.wasserstein', policy.thresholds.wasserstein);
  nonNegative('thresholds.psi', policy.thresholds.psi);
  nonNegative('quality.missingRateChange', policy.quality.missingRateChange);
  nonNegative('quality.outOfRangeShare', policy.quality.outOfRangeShare);
  nonNegative('quality.unseenCategoryShare', policy.quality.unseenCategoryShare);
  check(
    policy.datasetDriftShare > 0 && policy.datasetDriftShare <= 1,
    'datasetDriftShare',
    policy.datasetDriftShare,
    'in (0, 1]',
  );
  check(
    policy.psiEpsilon > 0 && policy.psiEpsilon < 1,
    'psiEpsilon',
    policy.psiEpsilon,
    'in (0, 1)',
  );
  check(
    Number.isInteger(policy.psiBins) && policy.psiBins >= 2,
    'psiBins',
    policy.psiBins,
    'an integer >= 2',
  );
  check(
    ['auto', 'exact', 'asymp'].includes(policy.ksMethod),
    'ksMethod',
    policy.ksMethod,
    "'auto', 'exact' or 'asymp'",
  );
  check(
    ['bucket', 'separate'].includes(policy.unseenCategories),
    'unseenCategories',
    policy.unseenCategories,
    "'bucket' or 'separate'",
  );
  return policy;
}
