/**
 * Builds window summaries value by value ({@link WindowSummaryBuilder}) and
 * merges the summaries of two windows ({@link mergeWindowSummaries}). What a
 * summary holds, and why merging is adding, is in types.ts.
 */
import type { FeatureProfile, ReferenceProfile } from '../../core/referenceProfile.js';
import { SCORE_FEATURE } from '../types.js';
import { DriftInputError } from '../values.js';
import {
  DEFAULT_SUMMARY_BINS,
  guidedBinIndex,
  summaryGrid,
  type GridGuide,
  type SummaryGrid,
} from './grid.js';
import {
  WINDOW_SUMMARY_VERSION,
  WindowSummaryError,
  type CategoricalSummary,
  type NumericSummary,
  type WindowSummary,
} from './types.js';

/** The running state of one numeric feature; `finish()` copies it out. */
class NumericAccumulator {
  readonly name: string;
  readonly grid: SummaryGrid;
  readonly edges: Float64Array;
  readonly guide: GridGuide | null;
  /** Anchor of each bin: its left edge, the reference min for the underflow bin. */
  readonly anchors: Float64Array;
  readonly origin: number;
  readonly counts: Float64Array;
  readonly atoms: Float64Array;
  readonly offsetSums: Float64Array;
  n = 0;
  missing = 0;
  sum = 0;
  sumSquares = 0;
  min = Infinity;
  max = -Infinity;

  constructor(name: string, grid: SummaryGrid) {
    this.name = name;
    this.grid = grid;
    this.edges = grid.edges;
    this.guide = grid.guide;
    this.origin = grid.edges.length > 0 ? grid.edges[0]! : 0;
    this.anchors = new Float64Array(grid.binCount);
    for (let k = 0; k < grid.binCount; k++) {
      this.anchors[k] = k === 0 ? this.origin : grid.edges[k - 1]!;
    }
    this.counts = new Float64Array(grid.binCount);
    this.atoms = new Float64Array(grid.binCount);
    this.offsetSums = new Float64Array(grid.binCount);
  }

  add(value: number | null | undefined): void {
    if (value === null || value === undefined) {
      this.missing++;
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new DriftInputError(this.name, this.n + this.missing, value, 'a finite number');
    }
    const k = guidedBinIndex(this.edges, this.guide, value);
    this.counts[k]!++;
    const offset = value - this.anchors[k]!;
    if (k > 0 && offset === 0) this.atoms[k]!++;
    else this.offsetSums[k]! += offset;
    const d = value - this.origin;
    this.sum += d;
    this.sumSquares += d * d;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.n++;
  }

  finish(rows: number): NumericSummary {
    return {
      kind: 'numeric',
      name: this.name,
      grid: this.grid.fingerprint,
      n: this.n,
      missing: rows - this.n,
      counts: this.counts.slice(),
      atoms: this.atoms.slice(),
      offsetSums: this.offsetSums.slice(),
      sum: this.sum,
      sumSquares: this.sumSquares,
      min: this.n > 0 ? this.min : null,
      max: this.n > 0 ? this.max : null,
    };
  }
}

class CategoricalAccumulator {
  readonly name: string;
  readonly counts = new Map<string, number>();
  n = 0;
  missing = 0;

  constructor(name: string) {
    this.name = name;
  }

  add(value: string | number | null | undefined): void {
    let key: string;
    if (value === null || value === undefined) {
      this.missing++;
      return;
    } else if (typeof value === 'string') {
      key = value;
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      // As categoricalColumn: codes sent as JSON numbers count under their decimal form.
      key = String(value);
    } else {
      throw new DriftInputError(this.name, this.n + this.missing, value, 'a string');
    }
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.n++;
  }

  finish(rows: number): CategoricalSummary {
    const counts = Object.create(null) as Record<string, number>;
    for (const [key, count] of this.counts) counts[key] = count;
    return { kind: 'categorical', name: this.name, n: this.n, missing: rows - this.n, counts };
  }
}

function findProfile(reference: ReferenceProfile, name: string): FeatureProfile {
  const profile = reference.features.find((p) => p.name === name);
  if (profile === undefined) {
    throw new WindowSummaryError(
      'feature_mismatch',
      `feature ${JSON.stringify(name)} is not in the reference profile`,
    );
  }
  return profile;
}

/**
 * Builds the summary of one window (or one hour of it) value by value.
 * Features are addressed by name or, faster, by their index in `features`
 * ({@link featureIndex}). A value costs one binary search over the grid
 * (~11 steps for 2 000 bins) and a few additions; nothing is allocated.
 *
 * Rows: the summary's row count is the largest number of values (missing
 * included) any feature or the score received; a feature that received
 * fewer counts the rest as missing — as `evaluateDrift` treats an absent
 * column. Feed every row to every feature (null when missing).
 *
 * @example
 * const builder = new WindowSummaryBuilder(reference, ['income', 'country']);
 * for (const row of rows) {
 *   builder.addNumeric(0, row.income);
 *   builder.addCategorical(1, row.country);
 *   builder.addScore(row.score);
 * }
 * const summary = builder.finish();
 */
export class WindowSummaryBuilder {
  readonly features: readonly string[];
  readonly bins: number;
  private readonly numeric: (NumericAccumulator | undefined)[];
  private readonly categorical: (CategoricalAccumulator | undefined)[];
  private readonly indexByName = new Map<string, number>();
  private readonly score: NumericAccumulator | null;
  private scoreAdded = false;
  private scoresIgnored = 0;

  /**
   * @param features the tested features, in schema order; each must be in
   *   the reference profile (a {@link WindowSummaryError} otherwise).
   * @param options.bins quantile steps of the numeric grids (default 2 000).
   */
  constructor(reference: ReferenceProfile, features: string[], options: { bins?: number } = {}) {
    this.bins = options.bins ?? DEFAULT_SUMMARY_BINS;
    this.features = [...features];
    this.numeric = [];
    this.categorical = [];
    features.forEach((name, i) => {
      if (this.indexByName.has(name)) {
        throw new WindowSummaryError('feature_mismatch', `feature ${JSON.stringify(name)} twice`);
      }
      this.indexByName.set(name, i);
      const profile = findProfile(reference, name);
      if (profile.kind === 'numeric') {
        this.numeric.push(new NumericAccumulator(name, summaryGrid(profile, this.bins)));
        this.categorical.push(undefined);
      } else {
        this.numeric.push(undefined);
        this.categorical.push(new CategoricalAccumulator(name));
      }
    });
    this.score =
      reference.score === null
        ? null
        : new NumericAccumulator(SCORE_FEATURE, summaryGrid(reference.score, this.bins));
  }

  /** Index of a feature in `features`, for the fast form of the add methods. */
  featureIndex(name: string): number {
    const index = this.indexByName.get(name);
    if (index === undefined) {
      throw new WindowSummaryError(
        'feature_mismatch',
        `feature ${JSON.stringify(name)} is not summarised`,
      );
    }
    return index;
  }

  private slot(feature: string | number): number {
    return typeof feature === 'number' ? feature : this.featureIndex(feature);
  }

  /** Adds one value of a numeric feature; null or undefined is missing. */
  addNumeric(feature: string | number, value: number | null | undefined): void {
    const accumulator = this.numeric[this.slot(feature)];
    if (accumulator === undefined) {
      throw new WindowSummaryError(
        'feature_mismatch',
        `feature ${JSON.stringify(feature)} is not a summarised numeric feature`,
      );
    }
    accumulator.add(value);
  }

  /** Adds one value of a categorical feature; null or undefined is missing. */
  addCategorical(feature: string | number, value: string | number | null | undefined): void {
    const accumulator = this.categorical[this.slot(feature)];
    if (accumulator === undefined) {
      throw new WindowSummaryError(
        'feature_mismatch',
        `feature ${JSON.stringify(feature)} is not a summarised categorical feature`,
      );
    }
    accumulator.add(value);
  }

  /**
   * Adds one score; null or undefined is missing. Validated but not kept
   * when the reference has no score profile (as `evaluateDrift` ignores it).
   */
  addScore(value: number | null | undefined): void {
    this.scoreAdded = true;
    if (this.score !== null) {
      this.score.add(value);
    } else if (value !== null && value !== undefined && !Number.isFinite(value)) {
      throw new DriftInputError(SCORE_FEATURE, this.scoresIgnored, value, 'a finite number');
    } else {
      this.scoresIgnored++;
    }
  }

  /** The summary of everything added so far (a copy: the builder can go on). */
  finish(): WindowSummary {
    let rows = 0;
    this.features.forEach((_, i) => {
      const a = this.numeric[i] ?? this.categorical[i]!;
      rows = Math.max(rows, a.n + a.missing);
    });
    if (this.score !== null && this.scoreAdded) {
      rows = Math.max(rows, this.score.n + this.score.missing);
    }
    return {
      version: WINDOW_SUMMARY_VERSION,
      bins: this.bins,
      rows,
      features: this.features.map((_, i) => (this.numeric[i] ?? this.categorical[i]!).finish(rows)),
      score: this.score !== null && this.scoreAdded ? this.score.finish(rows) : null,
    };
  }
}

function addArrays(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function mergeNumeric(a: NumericSummary, b: NumericSummary): NumericSummary {
  if (a.grid !== b.grid || a.counts.length !== b.counts.length) {
    throw new WindowSummaryError(
      'grid_mismatch',
      `feature ${JSON.stringify(a.name)} was summarised on different grids (${a.grid} vs ${b.grid}); were the summaries built against the same reference and bins?`,
    );
  }
  return {
    kind: 'numeric',
    name: a.name,
    grid: a.grid,
    n: a.n + b.n,
    missing: a.missing + b.missing,
    counts: addArrays(a.counts, b.counts),
    atoms: addArrays(a.atoms, b.atoms),
    offsetSums: addArrays(a.offsetSums, b.offsetSums),
    sum: a.sum + b.sum,
    sumSquares: a.sumSquares + b.sumSquares,
    min: minOf(a.min, b.min),
    max: maxOf(a.max, b.max),
  };
}

function mergeCategorical(a: CategoricalSummary, b: CategoricalSummary): CategoricalSummary {
  const counts = Object.create(null) as Record<string, number>;
  for (const [key, count] of Object.entries(a.counts)) counts[key] = count;
  for (const [key, count] of Object.entries(b.counts)) counts[key] = (counts[key] ?? 0) + count;
  return {
    kind: 'categorical',
    name: a.name,
    n: a.n + b.n,
    missing: a.missing + b.missing,
    counts,
  };
}

/** A window without score rows, seen as a score summary: all its rows are missing. */
function withMissingRows(score: NumericSummary, rows: number): NumericSummary {
  return { ...score, missing: score.missing + rows };
}

/**
 * The summary of the union of two windows (e.g. two hours). Associative and
 * commutative; refuses ({@link WindowSummaryError}) summaries of different
 * bins, features or grids. When only one side has score values, the other
 * side's rows count as missing scores.
 */
export function mergeWindowSummaries(a: WindowSummary, b: WindowSummary): WindowSummary {
  if (a.bins !== b.bins) {
    throw new WindowSummaryError(
      'grid_mismatch',
      `summaries use different bins (${a.bins} vs ${b.bins})`,
    );
  }
  const names = (s: WindowSummary): string =>
    JSON.stringify(s.features.map((f) => [f.name, f.kind]));
  if (names(a) !== names(b)) {
    throw new WindowSummaryError(
      'feature_mismatch',
      `summaries have different features (${names(a)} vs ${names(b)})`,
    );
  }
  const features = a.features.map((fa, i) => {
    const fb = b.features[i]!;
    return fa.kind === 'numeric'
      ? mergeNumeric(fa, fb as NumericSummary)
      : mergeCategorical(fa, fb as CategoricalSummary);
  });
  let score: NumericSummary | null;
  if (a.score !== null && b.score !== null) score = mergeNumeric(a.score, b.score);
  else if (a.score !== null) score = withMissingRows(a.score, b.rows);
  else if (b.score !== null) score = withMissingRows(b.score, a.rows);
  else score = null;
  return { version: WINDOW_SUMMARY_VERSION, bins: a.bins, rows: a.rows + b.rows, features, score };
}
