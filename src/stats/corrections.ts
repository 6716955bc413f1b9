/**
 * Multiple-testing corrections: adjusted p-values, returned in input order, so
 * that "adjusted p < α" is the decision rule for every method.
 */
import { assertProbability } from './validate.js';

function checked(pValues: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < pValues.length; i++) {
    assertProbability('pValues', pValues[i], i);
    out.push(pValues[i]!);
  }
  return out;
}

/**
 * Benjamini–Hochberg adjusted p-values (false discovery rate):
 * with p₍₁₎ ≤ … ≤ p₍ₘ₎, `p̃₍ᵢ₎ = min_{j ≥ i} min(1, m·p₍ⱼ₎ / j)`.
 * Same as R's `p.adjust(method = "BH")` and
 * `scipy.stats.false_discovery_control(method='bh')` (scipy ≥ 1.11).
 * Reference: Benjamini Y, Hochberg Y (1995) JRSS B 57(1), 289–300.
 */
export function benjaminiHochberg(pValues: ArrayLike<number>): number[] {
  const p = checked(pValues);
  const m = p.length;
  const order = p.map((_, i) => i).sort((x, y) => p[x]! - p[y]! || x - y);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const index = order[rank - 1]!;
    // (m / rank) · p, in R's order of operations.
    const value = Math.min(1, (m / rank) * p[index]!);
    if (value < running) running = value;
    adjusted[index] = running;
  }
  return adjusted;
}

/**
 * Bonferroni adjusted p-values (family-wise error rate): `p̃ᵢ = min(1, m·pᵢ)`.
 * Reference: Dunn OJ (1961) JASA 56(293), 52–64.
 */
export function bonferroni(pValues: ArrayLike<number>): number[] {
  const p = checked(pValues);
  return p.map((value) => Math.min(1, value * p.length));
}
