/**
 * Model performance from labelled predictions: the check that answers "is the
 * model still good?" where drift only answers "has the input changed?".
 * Labels are joined to predictions by request id before this is called; this
 * module is pure (no clock, no randomness, no I/O).
 *
 * - binary classifiers: ROC AUC, and precision, recall and accuracy of the
 *   decisions `score >= threshold` (the model version's threshold);
 * - regressors: MAE and RMSE.
 *
 * Each metric may have a floor; a breached floor marks the run `degraded`.
 * Classifier floors are minimums (AUC 0.81 under a floor of 0.85 breaches),
 * regressor floors are maximums (an MAE above its floor breaches).
 */
// Once src/stats/index.ts re-exports classification.ts, import these from there.
import { classificationAtThreshold, regressionErrors, rocAuc } from '../stats/classification.js';
import { StatisticsInputError } from '../stats/index.js';
import type { DriftTestResult } from './types.js';

/** The feature name under which performance rows appear. */
export const MODEL_FEATURE = '__model__';

export type PerformanceTask = 'binary_classification' | 'regression';

export type ClassificationMetricName = 'auc' | 'precision' | 'recall' | 'accuracy';
export type RegressionMetricName = 'mae' | 'rmse';
/** The `test` of a performance row (not a {@link DriftTestName}: see {@link PerformanceTestResult}). */
export type PerformanceTestName = ClassificationMetricName | RegressionMetricName;

export type PerformanceStatus = 'ok' | 'degraded' | 'insufficient_data';

/**
 * Why a metric has no value although the window had enough labels:
 * - `single_class`: AUC with only one class among the labels;
 * - `no_predicted_positives`: precision when no score reached the threshold;
 * - `no_actual_positives`: recall when no label is positive.
 *
 * scikit-learn reports the last two as 0 (`zero_division=0`), and so does
 * {@link classificationAtThreshold}; here they carry no verdict, because a
 * window without positives says nothing about how the model finds them.
 */
export type UndefinedMetricReason =
  'single_class' | 'no_predicted_positives' | 'no_actual_positives';

export type PerformanceFloors = Partial<Record<PerformanceTestName, number>>;
export type PerformanceMetrics = Partial<Record<PerformanceTestName, number>>;

export interface EvaluatePerformanceInput {
  task: PerformanceTask;
  /** Decision threshold of the model version (classifiers only; ignored for regressors). */
  threshold: number;
  /**
   * Ground truth, row by row with `scores`: 0 or 1 for classifiers, the
   * actual value for regressors.
   */
  labels: ArrayLike<number>;
  /**
   * The model's output per row; null (or undefined) when the prediction had
   * no score: such rows are left out and counted in `unscoredRows`.
   */
  scores: ArrayLike<number | null | undefined>;
  /** Fewer labelled rows than this gives `insufficient_data` (an integer >= 1). */
  minLabels: number;
  /** Minimums for auc/precision/recall/accuracy, maximums for mae/rmse. */
  floors: PerformanceFloors;
}

/**
 * A {@link DriftTestResult} with a performance metric as its `test`, so that
 * storage and the API can keep one row shape. `feature` is
 * {@link MODEL_FEATURE}; `statistic` is the metric; `drifted` means the floor
 * was breached (`status: 'drift'`); `nCurrent` is the labelled rows,
 * `missingCurrent` the rows left out for a null score; `nReference` is 0 and
 * p-values and effect size are null. A metric without a value (too few
 * labels, or see {@link UndefinedMetricReason}) has `status:
 * 'insufficient_data'` and a null statistic.
 */
export interface PerformanceTestResult extends Omit<DriftTestResult, 'test'> {
  test: PerformanceTestName;
}

export interface PerformanceReport {
  /** `insufficient_data` below `minLabels`, `degraded` when any floor is breached. */
  status: PerformanceStatus;
  /** Rows with a label and a score: the rows every metric is computed on. */
  labelledRows: number;
  /** Rows left out because their score was null. */
  unscoredRows: number;
  /** Every metric that has a value (none with `insufficient_data`). */
  metrics: PerformanceMetrics;
  /** Metrics of the task that have no value despite enough labels, and why. */
  undefinedMetrics: Partial<Record<PerformanceTestName, UndefinedMetricReason>>;
  /** One line per breached floor, e.g. `auc 0.81 < floor 0.85`. */
  breaches: string[];
  /** One row per metric of the task, in the order of {@link PERFORMANCE_METRICS}. */
  results: PerformanceTestResult[];
}

/** The metrics of each task, in the order their rows appear. */
export const PERFORMANCE_METRICS = {
  binary_classification: ['auc', 'precision', 'recall', 'accuracy'],
  regression: ['mae', 'rmse'],
} as const satisfies Record<PerformanceTask, readonly PerformanceTestName[]>;

/** Thrown when the input cannot be evaluated (a bad label, score, floor, …). */
export class PerformanceInputError extends RangeError {
  /** Name of the offending argument, e.g. `labels` or `floors.auc`. */
  readonly argument: string;
  readonly index: number | undefined;
  readonly value: unknown;
  constructor(
    argument: string,
    message: string,
    index?: number,
    value?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PerformanceInputError';
    this.argument = argument;
    this.index = index;
    this.value = value;
  }
}

function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

const CLASSIFICATION_METRICS: ReadonlySet<PerformanceTestName> = new Set(
  PERFORMANCE_METRICS.binary_classification,
);

function validateFloors(task: PerformanceTask, floors: PerformanceFloors): void {
  const allowed: readonly PerformanceTestName[] = PERFORMANCE_METRICS[task];
  for (const [name, floor] of Object.entries(floors)) {
    if (floor === undefined) continue;
    const argument = `floors.${name}`;
    if (!(allowed as readonly string[]).includes(name)) {
      throw new PerformanceInputError(
        argument,
        `${argument} does not apply to task ${task}; its metrics are ${allowed.join(', ')}`,
        undefined,
        floor,
      );
    }
    const bounded = CLASSIFICATION_METRICS.has(name as PerformanceTestName);
    const ok =
      typeof floor === 'number' && Number.isFinite(floor) && floor >= 0 && (!bounded || floor <= 1);
    if (!ok) {
      throw new PerformanceInputError(
        argument,
        `${argument} is ${shown(floor)}; it must be a number in ${bounded ? '[0, 1]' : '[0, Infinity)'}`,
        undefined,
        floor,
      );
    }
  }
}

interface LabelledRows {
  labels: Float64Array;
  scores: Float64Array;
  unscored: number;
}

/** Drops rows without a score, checking every label and score on the way. */
function labelledRows(input: EvaluatePerformanceInput): LabelledRows {
  const { labels, scores, task } = input;
  const n = labels.length;
  if (scores.length !== n) {
    throw new PerformanceInputError(
      'scores',
      `scores has length ${scores.length} but labels has length ${n}; they must pair up row by row`,
    );
  }
  const outLabels = new Float64Array(n);
  const outScores = new Float64Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    const score = scores[i];
    const labelOk =
      task === 'binary_classification'
        ? label === 0 || label === 1
        : typeof label === 'number' && Number.isFinite(label);
    if (!labelOk) {
      throw new PerformanceInputError(
        'labels',
        `labels[${i}] is ${shown(label)}; expected ${task === 'binary_classification' ? '0 or 1' : 'a finite number'}`,
        i,
        label,
      );
    }
    if (score === null || score === undefined) continue;
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new PerformanceInputError(
        'scores',
        `scores[${i}] is ${shown(score)}; expected a finite number or null`,
        i,
        score,
      );
    }
    outLabels[kept] = label!;
    outScores[kept] = score;
    kept++;
  }
  return {
    labels: outLabels.subarray(0, kept),
    scores: outScores.subarray(0, kept),
    unscored: n - kept,
  };
}

/** Six significant digits, unless that would hide the difference from the floor. */
function formatValue(value: number, floor: number): string {
  const short = Number(value.toPrecision(6));
  return short === floor ? String(value) : String(short);
}

/**
 * Evaluates a labelled window against the version's floors.
 *
 * - Rows with a null score are left out (`unscoredRows`); the rest are the
 *   `labelledRows`.
 * - Fewer than `minLabels` labelled rows: `insufficient_data`, no metrics and
 *   no verdict (every row `insufficient_data`).
 * - Otherwise every metric of the task is computed. A metric breaches its
 *   floor when it is below it (classifiers) or above it (regressors); any
 *   breach makes the status `degraded`. A metric without a value (see
 *   {@link UndefinedMetricReason}: e.g. AUC when only one class is present)
 *   is listed in `undefinedMetrics` and cannot breach; the status then comes
 *   from the other metrics.
 *
 * Worked example: task binary_classification, threshold 0.5, labels
 * [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8], minLabels 4, floors { auc: 0.85 }
 * → auc 0.75, precision 1, recall 0.5, accuracy 0.75; breaches
 * ["auc 0.75 < floor 0.85"]; status degraded.
 *
 * @throws PerformanceInputError on a label that is not 0/1 (classifiers) or
 *   not finite (regressors), a score that is neither finite nor null, a
 *   length mismatch, a non-finite threshold (classifiers), a `minLabels`
 *   that is not an integer >= 1, or a floor that is out of range or belongs
 *   to the other task.
 */
export function evaluatePerformance(input: EvaluatePerformanceInput): PerformanceReport {
  const { task, threshold, minLabels, floors } = input;
  if (task !== 'binary_classification' && task !== 'regression') {
    throw new PerformanceInputError(
      'task',
      `task is ${shown(task)}; expected binary_classification or regression`,
      undefined,
      task,
    );
  }
  if (!Number.isInteger(minLabels) || minLabels < 1) {
    throw new PerformanceInputError(
      'minLabels',
      `minLabels is ${shown(minLabels)}; it must be an integer >= 1`,
      undefined,
      minLabels,
    );
  }
  if (task === 'binary_classification' && !Number.isFinite(threshold)) {
    throw new PerformanceInputError(
      'threshold',
      `threshold is ${shown(threshold)}; it must be a finite number`,
      undefined,
      threshold,
    );
  }
  validateFloors(task, floors);
  const rows = labelledRows(input);
  const n = rows.labels.length;
  const names: readonly PerformanceTestName[] = PERFORMANCE_METRICS[task];

  const base = {
    feature: MODEL_FEATURE,
    pValue: null,
    adjustedPValue: null,
    effectSize: null,
    nReference: 0,
    nCurrent: n,
    missingCurrent: rows.unscored,
  } as const;
  const noValue = (test: PerformanceTestName): PerformanceTestResult => ({
    ...base,
    test,
    status: 'insufficient_data',
    statistic: null,
    drifted: false,
  });

  if (n < minLabels) {
    return {
      status: 'insufficient_data',
      labelledRows: n,
      unscoredRows: rows.unscored,
      metrics: {},
      undefinedMetrics: {},
      breaches: [],
      results: names.map(noValue),
    };
  }

  const metrics: PerformanceMetrics = {};
  const undefinedMetrics: Partial<Record<PerformanceTestName, UndefinedMetricReason>> = {};
  try {
    if (task === 'binary_classification') {
      const auc = rocAuc(rows.labels, rows.scores);
      if (auc === null) undefinedMetrics.auc = 'single_class';
      else metrics.auc = auc;
      const at = classificationAtThreshold(rows.labels, rows.scores, threshold);
      if (at.truePositive + at.falsePositive === 0) {
        undefinedMetrics.precision = 'no_predicted_positives';
      } else {
        metrics.precision = at.precision;
      }
      if (at.truePositive + at.falseNegative === 0) {
        undefinedMetrics.recall = 'no_actual_positives';
      } else {
        metrics.recall = at.recall;
      }
      metrics.accuracy = at.accuracy;
    } else {
      const errors = regressionErrors(rows.labels, rows.scores);
      metrics.mae = errors.mae;
      metrics.rmse = errors.rmse;
    }
  } catch (error) {
    // Inputs were validated above; what is left is overflow of the errors.
    if (error instanceof StatisticsInputError) {
      throw new PerformanceInputError(error.argument, error.message, undefined, undefined, {
        cause: error,
      });
    }
    throw error;
  }

  const breaches: string[] = [];
  const results = names.map((test): PerformanceTestResult => {
    const value = metrics[test];
    if (value === undefined) return noValue(test);
    const floor = floors[test];
    const isMinimum = CLASSIFICATION_METRICS.has(test);
    const drifted = floor !== undefined && (isMinimum ? value < floor : value > floor);
    if (drifted) {
      breaches.push(`${test} ${formatValue(value, floor)} ${isMinimum ? '<' : '>'} floor ${floor}`);
    }
    return { ...base, test, status: drifted ? 'drift' : 'ok', statistic: value, drifted };
  });

  return {
    status: breaches.length > 0 ? 'degraded' : 'ok',
    labelledRows: n,
    unscoredRows: rows.unscored,
    metrics,
    undefinedMetrics,
    breaches,
    results,
  };
}
