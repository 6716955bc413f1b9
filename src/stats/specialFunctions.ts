/**
 * Special functions needed by the tests: log-gamma, the regularised incomplete
 * gamma functions (chi-square and normal tails) and erfc. Written here rather
 * than imported because the accuracy of a p-value is only as good as these,
 * and each is checked against scipy.special in the tests.
 */

const LOG_SQRT_2PI = 0.9189385332046728;
const STIRLING_SHIFT = 15;

/**
 * ln Γ(x) for x > 0.
 *
 * For x ≥ 15, Stirling's series
 * `ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + Σ B₂ₖ / (2k (2k − 1) x^(2k−1))`
 * truncated after eight terms (error below 1e-17 relative there); smaller x are
 * shifted up with `Γ(x) = Γ(x + k) / (x (x + 1) … (x + k − 1))`.
 * Reference: Abramowitz & Stegun 6.1.40.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === 1 || x === 2) return 0;
  let shift = 0;
  let product = 1;
  let z = x;
  while (z < STIRLING_SHIFT) {
    product *= z;
    z += 1;
    shift++;
  }
  const r = 1 / z;
  const r2 = r * r;
  // Bernoulli-number coefficients B2k / (2k (2k - 1)), evaluated by Horner in 1/z².
  const series =
    r *
    (1 / 12 +
      r2 *
        (-1 / 360 +
          r2 *
            (1 / 1260 +
              r2 *
                (-1 / 1680 +
                  r2 *
                    (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156 + r2 * (-3617 / 122400))))))));
  const value = (z - 0.5) * Math.log(z) - z + LOG_SQRT_2PI + series;
  return shift === 0 ? value : value - Math.log(product);
}

const GAMMA_EPS = 1e-16;
const GAMMA_MAX_ITERATIONS = 100_000;
const TINY = 1e-300;

/** ln of the common prefactor x^a e^(−x) / Γ(a). */
function logGammaPrefactor(a: number, x: number): number {
  return a * Math.log(x) - x - logGamma(a);
}

/** Series for P(a, x), good for x < a + 1 (A&S 6.5.29). */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < GAMMA_MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * GAMMA_EPS) break;
  }
  return sum * Math.exp(logGammaPrefactor(a, x));
}

/** Continued fraction for Q(a, x), good for x ≥ a + 1 (modified Lentz, A&S 6.5.31). */
function upperGammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < GAMMA_MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < GAMMA_EPS) break;
  }
  return Math.exp(logGammaPrefactor(a, x)) * h;
}

/**
 * Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), a > 0, x ≥ 0.
 * Reference: Abramowitz & Stegun 6.5; Numerical Recipes §6.2 (method).
 */
export function regularizedGammaP(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? lowerGammaSeries(a, x) : 1 - upperGammaContinuedFraction(a, x);
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) = 1 − P(a, x),
 * computed directly (not as 1 − P) where it is small so that tiny tail
 * probabilities keep their relative accuracy.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaContinuedFraction(a, x);
}

/**
 * Survival function of the chi-square distribution with `dof` degrees of
 * freedom: `Pr(X ≥ x) = Q(dof / 2, x / 2)`. As scipy.stats.chi2.sf.
 */
export function chiSquareSf(x: number, dof: number): number {
  if (!(dof > 0)) return Number.NaN;
  if (x <= 0) return 1;
  return regularizedGammaQ(dof / 2, x / 2);
}

/** Complementary error function, `erfc(x) = Q(½, x²)` for x ≥ 0 (A&S 7.1.2, 6.5.17). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  return regularizedGammaQ(0.5, x * x);
}

/** Upper tail of the standard normal distribution, `Pr(Z ≥ z) = ½ erfc(z / √2)`. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}
