/** Jensen–Shannon distance between two discrete distributions. */
import { nonNegativeVector, StatisticsInputError } from './validate.js';

function normalized(argument: string, values: ArrayLike<number>): Float64Array {
  const v = nonNegativeVector(argument, values);
  let total = 0;
  for (let i = 0; i < v.length; i++) total += v[i]!;
  if (!(total > 0))
    throw new StatisticsInputError(argument, `${argument} must have a positive sum`);
  for (let i = 0; i < v.length; i++) v[i]! /= total;
  return v;
}

/**
 * Jensen–Shannon distance in base 2, in [0, 1]:
 * `JS(p, q) = √(½ KL(p‖m) + ½ KL(q‖m))`, m = (p + q)/2, KL in bits.
 * `p` and `q` are counts or proportions over the same buckets (each is
 * normalised to sum to 1). As `scipy.spatial.distance.jensenshannon(p, q, base=2)`.
 * Reference: Lin J (1991) Divergence measures based on the Shannon entropy.
 * IEEE Trans. Inf. Theory 37(1), 145–151; Endres DM, Schindelin JE (2003)
 * A new metric for probability distributions. IEEE Trans. Inf. Theory 49(7).
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) {
    throw new StatisticsInputError(
      'q',
      `p and q must have the same length (${p.length} vs ${q.length})`,
    );
  }
  const a = normalized('p', p);
  const b = normalized('q', q);
  let divergence = 0;
  for (let i = 0; i < a.length; i++) {
    const pi = a[i]!;
    const qi = b[i]!;
    const mi = (pi + qi) / 2;
    if (pi > 0) divergence += pi * Math.log(pi / mi);
    if (qi > 0) divergence += qi * Math.log(qi / mi);
  }
  const bits = divergence / Math.LN2 / 2;
  // Rounding can leave a tiny negative for identical inputs.
  return bits > 0 ? Math.min(1, Math.sqrt(bits)) : 0;
}
