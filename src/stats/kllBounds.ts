/**
 * The arithmetic of a KLL sketch (see `kll.ts`) that needs none of its items:
 * the range of k, the capacity of each level and of the whole sketch, and the
 * proven rank error bound computed from the compaction counts.
 *
 * References: Karnin Z, Lang K, Liberty E (2016) Optimal quantile
 * approximation in streams. FOCS 2016, 71–78 (arXiv:1603.05346). Azuma K
 * (1967) Tôhoku Math. J. 19(3), 357–367. Apache DataSketches, `KllHelper`.
 */
import { StatisticsInputError } from './validate.js';

/** DataSketches' default k: about 1.33 % single-rank error at 99 % (empirical). */
export const KLL_DEFAULT_K = 200;
/** Smallest k (the minimum level width). */
export const KLL_MIN_K = 8;
/** Largest k (as DataSketches). */
export const KLL_MAX_K = 65_535;

/** Minimum level width m (DataSketches' default). */
export const MIN_LEVEL_WIDTH = 8;
/** Weights 2^h stay exact integers and n stays below 2^53. */
export const MAX_LEVELS = 53;

/** Where a rank error bound applies: one query, or every query at once. */
export type KllRankErrorScope = 'single' | 'all';

// ---------------------------------------------------------------------------
// Capacities. k is an integer in [KLL_MIN_K, KLL_MAX_K], checked by the caller.

/**
 * `max(8, round(k·(2/3)^depth))`, computed in integers as DataSketches does
 * (`(⌊2k·2^d / 3^d⌋ + 1) >> 1`), exact while 2k·2^d < 2⁵³.
 */
export function levelCapacity(k: number, depth: number): number {
  if (depth > 30) return MIN_LEVEL_WIDTH; // k·(2/3)^31 < 1 for k ≤ 65 535
  const scaled = Math.floor((2 * k * 2 ** depth) / 3 ** depth);
  return Math.max(MIN_LEVEL_WIDTH, Math.floor((scaled + 1) / 2));
}

/** `capacities[h] = levelCapacity(k, L − 1 − h)`: the top level holds k. */
export function levelCapacities(k: number, numLevels: number): number[] {
  const capacities: number[] = [];
  for (let h = 0; h < numLevels; h++) capacities.push(levelCapacity(k, numLevels - 1 - h));
  return capacities;
}

/** `Σ_{d<L} max(8, round(k·(2/3)^d))`: the sketch is full at this many items. */
export function totalCapacity(k: number, numLevels: number): number {
  let total = 0;
  for (let d = 0; d < numLevels; d++) total += levelCapacity(k, d);
  return total;
}

/** `⌊log₂(n/k)⌋ + 2` for n > k, else 1: the most levels n values can open. */
export function maxLevels(k: number, n: number): number {
  if (n <= k) return 1;
  let top = 0;
  while (k * 2 ** (top + 1) <= n) top++;
  return top + 2;
}

/**
 * The most items a sketch of parameter k can retain after n ≥ 0 values:
 * `Σ_{d<L} max(8, round(k·(2/3)^d))` with `L = ⌊log₂(n/k)⌋ + 2` (1 when
 * n ≤ k). A new level opens only when the top level (k items of weight
 * 2^(L−1)) is compacted, which bounds L; the sum is < 3k + 8.5·L, so
 * O(k + log(n/k)) items: 625 for k = 200, n = 10⁶.
 */
export function maxRetainedItems(k: number, n: number): number {
  return totalCapacity(k, maxLevels(k, n));
}

// ---------------------------------------------------------------------------
// Rank error bound.

/**
 * `V = Σ_h compactions[h] · 4^h`, the variance proxy of the rank error: each
 * compaction at level h moves a weighted count by at most ±2^h.
 */
export function compactionVariance(compactions: readonly number[]): number {
  let variance = 0;
  for (let h = 0; h < compactions.length; h++) variance += compactions[h]! * 4 ** h;
  return variance;
}

function assertConfidence(confidence: number): void {
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) {
    throw new StatisticsInputError(
      'confidence',
      `confidence must lie in (0, 1), got ${String(confidence)}`,
      undefined,
      confidence,
    );
  }
}

/**
 * Proven bound on a KLL sketch's normalised rank error (Karnin et al. 2016)
 * from V (see {@link compactionVariance}) and n: with probability ≥
 * `confidence`, δ = 1 − confidence and F the stream's exact ECDF,
 * - `single`: `|rank(y) − F(y)| ≤ √(2V·ln(2/δ)) / n` for one y fixed in advance;
 * - `all`: `sup_y |rank(y) − F(y)| ≤ min_g √(2V·ln(4⌈1/g⌉/δ)) / n + g`.
 *
 * Capped at 1; 0 when V = 0 (nothing compacted: the ranks are exact) or n = 0.
 *
 * **Why.** Fix a query y and a compaction at level h of a sorted run with r
 * items ≤ y. If r is even the weighted count ≤ y is unchanged; if r is odd it
 * moves by +2^h (even positions kept) or −2^h (odd positions), each with
 * probability ½. So `R̂(y) − R(y)` is a sum of fair ±2^h steps (or 0) — a
 * martingale whose step bounds depend only on how many values went where,
 * never on the values or the coins. With `C_h` compactions at level h and
 * `V = Σ_h C_h · 4^h`, the Azuma–Hoeffding inequality gives, for one query,
 *
 *     P(|R̂(y) − R(y)| ≥ t) ≤ 2·exp(−t² / (2V)),  so  ε₁(δ) = √(2V·ln(2/δ)) / n
 *
 * holds with probability ≥ 1 − δ (normalised rank error). For **all** y at
 * once: take the stream's order statistics at ranks ⌈j·g·n⌉ (j = 1…J,
 * J = ⌈1/g⌉) as pivots and bound both `R̂(p) − R(p)` and the strict
 * `R̂(p⁻) − R(p⁻)` at each (2J queries, union bound). Between two pivots
 * R and R̂ are monotone and R moves by less than g·n, so
 *
 *     sup_y |R̂(y) − R(y)| / n ≤ √(2V·ln(4J/δ)) / n + g   with probability ≥ 1 − δ,
 *
 * and the smallest of these over a grid of g is returned. The sketch keeps V
 * exactly (`compactions` per level) through updates, merges and JSON, so the
 * bound is the sketch's own, not a table lookup. It is probabilistic: with
 * probability δ the error may exceed it. It assumes independent coins:
 * sketches that will meet in a merge must use independent random sources
 * (different seeds), and each value must enter exactly one of them.
 *
 * @example
 * kllRankErrorBound(compactionVariance([120, 58, 0]), 1000, 0.99, 'single'); // ≈ 0.061
 * @throws StatisticsInputError when confidence ∉ (0, 1) or scope is neither
 * `single` nor `all`.
 */
export function kllRankErrorBound(
  variance: number,
  n: number,
  confidence: number,
  scope: KllRankErrorScope,
): number {
  assertConfidence(confidence);
  if (scope !== 'single' && scope !== 'all') {
    throw new StatisticsInputError(
      'options.scope',
      `options.scope must be 'single' or 'all', got ${JSON.stringify(scope)}`,
    );
  }
  if (variance === 0 || n === 0) return 0;
  const delta = 1 - confidence;
  const scale = Math.sqrt(2 * variance) / n;
  const single = scale * Math.sqrt(Math.log(2 / delta));
  if (scope === 'single') return Math.min(1, single);
  // Pivot spacing g: scan a geometric grid below ε₁ (the optimum is near
  // scale / (2√ln(4J/δ))); the bound holds for every g, so the minimum does.
  let best = Infinity;
  for (let i = 0; i <= 64; i++) {
    const spacing = single * 2 ** (-i / 8);
    const pivots = Math.ceil(1 / spacing);
    const bound = scale * Math.sqrt(Math.log((4 * pivots) / delta)) + spacing;
    if (bound < best) best = bound;
  }
  return Math.min(1, best);
}
