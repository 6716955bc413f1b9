/** Two-proportion z-test, used for the change of a feature's missing rate. */
import { normalSf } from './specialFunctions.js';
import { StatisticsInputError } from './validate.js';

export interface ZTestResult {
  /** z = (p₂ − p₁) / √(p̂(1 − p̂)(1/n₁ + 1/n₂)); 0 when p̂ is 0 or 1. */
  statistic: number;
  /** Two-sided p-value 2·Φ(−|z|); 1 when p̂ is 0 or 1 (no variation at all). */
  pValue: number;
}

function checkCount(argument: string, value: number, max?: number): void {
  if (!Number.isInteger(value) || value < 0 || (max !== undefined && value > max)) {
    throw new StatisticsInputError(
      argument,
      `${argument} must be an integer in [0, ${max ?? 'Infinity'}], got ${value}`,
      undefined,
      value,
    );
  }
}

/**
 * Pooled two-proportion z-test of H₀: p₁ = p₂, with successes x₁ of n₁ and
 * x₂ of n₂: `p̂ = (x₁ + x₂)/(n₁ + n₂)`,
 * `z = (x₂/n₂ − x₁/n₁) / √(p̂(1 − p̂)(1/n₁ + 1/n₂))`, p = 2·(1 − Φ(|z|)).
 * Same as statsmodels' `proportions_ztest` (pooled variance).
 * Reference: Fleiss JL, Levin B, Paik MC (2003) Statistical Methods for Rates
 * and Proportions, 3rd ed., §2.6.
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTestResult {
  checkCount('n1', n1);
  checkCount('n2', n2);
  if (n1 === 0 || n2 === 0) {
    throw new StatisticsInputError(n1 === 0 ? 'n1' : 'n2', 'both sample sizes must be >= 1');
  }
  checkCount('x1', x1, n1);
  checkCount('x2', x2, n2);
  const pooled = (x1 + x2) / (n1 + n2);
  if (pooled === 0 || pooled === 1) return { statistic: 0, pValue: 1 };
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = (x2 / n2 - x1 / n1) / se;
  return { statistic: z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}
