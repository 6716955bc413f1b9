/**
 * The raw-sample fraction of a model version from its observed rate
 * (docs/scaling.md, "Raw sample"). Pure.
 *
 * Below `keepAllBelowPerSecond` every row is kept (fraction 1). Above it the
 * fraction is the largest power of two f = 2⁻ᵏ with rate · f ≤ keepAll, so
 * the kept rate stays at or under the limit (between half of it and all of
 * it), never below `minFraction`. Powers of two make samples nest: the ids
 * kept at 2⁻ᵏ⁻¹ are a subset of those kept at 2⁻ᵏ (sampleHash.ts).
 *
 * Worked examples, keepAll = 2000/s: 1500/s → 1; 2000/s → 1; 2001/s → 1/2;
 * 5000/s → 1/4 (1250/s kept); 100,000/s → 1/64 (1562/s kept).
 */

/** The largest power of two ≤ `value` (value in (0, 1]); 2⁻³² at least. */
export function powerOfTwoAtMost(value: number): number {
  if (!(value > 0)) return 2 ** -32;
  if (value >= 1) return 1;
  const exponent = Math.min(32, Math.ceil(-Math.log2(value)));
  // Math.log2 may round: step back if 2⁻ᵉ⁺¹ still fits.
  return exponent > 0 && 2 ** -(exponent - 1) <= value ? 2 ** -(exponent - 1) : 2 ** -exponent;
}

export function rawSampleFraction(
  ratePerSecond: number,
  keepAllBelowPerSecond: number,
  minFraction: number,
): number {
  const floor = powerOfTwoAtMost(minFraction);
  if (!(ratePerSecond > keepAllBelowPerSecond)) return 1;
  return Math.max(floor, powerOfTwoAtMost(keepAllBelowPerSecond / ratePerSecond));
}

/** Whether `value` is 1, 1/2, 1/4, … 2⁻³². */
export function isPowerOfTwoFraction(value: number): boolean {
  return value > 0 && value <= 1 && powerOfTwoAtMost(value) === value;
}
