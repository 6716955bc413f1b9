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
import { checkScore, shown, validateLabelledScores } from './calibration.js';
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

/** A labelled reference, row by row. */
export interface LabelledReference {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
}

/**
 * A calibration and its labelled reference, validated and arranged once
 * ({@link prepareEstimateReference}) so that one run's estimates — the whole
 * window and every segment — do not re-check and re-sort R rows each.
 * Opaque: build it with prepareEstimateReference only.
 */
export interface PreparedEstimateReference {
  readonly prepared: true;
  readonly calibration: Calibration;
  /** The reference rearranged: positives' scores ascending, then negatives'. */
  readonly arranged: Float64Array;
  readonly positives: number;
  /**
   * Per-chunk standard deviations already measured in this run, by
   * threshold, chunk rows, chunks and seed: segments of equal size draw the
   * same chunks, so their sampling errors are computed once.
   */
  readonly spreads: Map<string, MetricValues>;
}

export interface EstimatePerformanceInput {
  calibration: Calibration;
  /**
   * The labelled reference the calibration was fitted on (row by row), or
   * both prepared by {@link prepareEstimateReference} with this calibration.
   */
  reference: LabelledReference | PreparedEstimateReference;
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

export type MetricValues = Record<EstimatedMetricName, number | null>;

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

function finiteWindow(scores: ArrayLike<number>): Float64Array {
  const n = scores.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const score = scores[i];
    checkScore(score, i);
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
 * Validates the calibration and the labelled reference and arranges the
 * reference for chunk sampling, once; pass the result as `reference` to
 * every {@link estimatePerformance} of the run.
 *
 * @throws PerformanceInputError on a malformed calibration or reference.
 */
export function prepareEstimateReference(
  calibration: Calibration,
  reference: LabelledReference,
): PreparedEstimateReference {
  validateCalibration(calibration);
  validateLabelledScores(reference.scores, reference.labels);
  const { arranged, positives } = arrange(reference);
  return { prepared: true, calibration, arranged, positives, spreads: new Map() };
}

function isPrepared(
  reference: LabelledReference | PreparedEstimateReference,
): reference is PreparedEstimateReference {
  return (reference as Partial<PreparedEstimateReference>).prepared === true;
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
 * calibration thresholds, and per chunk of m rows O(min(m log m, R)) for the
 * chunk's AUC; plus O(R log R) to prepare the reference unless a prepared
 * one is passed. A million window scores take well under a second.
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
  let prepared: PreparedEstimateReference;
  if (isPrepared(reference)) {
    if (reference.calibration !== calibration) {
      throw new PerformanceInputError(
        'reference',
        'reference was prepared with another calibration than the one given',
      );
    }
    prepared = reference;
  } else {
    prepared = prepareEstimateReference(calibration, reference);
  }

  const window = sortFloat64InPlace(finiteWindow(input.scores));
  const n = window.length;
  const { confusion, rocAuc } = expectedOutcomes(window, calibration, threshold);
  const estimates: MetricValues = { ...confusionMetrics(confusion), roc_auc: rocAuc };

  const { errors, basis } = samplingErrors(prepared, n, threshold, chunks, seed);
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
 * drawing rows of the reference; and positions in ascending order are each
 * class's scores in ascending order.
 */
function arrange(reference: LabelledReference): { arranged: Float64Array; positives: number } {
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
  const arranged = new Float64Array(r);
  arranged.set(positive, 0);
  arranged.set(negative, positives);
  return { arranged, positives };
}

/** First position in [from, to) of ascending `sorted` whose value is ≥ threshold. */
function firstAtLeast(sorted: Float64Array, from: number, to: number, threshold: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < threshold) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;

/**
 * Sorts a chunk's positions (integers in [0, limit)) ascending: least
 * significant digit first, 11 bits a pass — two passes up to 4M reference
 * rows. The built-in typed-array sort compares, at ~50 ns a position for
 * 10⁴–10⁵ of them; this is linear. Tiny chunks use the built-in sort.
 */
function sortPositions(
  positions: Uint32Array,
  scratch: Uint32Array,
  counts: Uint32Array,
  limit: number,
): void {
  const m = positions.length;
  if (m <= 256) {
    positions.sort();
    return;
  }
  let from = positions;
  let to = scratch;
  for (
    let shift = 0;
    shift < 32 && (shift === 0 || (limit - 1) >>> shift > 0);
    shift += RADIX_BITS
  ) {
    counts.fill(0);
    for (let i = 0; i < m; i++) counts[(from[i]! >>> shift) & (RADIX - 1)]!++;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < m; i++) {
      const v = from[i]!;
      to[counts[(v >>> shift) & (RADIX - 1)]!++] = v;
    }
    const swap = from;
    from = to;
    to = swap;
  }
  if (from !== positions) positions.set(from);
}

/**
 * Realised ROC AUC (Mann–Whitney U with half credit for ties) of the chunk
 * marked in `selected`, walking all R positions: the cheaper way when the
 * chunk is a large share of the reference.
 */
function chunkRocAucByWalk(
  scores: Float64Array,
  positives: number,
  selected: Uint8Array,
): number | null {
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

/**
 * The same U from the chunk's m positions sorted ascending (positives
 * first, each class by score): O(m) after the O(m log m) sort. U is a sum of
 * halves of integers far below 2⁵³, so either walk gives the very same
 * double: tie groups with no selected positive add exactly 0 in the walk
 * over R.
 */
function chunkRocAucFromPositions(
  scores: Float64Array,
  positives: number,
  sortedPositions: Uint32Array,
): number | null {
  const m = sortedPositions.length;
  let k = 0; // selected positives are sortedPositions[0, k)
  while (k < m && sortedPositions[k]! < positives) k++;
  let i = 0;
  let below = k;
  let negativesBelow = 0;
  let u = 0;
  while (i < k) {
    const value = scores[sortedPositions[i]!]!;
    let end = i + 1;
    while (end < k && scores[sortedPositions[end]!] === value) end++;
    while (below < m && scores[sortedPositions[below]!]! < value) {
      negativesBelow++;
      below++;
    }
    let tied = 0;
    while (below < m && scores[sortedPositions[below]!] === value) {
      tied++;
      below++;
    }
    u += (end - i) * (negativesBelow + tied / 2);
    negativesBelow += tied;
    i = end;
  }
  const positiveCount = k;
  const negativeCount = m - k;
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
  ref: PreparedEstimateReference,
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
  const r = ref.arranged.length;
  const chunkRows = rows <= Math.floor(r / 2) ? rows : Math.floor(r / 2);
  if (rows === 0 || chunkRows < 1) {
    return { errors: none, basis: { chunks: 0, chunkRows: 0, scale: 1 } };
  }
  const scale = Math.sqrt(chunkRows / rows);
  // Undo the finite-population shrinkage of drawing chunkRows of r without replacement.
  const finitePopulation = Math.sqrt((r - 1) / (r - chunkRows));
  const key = `${threshold} ${chunkRows} ${chunks} ${seed}`;
  let spreads = ref.spreads.get(key);
  if (spreads === undefined) {
    spreads = chunkSpreads(ref, chunkRows, threshold, chunks, seed);
    ref.spreads.set(key, spreads);
  }
  const errors = { ...none };
  for (const name of ESTIMATED_METRICS) {
    const sd = spreads[name];
    errors[name] = sd === null ? null : sd * finitePopulation * scale;
  }
  return { errors, basis: { chunks, chunkRows, scale } };
}

/**
 * Standard deviation of each realised metric over `chunks` random chunks
 * of `chunkRows` reference rows (null where fewer than two chunks had it).
 */
function chunkSpreads(
  ref: PreparedEstimateReference,
  chunkRows: number,
  threshold: number,
  chunks: number,
  seed: number,
): MetricValues {
  const { arranged, positives } = ref;
  const r = arranged.length;
  const positiveCut = firstAtLeast(arranged, 0, positives, threshold);
  const negativeCut = firstAtLeast(arranged, positives, r, threshold);
  // Sorting the chunk's m positions (linear, a few passes) and walking them
  // costs a few times m; walking all R positions costs R.
  const bySort = 4 * chunkRows < r;
  const random = createRandom(seed);
  const permutation = new Uint32Array(r);
  for (let i = 0; i < r; i++) permutation[i] = i;
  const selected = bySort ? null : new Uint8Array(r);
  const positions = bySort ? new Uint32Array(chunkRows) : null;
  const scratch = bySort ? new Uint32Array(chunkRows) : null;
  const counts = new Uint32Array(RADIX);
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
      if (selected) selected[position] = 1;
      if (position < positives) {
        if (position >= positiveCut) tp++;
        else fn++;
      } else if (position >= negativeCut) fp++;
      else tn++;
    }
    let rocAuc: number | null;
    if (positions) {
      positions.set(permutation.subarray(0, chunkRows));
      sortPositions(positions, scratch!, counts, r);
      rocAuc = chunkRocAucFromPositions(arranged, positives, positions);
    } else {
      rocAuc = chunkRocAucByWalk(arranged, positives, selected!);
      for (let j = 0; j < chunkRows; j++) selected![permutation[j]!] = 0;
    }
    const realised: MetricValues = { ...confusionMetrics({ tp, fp, fn, tn }), roc_auc: rocAuc };
    for (const name of ESTIMATED_METRICS) {
      const value = realised[name];
      if (value !== null) values[name].push(value);
    }
  }
  const spreads = {} as MetricValues;
  for (const name of ESTIMATED_METRICS) spreads[name] = sampleStandardDeviation(values[name]);
  return spreads;
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
