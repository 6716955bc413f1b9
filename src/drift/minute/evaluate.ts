/**
 * evaluateDriftFromMinuteSummary: the drift decision of `evaluateDrift`,
 * computed from the window's merged minute summary (built at ingest, so the
 * raw rows are never read). Any reference works — the sketch keeps the
 * window's distribution, not a grid of one reference — so a reference
 * uploaded after ingest is served as well as one uploaded before.
 *
 * Exact (the same numbers as the exact path on the same rows): chi-square,
 * Jensen–Shannon and PSI of categorical features while a feature has at most
 * `maxCategories` distinct values (past that, the folded values form one
 * category `__other__`, tested as its own category and reported), missing
 * rates, and every correction and decision downstream.
 *
 * From the KLL sketch (stats/kll.ts), with F̂ = the sketch's rank and F the
 * window's exact ECDF, `ε = sup |F̂ − F|` ≤ the sketch's simultaneous rank
 * error bound at `confidence` (default 0.99; stats/kllBounds.ts):
 * - KS D̂ = sup |F_ref − F̂| (stats/kllKs.ts); |D̂ − D| ≤ ε. The p-value is the
 *   two-sample KS distribution's (`ksFromScaledStatistic`, the exact path's
 *   function) with n = the reference count, m = the sketch count, taken at
 *   D̂ − ε (the highest the sketch allows, so sketch error never raises an
 *   alarm); `pValueRange` holds the p-values at D̂ + ε and D̂ − ε.
 * - Wasserstein W₁ = ∫ |F_ref − F̂| dx; |Ŵ − W| ≤ ∫ |F̂ − F| dx ≤ ε·(max − min)
 *   of the window (outside [min, max] both are 0 or 1, exactly).
 * - PSI on the reference's bin edges, the current bin counts read from the
 *   sketch's ranks just below each edge (each bin share within 2ε).
 * - Out-of-range share: sketch weight below the reference min and above its
 *   max (within 2ε).
 */
import type {
  CategoricalFeatureProfile,
  NumericFeatureProfile,
  ReferenceProfile,
} from '../../core/referenceProfile.js';
import type { KllSketch, KllSortedView } from '../../stats/kll.js';
import {
  ksFromScaledStatistic,
  ksStatisticAgainstSketch,
  type KsMethod,
} from '../../stats/index.js';
import type { CurrentDistributions } from '../currentDistributions.js';
import { assembleDriftReport, type KindedFeatureRows } from '../evaluate.js';
import {
  categoricalFeatureRows,
  numericRowsFromStatistics,
  type FeatureRows,
  type NumericStatistics,
} from '../featureTests.js';
import { resolveDriftPolicy, type DriftPolicy, type DriftPolicyInput } from '../policy.js';
import { SCORE_FEATURE, type DriftReport, type SketchFeatureApproximation } from '../types.js';
import {
  OTHER_CATEGORY,
  type CategoricalMinute,
  type MinuteSummary,
  type NumericMinute,
} from './types.js';

/** Confidence of the reported bounds unless the caller asks for another. */
export const SKETCH_BOUND_CONFIDENCE = 0.99;

export interface EvaluateDriftFromMinuteSummaryInput {
  reference: ReferenceProfile;
  /** The window's minute summaries merged (merge.ts); null when the window has none. */
  summary: MinuteSummary | null;
  /** Overrides of {@link defaultDriftPolicy}; a full DriftPolicy works too. */
  policy?: DriftPolicyInput | undefined;
  /** Probability with which each reported bound holds (default 0.99). */
  confidence?: number | undefined;
}

export interface MinuteDriftEvaluation {
  /** `path: 'summaries'`, bounds in `approximation` (a SketchApproximation). */
  report: DriftReport;
  /** What the run saw of the window, for the run page's pictures. */
  current: CurrentDistributions;
}

/** Sketch weight (estimated count) of values strictly below x. */
function weightBelow(view: KllSortedView, x: number): number {
  let lo = 0;
  let hi = view.values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (view.values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : view.cumulativeWeights[lo - 1]!;
}

/** Sketch weight (estimated count) of values at most x. */
function weightAtMost(view: KllSortedView, x: number): number {
  let lo = 0;
  let hi = view.values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (view.values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : view.cumulativeWeights[lo - 1]!;
}

/**
 * `∫ |F_ref − F̂| dx` by a merge walk over the reference values and the
 * sketch's items (both CDFs are steps jumping only there), as
 * `wassersteinDistanceSorted` does for two samples: Σ |i·m − w·n|·Δx / (n·m).
 */
export function wassersteinAgainstSketch(
  referenceSorted: Float64Array,
  view: KllSortedView,
  m: number,
): number {
  const n = referenceSorted.length;
  const { values, cumulativeWeights } = view;
  const r = values.length;
  let i = 0;
  let j = 0;
  let area = 0;
  let x = Math.min(referenceSorted[0]!, values[0]!);
  for (;;) {
    while (i < n && referenceSorted[i] === x) i++;
    while (j < r && values[j] === x) j++;
    if (i === n && j === r) break;
    const next =
      i === n
        ? values[j]!
        : j === r
          ? referenceSorted[i]!
          : Math.min(referenceSorted[i]!, values[j]!);
    const w = j === 0 ? 0 : cumulativeWeights[j - 1]!;
    area += Math.abs(i * m - w * n) * (next - x);
    x = next;
  }
  return area / (n * m);
}

/**
 * The scale of the normalised Wasserstein distance, as
 * `normalizedWassersteinDistanceSorted`: the reference std, else the pooled
 * sample std of the reference and the window (the window's from Σv, Σv²).
 */
function wassersteinScale(profile: NumericFeatureProfile, minute: NumericMinute): number {
  if (profile.std > 0) return profile.std;
  let s1 = minute.sum;
  let s2 = minute.sumSquares;
  for (let i = 0; i < profile.sortedValues.length; i++) {
    const v = profile.sortedValues[i]!;
    s1 += v;
    s2 += v * v;
  }
  const total = profile.n + minute.count;
  if (total < 2) return 0;
  const variance = (s2 - (s1 * s1) / total) / (total - 1);
  return variance > 0 ? Math.sqrt(variance) : 0;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/**
 * The p-value of KS statistic d (clamped to [0, 1]), snapped to the nearest
 * attainable value h·gcd(n, m) / (n·m), as the exact distribution needs.
 */
function ksPValueAt(n: number, m: number, d: number, method: KsMethod): number {
  const clamped = Math.min(1, Math.max(0, d));
  const g = gcd(n, m);
  return ksFromScaledStatistic(n, m, g * Math.round((clamped * n * m) / g), method).pValue;
}

/** KS, W₁, PSI bins and outside count of one numeric feature against its sketch. */
export function sketchStatistics(
  profile: NumericFeatureProfile,
  minute: NumericMinute,
  policy: DriftPolicy,
  confidence: number,
  approximation: SketchFeatureApproximation,
): NumericStatistics {
  const n = profile.n;
  const m = minute.count;
  const sketch: KllSketch = minute.sketch;
  const against = ksStatisticAgainstSketch(profile.sortedValues, sketch, { confidence });
  // D̂·n·m = |i·m − w·n| with integer i and w (the sketch's weights are powers
  // of two): an integer, recovered by rounding, so the p-value is that of a
  // point of the (n, m) lattice, as on the exact path.
  const atEstimate = ksFromScaledStatistic(
    n,
    m,
    Math.round(against.statistic * n * m),
    policy.ksMethod,
  );
  approximation.ksErrorBound = against.bound;
  const [lowest, highest] =
    against.bound === 0
      ? [atEstimate.pValue, atEstimate.pValue]
      : [
          ksPValueAt(n, m, atEstimate.statistic + against.bound, policy.ksMethod),
          ksPValueAt(n, m, atEstimate.statistic - against.bound, policy.ksMethod),
        ];
  approximation.pValueRange = [lowest, highest];
  // The p-value the decision uses is the highest the sketch allows (at
  // D̂ − ε). On large windows the p-value at D̂ itself is driven by the
  // sketch's error, not the data: with 10⁶ rows a D̂ off by 0.005 — well
  // inside ε ≈ 0.02 — turns p = 0.8 into 10⁻⁷. Taking the upper end means a
  // sketch never raises an alarm the rows might not; the price is that
  // shifts with D below ε go unflagged, which the default KS effect-size
  // floor (0.1, five times ε) ignores anyway.
  const ks = { ...atEstimate, pValue: highest };

  const view = sketch.sortedView();
  const distance = wassersteinAgainstSketch(profile.sortedValues, view, m);
  const scale = wassersteinScale(profile, minute);
  approximation.wassersteinErrorBound =
    scale > 0 ? (against.bound * (minute.max - minute.min)) / scale : 0;

  const edges = profile.binEdges;
  const currentPsiBins = new Array<number>(edges.length + 1).fill(0);
  let below = 0;
  for (let e = 0; e < edges.length; e++) {
    const next = weightBelow(view, edges[e]!);
    currentPsiBins[e] = next - below;
    below = next;
  }
  currentPsiBins[edges.length] = m - below;
  const outsideCount = weightBelow(view, profile.min) + (m - weightAtMost(view, profile.max));
  return {
    ks,
    wasserstein: { distance, normalized: scale > 0 ? distance / scale : 0 },
    currentPsiBins,
    outsideCount,
  };
}

const EMPTY_NUMERIC = (rows: number) => ({ n: 0, missing: rows });

function numericRows(
  profile: NumericFeatureProfile,
  minute: NumericMinute | undefined,
  rows: number,
  policy: DriftPolicy,
  confidence: number,
  approximations: SketchFeatureApproximation[],
): FeatureRows {
  const approximation: SketchFeatureApproximation = {
    feature: profile.name,
    ksErrorBound: null,
    pValueRange: null,
    wassersteinErrorBound: null,
  };
  approximations.push(approximation);
  const sizes = minute ? { n: minute.count, missing: minute.missing } : EMPTY_NUMERIC(rows);
  return numericRowsFromStatistics(profile, sizes, policy, () =>
    sketchStatistics(profile, minute!, policy, confidence, approximation),
  );
}

/** Category → count, the folded values under `__other__` (added to a real `__other__`). */
export function categoryCountsOf(minute: CategoricalMinute): Map<string, number> {
  const counts = new Map(minute.counts);
  if (minute.other > 0)
    counts.set(OTHER_CATEGORY, (counts.get(OTHER_CATEGORY) ?? 0) + minute.other);
  return counts;
}

function categoricalRows(
  profile: CategoricalFeatureProfile,
  minute: CategoricalMinute | undefined,
  rows: number,
  policy: DriftPolicy,
): FeatureRows {
  // Null prototype: category names are data.
  const counts = Object.create(null) as Record<string, number>;
  if (minute) for (const [category, count] of categoryCountsOf(minute)) counts[category] = count;
  return categoricalFeatureRows(
    profile,
    { counts, n: minute?.count ?? 0, missing: minute?.missing ?? rows },
    policy,
  );
}

/** {@link CurrentDistributions} of a merged minute summary. */
export function minuteDistributions(summary: MinuteSummary | null): CurrentDistributions {
  const numericOf = (name: string): NumericMinute | undefined =>
    name === SCORE_FEATURE ? summary?.score : summary?.numeric.get(name);
  return {
    numericCdf(name) {
      const minute = numericOf(name);
      if (!minute || minute.count === 0) return null;
      const view = minute.sketch.sortedView();
      const count = minute.count;
      return (x) => (Number.isNaN(x) ? Number.NaN : weightAtMost(view, x) / count);
    },
    categoryCounts(name) {
      const minute = summary?.categorical.get(name);
      if (!minute || minute.count === 0) return null;
      return categoryCountsOf(minute);
    },
  };
}

/**
 * Evaluates the window's merged minute summary against a reference: the
 * same tests, rows, corrections and decisions as `evaluateDrift`, with
 * `path: 'summaries'` and the bounds in `approximation` (see the module
 * comment). A tested feature the summary does not hold is missing in every
 * row of the window.
 */
export function evaluateDriftFromMinuteSummary(
  input: EvaluateDriftFromMinuteSummaryInput,
): MinuteDriftEvaluation {
  const policy = resolveDriftPolicy(input.policy);
  const confidence = input.confidence ?? SKETCH_BOUND_CONFIDENCE;
  const { reference, summary } = input;
  const rows = summary?.rows ?? 0;
  const approximations: SketchFeatureApproximation[] = [];
  const featureRows: KindedFeatureRows[] = reference.features.map((profile) =>
    profile.kind === 'numeric'
      ? {
          kind: 'numeric' as const,
          rows: numericRows(
            profile,
            summary?.numeric.get(profile.name),
            rows,
            policy,
            confidence,
            approximations,
          ),
        }
      : {
          kind: 'categorical' as const,
          rows: categoricalRows(profile, summary?.categorical.get(profile.name), rows, policy),
        },
  );
  let scoreRows: FeatureRows | null = null;
  if (reference.score !== null) {
    const profile = { ...reference.score, name: SCORE_FEATURE };
    scoreRows = numericRows(profile, summary?.score, rows, policy, confidence, approximations);
  }
  let ksErrorBound = 0;
  for (const a of approximations) {
    if (a.ksErrorBound !== null && a.ksErrorBound > ksErrorBound) ksErrorBound = a.ksErrorBound;
  }
  const report = assembleDriftReport(featureRows, scoreRows, policy, {
    path: 'summaries',
    approximation: {
      method: 'kll_sketch',
      confidence,
      k: summary?.k ?? 0,
      ksErrorBound,
      features: approximations,
    },
  });
  return { report, current: minuteDistributions(summary) };
}
