/**
 * Label-free performance estimation of a binary classifier: Confidence-Based
 * Performance Estimation (CBPE, as NannyML defined it). Labels arrive late;
 * the scores arrive now. If the scores, once calibrated on the labelled
 * reference, are the probability that the label is 1, then the confusion
 * matrix a window will have once its labels arrive can be expected from the
 * scores alone:
 *
 *   pᵢ = calibrated probability of row i;  row i predicted positive when scoreᵢ ≥ threshold
 *   E[TP] = Σ_{pred +} pᵢ    E[FP] = Σ_{pred +} (1 − pᵢ)
 *   E[FN] = Σ_{pred −} pᵢ    E[TN] = Σ_{pred −} (1 − pᵢ)
 *
 * and accuracy, precision, recall and F1 follow from these expectations as
 * they would from counts. ROC AUC: rows sorted by score, each row adds pᵢ to
 * the expected true positives and 1 − pᵢ to the expected false positives;
 * the expected ROC curve is traced through the tie groups of the score and
 * its trapezoidal area is the estimate.
 *
 * Each estimate carries a sampling error: the standard deviation of the
 * realised metric over random chunks of the window's size drawn from the
 * labelled reference (see {@link estimatePerformance}). The band
 * estimate ± bandSigmas · samplingError is where the realised metric is
 * expected to lie if the model's P(label | score) has not changed.
 *
 * The estimate follows covariate shift (the mix of scores changes) and is
 * blind to concept shift (the same score now means a different chance of a
 * positive): docs/statistics.md, "Estimated performance (CBPE)".
 *
 * Pure: no clock, no I/O; randomness comes from the caller's seed.
 */
import { createRandom, sortFloat64InPlace } from '../stats/index.js';
import type { Calibration } from './calibration.js';
import { validateLabelledScores } from './calibration.js';
import { PerformanceInputError, type PerformanceFloors } from './performance.js';

/** The metrics CBPE estimates, in the order they are reported. */
export const ESTIMATED_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'] as const;
export type EstimatedMetricName = (typeof ESTIMATED_METRICS)[number];

/** Default width of the band, in sampling errors. */
export const DEFAULT_BAND_SIGMAS = 2;
/** Default number of reference chunks the sampling error is measured on. */
export const DEFAULT_SAMPLING_CHUNKS = 50;

/** One estimated metric; every field null when the metric is undefined for the window. */
export interface MetricEstimate {
  /** The expected metric from the calibrated probabilities. */
  estimate: number | null;
  /**
   * Standard deviation of the realised metric over reference chunks of the
   * window's size; null when fewer than two chunks had the metric defined
   * (e.g. a reference with one class) — then `lower`/`upper` are null too.
   */
  samplingError: number | null;
  /** estimate − bandSigmas · samplingError, clipped to [0, 1]. */
  lower: number | null;
  /** estimate + bandSigmas · samplingError, clipped to [0, 1]. */
  upper: number | null;
}

/** Expected confusion matrix: sums of calibrated probabilities (not integers). */
export interface ExpectedConfusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** How the sampling error was measured, for the record. */
export interface SamplingBasis {
  /** Reference chunks drawn. */
  chunks: number;
  /** Rows per chunk: the window's rows, or ⌊reference / 2⌋ when the window is larger. */
  chunkRows: number;
  /** Factor applied to the chunks' standard deviation: √(chunkRows / rows) (1 when chunkRows = rows). */
  scale: number;
}

export interface EstimatePerformanceInput {
  calibration: Calibration;
  /** The labelled reference the calibration was fitted on (row by row). */
  reference: { scores: ArrayLike<number>; labels: ArrayLike<number> };
  /** The window's scores; no labels needed. */
  scores: ArrayLike<number>;
  /** Decision threshold of the model version: predicted positive when score ≥ threshold. */
  threshold: number;
  /** Band half-width in sampling errors (finite, ≥ 0); default {@link DEFAULT_BAND_SIGMAS}. */
  bandSigmas?: number;
  /** Seed of the chunk sampling (an integer); equal seeds give equal bands. */
  seed: number;
  /** Reference chunks to draw (an integer ≥ 2); default {@link DEFAULT_SAMPLING_CHUNKS}. */
  chunks?: number;
}

export interface EstimatedPerformance {
  /** Window rows the estimate is over. */
  rows: number;
  threshold: number;
  bandSigmas: number;
  expectedConfusion: ExpectedConfusion;
  metrics: Record<EstimatedMetricName, MetricEstimate>;
  sampling: SamplingBasis;
}

type MetricValues = Record<EstimatedMetricName, number | null>;

/** The metrics of a (possibly fractional) confusion matrix; null where a ratio is 0/0. */
export function confusionMetrics(confusion: ExpectedConfusion): Omit<MetricValues, 'roc_auc'> {
  const { tp, fp, fn, tn } = confusion;
  const total = tp + fp + fn + tn;
  const f1Denominator = 2 * tp + fp + fn;
  return {
    accuracy: total > 0 ? (tp + tn) / total : null,
    precision: tp + fp > 0 ? tp / (tp + fp) : null,
    recall: tp + fn > 0 ? tp / (tp + fn) : null,
    f1: f1Denominator > 0 ? (2 * tp) / f1Denominator : null,
  };
}

function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

function finiteWindow(scores: ArrayLike<number>): Float64Array {
  const n = scores.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const score = scores[i];
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new PerformanceInputError(
        'scores',
        `scores[${i}] is ${shown(score)}; every score must be a finite number`,
        i,
        score,
      );
    }
    out[i] = score;
  }
  return out;
}

function validateCalibration(calibration: Calibration): void {
  const { x, y } = calibration.isotonic;
  const ok =
    Array.isArray(x) &&
    Array.isArray(y) &&
    x.length > 0 &&
    x.length === y.length &&
    x.every((v, i) => Number.isFinite(v) && (i === 0 || v > x[i - 1]!)) &&
    y.every((v, i) => v >= 0 && v <= 1 && (i === 0 || v >= y[i - 1]!));
  if (!ok) {
    throw new PerformanceInputError(
      'calibration.isotonic',
      'calibration.isotonic must hold equally long, non-empty x (strictly increasing) and y (non-decreasing in [0, 1]) arrays',
    );
  }
}

/**
 * Estimates accuracy, precision, recall, F1 and ROC AUC of the window from
 * its scores, with a sampling-error band each.
 *
 * Sampling error: `chunks` times, a chunk of the window's size n is drawn
 * without replacement from the R labelled reference rows and its realised
 * metric computed (a chunk where the metric is undefined is skipped). The
 * standard deviation of those values, times √((R − 1)/(R − m)) to undo the
 * finite-population shrinkage of drawing m of R rows without replacement, is
 * the spread the realised metric of n fresh rows would have. When n exceeds
 * R/2 the chunks would mostly overlap, so they are drawn at m = ⌊R/2⌋ and the
 * result is scaled by √(m/n) (a metric's standard deviation falls as
 * 1/√rows).
 *
 * Cost: one sort of the window (radix), one linear merge against the
 * calibration thresholds, and per chunk O(R) for the AUC walk; a million
 * window scores take well under a second.
 *
 * @throws PerformanceInputError on a malformed calibration or reference, a
 *   non-finite score or threshold, or a bad `bandSigmas`, `seed` or `chunks`.
 */
export function estimatePerformance(input: EstimatePerformanceInput): EstimatedPerformance {
  const { calibration, reference, threshold, seed } = input;
  const bandSigmas = input.bandSigmas ?? DEFAULT_BAND_SIGMAS;
  const chunks = input.chunks ?? DEFAULT_SAMPLING_CHUNKS;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new PerformanceInputError(
      'threshold',
      `threshold is ${shown(threshold)}; it must be a finite number`,
    );
  }
  if (typeof bandSigmas !== 'number' || !Number.isFinite(bandSigmas) || bandSigmas < 0) {
    throw new PerformanceInputError(
      'bandSigmas',
      `bandSigmas is ${shown(bandSigmas)}; it must be a finite number ≥ 0`,
    );
  }
  if (!Number.isInteger(seed)) {
    throw new PerformanceInputError('seed', `seed is ${shown(seed)}; it must be an integer`);
  }
  if (!Number.isInteger(chunks) || chunks < 2) {
    throw new PerformanceInputError(
      'chunks',
      `chunks is ${shown(chunks)}; it must be an integer ≥ 2`,
    );
  }
  validateCalibration(calibration);
  validateLabelledScores(reference.scores, reference.labels);

  const window = sortFloat64InPlace(finiteWindow(input.scores));
  const n = window.length;
  const { confusion, rocAuc } = expectedOutcomes(window, calibration, threshold);
  const estimates: MetricValues = { ...confusionMetrics(confusion), roc_auc: rocAuc };

  const { errors, basis } = samplingErrors(reference, n, threshold, chunks, seed);
  const metrics = {} as Record<EstimatedMetricName, MetricEstimate>;
  for (const name of ESTIMATED_METRICS) {
    const estimate = estimates[name];
    const error = estimate === null ? null : errors[name];
    metrics[name] = {
      estimate,
      samplingError: error,
      lower:
        estimate === null || error === null ? null : Math.max(0, estimate - bandSigmas * error),
      upper:
        estimate === null || error === null ? null : Math.min(1, estimate + bandSigmas * error),
    };
  }
  return { rows: n, threshold, bandSigmas, expectedConfusion: confusion, metrics, sampling: basis };
}

/**
 * Expected confusion matrix and expected ROC AUC of ascending-sorted window
 * scores. The calibration is monotone in the score, so walking the sorted
 * scores and the calibration thresholds together yields every pᵢ in one
 * merge, and rows of equal score (equal pᵢ) form one step of the ROC curve.
 *
 * AUC: with tie groups g in ascending score order, P_g = Σ pᵢ and
 * N_g = Σ (1 − pᵢ) over the group,
 *   AUC = Σ_g P_g · (Σ_{h<g} N_h + N_g / 2) / (ΣP · ΣN),
 * which is the trapezoidal area under the expected ROC curve traced from
 * the highest score down (the ½ is the diagonal step of a tie group).
 */
function expectedOutcomes(
  sorted: Float64Array,
  calibration: Calibration,
  threshold: number,
): { confusion: ExpectedConfusion; rocAuc: number | null } {
  const xs = calibration.isotonic.x;
  const ys = calibration.isotonic.y;
  const last = xs.length - 1;
  let t = 0; // xs[t] is the largest threshold ≤ the current score (or 0)
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let negativesBelow = 0;
  let area = 0;
  const n = sorted.length;
  for (let i = 0; i < n;) {
    const score = sorted[i]!;
    let end = i + 1;
    while (end < n && sorted[end] === score) end++;
    const count = end - i;
    while (t < last && xs[t + 1]! <= score) t++;
    let p: number;
    if (score <= xs[0]!) p = ys[0]!;
    else if (t === last) p = ys[last]!;
    else {
      const x0 = xs[t]!;
      p =
        score === x0 ? ys[t]! : ys[t]! + ((ys[t + 1]! - ys[t]!) * (score - x0)) / (xs[t + 1]! - x0);
    }
    const positives = count * p;
    const negatives = count * (1 - p);
    if (score >= threshold) {
      tp += positives;
      fp += negatives;
    } else {
      fn += positives;
      tn += negatives;
    }
    area += positives * (negativesBelow + negatives / 2);
    negativesBelow += negatives;
    i = end;
  }
  const totalPositive = tp + fn;
  const totalNegative = fp + tn;
  const rocAuc =
    totalPositive > 0 && totalNegative > 0 ? area / (totalPositive * totalNegative) : null;
  return { confusion: { tp, fp, fn, tn }, rocAuc };
}

/**
 * The labelled reference rearranged for fast chunk metrics: positives' scores
 * ascending at positions [0, P), negatives' ascending at [P, R). Rows of a
 * random chunk are exchangeable, so drawing positions of this arrangement is
 * drawing rows of the reference.
 */
interface ArrangedReference {
  scores: Float64Array;
  positives: number;
  /** First position among the positives whose score reaches the threshold. */
  positiveCut: number;
  /** Same among the negatives (absolute position). */
  negativeCut: number;
}

function arrange(
  reference: { scores: ArrayLike<number>; labels: ArrayLike<number> },
  threshold: number,
): ArrangedReference {
  const r = reference.scores.length;
  let positives = 0;
  for (let i = 0; i < r; i++) positives += reference.labels[i]!;
  const positive = new Float64Array(positives);
  const negative = new Float64Array(r - positives);
  for (let i = 0, p = 0, q = 0; i < r; i++) {
    if (reference.labels[i] === 1) positive[p++] = reference.scores[i]!;
    else negative[q++] = reference.scores[i]!;
  }
  sortFloat64InPlace(positive);
  sortFloat64InPlace(negative);
  const scores = new Float64Array(r);
  scores.set(positive, 0);
  scores.set(negative, positives);
  let positiveCut = 0;
  while (positiveCut < positives && positive[positiveCut]! < threshold) positiveCut++;
  let negativeCut = 0;
  while (negativeCut < negative.length && negative[negativeCut]! < threshold) negativeCut++;
  return { scores, positives, positiveCut, negativeCut: positives + negativeCut };
}

/** Realised ROC AUC of the chunk marked in `selected` (Mann–Whitney U with half credit for ties). */
function chunkRocAuc(ref: ArrangedReference, selected: Uint8Array): number | null {
  const { scores, positives } = ref;
  const r = scores.length;
  let i = 0;
  let below = positives; // walks the negatives
  let negativesBelow = 0;
  let positiveCount = 0;
  let u = 0;
  while (i < positives) {
    const value = scores[i]!;
    let groupSelected = 0;
    let end = i;
    while (end < positives && scores[end] === value) groupSelected += selected[end++]!;
    while (below < r && scores[below]! < value) negativesBelow += selected[below++]!;
    let tied = 0;
    while (below < r && scores[below] === value) tied += selected[below++]!;
    u += groupSelected * (negativesBelow + tied / 2);
    negativesBelow += tied;
    positiveCount += groupSelected;
    i = end;
  }
  while (below < r) negativesBelow += selected[below++]!;
  const negativeCount = negativesBelow;
  return positiveCount > 0 && negativeCount > 0 ? u / (positiveCount * negativeCount) : null;
}

function sampleStandardDeviation(values: readonly number[]): number | null {
  const k = values.length;
  if (k < 2) return null;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= k;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return Math.sqrt(squares / (k - 1));
}

function samplingErrors(
  reference: { scores: ArrayLike<number>; labels: ArrayLike<number> },
  rows: number,
  threshold: number,
  chunks: number,
  seed: number,
): { errors: MetricValues; basis: SamplingBasis } {
  const none: MetricValues = {
    accuracy: null,
    precision: null,
    recall: null,
    f1: null,
    roc_auc: null,
  };
  const r = reference.scores.length;
  const chunkRows = rows <= Math.floor(r / 2) ? rows : Math.floor(r / 2);
  if (rows === 0 || chunkRows < 1) {
    return { errors: none, basis: { chunks: 0, chunkRows: 0, scale: 1 } };
  }
  const scale = Math.sqrt(chunkRows / rows);
  // Undo the finite-population shrinkage of drawing chunkRows of r without replacement.
  const finitePopulation = Math.sqrt((r - 1) / (r - chunkRows));
  const ref = arrange(reference, threshold);
  const random = createRandom(seed);
  const permutation = new Uint32Array(r);
  for (let i = 0; i < r; i++) permutation[i] = i;
  const selected = new Uint8Array(r);
  const values: Record<EstimatedMetricName, number[]> = {
    accuracy: [],
    precision: [],
    recall: [],
    f1: [],
    roc_auc: [],
  };
  for (let c = 0; c < chunks; c++) {
    // Partial Fisher–Yates: the first chunkRows entries become a uniform
    // random subset (the permutation need not be reset between chunks).
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (let j = 0; j < chunkRows; j++) {
      const k = j + Math.floor(random.next() * (r - j));
      const position = permutation[k]!;
      permutation[k] = permutation[j]!;
      permutation[j] = position;
      selected[position] = 1;
      if (position < ref.positives) {
        if (position >= ref.positiveCut) tp++;
        else fn++;
      } else if (position >= ref.negativeCut) fp++;
      else tn++;
    }
    const realised: MetricValues = {
      ...confusionMetrics({ tp, fp, fn, tn }),
      roc_auc: chunkRocAuc(ref, selected),
    };
    for (const name of ESTIMATED_METRICS) {
      const value = realised[name];
      if (value !== null) values[name].push(value);
    }
    for (let j = 0; j < chunkRows; j++) selected[permutation[j]!] = 0;
  }
  const errors = { ...none };
  for (const name of ESTIMATED_METRICS) {
    const sd = sampleStandardDeviation(values[name]);
    errors[name] = sd === null ? null : sd * finitePopulation * scale;
  }
  return { errors, basis: { chunks, chunkRows, scale } };
}

// ------------------------------------------------------------------ decision

export type EstimatedPerformanceStatus = 'ok' | 'degraded' | 'insufficient_data';

/** Minimums per estimated metric (each in [0, 1]). */
export type EstimatedPerformanceFloors = Partial<Record<EstimatedMetricName, number>>;

export interface EstimatedPerformanceDecision {
  status: EstimatedPerformanceStatus;
  /** One line per breached floor, e.g. `roc_auc estimated 0.8 (band 0.78–0.82) < floor 0.85`. */
  breaches: string[];
  /** Metrics with a floor but no band (undefined estimate or sampling error): not judged. */
  unjudged: EstimatedMetricName[];
}

/**
 * The verdict on an estimate: `insufficient_data` when the window has fewer
 * than `minRows` rows; otherwise `degraded` when some metric's whole band
 * lies below its floor (upper < floor), `ok` if none does. A band that
 * reaches the floor is not a breach: the realised metric may still be above
 * it, and the estimate alone should not page anyone on a coin flip.
 *
 * @throws PerformanceInputError on a floor outside [0, 1] or a floor for an
 *   unknown metric, or a `minRows` that is not an integer ≥ 1.
 */
export function decideEstimatedPerformance(
  estimate: EstimatedPerformance,
  floors: EstimatedPerformanceFloors,
  minRows: number,
): EstimatedPerformanceDecision {
  if (!Number.isInteger(minRows) || minRows < 1) {
    throw new PerformanceInputError(
      'minRows',
      `minRows is ${shown(minRows)}; it must be an integer ≥ 1`,
    );
  }
  const known: readonly string[] = ESTIMATED_METRICS;
  for (const [name, floor] of Object.entries(floors)) {
    if (floor === undefined) continue;
    if (!known.includes(name)) {
      throw new PerformanceInputError(
        `floors.${name}`,
        `floors.${name}: not an estimated metric; they are ${known.join(', ')}`,
      );
    }
    if (typeof floor !== 'number' || !(floor >= 0 && floor <= 1)) {
      throw new PerformanceInputError(
        `floors.${name}`,
        `floors.${name} is ${shown(floor)}; it must be a number in [0, 1]`,
      );
    }
  }
  if (estimate.rows < minRows) return { status: 'insufficient_data', breaches: [], unjudged: [] };
  const breaches: string[] = [];
  const unjudged: EstimatedMetricName[] = [];
  for (const name of ESTIMATED_METRICS) {
    const floor = floors[name];
    if (floor === undefined) continue;
    const { estimate: value, lower, upper } = estimate.metrics[name];
    if (value === null || lower === null || upper === null) {
      unjudged.push(name);
      continue;
    }
    if (upper < floor) {
      breaches.push(
        `${name} estimated ${round(value)} (band ${round(lower)}–${round(upper)}) < floor ${floor}`,
      );
    }
  }
  return { status: breaches.length > 0 ? 'degraded' : 'ok', breaches, unjudged };
}

function round(value: number): string {
  return String(Math.round(value * 10000) / 10000);
}

/**
 * The floors of the labelled performance check, renamed for the estimate
 * (`auc` → `roc_auc`; precision, recall and accuracy keep their names;
 * regression floors have no estimate and are dropped).
 */
export function estimatedFloorsFromPerformance(
  floors: PerformanceFloors,
): EstimatedPerformanceFloors {
  const out: EstimatedPerformanceFloors = {};
  if (floors.auc !== undefined) out.roc_auc = floors.auc;
  if (floors.accuracy !== undefined) out.accuracy = floors.accuracy;
  if (floors.precision !== undefined) out.precision = floors.precision;
  if (floors.recall !== undefined) out.recall = floors.recall;
  return out;
}
