/** Population stability index. */
import { nonNegativeVector, StatisticsInputError } from './validate.js';

export interface PsiOptions {
  /**
   * Floor for a bucket's proportion, so that an empty bucket on one side
   * gives a large but finite term instead of ln 0 (default 1e-4).
   */
  epsilon?: number;
}

export const DEFAULT_PSI_EPSILON = 1e-4;

function proportions(argument: string, values: ArrayLike<number>): Float64Array {
  const v = nonNegativeVector(argument, values);
  let total = 0;
  for (let i = 0; i < v.length; i++) total += v[i]!;
  if (!(total > 0))
    throw new StatisticsInputError(argument, `${argument} must have a positive sum`);
  for (let i = 0; i < v.length; i++) v[i]! /= total;
  return v;
}

/**
 * `PSI = Σᵢ (cᵢ − rᵢ) · ln(cᵢ / rᵢ)` over buckets, with rᵢ, cᵢ the reference
 * and current proportions floored at ε (not renormalised). Every term is
 * ≥ 0, so PSI ≥ 0, with 0 only for equal proportions. Inputs may be counts
 * or proportions; each side is normalised to sum to 1 first.
 * Conventional reading: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major.
 * Reference: Yurdakul B (2018) Statistical properties of population
 * stability index. PhD thesis, Western Michigan University; Siddiqi N (2006)
 * Credit Risk Scorecards, Wiley, ch. 8.
 */
export function psi(
  referenceProportions: ArrayLike<number>,
  currentProportions: ArrayLike<number>,
  options: PsiOptions = {},
): number {
  const epsilon = options.epsilon ?? DEFAULT_PSI_EPSILON;
  if (!(epsilon > 0 && epsilon < 1)) {
    throw new StatisticsInputError(
      'options.epsilon',
      `options.epsilon must lie in (0, 1), got ${epsilon}`,
    );
  }
  if (referenceProportions.length !== currentProportions.length) {
    throw new StatisticsInputError(
      'currentProportions',
      `referenceProportions and currentProportions must have the same length (${referenceProportions.length} vs ${currentProportions.length})`,
    );
  }
  const r = proportions('referenceProportions', referenceProportions);
  const c = proportions('currentProportions', currentProportions);
  let total = 0;
  for (let i = 0; i < r.length; i++) {
    const ri = Math.max(r[i]!, epsilon);
    const ci = Math.max(c[i]!, epsilon);
    total += (ci - ri) * Math.log(ci / ri);
  }
  return total;
}
