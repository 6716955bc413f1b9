/**
 * Distribution of the one-sample Kolmogorov–Smirnov statistics.
 *
 * - {@link smirnovSf}: one-sided `D⁺ₙ`, exact (Smirnov 1944; Birnbaum & Tingey 1951).
 * - {@link kolmogorovSf}: two-sided `Dₙ`, the distribution scipy calls `kstwo`,
 *   computed as Simard & L'Ecuyer (2011) recommend: exact where it is cheap,
 *   Pelz–Good's asymptotic series where n is large.
 * - {@link kolmogorovLimitSf}: Kolmogorov's limiting distribution of √n·Dₙ
 *   (scipy's `kstwobign`).
 *
 * The two-sample KS test uses {@link kolmogorovSf} with an effective sample
 * size for its asymptotic p-value, as `scipy.stats.ks_2samp(method='asymp')`
 * does. The branch points below are those of scipy's `_kolmogn` (scipy
 * 1.10) so that the approximation error is the same as scipy's, not merely as
 * small; the one deliberate difference is that the band scipy gives to
 * Pomeranz's recursion (n ≤ 140, 0.754693 < n·d² ≤ 4) uses Durbin's matrix
 * method instead: both are exact, so the values agree to rounding.
 *
 * References:
 * - Durbin J (1968) The probability that the sample distribution function lies
 *   between two parallel straight lines. Ann. Math. Statist. 39, 398–411.
 * - Marsaglia G, Tsang WW, Wang J (2003) Evaluating Kolmogorov's distribution.
 *   J. Stat. Softw. 8(18).
 * - Pelz W, Good IJ (1976) Approximating the lower tail-areas of the
 *   Kolmogorov–Smirnov one-sample statistic. JRSS B 38(2), 152–156.
 * - Simard R, L'Ecuyer P (2011) Computing the two-sided Kolmogorov–Smirnov
 *   distribution. J. Stat. Softw. 39(11).
 * - van Mulbregt P (2018) Computing the CDF and quantiles of the one-sided
 *   Kolmogorov–Smirnov statistic. arXiv:1802.06966.
 */
import { logGamma } from './specialFunctions.js';

const TWO_POW_128 = 2 ** 128;
const TWO_POW_MINUS_128 = 2 ** -128;
/** ln of the smallest normal double, as cephes' MINLOG. */
const MIN_LOG = -708.3964185322641;
/** scipy's `_MIN_LOG`: below this exp() underflows. */
const MIN_EXPABLE_LOG = -708;
/** Above this n, scipy's smirnov switches to an approximation (too many terms). */
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const PI2 = Math.PI * Math.PI;
const PI4 = PI2 * PI2;
const PI6 = PI4 * PI2;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const SQRT3 = Math.sqrt(3);

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** x · 2^e without overflowing an intermediate power of two. */
function scaleByPowerOfTwo(x: number, e: number): number {
  let value = x;
  let remaining = e;
  while (remaining > 1000) {
    value *= 2 ** 1000;
    remaining -= 1000;
  }
  while (remaining < -1000) {
    value *= 2 ** -1000;
    remaining += 1000;
  }
  return value * 2 ** remaining;
}

/**
 * Kolmogorov's limiting distribution: `Pr(K ≥ x)` where `K = lim √n·Dₙ`,
 * `Pr(K ≥ x) = 2 Σ_{k≥1} (−1)^(k−1) e^(−2k²x²)`, evaluated for small x through
 * the Jacobi-theta form `1 − (√(2π)/x) Σ_{k≥1} e^(−(2k−1)²π²/(8x²))`.
 * Same as `scipy.special.kolmogorov` / `scipy.stats.kstwobign.sf`.
 */
export function kolmogorovLimitSf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x <= 0.82) {
    const logU = -PI2 / (8 * x * x);
    let sum = 0;
    for (let k = 1; k < 50; k += 2) {
      const term = Math.exp(logU * k * k);
      sum += term;
      if (term <= sum * 1e-17) break;
    }
    return clip01(1 - (SQRT_2PI / x) * sum);
  }
  let sum = 0;
  let sign = 1;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += sign * term;
    if (term <= Math.abs(sum) * 1e-17) break;
    sign = -sign;
  }
  return clip01(2 * sum);
}

/**
 * Survival function of the one-sided one-sample KS statistic D⁺ₙ, exact:
 *
 * `Pr(D⁺ₙ ≥ x) = x Σ_{v=0}^{⌊n(1−x)⌋} C(n, v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v)`
 *
 * (Smirnov 1944; Birnbaum & Tingey 1951), with the closed forms for
 * x ≤ 1/n and x ≥ 1 − 1/n, and for n > 10⁶ the approximation
 * `exp(−(6nx + 1)² / (18n))` that scipy.special.smirnov uses there.
 * Terms are summed in log space so that C(n, v) never overflows.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n >= 1) || !Number.isInteger(n) || !(x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  const nxFloor = Math.floor(nx);
  if (nxFloor === 0 || (nxFloor === 1 && nx === 1)) {
    // x ≤ 1/n: Pr(D⁺ₙ < x) = x (1 + x)^(n−1).
    return clip01(1 - x * Math.pow(1 + x, n - 1));
  }
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxFloor >= n - 1) return clip01(Math.pow(1 - x, n));
  if (n > SMIRNOV_MAX_COMPUTE_N) return clip01(Math.exp(-Math.pow(6 * n * x + 1, 2) / 18 / n));

  // Terms with 1 − x − v/n ≤ 0 vanish: v < n(1 − x).
  const lastV = Math.ceil(n - nx) - 1;
  const termCount = lastV + 1;
  const middle = Math.floor(n / 2);
  let logBinomial = 0;
  let sum = 0;
  for (let v = 0; v <= lastV; v++) {
    const left = x + v / n;
    const right = (n - v) / n - x;
    let term = 0;
    if (right > 0) {
      const logTerm = logBinomial + (v - 1) * Math.log(left) + (n - v) * Math.log(right);
      term = Math.exp(logTerm);
      sum += term;
    }
    // Stop once the remaining terms cannot change the sum (scipy's criterion).
    if (term !== 0) {
      if (4 * (termCount - v) * term < Number.EPSILON * sum && v !== lastV) break;
    } else if (v > middle) {
      break;
    }
    logBinomial += Math.log((n - v) / (v + 1));
  }
  return clip01(x * sum);
}

/**
 * Durbin's matrix method (with Marsaglia–Tsang–Wang's formulation):
 * `Pr(Dₙ < d) = n!/nⁿ · (Hⁿ)ₖₖ` with `d = (k − h)/n`, `H` of order 2k − 1.
 * Exact; cost O(k³ log n), so only used where k = ⌈nd⌉ is small.
 * Powers of two rescale the intermediate matrices (exact operations).
 */
function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const inverseFactorial = new Float64Array(m + 1);
  inverseFactorial[0] = 1;
  for (let j = 1; j <= m; j++) inverseFactorial[j] = inverseFactorial[j - 1]! / j;

  const H = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    for (let c = 1; c < m; c++) {
      const order = r - c + 1;
      if (order >= 0) H[r * m + c] = inverseFactorial[order]!;
    }
    H[r * m] = (1 - Math.pow(h, r + 1)) * inverseFactorial[r + 1]!;
  }
  for (let c = 0; c < m; c++)
    H[(m - 1) * m + c] = (1 - Math.pow(h, m - c)) * inverseFactorial[m - c]!;
  H[(m - 1) * m] =
    (1 - 2 * Math.pow(h, m) + Math.pow(Math.max(0, 2 * h - 1), m)) * inverseFactorial[m]!;

  const diagonal = (k - 1) * m + (k - 1);
  let base: Float64Array = H;
  let baseExponent = 0;
  let result: Float64Array | null = null;
  let resultExponent = 0;
  let power = n;
  while (power > 0) {
    if (power % 2 === 1) {
      result = result === null ? base.slice() : multiplySquare(result, base, m);
      resultExponent += baseExponent;
      if (Math.abs(result[diagonal]!) > TWO_POW_128) {
        scaleInPlace(result, TWO_POW_MINUS_128);
        resultExponent += 128;
      }
    }
    power = Math.floor(power / 2);
    if (power > 0) {
      base = multiplySquare(base, base, m);
      baseExponent *= 2;
      if (Math.abs(base[diagonal]!) > TWO_POW_128) {
        scaleInPlace(base, TWO_POW_MINUS_128);
        baseExponent += 128;
      }
    }
  }
  let p = result![diagonal]!;
  let exponent = resultExponent;
  // Multiply by n!/nⁿ one factor at a time, rescaling to avoid underflow.
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < TWO_POW_MINUS_128) {
      p *= TWO_POW_128;
      exponent -= 128;
    }
  }
  return clip01(scaleByPowerOfTwo(p, exponent));
}

function multiplySquare(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const rowOffset = i * m;
    for (let l = 0; l < m; l++) {
      const ail = a[rowOffset + l]!;
      if (ail === 0) continue;
      const bOffset = l * m;
      for (let j = 0; j < m; j++) out[rowOffset + j]! += ail * b[bOffset + j]!;
    }
  }
  return out;
}

function scaleInPlace(a: Float64Array, factor: number): void {
  for (let i = 0; i < a.length; i++) a[i]! *= factor;
}

/**
 * Pelz–Good asymptotic expansion of `Pr(Dₙ ≤ x)`: Li-Chien/Korolyuk's series
 * `K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2}` with z = √n·x, each term
 * rewritten through Jacobi's theta transformation so that it converges fast
 * for small z (Pelz & Good 1976, eq. 3).
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const logQ = -PI2 / 8 / z2;
  if (logQ < MIN_EXPABLE_LOG) return 0;
  const q = Math.exp(logQ);

  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;

  // Σ c(m) q^(m²) over odd m = 2k − 1, by Horner in q^(8k).
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qPower = Math.pow(q, 8 * k);
    s0 = s0 * qPower + 1;
    s1 = s1 * qPower + (k1a + k1b * m2);
    s2 = s2 * qPower + (k2a + k2b * m2 + k2c * m4);
    s3 = s3 * qPower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  s0 = (s0 * q * SQRT_2PI) / z;
  s1 = (s1 * q * SQRT_2PI) / (6 * z4);
  s2 = (s2 * q * SQRT_2PI) / (72 * z4 * z3);
  s3 = (s3 * q * SQRT_2PI) / (6480 * z6 * z4);

  // The remaining sums over all integers k of K₂ and K₃.
  const q2 = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = SQRT3 * z;
  let extra2 = 0;
  let extra3 = 0;
  for (let k = maxK; k >= 1; k--) {
    const k2 = k * k;
    const weight = k2 * Math.pow(q2, k2);
    extra2 += weight;
    const kPi = Math.PI * k;
    extra3 += (sqrt3z + kPi) * (sqrt3z - kPi) * weight;
  }
  s2 += (extra2 * PI2 * SQRT_2PI) / (-36 * z3);
  s3 += (extra3 * PI2 * SQRT_2PI) / (216 * z6);

  return s0 + s1 / Math.sqrt(n) + s2 / n + s3 / Math.pow(n, 1.5);
}

/** ln(n!/nⁿ). */
function logFactorialOverPower(n: number): number {
  return logGamma(n + 1) - n * Math.log(n);
}

/**
 * Survival function of the two-sided one-sample KS statistic,
 * `Pr(Dₙ ≥ d)` for a sample of size n from a continuous distribution —
 * `scipy.stats.kstwo.sf(d, n)`.
 *
 * Method by region, as Simard & L'Ecuyer (2011) and scipy:
 * - d ≤ 1/n and d ≥ 1 − 1/n: Ruben–Gambino closed forms;
 * - d ≥ ½, or n·d² large: `2·Pr(D⁺ₙ ≥ d)` (exact there, the two tails cannot
 *   both be crossed when d ≥ ½; negligible error otherwise);
 * - otherwise `1 − Pr(Dₙ < d)` with Durbin's exact matrix method for small n
 *   or small d, Pelz–Good's expansion for large n.
 */
export function kolmogorovSf(n: number, d: number): number {
  if (!(n >= 1) || !Number.isInteger(n) || Number.isNaN(d)) return Number.NaN;
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    // Pr(Dₙ < d) = n!/nⁿ (2t − 1)ⁿ for 1/(2n) < d ≤ 1/n.
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= (i / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * Math.pow(1 - d, n));
  if (d >= 0.5) return clip01(2 * smirnovSf(n, d));

  const nd2 = t * d;
  if (n <= 140) {
    // scipy: Durbin below 0.754693, Pomeranz up to 4; Durbin is exact in both.
    if (nd2 <= 4) return clip01(1 - durbinMatrixCdf(n, d));
    return clip01(2 * smirnovSf(n, d));
  }
  if (nd2 >= 370) return 0;
  if (nd2 >= 2.2) return clip01(2 * smirnovSf(n, d));
  const cdf =
    n <= 100_000 && n * Math.pow(d, 1.5) <= 1.4 ? durbinMatrixCdf(n, d) : pelzGoodCdf(n, d);
  return clip01(1 - cdf);
}
