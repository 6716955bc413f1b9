/**
 * evaluateDrift: the whole decision for one window against one reference.
 * Pure: same inputs, same report.
 */
import type { FeatureValue } from '../core/model.js';
import { benjaminiHochberg, bonferroni } from '../stats/index.js';
import { resolveDriftPolicy, type Correction, type DriftPolicy } from './policy.js';
import { categoricalFeatureRows, numericFeatureRows, type FeatureRows } from './featureTests.js';
import {
  SCORE_FEATURE,
  type DatasetDrift,
  type DriftReport,
  type DriftTestResult,
  type EvaluateDriftInput,
  type FeatureDrift,
} from './types.js';
import { categoricalColumn, numericColumn } from './values.js';

/** Adjusted p-values of one family under the policy's correction. */
export function adjustPValues(pValues: number[], correction: Correction): number[] {
  if (correction === 'bh') return benjaminiHochberg(pValues);
  if (correction === 'bonferroni') return bonferroni(pValues);
  return [...pValues];
}

/**
 * Corrects the rows' p-values as one family and decides each row:
 * drifted ⇔ adjusted p < α and effect size ≥ `minEffect(row)`.
 */
function decideFamily(
  rows: DriftTestResult[],
  policy: DriftPolicy,
  minEffect: (row: DriftTestResult) => number,
): void {
  const tested = rows.filter((row) => row.status !== 'insufficient_data');
  const adjusted = adjustPValues(
    tested.map((row) => row.pValue!),
    policy.correction,
  );
  tested.forEach((row, i) => {
    row.adjustedPValue = adjusted[i]!;
    row.drifted = adjusted[i]! < policy.alpha && Math.abs(row.effectSize!) >= minEffect(row);
    row.status = row.drifted ? 'drift' : 'ok';
  });
}

function decisiveMinimum(policy: DriftPolicy): (row: DriftTestResult) => number {
  return (row) =>
    row.test === 'ks' ? policy.minEffectSize.ks : policy.minEffectSize.jensenShannon;
}

function toFeatureDrift(kind: 'numeric' | 'categorical', rows: FeatureRows): FeatureDrift {
  return {
    feature: rows.decisive.feature,
    kind,
    status: rows.decisive.status,
    drifted: rows.decisive.drifted,
    decisive: rows.decisive,
    results: [rows.decisive, ...rows.effects, rows.missingRate, rows.coverage],
  };
}

function windowRows(current: EvaluateDriftInput['current']): number {
  let rows = current.score?.length ?? 0;
  for (const column of Object.values(current.features)) rows = Math.max(rows, column.length);
  return rows;
}

/** The rows of one tested feature, before correction. */
export interface KindedFeatureRows {
  kind: 'numeric' | 'categorical';
  rows: FeatureRows;
}

/**
 * The part of a drift evaluation that does not depend on how the per-feature
 * statistics were computed (exact or from a summary): corrections, feature
 * decisions, dataset drift, score drift and the run status. Mutates the rows
 * (adjusted p-values, decisions).
 */
export function assembleDriftReport(
  featureRows: KindedFeatureRows[],
  scoreRows: FeatureRows | null,
  policy: DriftPolicy,
  path: Pick<DriftReport, 'path' | 'approximation'>,
): DriftReport {
  decideFamily(
    featureRows.map((f) => f.rows.decisive),
    policy,
    decisiveMinimum(policy),
  );
  decideFamily(
    featureRows.map((f) => f.rows.missingRate),
    policy,
    () => policy.quality.missingRateChange,
  );
  const features = featureRows.map((f) => toFeatureDrift(f.kind, f.rows));

  let score: FeatureDrift | null = null;
  if (scoreRows !== null) {
    decideFamily([scoreRows.decisive], policy, decisiveMinimum(policy));
    decideFamily([scoreRows.missingRate], policy, () => policy.quality.missingRateChange);
    score = toFeatureDrift('numeric', scoreRows);
  }

  const tested = features.filter((f) => f.status !== 'insufficient_data');
  const driftedFeatures = tested.filter((f) => f.drifted).length;
  const share = tested.length === 0 ? 0 : driftedFeatures / tested.length;
  const dataset: DatasetDrift = {
    share,
    drifted: tested.length > 0 && share >= policy.datasetDriftShare,
    driftedFeatures,
    testedFeatures: tested.length,
    threshold: policy.datasetDriftShare,
  };
  const scoreTested = score !== null && score.status !== 'insufficient_data';
  // Any drifted feature makes the run `drift` (a ticket for someone to look
  // at); dataset drift — the share threshold — is reported beside it as the
  // stronger signal that pages.
  const status =
    driftedFeatures > 0 || score?.drifted === true
      ? 'drift'
      : tested.length === 0 && !scoreTested
        ? 'insufficient_data'
        : 'ok';
  return {
    status,
    features,
    score,
    dataset,
    results: [...features.flatMap((f) => f.results), ...(score?.results ?? [])],
    policy,
    path: path.path,
    approximation: path.approximation,
  };
}

/**
 * Evaluates every feature of the reference profile against the current
 * window, then the dataset and the score.
 *
 * - Per feature: numeric → KS + normalised Wasserstein + PSI; categorical →
 *   chi-square + Jensen–Shannon + PSI; plus missing rate and out-of-range /
 *   unseen-category shares. Missing values are left out of the distribution
 *   tests and counted. Fewer than `minSamples` values → `insufficient_data`.
 * - Decision: the decisive p-values (KS, chi-square) of the tested features
 *   are corrected as one family (BH by default); a feature drifts when its
 *   adjusted p < α and its effect size (KS D, JS distance) reaches the minimum.
 *   Missing-rate p-values form a second family, decided the same way with
 *   `quality.missingRateChange` as minimum.
 * - Dataset drift: share of drifted features among tested ones ≥ `datasetDriftShare`.
 * - Score drift: the numeric tests on the score (a family of one).
 * - Status: `drift` when any feature or the score drifted (dataset drift is
 *   reported beside it); `insufficient_data` when no
 *   feature and no score could be tested; else `ok`. Data-quality rows are
 *   reported, not folded into the status.
 *
 * @throws DriftInputError when a value does not match its feature's type.
 */
export function evaluateDrift(input: EvaluateDriftInput): DriftReport {
  const policy = resolveDriftPolicy(input.policy);
  const rowsInWindow = windowRows(input.current);
  const allMissing: ArrayLike<FeatureValue> = { length: rowsInWindow };

  const featureRows: KindedFeatureRows[] = input.reference.features.map((profile) => {
    const values = Object.hasOwn(input.current.features, profile.name)
      ? input.current.features[profile.name]!
      : allMissing;
    return profile.kind === 'numeric'
      ? {
          kind: 'numeric' as const,
          rows: numericFeatureRows(profile, numericColumn(profile.name, values), policy),
        }
      : {
          kind: 'categorical' as const,
          rows: categoricalFeatureRows(profile, categoricalColumn(profile.name, values), policy),
        };
  });
  let scoreRows: FeatureRows | null = null;
  if (input.reference.score !== null && input.current.score !== undefined) {
    const profile = { ...input.reference.score, name: SCORE_FEATURE };
    scoreRows = numericFeatureRows(
      profile,
      numericColumn(SCORE_FEATURE, input.current.score),
      policy,
    );
  }
  return assembleDriftReport(featureRows, scoreRows, policy, {
    path: 'exact',
    approximation: null,
  });
}
