/**
 * Two-sided two-sample Kolmogorov–Smirnov test, matching
 * `scipy.stats.ks_2samp(a, b, alternative='two-sided', method=…)`.
 *
 * Statistic: `D = max_x |F_a(x) − F_b(x)|` over the empirical CDFs, evaluated
 * after every distinct value so that tied values make both ECDFs jump
 * together (the statistic is exact with ties).
 *
 * p-value:
 * - `exact`: `Pr(D_{n,m} ≥ d)` under the null of two samples from one
 *   continuous distribution, by counting lattice paths (Hodges 1958) — for
 *   n = m the alternating binomial series, otherwise the "inside" recursion
 *   written to carry 1 − p directly (Viehmann 2021) so that small p-values
 *   keep their relative precision. Like scipy, it assumes no ties.
 * - `asymp`: scipy's choice — the one-sample two-sided distribution `kstwo`
 *   at the effective size `round(n·m/(n + m))`, not the limiting Kolmogorov
 *   distribution.
 * - `auto`: `exact` when max(n, m) ≤ 10 000, else `asymp` (scipy ≥ 1.10);
 *   `exact` falls back to `asymp` when the lattice is too large (lcm(n, m)
 *   beyond 2³¹) or the computation leaves [0, 1].
 *
 * References: Hodges JL (1958) The significance probability of the Smirnov
 * two-sample test. Arkiv för Matematik 3(43), 469–486. Viehmann T (2021)
 * Numerically more stable computation of the p-values for the two-sample
 * Kolmogorov–Smirnov test. arXiv:2102.08037.
 */
import { kolmogorovSf } from './kolmogorov.js';
import { assertSortedSample, sortedSample, StatisticsInputError } from './validate.js';

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsOptions {
  /** How to compute the p-value (default `auto`). */
  method?: KsMethod;
}

export interface KsResult {
  /** D, the largest absolute difference between the two ECDFs, in [0, 1]. */
  statistic: number;
  /** Two-sided p-value, in [0, 1]. */
  pValue: number;
  /** The method actually used (`auto` resolved; `exact` may fall back to `asymp`). */
  method: 'exact' | 'asymp';
}

/** scipy's MAX_AUTO_N: `auto` is exact up to this sample size. */
export const KS_MAX_EXACT_N = 10_000;
const INT32_MAX = 2_147_483_647;

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) {
    const r = x % y;
    x = y;
    y = r;
  }
  return x;
}

/** Round half to even, as numpy.round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Two-sided two-sample KS test on unsorted samples (copied and sorted; the
 * inputs are not modified).
 *
 * @example
 * ksTwoSample([1, 2, 3], [4, 5, 6]) // { statistic: 1, pValue: 0.1, method: 'exact' }
 * @throws StatisticsInputError when a sample is empty or holds a non-finite value.
 */
export function ksTwoSample(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: KsOptions = {},
): KsResult {
  return ksFromSorted(sortedSample('a', a), sortedSample('b', b), options);
}

/**
 * As {@link ksTwoSample}, for samples already sorted ascending (e.g. a
 * reference profile's `sortedValues`): no copy, no sort, one O(n + m)
 * validation pass and one merge walk.
 */
export function ksTwoSampleSorted(
  a: Float64Array,
  b: Float64Array,
  options: KsOptions = {},
): KsResult {
  assertSortedSample('a', a);
  assertSortedSample('b', b);
  return ksFromSorted(a, b, options);
}

/**
 * The KS statistic as an exact integer: `max |i·m − j·n|` over the merge walk,
 * where i and j count the values ≤ x in a (size n) and b (size m).
 * D = result / (n·m). Exact in doubles while n·m < 2⁵³.
 */
export function ksScaledStatistic(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let best = 0;
  // Once either sample is exhausted the ECDF gap can only shrink, so stop there.
  while (i < n && j < m) {
    const x = a[i]!;
    const y = b[j]!;
    const v = x < y ? x : y;
    while (i < n && a[i] === v) i++;
    while (j < m && b[j] === v) j++;
    const diff = i * m - j * n;
    const abs = diff < 0 ? -diff : diff;
    if (abs > best) best = abs;
  }
  return best;
}

function ksFromSorted(a: Float64Array, b: Float64Array, options: KsOptions): KsResult {
  const requested = options.method ?? 'auto';
  if (requested !== 'auto' && requested !== 'exact' && requested !== 'asymp') {
    throw new StatisticsInputError(
      'options.method',
      `options.method must be 'auto', 'exact' or 'asymp', got ${JSON.stringify(requested)}`,
    );
  }
  return ksFromScaledStatistic(a.length, b.length, ksScaledStatistic(a, b), requested);
}

/**
 * KS statistic and p-value of samples of sizes n and m from the scaled
 * statistic `max |i·m − j·n|` (see {@link ksScaledStatistic}). Shared by the
 * raw-sample path and the summary path of drift checks, so equal scaled
 * statistics give equal results on both.
 */
export function ksFromScaledStatistic(
  n: number,
  m: number,
  scaled: number,
  requested: KsMethod = 'auto',
): KsResult {
  let statistic = scaled / (n * m);

  let method: 'exact' | 'asymp';
  if (requested === 'auto') {
    method = Math.max(n, m) <= KS_MAX_EXACT_N ? 'exact' : 'asymp';
  } else {
    method = requested;
  }
  const g = gcd(n, m);
  if (method === 'exact' && n / g >= INT32_MAX / (m / g)) method = 'asymp';

  if (method === 'exact') {
    // h = d·lcm(n, m), an integer: the scaled statistic divided by gcd(n, m).
    const h = scaled / g;
    const lcm = (n / g) * m;
    statistic = h / lcm;
    const p = ksTwoSampleExactSfFromLattice(n, m, g, h);
    if (p >= 0 && p <= 1) return { statistic, pValue: p, method: 'exact' };
    method = 'asymp';
  }
  return { statistic, pValue: ksTwoSampleAsymptoticSf(n, m, statistic), method };
}

/**
 * Asymptotic two-sided p-value, as scipy: `kstwo.sf(d, round(n·m/(n + m)))`.
 */
export function ksTwoSampleAsymptoticSf(n: number, m: number, d: number): number {
  const big = Math.max(n, m);
  const small = Math.min(n, m);
  const effective = (big * small) / (big + small);
  const p = kolmogorovSf(Math.max(1, roundHalfEven(effective)), d);
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/**
 * Exact two-sided p-value `Pr(D_{n,m} ≥ d)` for continuous data (no ties).
 * `d` is snapped to the lattice `h / lcm(n, m)` first, as scipy does.
 * Returns NaN when the lattice is too large (lcm beyond 2³¹).
 */
export function ksTwoSampleExactSf(n: number, m: number, d: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < 1) return Number.NaN;
  const g = gcd(n, m);
  if (n / g >= INT32_MAX / (m / g)) return Number.NaN;
  const lcm = (n / g) * m;
  const h = roundHalfEven(d * lcm);
  return ksTwoSampleExactSfFromLattice(n, m, g, h);
}

function ksTwoSampleExactSfFromLattice(n: number, m: number, g: number, h: number): number {
  if (h <= 0) return 1;
  return n === m ? outsideSquareProbability(n, h) : outsideBandProbability(n, m, g, h);
}

/**
 * n = m: `Pr(D ≥ h/n) = 2 Σ_{k≥1} (−1)^(k−1) C(2n, n − kh) / C(2n, n)`,
 * evaluated as `2 r₁(1 − r₂(1 − r₃(1 − …)))` with ratios
 * `r_k = C(2n, n − kh) / C(2n, n − (k−1)h)`, each a product of h simple
 * factors, so nothing overflows and the alternating sum does not cancel.
 */
function outsideSquareProbability(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    const offset = k * h;
    for (let j = 0; j < h; j++) ratio = ((n - offset - j) * ratio) / (n + offset + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * n ≠ m: probability that a uniformly random monotone lattice path from
 * (0, 0) to (big, small) leaves the band |x/big − y/small| < h/lcm.
 * Column by column, `q(x, y)` = probability that a path reaching (x, y) has
 * already left the band: 1 outside the band, and inside
 * `q(x, y) = (x·q(x−1, y) + y·q(x, y−1)) / (x + y)`, the probabilities of
 * arriving from the left or from below. Only a sliding window of the band
 * is stored. O(big · band width).
 */
function outsideBandProbability(n: number, m: number, g: number, h: number): number {
  const big = Math.max(n, m);
  const small = Math.min(n, m);
  const bigG = big / g;
  const smallG = small / g;
  let previous = new Float64Array(small + 1);
  let current = new Float64Array(small + 1);
  // Column x = 0: rows y < h/bigG lie inside the band (q = 0); the rest outside.
  let previousHigh = Math.min(Math.ceil(h / bigG), small + 1);
  // previous[y] = 0 for y < previousHigh (Float64Array starts at 0).
  for (let x = 1; x <= big; x++) {
    const low = Math.min(Math.max(Math.floor((smallG * x - h) / bigG) + 1, 0), small);
    const high = Math.min(Math.ceil((smallG * x + h) / bigG), small + 1);
    if (high <= low) return 1;
    let below = low === 0 ? 0 : 1;
    for (let y = low; y < high; y++) {
      const left = y < previousHigh ? previous[y]! : 1;
      below = (left * x + below * y) / (x + y);
      current[y] = below;
    }
    const swap = previous;
    previous = current;
    current = swap;
    previousHigh = high;
  }
  return previous[small]!;
}
