/**
 * evaluateDrift: the whole decision for one window against one reference.
 * Pure: same inputs, same report.
 */
import type { FeatureValue } from '../core/model.js';
import type {
  CategoricalFeatureProfile,
  NumericFeatureProfile,
  ReferenceProfile,
} from '../core/referenceProfile.js';
import { benjaminiHochberg, bonferroni } from '../stats/index.js';
import { resolveDriftPolicy, type Correction, type DriftPolicy } from './policy.js';
import { categoricalFeatureRows, numericFeatureRows, type FeatureRows } from './featureTests.js';
import {
  SCORE_FEATURE,
  type DatasetDrift,
  type DriftReport,
  type DriftTestResult,
  type EvaluateDriftFromColumnsInput,
  type EvaluateDriftInput,
  type FeatureDrift,
} from './types.js';
import {
  categoricalColumn,
  categoricalColumnFromCounts,
  DriftColumnError,
  numericColumn,
  numericColumnFromValues,
  type CategoricalColumn,
  type NumericColumn,
} from './values.js';

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
export function decideFamily(
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

export function decisiveMinimum(policy: DriftPolicy): (row: DriftTestResult) => number {
  return (row) =>
    row.test === 'ks' ? policy.minEffectSize.ks : policy.minEffectSize.jensenShannon;
}

export function toFeatureDrift(kind: 'numeric' | 'categorical', rows: FeatureRows): FeatureDrift {
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
  return summariseDriftReport(features, score, policy, path);
}

/**
 * The report's verdicts again after its decisive and missing-rate rows were
 * decided anew — in one family with a run's segments (drift/segments.ts).
 */
export function redecidedDriftReport(report: DriftReport): DriftReport {
  const features = report.features.map((f) => ({
    ...f,
    status: f.decisive.status,
    drifted: f.decisive.drifted,
  }));
  return summariseDriftReport(features, report.score, report.policy, report);
}

/** Dataset drift, the status and the result rows of decided features. */
function summariseDriftReport(
  features: FeatureDrift[],
  score: FeatureDrift | null,
  policy: DriftPolicy,
  path: Pick<DriftReport, 'path' | 'approximation'>,
): DriftReport {
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
  const rowsInWindow = windowRows(input.current);
  const allMissing: ArrayLike<FeatureValue> = { length: rowsInWindow };
  const valuesOf = (name: string): ArrayLike<FeatureValue | undefined> =>
    Object.hasOwn(input.current.features, name) ? input.current.features[name]! : allMissing;
  const score = input.current.score;
  return evaluateColumns(input.reference, input.policy, {
    numeric: (profile) => numericColumn(profile.name, valuesOf(profile.name)),
    categorical: (profile) => categoricalColumn(profile.name, valuesOf(profile.name)),
    score: score === undefined ? undefined : () => numericColumn(SCORE_FEATURE, score),
  });
}

/**
 * {@link evaluateDrift} on a window whose columns were collected ahead: numeric
 * features as their non-missing values in a Float64Array plus a missing
 * count, categorical ones as category counts. Same tests, same report, no
 * re-scan of raw values into new arrays: numeric values get one finiteness
 * pass and are then sorted in place (the arrays are the evaluation's
 * afterwards); counts are checked to be positive integers summing to `n`.
 * A tested feature absent from `current.features` is missing in all
 * `current.rows` rows.
 *
 * @throws DriftInputError when a numeric value is not finite.
 * @throws DriftColumnError when a column's kind differs from its profile's,
 *   or its counts do not add up.
 */
export function evaluateDriftFromColumns(input: EvaluateDriftFromColumnsInput): DriftReport {
  const { features, rows, score } = input.current;
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new RangeError(`current.rows is ${rows}; expected a count (integer ≥ 0)`);
  }
  const columnOf = (name: string, kind: 'numeric' | 'categorical') => {
    if (!Object.hasOwn(features, name)) return undefined;
    const column = features[name]!;
    if (column.kind !== kind) {
      throw new DriftColumnError(name, `a ${column.kind} column for a ${kind} feature`);
    }
    return column;
  };
  return evaluateColumns(input.reference, input.policy, {
    numeric: (profile) => {
      const column = columnOf(profile.name, 'numeric');
      return column?.kind === 'numeric'
        ? numericColumnFromValues(profile.name, column)
        : { sorted: new Float64Array(0), missing: rows };
    },
    categorical: (profile) => {
      const column = columnOf(profile.name, 'categorical');
      return column?.kind === 'categorical'
        ? categoricalColumnFromCounts(profile.name, column)
        : { counts: {}, n: 0, missing: rows };
    },
    score: score === undefined ? undefined : () => numericColumnFromValues(SCORE_FEATURE, score),
  });
}

/** How one window's columns are turned into test inputs, feature by feature. */
interface ColumnSource {
  numeric(profile: NumericFeatureProfile): NumericColumn;
  categorical(profile: CategoricalFeatureProfile): CategoricalColumn;
  /** Absent when the window has no score column. */
  score: (() => NumericColumn) | undefined;
}

function evaluateColumns(
  reference: ReferenceProfile,
  policyInput: EvaluateDriftInput['policy'],
  source: ColumnSource,
): DriftReport {
  const policy = resolveDriftPolicy(policyInput);
  // One column at a time: each is tested before the next is prepared.
  const featureRows: KindedFeatureRows[] = reference.features.map((profile) =>
    profile.kind === 'numeric'
      ? {
          kind: 'numeric' as const,
          rows: numericFeatureRows(profile, source.numeric(profile), policy),
        }
      : {
          kind: 'categorical' as const,
          rows: categoricalFeatureRows(profile, source.categorical(profile), policy),
        },
  );
  let scoreRows: FeatureRows | null = null;
  if (reference.score !== null && source.score !== undefined) {
    const profile = { ...reference.score, name: SCORE_FEATURE };
    scoreRows = numericFeatureRows(profile, source.score(), policy);
  }
  return assembleDriftReport(featureRows, scoreRows, policy, {
    path: 'exact',
    approximation: null,
  });
}
