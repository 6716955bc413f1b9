/**
 * evaluateDriftFromSummary: the drift decision of `evaluateDrift`, computed
 * from a mergeable window summary instead of the window's raw values.
 *
 * Exact (bit for bit the same numbers as the exact path): chi-square, JS
 * distance and PSI of categorical features (a categorical summary is the
 * exact category counts), PSI of numeric features (the profile's PSI edges
 * are grid edges), missing rates, out-of-range and unseen-category shares,
 * and every correction and decision downstream.
 *
 * Approximate, with a bound computed from the data:
 * - KS D. The reference CDF is known everywhere (sorted values); the current
 *   CDF is known exactly just below and at every grid edge (bin counts and
 *   atom counts). The reported D is the largest gap at those points, a gap the
 *   exact walk also sees, so D_reported ≤ D_exact. Inside a bin [a, b) the
 *   reference CDF moves from F_ref(a) to F_ref(b−) and the current one from
 *   F_cur(a) to F_cur(b−), so the gap there is at most
 *   max(F_ref(b−) − F_cur(a), F_cur(b−) − F_ref(a)); the largest of these
 *   over bins, minus D_reported, is `ksErrorBound`. It never exceeds the
 *   reference mass strictly inside one bin (≈ 1/bins), whatever the window.
 * - The KS p-value: the same method choice as `ksTwoSample` (`auto`: exact up
 *   to 10 000 values, else SciPy's asymptotic kstwo), applied to D_reported.
 * - Wasserstein: W₁ between the reference and the window with each bin's
 *   non-atom values moved to their mean (atoms stay where they are). Moving
 *   mass c within [lo, hi] to its mean μ costs at most c·2(μ − lo)(hi − μ)/(hi − lo)
 *   (the mean absolute deviation of a two-point law), so by the triangle
 *   inequality |W₁_exact − W₁_reported| ≤ Σ_bins of that / m.
 */
import type { NumericFeatureProfile, ReferenceProfile } from '../../core/referenceProfile.js';
import { binIndex, ksFromScaledStatistic } from '../../stats/index.js';
import { assembleDriftReport, type KindedFeatureRows } from '../evaluate.js';
import {
  categoricalFeatureRows,
  numericRowsFromStatistics,
  type FeatureRows,
} from '../featureTests.js';
import { resolveDriftPolicy, type DriftPolicy, type DriftPolicyInput } from '../policy.js';
import { SCORE_FEATURE, type DriftReport, type FeatureApproximation } from '../types.js';
import { summaryGrid, type SummaryGrid } from './grid.js';
import { WindowSummaryError, type NumericSummary, type WindowSummary } from './types.js';

export interface EvaluateDriftFromSummaryInput {
  reference: ReferenceProfile;
  summary: WindowSummary;
  /** Overrides of {@link defaultDriftPolicy}; a full DriftPolicy works too. */
  policy?: DriftPolicyInput | undefined;
}

/**
 * KS from a summary: the scaled statistic at the grid edges and the scaled
 * upper bound of the exact statistic (see the module comment).
 */
export function ksScaledFromSummary(
  grid: SummaryGrid,
  n: number,
  summary: NumericSummary,
): { scaled: number; upperScaled: number } {
  const { edges, referenceBelow, referenceAtOrBelow } = grid;
  const { counts, atoms } = summary;
  const m = summary.n;
  const last = edges.length - 1;
  let below = 0;
  let best = 0;
  let upper = 0;
  for (let e = 0; e <= last; e++) {
    // Current values < edges[e]: bins 0 … e.
    below += counts[e]!;
    const atOrBelow = below + atoms[e + 1]!;
    const ra = referenceAtOrBelow[e]!;
    const gapBelow = Math.abs(referenceBelow[e]! * m - below * n);
    const gapAt = Math.abs(ra * m - atOrBelow * n);
    if (gapBelow > best) best = gapBelow;
    if (gapAt > best) best = gapAt;
    if (e < last) {
      // Bin e + 1 = [edges[e], edges[e + 1]): both CDFs move monotonically inside it.
      const rb = referenceBelow[e + 1]!;
      const cb = below + counts[e + 1]!;
      const inside = Math.max(rb * m - atOrBelow * n, cb * n - ra * m);
      if (inside > upper) upper = inside;
    }
  }
  return { scaled: best, upperScaled: Math.max(best, upper) };
}

/**
 * W₁ (feature units) from a summary and a bound on its error, both divided
 * by nothing yet; see the module comment.
 */
export function wassersteinFromSummary(
  profile: NumericFeatureProfile,
  grid: SummaryGrid,
  summary: NumericSummary,
): { distance: number; errorBound: number } {
  const { edges } = grid;
  const { counts, atoms, offsetSums } = summary;
  const m = summary.n;
  const last = edges.length;
  const positions: number[] = [];
  const weights: number[] = [];
  let moved = 0;
  for (let k = 0; k <= last; k++) {
    const count = counts[k]!;
    if (count === 0) continue;
    const atom = atoms[k]!;
    if (atom > 0) {
      positions.push(edges[k - 1]!);
      weights.push(atom);
    }
    const interior = count - atom;
    if (interior === 0) continue;
    const lo = k === 0 ? summary.min! : edges[k - 1]!;
    const hi = k === last ? summary.max! : edges[k]!;
    const anchor = k === 0 ? edges[0]! : edges[k - 1]!;
    const mu = Math.min(hi, Math.max(lo, anchor + offsetSums[k]! / interior));
    positions.push(mu);
    weights.push(interior);
    if (hi > lo) moved += (interior * 2 * (mu - lo) * (hi - mu)) / (hi - lo);
  }
  const reference = profile.sortedValues;
  const n = reference.length;
  let i = 0;
  let p = 0;
  let j = 0;
  let area = 0;
  let x = Math.min(reference[0]!, positions[0]!);
  for (;;) {
    while (i < n && reference[i] === x) i++;
    while (p < positions.length && positions[p] === x) j += weights[p++]!;
    if (i === n && p === positions.length) break;
    const next =
      i === n
        ? positions[p]!
        : p === positions.length
          ? reference[i]!
          : Math.min(reference[i]!, positions[p]!);
    area += Math.abs(i * m - j * n) * (next - x);
    x = next;
  }
  return { distance: area / (n * m), errorBound: moved / m };
}

/**
 * The scale of the normalised Wasserstein distance, as
 * `normalizedWassersteinDistanceSorted`: the reference std, else the pooled
 * std of both samples (from the summary's Σ(v − origin) and Σ(v − origin)²).
 */
function wassersteinScale(
  profile: NumericFeatureProfile,
  grid: SummaryGrid,
  summary: NumericSummary,
): number {
  if (profile.std > 0) return profile.std;
  const origin = grid.edges[0]!;
  let s1 = summary.sum;
  let s2 = summary.sumSquares;
  for (let i = 0; i < profile.sortedValues.length; i++) {
    const d = profile.sortedValues[i]! - origin;
    s1 += d;
    s2 += d * d;
  }
  const total = profile.n + summary.n;
  if (total < 2) return 0;
  const variance = (s2 - (s1 * s1) / total) / (total - 1);
  return variance > 0 ? Math.sqrt(variance) : 0;
}

function numericSummaryRows(
  profile: NumericFeatureProfile,
  summary: NumericSummary,
  bins: number,
  policy: DriftPolicy,
  approximations: FeatureApproximation[],
): FeatureRows {
  const grid = summaryGrid(profile, bins);
  if (grid.fingerprint !== summary.grid || grid.binCount !== summary.counts.length) {
    throw new WindowSummaryError(
      'grid_mismatch',
      `feature ${JSON.stringify(summary.name)}: the summary was built on grid ${summary.grid}, the reference gives ${grid.fingerprint} (another reference or bins setting?)`,
    );
  }
  const approximation: FeatureApproximation = {
    feature: profile.name,
    ksErrorBound: null,
    wassersteinErrorBound: null,
  };
  approximations.push(approximation);
  return numericRowsFromStatistics(profile, summary, policy, () => {
    const n = profile.n;
    const m = summary.n;
    const { scaled, upperScaled } = ksScaledFromSummary(grid, n, summary);
    const ks = ksFromScaledStatistic(n, m, scaled, policy.ksMethod);
    approximation.ksErrorBound = (upperScaled - scaled) / (n * m);

    const w = wassersteinFromSummary(profile, grid, summary);
    const scale = wassersteinScale(profile, grid, summary);
    approximation.wassersteinErrorBound = scale > 0 ? w.errorBound / scale : 0;

    const { edges, binCount } = grid;
    const currentPsiBins = new Array<number>(profile.binEdges.length + 1).fill(0);
    for (let k = 0; k < binCount; k++) {
      const psiBin = k === 0 ? 0 : binIndex(profile.binEdges, edges[k - 1]!);
      currentPsiBins[psiBin]! += summary.counts[k]!;
    }
    return {
      ks,
      wasserstein: { distance: w.distance, normalized: scale > 0 ? w.distance / scale : 0 },
      currentPsiBins,
      outsideCount: summary.counts[0]! + summary.counts[binCount - 1]!,
    };
  });
}

/**
 * Evaluates a window summary against the reference it was built on: the
 * same tests, rows, corrections and decisions as `evaluateDrift`, with
 * `path: 'approximate'` and the error bounds in `approximation`. The
 * summary's features are the tested ones (in the reference's order); a
 * reference feature the summary does not hold is not tested.
 *
 * @throws WindowSummaryError when a summarised feature is not in the
 *   reference (or has another kind), or its grid is not the reference's.
 */
export function evaluateDriftFromSummary(input: EvaluateDriftFromSummaryInput): DriftReport {
  const policy = resolveDriftPolicy(input.policy);
  const { reference, summary } = input;
  const byName = new Map(summary.features.map((f) => [f.name, f]));
  for (const f of summary.features) {
    const profile = reference.features.find((p) => p.name === f.name);
    if (profile === undefined || profile.kind !== f.kind) {
      throw new WindowSummaryError(
        'feature_mismatch',
        `feature ${JSON.stringify(f.name)} (${f.kind}) is not a ${f.kind} feature of the reference`,
      );
    }
  }
  const approximations: FeatureApproximation[] = [];
  const featureRows: KindedFeatureRows[] = [];
  for (const profile of reference.features) {
    const f = byName.get(profile.name);
    if (f === undefined) continue;
    if (profile.kind === 'numeric' && f.kind === 'numeric') {
      featureRows.push({
        kind: 'numeric',
        rows: numericSummaryRows(profile, f, summary.bins, policy, approximations),
      });
    } else if (profile.kind === 'categorical' && f.kind === 'categorical') {
      featureRows.push({ kind: 'categorical', rows: categoricalFeatureRows(profile, f, policy) });
    }
  }
  let scoreRows: FeatureRows | null = null;
  if (reference.score !== null && summary.score !== null) {
    const profile = { ...reference.score, name: SCORE_FEATURE };
    scoreRows = numericSummaryRows(profile, summary.score, summary.bins, policy, approximations);
  }
  let ksErrorBound = 0;
  for (const a of approximations) {
    if (a.ksErrorBound !== null && a.ksErrorBound > ksErrorBound) ksErrorBound = a.ksErrorBound;
  }
  return assembleDriftReport(featureRows, scoreRows, policy, {
    path: 'approximate',
    approximation: { bins: summary.bins, ksErrorBound, features: approximations },
  });
}
