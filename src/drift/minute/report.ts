/**
 * A merged summary as the read path reports it: per numeric feature and the
 * score, the moments (mean; sample variance Σ(v − mean)²/(n − 1) from the
 * sums, `(Σv² − (Σv)²/n)/(n − 1)`, clamped at 0 against rounding), quantiles
 * p01…p99 from the sketch and the sketch's proven rank-error bound for all
 * quantiles at once (99 %, stats/kllBounds.ts); per categorical feature, the
 * counts with `__other__` for the folded values. Field names are the HTTP
 * API's (snake_case).
 */
import { OTHER_CATEGORY, type MinuteSummary, type NumericMinute } from './types.js';

export const REPORT_QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] as const;

export interface NumericReport {
  count: number;
  missing: number;
  min: number | null;
  max: number | null;
  sum: number;
  sum_squares: number;
  mean: number | null;
  variance: number | null;
  /** `p01` … `p99`: estimated quantiles (null when count = 0). */
  quantiles: Record<string, number> | null;
  /** With probability ≥ 0.99 every quantile's rank is within this of its q. */
  rank_error_bound: number;
}

export interface CategoricalReport {
  count: number;
  missing: number;
  /** Category → count; `__other__` holds values past the distinct-category cap. */
  counts: Record<string, number>;
}

export interface MinuteSummaryReport {
  rows: number;
  score: NumericReport;
  numeric: Record<string, NumericReport>;
  categorical: Record<string, CategoricalReport>;
}

function quantileName(q: number): string {
  return `p${String(Math.round(q * 100)).padStart(2, '0')}`;
}

function numericReport(minute: NumericMinute): NumericReport {
  const n = minute.count;
  if (n === 0) {
    return {
      count: 0,
      missing: minute.missing,
      min: null,
      max: null,
      sum: 0,
      sum_squares: 0,
      mean: null,
      variance: null,
      quantiles: null,
      rank_error_bound: 0,
    };
  }
  const quantiles: Record<string, number> = {};
  for (const q of REPORT_QUANTILES) quantiles[quantileName(q)] = minute.sketch.quantile(q);
  return {
    count: n,
    missing: minute.missing,
    min: minute.min,
    max: minute.max,
    sum: minute.sum,
    sum_squares: minute.sumSquares,
    mean: minute.sum / n,
    variance:
      n > 1 ? Math.max(0, (minute.sumSquares - (minute.sum * minute.sum) / n) / (n - 1)) : null,
    quantiles,
    rank_error_bound: minute.sketch.rankErrorBound({ scope: 'all' }),
  };
}

export function minuteSummaryReport(summary: MinuteSummary): MinuteSummaryReport {
  // Null-prototype records: feature and category names are data.
  const numeric = Object.create(null) as Record<string, NumericReport>;
  for (const [name, minute] of summary.numeric) numeric[name] = numericReport(minute);
  const categorical = Object.create(null) as Record<string, CategoricalReport>;
  for (const [name, minute] of summary.categorical) {
    const counts = Object.create(null) as Record<string, number>;
    for (const [value, count] of minute.counts) counts[value] = count;
    if (minute.other > 0) counts[OTHER_CATEGORY] = (counts[OTHER_CATEGORY] ?? 0) + minute.other;
    categorical[name] = { count: minute.count, missing: minute.missing, counts };
  }
  return { rows: summary.rows, score: numericReport(summary.score), numeric, categorical };
}
