/**
 * Increasing isotonic regression: the non-decreasing step function of x
 * closest to y in weighted least squares, interpolated linearly between its
 * points. It matches scikit-learn's
 * `IsotonicRegression(increasing=True, out_of_bounds="clip")` (1.2) to within
 * rounding; test/fixtures/isotonic/generate.py holds the golden values.
 *
 * What scikit-learn does, and so what this does, in order:
 * 1. rows with weight 0 are dropped; the rest are sorted by x (then y);
 * 2. points whose x lies within float64 resolution (1e-15, absolute) of the
 *    first x of the current group are merged into one point at that first x,
 *    with the summed weight and the weighted mean of y (`_make_unique`);
 * 3. pool-adjacent-violators (PAVA) replaces every decreasing run by its
 *    weighted mean until the sequence is non-decreasing; equal neighbours are
 *    pooled as well;
 * 4. interior points whose fitted y equals both neighbours' are dropped
 *    (they lie on a flat segment and change no prediction); what remains are
 *    the thresholds (`X_thresholds_`, `y_thresholds_`);
 * 5. a prediction clips the input to [min x, max x] and interpolates
 *    linearly between the thresholds (a single threshold predicts its y
 *    everywhere).
 *
 * Used to turn a classifier's scores into calibrated probabilities (fit the
 * 0/1 label on the score): see src/drift/calibration.ts.
 *
 * References: Barlow RE, Bartholomew DJ, Bremner JM, Brunk HD (1972)
 * Statistical Inference under Order Restrictions. Wiley. Zadrozny B, Elkan C
 * (2002) Transforming classifier scores into accurate multiclass probability
 * estimates. KDD '02, 694–699.
 */
import { StatisticsInputError, assertFiniteNumber } from './validate.js';

/** The thresholds of a fitted isotonic regression, x strictly increasing. */
export interface IsotonicFit {
  x: Float64Array;
  y: Float64Array;
}

/** The `resolution` of float64 in numpy, which scikit-learn merges x values within. */
const X_RESOLUTION = 1e-15;

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : `${typeof value} ${JSON.stringify(value)}`;
}

function checkFinite(argument: string, values: ArrayLike<number>, n: number): void {
  if (values.length !== n) {
    throw new StatisticsInputError(
      argument,
      `${argument} has length ${values.length} but x has length ${n}; they must pair up row by row`,
    );
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StatisticsInputError(
        argument,
        `${argument}[${i}] is ${describe(v)}; every value must be a finite number`,
        i,
        v,
      );
    }
  }
}

/**
 * Fits an increasing isotonic regression of `y` on `x` with optional
 * non-negative `weights` (default 1 each). Returns the thresholds, which
 * {@link predictIsotonic} interpolates.
 *
 * Worked example: x [1, 2, 3], y [1, 3, 2] → the violating pair (3, 2) is
 * pooled to 2.5; thresholds x [1, 2, 3], y [1, 2.5, 2.5].
 *
 * @throws StatisticsInputError on empty input, a length mismatch, a
 *   non-finite value, a negative weight, or weights that are all zero.
 */
export function fitIsotonic(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  weights?: ArrayLike<number>,
): IsotonicFit {
  const n = x.length;
  if (n === 0) throw new StatisticsInputError('x', 'x must not be empty');
  checkFinite('x', x, n);
  checkFinite('y', y, n);
  if (weights !== undefined) {
    checkFinite('weights', weights, n);
    for (let i = 0; i < n; i++) {
      if (weights[i]! < 0) {
        throw new StatisticsInputError(
          'weights',
          `weights[${i}] is ${weights[i]}; weights must not be negative`,
          i,
          weights[i],
        );
      }
    }
  }

  // 1. Keep rows of positive weight, ordered by x then y (numpy's lexsort).
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (weights === undefined || weights[i]! > 0) kept.push(i);
  if (kept.length === 0) {
    throw new StatisticsInputError('weights', 'every weight is 0; there is nothing to fit');
  }
  const order = Uint32Array.from(kept);
  order.sort((a, b) => x[a]! - x[b]! || y[a]! - y[b]!);

  // 2. Merge x values closer than float64 resolution (scikit-learn's _make_unique).
  const m = order.length;
  const ux = new Float64Array(m);
  const uy = new Float64Array(m);
  const uw = new Float64Array(m);
  let groups = 0;
  let currentX = x[order[0]!]!;
  let sumW = 0;
  let sumWy = 0;
  for (let j = 0; j < m; j++) {
    const row = order[j]!;
    const w = weights === undefined ? 1 : weights[row]!;
    if (x[row]! - currentX >= X_RESOLUTION) {
      ux[groups] = currentX;
      uw[groups] = sumW;
      uy[groups] = sumWy / sumW;
      groups++;
      currentX = x[row]!;
      sumW = 0;
      sumWy = 0;
    }
    sumW += w;
    sumWy += y[row]! * w;
  }
  ux[groups] = currentX;
  uw[groups] = sumW;
  uy[groups] = sumWy / sumW;
  groups++;

  const fitted = poolAdjacentViolators(uy.subarray(0, groups), uw.subarray(0, groups));

  // 4. Drop interior points on flat stretches: they change no prediction.
  const keep: number[] = [];
  for (let i = 0; i < groups; i++) {
    const interior = i > 0 && i < groups - 1;
    if (!interior || fitted[i] !== fitted[i - 1] || fitted[i] !== fitted[i + 1]) keep.push(i);
  }
  const outX = new Float64Array(keep.length);
  const outY = new Float64Array(keep.length);
  keep.forEach((i, k) => {
    outX[k] = ux[i]!;
    outY[k] = fitted[i]!;
  });
  return { x: outX, y: outY };
}

/**
 * Pool-adjacent-violators in one pass with backtracking, O(n): `target[i]`
 * points from the first index of a pooled block to its last and back, so a
 * block is skipped in one step. Pools equal neighbours too (scikit-learn's
 * `_inplace_contiguous_isotonic_regression` does, and its trimming of flat
 * points depends on the pooled values being exactly equal).
 */
function poolAdjacentViolators(values: Float64Array, weights: Float64Array): Float64Array {
  const n = values.length;
  const y = Float64Array.from(values);
  const w = Float64Array.from(weights);
  const target = new Int32Array(n);
  for (let i = 0; i < n; i++) target[i] = i;
  let i = 0;
  while (i < n) {
    let k = target[i]! + 1;
    if (k === n) break;
    if (y[i]! < y[k]!) {
      i = k;
      continue;
    }
    let sumWy = w[i]! * y[i]!;
    let sumW = w[i]!;
    for (;;) {
      const previous = y[k]!;
      sumWy += w[k]! * y[k]!;
      sumW += w[k]!;
      k = target[k]! + 1;
      if (k === n || previous < y[k]!) {
        y[i] = sumWy / sumW;
        w[i] = sumW;
        target[i] = k - 1;
        target[k - 1] = i;
        if (i > 0) i = target[i - 1]!;
        break;
      }
    }
  }
  for (let start = 0; start < n;) {
    const end = target[start]! + 1;
    y.fill(y[start]!, start + 1, end);
    start = end;
  }
  return y;
}

/**
 * The fitted value at `value`: clipped to the fitted x range, then linearly
 * interpolated between the two thresholds around it. O(log n) by binary
 * search.
 *
 * @throws StatisticsInputError when `value` is not finite.
 */
export function predictIsotonic(fit: IsotonicFit, value: number): number {
  assertFiniteNumber('value', value);
  return interpolateIsotonic(fit.x, fit.y, value);
}

/**
 * {@link predictIsotonic} without input checks, on any array-like
 * thresholds (callers that predict a million values validate once).
 */
export function interpolateIsotonic(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  value: number,
): number {
  const last = xs.length - 1;
  if (value <= xs[0]!) return ys[0]!;
  if (value >= xs[last]!) return ys[last]!;
  // Invariant: xs[lo] < value < xs[hi] or value equals xs[lo].
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= value) lo = mid;
    else hi = mid;
  }
  const x0 = xs[lo]!;
  const y0 = ys[lo]!;
  if (value === x0) return y0;
  const y1 = ys[hi]!;
  return y0 + ((y1 - y0) * (value - x0)) / (xs[hi]! - x0);
}
