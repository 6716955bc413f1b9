/**
 * Model-quality metrics from labelled predictions: ROC AUC, precision, recall
 * and accuracy of a binary classifier, MAE and RMSE of a regressor. They match
 * scikit-learn (`roc_auc_score`, `precision_score` / `recall_score` with
 * `zero_division=0`, `accuracy_score`, `mean_absolute_error`,
 * `sqrt(mean_squared_error)`) to within 1e-12; test/fixtures/performance/
 * generate.py holds the golden values and the script that made them.
 *
 * Labels are numbers 0 (negative) or 1 (positive); scores are any finite
 * numbers (probabilities, logits, decision values): a higher score means
 * "more likely positive".
 */
import { sortFloat64InPlace } from './sort.js';
import { assertFiniteNumber, StatisticsInputError } from './validate.js';

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : `${typeof value} ${JSON.stringify(value)}`;
}

function assertSameLength(
  argument: string,
  values: ArrayLike<unknown>,
  other: string,
  expected: number,
): void {
  if (values.length !== expected) {
    throw new StatisticsInputError(
      argument,
      `${argument} has length ${values.length} but ${other} has length ${expected}; they must pair up row by row`,
    );
  }
}

function assertNotEmpty(argument: string, n: number): void {
  if (n === 0) throw new StatisticsInputError(argument, `${argument} must not be empty`);
}

function assertLabel(argument: string, index: number, value: unknown): asserts value is 0 | 1 {
  if (value !== 0 && value !== 1) {
    throw new StatisticsInputError(
      argument,
      `${argument}[${index}] is ${describe(value)}; every label must be 0 or 1`,
      index,
      value,
    );
  }
}

function assertFiniteElement(
  argument: string,
  index: number,
  value: unknown,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StatisticsInputError(
      argument,
      `${argument}[${index}] is ${describe(value)}; every value must be a finite number`,
      index,
      value,
    );
  }
}

/**
 * Area under the ROC curve of a binary classifier, computed as the
 * Mann–Whitney U statistic of the positives' scores against the negatives'
 * scores, normalised:
 *
 *   AUC = U / (n₊ · n₋),  U = Σ over positives p of (#{negatives q : s_q < s_p} + ½ · #{q : s_q = s_p})
 *
 * i.e. the probability that a random positive scores above a random negative,
 * ties counting one half. This equals the trapezoidal area under the ROC
 * curve that `sklearn.metrics.roc_auc_score` computes (a tie group is one
 * diagonal ROC segment, whose trapezoid gives exactly the half credit), and
 * the rank-sum form `U = R₊ − n₊(n₊ + 1)/2` with mid-ranks.
 *
 * Every term of U is a multiple of ½, so U is exact in float64 while
 * n₊ · n₋ < 2⁵²; the result is one correctly rounded division. O(n log n):
 * the two classes are sorted separately and walked once together.
 *
 * Worked example: labels [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] →
 * U = 1 (0.35 beats 0.1) + 2 (0.8 beats both) = 3, AUC = 3 / 4 = 0.75.
 *
 * Only one class present (all labels 0 or all 1): the AUC is undefined.
 * scikit-learn raises `ValueError`; this returns `null`, because a window
 * without positives is an expected outcome, not a programming error.
 *
 * References: Hanley JA, McNeil BJ (1982) The meaning and use of the area
 * under a ROC curve. Radiology 143:29–36. Fawcett T (2006) An introduction to
 * ROC analysis. Pattern Recognition Letters 27:861–874, §7.
 *
 * @throws StatisticsInputError on empty input, a length mismatch, a label
 *   other than 0 or 1, or a score that is NaN or ±Infinity (naming argument,
 *   index and value).
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const n = labels.length;
  assertSameLength('scores', scores, 'labels', n);
  assertNotEmpty('labels', n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    assertLabel('labels', i, label);
    assertFiniteElement('scores', i, scores[i]);
    positives += label;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;

  const positiveScores = new Float64Array(positives);
  const negativeScores = new Float64Array(negatives);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (labels[i] === 1) positiveScores[p++] = scores[i]!;
    else negativeScores[q++] = scores[i]!;
  }
  sortFloat64InPlace(positiveScores);
  sortFloat64InPlace(negativeScores);

  // Walk the tie groups of the positives in ascending order; `below` counts
  // the negatives strictly below the group, `tied` those equal to it.
  // Comparisons are numeric, so −0 and +0 form one tie group, as in numpy.
  let u = 0;
  let i = 0;
  let below = 0;
  while (i < positives) {
    const value = positiveScores[i]!;
    let groupEnd = i + 1;
    while (groupEnd < positives && positiveScores[groupEnd] === value) groupEnd++;
    while (below < negatives && negativeScores[below]! < value) below++;
    let tiedEnd = below;
    while (tiedEnd < negatives && negativeScores[tiedEnd] === value) tiedEnd++;
    u += (groupEnd - i) * (below + (tiedEnd - below) / 2);
    below = tiedEnd;
    i = groupEnd;
  }
  return u / (positives * negatives);
}

/** Confusion matrix and derived rates of a binary classifier at one threshold. */
export interface ThresholdClassification {
  truePositive: number;
  falsePositive: number;
  trueNegative: number;
  falseNegative: number;
  /** TP / (TP + FP); 0 when nothing is predicted positive (sklearn, zero_division=0). */
  precision: number;
  /** TP / (TP + FN); 0 when no label is positive (sklearn, zero_division=0). */
  recall: number;
  /** (TP + TN) / n. */
  accuracy: number;
}

/**
 * Precision, recall and accuracy of the decisions `score >= threshold`
 * (predicted positive when the score reaches the threshold; a score exactly
 * at the threshold is positive — note that `proba > 0.5`, as some training
 * scripts write it, treats that score as negative):
 *
 *   precision = TP / (TP + FP),  recall = TP / (TP + FN),  accuracy = (TP + TN) / n
 *
 * A 0/0 ratio is reported as 0, as scikit-learn's `precision_score` and
 * `recall_score` do with `zero_division=0` (their default "warn" also returns
 * 0, with a warning). The counts are returned too, so callers can tell a
 * zero-division 0 from a measured 0.
 *
 * Worked example: labels [1, 1, 0, 0], scores [0.9, 0.2, 0.6, 0.1],
 * threshold 0.5 → TP 1, FN 1, FP 1, TN 1; precision = recall = accuracy = 0.5.
 *
 * Reference: scikit-learn User Guide §3.3.2.9 "Precision, recall and
 * F-measures"; Powers DMW (2011) Evaluation: from precision, recall and
 * F-measure to ROC, informedness, markedness and correlation. JMLT 2(1):37–63.
 *
 * @throws StatisticsInputError on empty input, a length mismatch, a label
 *   other than 0 or 1, a non-finite score or a non-finite threshold.
 */
export function classificationAtThreshold(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
): ThresholdClassification {
  assertFiniteNumber('threshold', threshold);
  const n = labels.length;
  assertSameLength('scores', scores, 'labels', n);
  assertNotEmpty('labels', n);
  let truePositive = 0;
  let falsePositive = 0;
  let trueNegative = 0;
  let falseNegative = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    const score = scores[i];
    assertLabel('labels', i, label);
    assertFiniteElement('scores', i, score);
    if (score >= threshold) {
      if (label === 1) truePositive++;
      else falsePositive++;
    } else if (label === 1) {
      falseNegative++;
    } else {
      trueNegative++;
    }
  }
  const predictedPositive = truePositive + falsePositive;
  const actualPositive = truePositive + falseNegative;
  return {
    truePositive,
    falsePositive,
    trueNegative,
    falseNegative,
    precision: predictedPositive === 0 ? 0 : truePositive / predictedPositive,
    recall: actualPositive === 0 ? 0 : truePositive / actualPositive,
    accuracy: (truePositive + trueNegative) / n,
  };
}

/** Error summary of a regressor. */
export interface RegressionErrors {
  /** Mean absolute error, in the unit of the target. */
  mae: number;
  /** Root mean squared error, in the unit of the target. */
  rmse: number;
}

/**
 * Mean absolute error and root mean squared error of predictions against
 * actual values:
 *
 *   MAE = (1/n) Σ |yᵢ − ŷᵢ|,  RMSE = √((1/n) Σ (yᵢ − ŷᵢ)²)
 *
 * As `sklearn.metrics.mean_absolute_error` and
 * `sqrt(sklearn.metrics.mean_squared_error)`. The sums are compensated
 * (Neumaier) so a long window loses no more precision than numpy's pairwise
 * summation does.
 *
 * Worked example: actual [1, 2, 3], predicted [2, 2, 1] → errors 1, 0, 2;
 * MAE = 1, RMSE = √(5/3) ≈ 1.29099.
 *
 * Reference: Hyndman RJ, Koehler AB (2006) Another look at measures of
 * forecast accuracy. International Journal of Forecasting 22:679–688.
 *
 * @throws StatisticsInputError on empty input, a length mismatch, or a value
 *   that is NaN or ±Infinity.
 */
export function regressionErrors(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): RegressionErrors {
  const n = actual.length;
  assertSameLength('predicted', predicted, 'actual', n);
  assertNotEmpty('actual', n);
  let absSum = 0;
  let absCompensation = 0;
  let squareSum = 0;
  let squareCompensation = 0;
  for (let i = 0; i < n; i++) {
    const y = actual[i];
    const yHat = predicted[i];
    assertFiniteElement('actual', i, y);
    assertFiniteElement('predicted', i, yHat);
    const error = Math.abs(y - yHat);
    const square = error * error;
    let t = absSum + error;
    absCompensation += Math.abs(absSum) >= error ? absSum - t + error : error - t + absSum;
    absSum = t;
    t = squareSum + square;
    squareCompensation +=
      Math.abs(squareSum) >= square ? squareSum - t + square : square - t + squareSum;
    squareSum = t;
  }
  if (!Number.isFinite(absSum) || !Number.isFinite(squareSum)) {
    throw new StatisticsInputError(
      'predicted',
      'the errors overflow float64; actual and predicted are too far apart to summarise',
    );
  }
  return {
    mae: (absSum + absCompensation) / n,
    rmse: Math.sqrt((squareSum + squareCompensation) / n),
  };
}
