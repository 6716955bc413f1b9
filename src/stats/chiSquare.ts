/** Chi-square test of homogeneity for a categorical feature. */
import { alignCategoryCounts, type UnseenCategoryHandling } from './categories.js';
import { chiSquareSf } from './specialFunctions.js';
import { nonNegativeVector, StatisticsInputError } from './validate.js';

export interface ChiSquareResult {
  /** Pearson's X² = Σ (O − E)² / E. */
  statistic: number;
  /** Upper tail of χ² with `dof` degrees of freedom; 1 when dof = 0. */
  pValue: number;
  /** (rows − 1)(columns − 1) = buckets − 1 for two samples. */
  dof: number;
}

/**
 * Pearson's chi-square test on a 2 × k contingency table (two rows of counts
 * over the same k buckets), without continuity correction:
 * `E_rc = R_r·C_c / N`, `X² = Σ (O_rc − E_rc)² / E_rc`, dof = k − 1.
 * Columns empty in both rows are dropped first. As
 * `scipy.stats.chi2_contingency(table, correction=False)`.
 * Reference: Pearson K (1900) Phil. Mag. 50(302), 157–175; Agresti A (2013)
 * Categorical Data Analysis, 3rd ed., §3.2.
 * @throws StatisticsInputError when a row holds a negative or non-finite count or sums to 0.
 */
export function chiSquareContingency(
  rowA: ArrayLike<number>,
  rowB: ArrayLike<number>,
): ChiSquareResult {
  const a = nonNegativeVector('rowA', rowA);
  const b = nonNegativeVector('rowB', rowB);
  if (a.length !== b.length) {
    throw new StatisticsInputError(
      'rowB',
      `rowA and rowB must have the same length (${a.length} vs ${b.length})`,
    );
  }
  let totalA = 0;
  let totalB = 0;
  for (let i = 0; i < a.length; i++) {
    totalA += a[i]!;
    totalB += b[i]!;
  }
  if (totalA === 0) throw new StatisticsInputError('rowA', 'rowA must contain at least one count');
  if (totalB === 0) throw new StatisticsInputError('rowB', 'rowB must contain at least one count');
  const total = totalA + totalB;
  let statistic = 0;
  let columns = 0;
  for (let i = 0; i < a.length; i++) {
    const column = a[i]! + b[i]!;
    if (column === 0) continue;
    columns++;
    const expectedA = (totalA * column) / total;
    const expectedB = (totalB * column) / total;
    statistic += (a[i]! - expectedA) ** 2 / expectedA + (b[i]! - expectedB) ** 2 / expectedB;
  }
  const dof = columns - 1;
  // scipy: with no degree of freedom the table equals its expectation.
  if (dof === 0) return { statistic: 0, pValue: 1, dof: 0 };
  return { statistic, pValue: chiSquareSf(statistic, dof), dof };
}

/**
 * Chi-square test of homogeneity between a reference and a current window of
 * one categorical feature, given category → count maps. Categories the
 * reference never saw are kept in one bucket of their own (or one each with
 * `unseen: 'separate'`); categories empty in both are dropped, as
 * `scipy.stats.chi2_contingency(correction=False)` needs.
 */
export function chiSquareHomogeneity(
  referenceCounts: Readonly<Record<string, number>>,
  currentCounts: Readonly<Record<string, number>>,
  options: { unseen?: UnseenCategoryHandling } = {},
): ChiSquareResult {
  const aligned = alignCategoryCounts(referenceCounts, currentCounts, options.unseen ?? 'bucket');
  if (aligned.reference.every((c) => c === 0)) {
    throw new StatisticsInputError(
      'referenceCounts',
      'referenceCounts must contain at least one count',
    );
  }
  if (aligned.current.every((c) => c === 0)) {
    throw new StatisticsInputError(
      'currentCounts',
      'currentCounts must contain at least one count',
    );
  }
  return chiSquareContingency(aligned.reference, aligned.current);
}
