/**
 * Mergeable window summaries: what a drift check needs to know about a
 * window, in a size that does not grow with the window. The storage side
 * feeds every value of an hour into a {@link WindowSummaryBuilder}, keeps each
 * closed hour's summary (encoded by {@link encodeWindowSummary}), merges the
 * hours of a window ({@link mergeWindowSummaries}) and evaluates the result
 * with `evaluateDriftFromSummary`.
 *
 * Per numeric feature (and the score), on the reference's fine grid
 * (summaryGrid.ts): per bin, the count of values, the count of values equal
 * to the bin's left edge ("atoms", so that the current CDF is known exactly
 * at and just below every edge), and the sum of the other values' offsets
 * from the left edge (so each bin's mean is known, for Wasserstein); plus n,
 * missing, min, max and Σ(v − origin), Σ(v − origin)² (origin = reference
 * min; for the pooled standard deviation when the reference is constant).
 * Per categorical feature: category → count, n, missing.
 *
 * Every field is a sum (or a min / max) over values, so merging is adding:
 * associative and commutative, exactly for the counts (integers in doubles,
 * exact to 2⁵³) and up to floating-point rounding for the offset sums.
 */
import type { FeatureProfile, ReferenceProfile } from '../core/referenceProfile.js';
import {
  DEFAULT_SUMMARY_BINS,
  guidedBinIndex,
  summaryGrid,
  type GridGuide,
  type SummaryGrid,
} from './summaryGrid.js';
import { SCORE_FEATURE } from './types.js';
import { DriftInputError } from './values.js';

export const WINDOW_SUMMARY_VERSION = 1;

export interface NumericSummary {
  kind: 'numeric';
  name: string;
  /** Fingerprint of the grid the bins refer to (`SummaryGrid.fingerprint`). */
  grid: string;
  /** Non-missing values. */
  n: number;
  /** Missing values (always `rows − n` in a finished summary). */
  missing: number;
  /** Values per grid bin; length `SummaryGrid.binCount`. */
  counts: Float64Array;
  /** Values equal to the bin's left edge (0 for the underflow bin). */
  atoms: Float64Array;
  /**
   * Σ (v − anchor) over the bin's values that are not atoms, where anchor is
   * the bin's left edge (for the underflow bin: the reference min, so the
   * sum is negative).
   */
  offsetSums: Float64Array;
  /** Σ (v − origin), origin = the reference min (0 for an empty reference). */
  sum: number;
  /** Σ (v − origin)². */
  sumSquares: number;
  /** Smallest and largest value; null when n = 0. */
  min: number | null;
  max: number | null;
}

export interface CategoricalSummary {
  kind: 'categorical';
  name: string;
  n: number;
  missing: number;
  /** Category → count over the non-missing values. */
  counts: Record<string, number>;
}

export type FeatureSummary = NumericSummary | CategoricalSummary;

export interface WindowSummary {
  version: typeof WINDOW_SUMMARY_VERSION;
  /** Quantile steps of every numeric grid (`summaryGrid(profile, bins)`). */
  bins: number;
  /** Rows of the window: every feature has `n + missing = rows`. */
  rows: number;
  /** The tested features, in the order the builder was given. */
  features: FeatureSummary[];
  /**
   * The model score (named {@link SCORE_FEATURE}); null when the reference
   * has no score profile or no score was ever added.
   */
  score: NumericSummary | null;
}

export type WindowSummaryErrorReason = 'grid_mismatch' | 'feature_mismatch' | 'invalid_format';

/**
 * Summaries that cannot be merged or evaluated together (`grid_mismatch`,
 * `feature_mismatch`), or an encoded summary that does not decode
 * (`invalid_format`). Callers match on `reason`.
 */
export class WindowSummaryError extends RangeError {
  readonly reason: WindowSummaryErrorReason;
  constructor(reason: WindowSummaryErrorReason, message: string) {
    super(`window summary: ${message}`);
    this.name = 'WindowSummaryError';
    this.reason = reason;
  }
}

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

// ---------------------------------------------------------------------------
// JSON encoding

interface EncodedNumeric {
  kind: 'numeric';
  name: string;
  grid: string;
  binCount: number;
  n: number;
  missing: number;
  sum: number;
  sumSquares: number;
  min: number | null;
  max: number | null;
  /** Non-empty bins only: index deltas (first absolute), counts, atoms (omitted when all 0), offset sums. */
  bins: { index: number[]; count: number[]; atoms?: number[]; offsetSum: number[] };
}

function encodeNumeric(s: NumericSummary): EncodedNumeric {
  const index: number[] = [];
  const count: number[] = [];
  const atoms: number[] = [];
  const offsetSum: number[] = [];
  let previous = 0;
  let anyAtom = false;
  for (let k = 0; k < s.counts.length; k++) {
    if (s.counts[k] === 0) continue;
    index.push(k - previous);
    previous = k;
    count.push(s.counts[k]!);
    atoms.push(s.atoms[k]!);
    if (s.atoms[k] !== 0) anyAtom = true;
    offsetSum.push(s.offsetSums[k]!);
  }
  return {
    kind: 'numeric',
    name: s.name,
    grid: s.grid,
    binCount: s.counts.length,
    n: s.n,
    missing: s.missing,
    sum: s.sum,
    sumSquares: s.sumSquares,
    min: s.min,
    max: s.max,
    bins: anyAtom ? { index, count, atoms, offsetSum } : { index, count, offsetSum },
  };
}

/**
 * A JSON-safe, compact form of a summary (for a jsonb column): numeric bins
 * are sparse (only non-empty bins, indices delta-encoded), typed arrays
 * become plain arrays. {@link decodeWindowSummary} reverses it exactly.
 *
 * ```json
 * { "version": 1, "bins": 2000, "rows": 3600,
 *   "features": [
 *     { "kind": "numeric", "name": "income", "grid": "1f0c…", "binCount": 2003,
 *       "n": 3590, "missing": 10, "sum": 1.2e5, "sumSquares": 4.1e6, "min": 3.5, "max": 97.1,
 *       "bins": { "index": [0, 3, 1], "count": [2, 5, 1], "offsetSum": [-0.7, 0.01, 0] } },
 *     { "kind": "categorical", "name": "country", "n": 3600, "missing": 0,
 *       "counts": { "fr": 1800, "de": 1800 } } ],
 *   "score": null }
 * ```
 */
export function encodeWindowSummary(summary: WindowSummary): unknown {
  return {
    version: summary.version,
    bins: summary.bins,
    rows: summary.rows,
    features: summary.features.map((f) =>
      f.kind === 'numeric'
        ? encodeNumeric(f)
        : {
            kind: 'categorical',
            name: f.name,
            n: f.n,
            missing: f.missing,
            counts: { ...f.counts },
          },
    ),
    score: summary.score === null ? null : encodeNumeric(summary.score),
  };
}

function invalid(path: string, rule: string, value?: unknown): never {
  const shown = value === undefined ? '' : `, got ${JSON.stringify(value)?.slice(0, 80)}`;
  throw new WindowSummaryError('invalid_format', `${path} must be ${rule}${shown}`);
}

function record(path: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(path, 'an object', value);
  }
  return value as Record<string, unknown>;
}

function count(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalid(path, 'a non-negative integer', value);
  }
  return value;
}

function finite(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(path, 'a finite number', value);
  return value;
}

function string(path: string, value: unknown): string {
  if (typeof value !== 'string') invalid(path, 'a string', value);
  return value;
}

function numberArray(path: string, value: unknown, length: number): unknown[] {
  if (!Array.isArray(value) || value.length !== length) {
    invalid(path, `an array of ${length} numbers`);
  }
  return value as unknown[];
}

function decodeNumeric(path: string, value: unknown, rows: number): NumericSummary {
  const o = record(path, value);
  if (o.kind !== 'numeric') invalid(`${path}.kind`, '"numeric"', o.kind);
  const name = string(`${path}.name`, o.name);
  const grid = string(`${path}.grid`, o.grid);
  const binCount = count(`${path}.binCount`, o.binCount);
  if (binCount < 1) invalid(`${path}.binCount`, '>= 1', binCount);
  const n = count(`${path}.n`, o.n);
  const missing = count(`${path}.missing`, o.missing);
  if (n + missing !== rows)
    invalid(`${path}.n + missing`, `the summary's rows (${rows})`, n + missing);
  const bins = record(`${path}.bins`, o.bins);
  if (!Array.isArray(bins.index)) invalid(`${path}.bins.index`, 'an array', bins.index);
  const index = bins.index as unknown[];
  const length = index.length;
  const countsIn = numberArray(`${path}.bins.count`, bins.count, length);
  const atomsIn =
    bins.atoms === undefined ? null : numberArray(`${path}.bins.atoms`, bins.atoms, length);
  const offsetsIn = numberArray(`${path}.bins.offsetSum`, bins.offsetSum, length);
  const counts = new Float64Array(binCount);
  const atoms = new Float64Array(binCount);
  const offsetSums = new Float64Array(binCount);
  let k = 0;
  let total = 0;
  for (let i = 0; i < length; i++) {
    const step = count(`${path}.bins.index[${i}]`, index[i]);
    if (i > 0 && step === 0) invalid(`${path}.bins.index[${i}]`, 'a positive delta', step);
    k += step;
    if (k >= binCount) invalid(`${path}.bins.index[${i}]`, `a delta within ${binCount} bins`, step);
    const c = count(`${path}.bins.count[${i}]`, countsIn[i]);
    if (c === 0) invalid(`${path}.bins.count[${i}]`, 'positive (empty bins are left out)', c);
    const atom = atomsIn === null ? 0 : count(`${path}.bins.atoms[${i}]`, atomsIn[i]);
    if (atom > c || (k === 0 && atom !== 0))
      invalid(`${path}.bins.atoms[${i}]`, `<= count ${c}`, atom);
    counts[k] = c;
    atoms[k] = atom;
    offsetSums[k] = finite(`${path}.bins.offsetSum[${i}]`, offsetsIn[i]);
    total += c;
  }
  if (total !== n) invalid(`${path}.bins.count`, `summing to n (${n})`, total);
  const min = o.min === null ? null : finite(`${path}.min`, o.min);
  const max = o.max === null ? null : finite(`${path}.max`, o.max);
  if ((min === null || max === null) !== (n === 0)) {
    invalid(`${path}.min/max`, 'null exactly when n = 0', [o.min, o.max]);
  }
  return {
    kind: 'numeric',
    name,
    grid,
    n,
    missing,
    counts,
    atoms,
    offsetSums,
    sum: finite(`${path}.sum`, o.sum),
    sumSquares: finite(`${path}.sumSquares`, o.sumSquares),
    min,
    max,
  };
}

function decodeCategorical(path: string, value: unknown, rows: number): CategoricalSummary {
  const o = record(path, value);
  const name = string(`${path}.name`, o.name);
  const n = count(`${path}.n`, o.n);
  const missing = count(`${path}.missing`, o.missing);
  if (n + missing !== rows)
    invalid(`${path}.n + missing`, `the summary's rows (${rows})`, n + missing);
  const countsIn = record(`${path}.counts`, o.counts);
  const counts = Object.create(null) as Record<string, number>;
  let total = 0;
  for (const [key, c] of Object.entries(countsIn)) {
    counts[key] = count(`${path}.counts[${JSON.stringify(key)}]`, c);
    total += counts[key];
  }
  if (total !== n) invalid(`${path}.counts`, `summing to n (${n})`, total);
  return { kind: 'categorical', name, n, missing, counts };
}

/**
 * Reads a summary written by {@link encodeWindowSummary} (e.g. parsed from
 * jsonb), checking every field: counts are non-negative integers that sum to
 * n, `n + missing = rows`, sums are finite. Grids are checked against the
 * reference when the summary is merged or evaluated.
 * @throws WindowSummaryError with reason `invalid_format`, naming the field.
 */
export function decodeWindowSummary(json: unknown): WindowSummary {
  const o = record('summary', json);
  if (o.version !== WINDOW_SUMMARY_VERSION) {
    invalid('summary.version', String(WINDOW_SUMMARY_VERSION), o.version);
  }
  const bins = count('summary.bins', o.bins);
  if (bins < 1) invalid('summary.bins', '>= 1', bins);
  const rows = count('summary.rows', o.rows);
  if (!Array.isArray(o.features)) invalid('summary.features', 'an array', o.features);
  const features = (o.features as unknown[]).map((f, i): FeatureSummary => {
    const path = `summary.features[${i}]`;
    const kind = record(path, f).kind;
    if (kind === 'numeric') return decodeNumeric(path, f, rows);
    if (kind === 'categorical') return decodeCategorical(path, f, rows);
    return invalid(`${path}.kind`, '"numeric" or "categorical"', kind);
  });
  const score = o.score === null ? null : decodeNumeric('summary.score', o.score, rows);
  return { version: WINDOW_SUMMARY_VERSION, bins, rows, features, score };
}
