/**
 * The JSON form of a window summary, for a jsonb column:
 * {@link encodeWindowSummary} writes it compactly, {@link decodeWindowSummary}
 * reads it back exactly, checking every field.
 */
import {
  WINDOW_SUMMARY_VERSION,
  WindowSummaryError,
  type CategoricalSummary,
  type FeatureSummary,
  type NumericSummary,
  type WindowSummary,
} from './types.js';

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
