/**
 * Serving parity: do the scores the serving pod logged equal the scores the
 * registered ONNX artifact gives for the same logged features?
 *
 * A row mismatches when `|logged − recomputed| > atol + rtol·|recomputed|`
 * (numpy.isclose's test, with the recomputed score as the reference).
 *
 * Why the defaults (atol 1e-5, rtol 1e-4) and not exact equality: the
 * artifact computes in float32, whose unit roundoff is 2⁻²⁴ ≈ 6e-8, and the
 * serving side may legitimately differ in the last bits — another runtime
 * (sklearn in float64, onnxruntime with other threads or SIMD kernels) sums
 * the same terms in another order, and a sum of k terms carries error up to
 * about k·2⁻²⁴ relative (a tree ensemble of hundreds of trees or a wide
 * linear layer reaches 1e-6–1e-5), and scores are often logged with 6–7
 * significant digits. rtol 1e-4 (840–1 700 float32 ulps) absorbs all that,
 * while the faults parity exists to catch — a stale model, features in the
 * wrong order, other preprocessing — move scores by 1e-3 and more. atol
 * covers scores near 0 (a saturated sigmoid), where a relative bound alone
 * would demand more digits than float32 has.
 */

export interface ParityTolerance {
  /** Absolute tolerance. */
  atol: number;
  /** Tolerance relative to |recomputed|. */
  rtol: number;
}

export const DEFAULT_PARITY_TOLERANCE: Readonly<ParityTolerance> = Object.freeze({
  atol: 1e-5,
  rtol: 1e-4,
});

export const DEFAULT_WORST_ROWS = 10;

export interface CompareScoresInput {
  /** Request id of every input row. */
  requestIds: ArrayLike<string>;
  /** Logged score of every input row; `null` when the pod logged none. */
  logged: ArrayLike<number | null>;
  /**
   * Recomputed scores. Without `rowIndex`, aligned with `logged`; with it,
   * `recomputed[i]` is the score of input row `rowIndex[i]` (the scorable
   * rows, as the input assembler returns them).
   */
  recomputed: ArrayLike<number>;
  rowIndex?: ArrayLike<number> | undefined;
  atol?: number | undefined;
  rtol?: number | undefined;
  /** How many of the largest differences to report (default {@link DEFAULT_WORST_ROWS}). */
  worst?: number | undefined;
}

export interface ParityRow {
  requestId: string;
  /** Index of the row in the input rows. */
  row: number;
  logged: number;
  recomputed: number;
  absDiff: number;
  mismatch: boolean;
}

export interface ParityComparison {
  /** Recomputed rows that had a logged score. */
  rowsChecked: number;
  /** Recomputed rows without a logged score (not checked). */
  unlogged: number;
  mismatches: number;
  /** mismatches / rowsChecked; null when no row was checked. */
  mismatchRatio: number | null;
  maxAbsDiff: number | null;
  /** 99th percentile of |logged − recomputed|, numpy.percentile's default (linear) method. */
  p99AbsDiff: number | null;
  /** The rows with the largest differences, largest first (ties: input order). */
  worst: ParityRow[];
  /** Input-row indices of the mismatching rows, ascending: the rows to diagnose. */
  mismatchIndices: number[];
  atol: number;
  rtol: number;
}

/**
 * Compares logged with recomputed scores.
 *
 * A NaN on either side is a mismatch with difference +∞ (a NaN score is never
 * "close"); equal infinities are equal.
 *
 * @example
 * compareScores({ requestIds: ['a', 'b'], logged: [0.5, 0.9], recomputed: [0.500001, 0.7] })
 * // rowsChecked 2, mismatches 1 (b: 0.2 > 1e-5 + 1e-4·0.7), mismatchIndices [1]
 */
export function compareScores(input: CompareScoresInput): ParityComparison {
  const atol = input.atol ?? DEFAULT_PARITY_TOLERANCE.atol;
  const rtol = input.rtol ?? DEFAULT_PARITY_TOLERANCE.rtol;
  checkTolerance({ atol, rtol });
  const worstCount = input.worst ?? DEFAULT_WORST_ROWS;
  if (!Number.isInteger(worstCount) || worstCount < 0) {
    throw new RangeError(`worst must be a non-negative integer, got ${worstCount}`);
  }
  const { logged, recomputed, rowIndex, requestIds } = input;
  if (rowIndex === undefined && recomputed.length !== logged.length) {
    throw new RangeError(
      `recomputed has ${recomputed.length} scores for ${logged.length} logged rows; pass rowIndex when only some rows were scored`,
    );
  }
  if (rowIndex !== undefined && rowIndex.length !== recomputed.length) {
    throw new RangeError(
      `rowIndex has ${rowIndex.length} entries for ${recomputed.length} recomputed scores`,
    );
  }
  if (requestIds.length !== logged.length) {
    throw new RangeError(`${requestIds.length} request ids for ${logged.length} logged rows`);
  }

  const diffs = new Float64Array(recomputed.length);
  const mismatchIndices: number[] = [];
  const worst: { row: number; logged: number; recomputed: number; absDiff: number }[] = [];
  let checked = 0;
  let unlogged = 0;
  let maxAbsDiff = 0;
  for (let i = 0; i < recomputed.length; i++) {
    const row = rowIndex === undefined ? i : rowIndex[i]!;
    if (!Number.isInteger(row) || row < 0 || row >= logged.length) {
      throw new RangeError(`rowIndex[${i}] is ${row}, outside the ${logged.length} logged rows`);
    }
    const l = logged[row];
    if (l === null || l === undefined) {
      unlogged++;
      continue;
    }
    const r = recomputed[i]!;
    const absDiff = l === r ? 0 : Number.isNaN(l) || Number.isNaN(r) ? Infinity : Math.abs(l - r);
    diffs[checked++] = absDiff;
    if (absDiff > maxAbsDiff) maxAbsDiff = absDiff;
    if (!(absDiff <= atol + rtol * Math.abs(r))) mismatchIndices.push(row);
    if (worstCount > 0) keepWorst(worst, worstCount, { row, logged: l, recomputed: r, absDiff });
  }
  if (rowIndex !== undefined) mismatchIndices.sort((a, b) => a - b);

  const checkedDiffs = diffs.subarray(0, checked);
  return {
    rowsChecked: checked,
    unlogged,
    mismatches: mismatchIndices.length,
    mismatchRatio: checked === 0 ? null : mismatchIndices.length / checked,
    maxAbsDiff: checked === 0 ? null : maxAbsDiff,
    p99AbsDiff: checked === 0 ? null : percentileInPlace(checkedDiffs, 99),
    worst: worst.map((w) => ({
      requestId: requestIds[w.row]!,
      row: w.row,
      logged: w.logged,
      recomputed: w.recomputed,
      absDiff: w.absDiff,
      mismatch: !(w.absDiff <= atol + rtol * Math.abs(w.recomputed)),
    })),
    mismatchIndices,
    atol,
    rtol,
  };
}

/**
 * Keeps the `limit` largest differences, largest first; an equal difference
 * ranks after the ones already kept, so ties stay in input order when rows
 * arrive in input order.
 */
function keepWorst<T extends { absDiff: number; row: number }>(
  kept: T[],
  limit: number,
  candidate: T,
): void {
  if (kept.length === limit) {
    const last = kept[limit - 1]!;
    if (!outranks(candidate, last)) return;
    kept.pop();
  }
  let at = kept.length;
  while (at > 0 && outranks(candidate, kept[at - 1]!)) at--;
  kept.splice(at, 0, candidate);
}

function outranks(
  a: { absDiff: number; row: number },
  b: { absDiff: number; row: number },
): boolean {
  return a.absDiff > b.absDiff || (a.absDiff === b.absDiff && a.row < b.row);
}

/**
 * The q-th percentile of an ascending sample, as `numpy.percentile(x, q)`
 * (method 'linear', Hyndman & Fan type 7): virtual index `h = (n − 1)·q/100`,
 * `lo = ⌊h⌋`, `g = h − lo`, and numpy's two-sided interpolation — `a + (b − a)·g`
 * when g < 0.5, `b − (b − a)·(1 − g)` otherwise — so results agree to the bit.
 */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentile of an empty sample');
  if (!(q >= 0 && q <= 100)) throw new RangeError(`q must lie in [0, 100], got ${q}`);
  const h = (n - 1) * (q / 100);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return interpolate(sorted[lo]!, sorted[hi]!, h - lo);
}

/** numpy's `_lerp`: `a + (b − a)·g` for g < 0.5, `b − (b − a)·(1 − g)` otherwise. */
function interpolate(a: number, b: number, g: number): number {
  if (a === b) return a; // also keeps ∞ − ∞ out of the interpolation
  const diff = b - a;
  return g >= 0.5 ? b - diff * (1 - g) : a + diff * g;
}

/**
 * As {@link percentileSorted} on an unsorted sample, in O(n) by selection
 * rather than sorting (a sort of 100 000 doubles costs ~10 ms, the selection
 * ~1 ms). Reorders `values`.
 */
function percentileInPlace(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) throw new RangeError('percentile of an empty sample');
  const lo = Math.floor((n - 1) * (q / 100));
  selectInPlace(values, lo);
  if (lo + 1 >= n) return values[lo]!;
  // After selection everything right of lo is ≥ values[lo]: the next order statistic is their minimum.
  let next = Infinity;
  for (let i = lo + 1; i < n; i++) if (values[i]! < next) next = values[i]!;
  return interpolate(values[lo]!, next, (n - 1) * (q / 100) - lo);
}

/**
 * Reorders `a` so that `a[k]` is its k-th smallest value, everything before
 * it ≤ and everything after it ≥ (Hoare's selection with a median-of-three
 * pivot; ties split evenly, so a sample of equal values stays linear).
 */
function selectInPlace(a: Float64Array, k: number): void {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const mid = (left + right) >>> 1;
    const x = a[left]!;
    const y = a[mid]!;
    const z = a[right]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

export interface Reproduction {
  /** Rows compared. */
  rows: number;
  /** Rows whose logged score the candidate reproduces within tolerance. */
  reproduced: number;
  /** reproduced / rows; 0 when rows is 0. */
  share: number;
}

/**
 * Share of the given rows whose logged score a candidate version reproduces,
 * with the parity test. A NaN candidate score (a row that version could not
 * score) does not reproduce.
 */
export function reproductionShare(
  logged: ArrayLike<number>,
  recomputed: ArrayLike<number>,
  tolerance: ParityTolerance = DEFAULT_PARITY_TOLERANCE,
): Reproduction {
  checkTolerance(tolerance);
  if (logged.length !== recomputed.length) {
    throw new RangeError(`${recomputed.length} candidate scores for ${logged.length} logged rows`);
  }
  let reproduced = 0;
  for (let i = 0; i < logged.length; i++) {
    const l = logged[i]!;
    const r = recomputed[i]!;
    const absDiff = l === r ? 0 : Math.abs(l - r);
    if (absDiff <= tolerance.atol + tolerance.rtol * Math.abs(r)) reproduced++;
  }
  return {
    rows: logged.length,
    reproduced,
    share: logged.length === 0 ? 0 : reproduced / logged.length,
  };
}

export interface CandidateScores {
  version: string;
  /** The candidate's scores of the mismatching rows, aligned with `logged`; NaN where it could not score. */
  recomputed: ArrayLike<number>;
}

export interface VersionReproduction extends Reproduction {
  version: string;
}

/**
 * Diagnosis of a parity break: which other registered versions reproduce the
 * mismatching logged scores (e.g. the pod still serves the previous model).
 * Returns the versions reaching `minShare` (default 0.9), best first (ties by
 * version order given).
 */
export function findReproducingVersions(
  logged: ArrayLike<number>,
  candidates: readonly CandidateScores[],
  options: { tolerance?: ParityTolerance | undefined; minShare?: number | undefined } = {},
): VersionReproduction[] {
  const minShare = options.minShare ?? 0.9;
  if (!(minShare >= 0 && minShare <= 1)) {
    throw new RangeError(`minShare must lie in [0, 1], got ${minShare}`);
  }
  if (logged.length === 0) return [];
  return candidates
    .map((c) => ({
      version: c.version,
      ...reproductionShare(logged, c.recomputed, options.tolerance),
    }))
    .filter((r) => r.share >= minShare)
    .sort((a, b) => b.share - a.share);
}

function checkTolerance(tolerance: ParityTolerance): void {
  for (const key of ['atol', 'rtol'] as const) {
    const value = tolerance[key];
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`${key} must be a finite number >= 0, got ${value}`);
    }
  }
}
