/**
 * Shadow comparison: the champion (serving) version and a challenger scored
 * on the same window rows, before the challenger is promoted.
 *
 * - agreement: share of rows where both make the same decision, decision =
 *   `score >= threshold` (the version's decision threshold);
 * - mean and max of |champion − challenger| per row;
 * - the two-sample KS test between the two score distributions
 *   (`ksTwoSample`, scipy.stats.ks_2samp): whether the challenger shifts the
 *   score distribution even where decisions agree.
 */
import { ksTwoSample } from '../stats/index.js';

export interface ShadowInput {
  /** Champion scores, one per row (null or NaN where it has none). */
  champion: ArrayLike<number | null>;
  /** Challenger scores of the same rows, aligned with `champion`. */
  challenger: ArrayLike<number | null>;
  /** Decision threshold; `null` for regressions (no decisions to agree on). */
  threshold: number | null;
}

export interface ShadowComparison {
  /** Rows where both versions gave a finite score. */
  rows: number;
  /** Rows left out because a score was missing or not finite (a row either version could not score). */
  skipped: number;
  /** Share of rows with the same decision; null without a threshold or rows. */
  agreement: number | null;
  /** Rows only the champion decides positive, and only the challenger. */
  championOnlyPositive: number;
  challengerOnlyPositive: number;
  meanAbsDiff: number | null;
  maxAbsDiff: number | null;
  /** KS between the score distributions; null without rows. */
  ks: { statistic: number; pValue: number } | null;
}

/**
 * @example
 * compareChampionChallenger({ champion: [0.2, 0.6, 0.9], challenger: [0.3, 0.4, 0.95], threshold: 0.5 })
 * // rows 3, agreement 2/3 (row 1 flips), meanAbsDiff ≈ 0.1167, maxAbsDiff 0.2
 */
export function compareChampionChallenger(input: ShadowInput): ShadowComparison {
  const { champion, challenger, threshold } = input;
  if (champion.length !== challenger.length) {
    throw new RangeError(
      `champion has ${champion.length} scores, challenger ${challenger.length}; they must be aligned by row`,
    );
  }
  if (threshold !== null && !Number.isFinite(threshold)) {
    throw new RangeError(`threshold must be a finite number or null, got ${threshold}`);
  }
  const a = new Float64Array(champion.length);
  const b = new Float64Array(champion.length);
  let rows = 0;
  let agree = 0;
  let championOnly = 0;
  let challengerOnly = 0;
  let sumAbsDiff = 0;
  let maxAbsDiff = 0;
  for (let i = 0; i < champion.length; i++) {
    const x = champion[i];
    const y = challenger[i];
    if (typeof x !== 'number' || typeof y !== 'number') continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    a[rows] = x;
    b[rows] = y;
    rows++;
    const diff = Math.abs(x - y);
    sumAbsDiff += diff;
    if (diff > maxAbsDiff) maxAbsDiff = diff;
    if (threshold !== null) {
      const px = x >= threshold;
      const py = y >= threshold;
      if (px === py) agree++;
      else if (px) championOnly++;
      else challengerOnly++;
    }
  }
  const ks = rows === 0 ? null : ksTwoSample(a.subarray(0, rows), b.subarray(0, rows));
  return {
    rows,
    skipped: champion.length - rows,
    agreement: threshold === null || rows === 0 ? null : agree / rows,
    championOnlyPositive: championOnly,
    challengerOnlyPositive: challengerOnly,
    meanAbsDiff: rows === 0 ? null : sumAbsDiff / rows,
    maxAbsDiff: rows === 0 ? null : maxAbsDiff,
    ks: ks === null ? null : { statistic: ks.statistic, pValue: ks.pValue },
  };
}
