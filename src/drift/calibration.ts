/**
 * Calibration of a binary classifier's scores on its labelled reference: the
 * map from score to probability that label-free performance estimation
 * (src/drift/estimatedPerformance.ts) rests on, and a report of how far the
 * raw scores already were from probabilities.
 *
 * - The map is an increasing isotonic regression of the 0/1 label on the
 *   score (scikit-learn's `IsotonicRegression(out_of_bounds="clip")`), kept as
 *   its thresholds in plain number arrays so the whole object survives
 *   `JSON.stringify` and can be stored with the reference profile.
 * - The report is a reliability table over equal-width score bins on [0, 1]
 *   (scikit-learn's `calibration_curve(strategy="uniform")`, plus the count
 *   of each bin) and the expected calibration error. It exists only when
 *   every score lies in [0, 1]: for logits or margins "mean score versus
 *   observed rate" compares different units.
 *
 * Pure: no clock, no randomness, no I/O.
 */
import type { Calibration, ReliabilityBin } from '../core/calibration.js';
import { fitIsotonic, interpolateIsotonic } from '../stats/index.js';
import { PerformanceInputError } from './performance.js';

// The shapes live in core: storage keeps a calibration with the reference
// profile, and storage may not import drift.
export type { Calibration, ReliabilityBin };

export interface BuildCalibrationOptions {
  /** Equal-width bins of the reliability table (an integer ≥ 1); default 10. */
  bins?: number;
}

/** Default number of reliability bins, as scikit-learn's `calibration_curve`. */
export const DEFAULT_RELIABILITY_BINS = 10;

/** A value as an error message shows it. */
export function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

/** Throws, naming the row, unless `score` is a finite number. */
export function checkScore(score: unknown, i: number): asserts score is number {
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    throw new PerformanceInputError(
      'scores',
      `scores[${i}] is ${shown(score)}; every score must be a finite number`,
      i,
      score,
    );
  }
}

/** Checks a labelled reference: equal lengths, finite scores, 0/1 labels, not empty. */
export function validateLabelledScores(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  const n = scores.length;
  if (labels.length !== n) {
    throw new PerformanceInputError(
      'labels',
      `labels has length ${labels.length} but scores has length ${n}; they must pair up row by row`,
    );
  }
  if (n === 0) throw new PerformanceInputError('scores', 'scores must not be empty');
  for (let i = 0; i < n; i++) {
    checkScore(scores[i], i);
    const label = labels[i];
    if (label !== 0 && label !== 1) {
      throw new PerformanceInputError(
        'labels',
        `labels[${i}] is ${shown(label)}; every label must be 0 or 1`,
        i,
        label,
      );
    }
  }
}

/**
 * Fits the calibration on a labelled reference (`labels[i]` is the outcome
 * of the prediction scored `scores[i]`).
 *
 * @throws PerformanceInputError on empty input, a length mismatch, a
 *   non-finite score, a label other than 0 or 1, or a bad `bins`.
 */
export function buildCalibration(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: BuildCalibrationOptions = {},
): Calibration {
  const bins = options.bins ?? DEFAULT_RELIABILITY_BINS;
  if (!Number.isInteger(bins) || bins < 1) {
    throw new PerformanceInputError(
      'bins',
      `bins is ${shown(bins)}; it must be an integer ≥ 1`,
      undefined,
      bins,
    );
  }
  validateLabelledScores(scores, labels);
  const n = scores.length;
  let positives = 0;
  let inUnitInterval = true;
  for (let i = 0; i < n; i++) {
    positives += labels[i]!;
    if (!(scores[i]! >= 0 && scores[i]! <= 1)) inUnitInterval = false;
  }
  const fit = fitIsotonic(scores, labels);
  const reliability = inUnitInterval ? reliabilityTable(scores, labels, bins) : null;
  return {
    isotonic: { x: Array.from(fit.x), y: Array.from(fit.y) },
    reliability,
    expectedCalibrationError: reliability === null ? null : calibrationError(reliability, n),
    rows: n,
    positives,
  };
}

/**
 * The interior edges numpy's `linspace(0, 1, bins + 1)` produces: `i · (1 /
 * bins)`, which is not always the nearest double to i/bins (3 · 0.1 is
 * 0.30000000000000004); scores exactly at such values must land in the same
 * bin as in scikit-learn.
 */
function binEdges(bins: number): Float64Array {
  const step = 1 / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step;
  edges[bins] = 1;
  return edges;
}

function reliabilityTable(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins: number,
): ReliabilityBin[] {
  const edges = binEdges(bins);
  const counts = new Float64Array(bins);
  const scoreSums = new Float64Array(bins);
  const positiveSums = new Float64Array(bins);
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    // Number of interior edges strictly below the score (searchsorted, side="left").
    let lo = 0;
    let hi = bins - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid + 1]! < score) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
    scoreSums[lo]! += score;
    positiveSums[lo]! += labels[i]!;
  }
  const table: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const count = counts[b]!;
    table.push({
      lower: edges[b]!,
      upper: edges[b + 1]!,
      count,
      meanScore: count === 0 ? null : scoreSums[b]! / count,
      observedRate: count === 0 ? null : positiveSums[b]! / count,
    });
  }
  return table;
}

function calibrationError(table: readonly ReliabilityBin[], rows: number): number {
  let sum = 0;
  for (const bin of table) {
    if (bin.count === 0) continue;
    sum += bin.count * Math.abs(bin.observedRate! - bin.meanScore!);
  }
  return sum / rows;
}

/**
 * The calibrated probability of a score: the isotonic fit at the score,
 * clipped to the reference's score range. O(log thresholds).
 *
 * @throws PerformanceInputError when `score` is not finite.
 */
export function calibratedProbability(calibration: Calibration, score: number): number {
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    throw new PerformanceInputError(
      'score',
      `score is ${shown(score)}; it must be a finite number`,
      undefined,
      score,
    );
  }
  return interpolateIsotonic(calibration.isotonic.x, calibration.isotonic.y, score);
}
