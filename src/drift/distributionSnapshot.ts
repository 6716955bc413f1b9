/**
 * A compact picture of each tested feature's reference and current
 * distributions, stored with a drift run (`summary.distributions`) so the run
 * page can draw them without the window's rows.
 *
 * - Numeric features (and the score): `bins` equal-width bins spanning the
 *   reference's [min, max]; each side gives the fraction of its values per
 *   bin, the current side also what fell below the reference's min and above
 *   its max. With F the current CDF (share of values ≤ x) and edges
 *   e₀ < … < e_k: below = F(e₀⁻), bin 0 = F(e₁) − F(e₀⁻), bin i = F(e_{i+1}) −
 *   F(e_i), above = 1 − F(e_k). The terms telescope, so the current
 *   fractions sum to 1; so do the reference's, which has nothing outside.
 * - Categorical features: the categories that weigh most on either side
 *   (largest of the two fractions), the rest folded into `other`.
 *
 * Fractions are rounded to 6 decimals: the picture needs no more, and the
 * snapshot of a 40-feature run stays a few kilobytes.
 */
import { countAtMost } from '../stats/index.js';
import type { CurrentDistributions } from './currentDistributions.js';
import type {
  CategoricalFeatureProfile,
  NumericFeatureProfile,
  ReferenceProfile,
} from '../core/referenceProfile.js';
import { SCORE_FEATURE } from './types.js';

export const DEFAULT_SNAPSHOT_BINS = 30;
export const DEFAULT_SNAPSHOT_CATEGORIES = 12;

export interface NumericSnapshot {
  kind: 'numeric';
  feature: string;
  /** k + 1 ascending bin edges, from the reference's min to its max. */
  edges: number[];
  /** Fraction of the reference's values in each of the k bins. */
  reference: number[];
  /** The window's fractions; null when the window had no value of the feature. */
  current: { bins: number[]; below: number; above: number } | null;
}

export interface CategoryShare {
  category: string;
  reference: number;
  /** Null when the window had no value of the feature. */
  current: number | null;
}

export interface CategoricalSnapshot {
  kind: 'categorical';
  feature: string;
  /** Heaviest categories first. */
  categories: CategoryShare[];
  /** The categories left out, summed; null when none was. */
  other: (CategoryShare & { count: number }) | null;
}

export type DistributionSnapshot = NumericSnapshot | CategoricalSnapshot;

export interface SnapshotOptions {
  bins?: number;
  categories?: number;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** The largest double below x: F(prevDouble(e₀)) is the share strictly below e₀. */
function previousDouble(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits - 1n : bits + 1n);
  return view.getFloat64(0);
}

function numericEdges(profile: NumericFeatureProfile, bins: number): number[] {
  // A constant reference still gets a bin of width 1 around its value.
  const lo = profile.max > profile.min ? profile.min : profile.min - 0.5;
  const hi = profile.max > profile.min ? profile.max : profile.max + 0.5;
  const width = (hi - lo) / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
}

/** Bin fractions from a CDF; the first bin is closed on the left. */
function binFractions(cdf: (x: number) => number, edges: number[]) {
  const below = cdf(previousDouble(edges[0]!));
  const bins: number[] = [];
  let previous = below;
  for (let i = 1; i < edges.length; i++) {
    const atMost = cdf(edges[i]!);
    bins.push(Math.max(0, atMost - previous));
    previous = Math.max(previous, atMost);
  }
  return { bins, below, above: Math.max(0, 1 - previous) };
}

export function numericSnapshot(
  profile: NumericFeatureProfile,
  currentCdf: ((x: number) => number) | null,
  feature: string = profile.name,
  bins: number = DEFAULT_SNAPSHOT_BINS,
): NumericSnapshot {
  const edges = numericEdges(profile, bins);
  const sorted = profile.sortedValues;
  const referenceCdf = (x: number): number =>
    sorted.length === 0 ? 0 : countAtMost(sorted, x) / sorted.length;
  const reference = binFractions(referenceCdf, edges).bins;
  const current = currentCdf ? binFractions(currentCdf, edges) : null;
  return {
    kind: 'numeric',
    feature,
    edges,
    reference: reference.map(round6),
    current: current && {
      bins: current.bins.map(round6),
      below: round6(current.below),
      above: round6(current.above),
    },
  };
}

export function categoricalSnapshot(
  profile: CategoricalFeatureProfile,
  currentCounts: ReadonlyMap<string, number> | null,
  limit: number = DEFAULT_SNAPSHOT_CATEGORIES,
): CategoricalSnapshot {
  const referenceTotal = Object.values(profile.counts).reduce((sum, n) => sum + n, 0);
  const currentTotal = currentCounts ? [...currentCounts.values()].reduce((s, n) => s + n, 0) : 0;
  const names = new Set([...Object.keys(profile.counts), ...(currentCounts?.keys() ?? [])]);
  const shares: CategoryShare[] = [...names].map((category) => ({
    category,
    reference: referenceTotal > 0 ? (profile.counts[category] ?? 0) / referenceTotal : 0,
    current:
      currentCounts && currentTotal > 0 ? (currentCounts.get(category) ?? 0) / currentTotal : null,
  }));
  shares.sort(
    (a, b) =>
      Math.max(b.reference, b.current ?? 0) - Math.max(a.reference, a.current ?? 0) ||
      (a.category < b.category ? -1 : 1),
  );
  const kept = shares.slice(0, limit);
  const rest = shares.slice(limit);
  const rounded = (share: CategoryShare): CategoryShare => ({
    category: share.category,
    reference: round6(share.reference),
    current: share.current === null ? null : round6(share.current),
  });
  return {
    kind: 'categorical',
    feature: profile.name,
    categories: kept.map(rounded),
    other:
      rest.length === 0
        ? null
        : {
            ...rounded({
              category: 'other',
              reference: rest.reduce((sum, s) => sum + s.reference, 0),
              current: currentCounts ? rest.reduce((sum, s) => sum + (s.current ?? 0), 0) : null,
            }),
            count: rest.length,
          },
  };
}

/** One snapshot per feature of the (tested) reference, then the score's when profiled. */
export function distributionSnapshots(
  reference: ReferenceProfile,
  current: CurrentDistributions,
  options: SnapshotOptions = {},
): DistributionSnapshot[] {
  const bins = options.bins ?? DEFAULT_SNAPSHOT_BINS;
  const snapshots: DistributionSnapshot[] = reference.features.map((profile) =>
    profile.kind === 'numeric'
      ? numericSnapshot(profile, current.numericCdf(profile.name), profile.name, bins)
      : categoricalSnapshot(
          profile,
          current.categoryCounts(profile.name),
          options.categories ?? DEFAULT_SNAPSHOT_CATEGORIES,
        ),
  );
  if (reference.score) {
    snapshots.push(
      numericSnapshot(reference.score, current.numericCdf(SCORE_FEATURE), SCORE_FEATURE, bins),
    );
  }
  return snapshots;
}
