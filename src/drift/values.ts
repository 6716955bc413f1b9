/** Splitting raw feature columns into values and missing counts, with validation. */
import type { FeatureValue } from '../core/model.js';
import { sortFloat64InPlace } from '../stats/index.js';
import type { CategoryCountsColumn, NumericValuesColumn } from './types.js';

/** A value that is not what the feature's type promises (ingest should have caught it). */
export class DriftInputError extends RangeError {
  readonly feature: string;
  readonly index: number;
  readonly value: unknown;
  constructor(feature: string, index: number, value: unknown, expected: string) {
    const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
    super(
      `feature ${JSON.stringify(feature)}: value [${index}] is ${shown}; expected ${expected} or null`,
    );
    this.name = 'DriftInputError';
    this.feature = feature;
    this.index = index;
    this.value = value;
  }
}

/** A pre-collected column whose shape breaks its contract (kind, counts, sizes). */
export class DriftColumnError extends RangeError {
  readonly feature: string;
  constructor(feature: string, problem: string) {
    super(`feature ${JSON.stringify(feature)}: ${problem}`);
    this.name = 'DriftColumnError';
    this.feature = feature;
  }
}

function checkCount(feature: string, what: string, count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new DriftColumnError(feature, `${what} is ${count}; expected a count (integer ≥ 0)`);
  }
}

export interface NumericColumn {
  /** Non-missing values, ascending. */
  sorted: Float64Array;
  missing: number;
}

/** null/undefined count as missing; anything but a finite number throws. */
export function numericColumn(
  feature: string,
  values: ArrayLike<FeatureValue | undefined>,
): NumericColumn {
  const out = new Float64Array(values.length);
  let n = 0;
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      missing++;
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      out[n++] = v;
    } else {
      throw new DriftInputError(feature, i, v, 'a finite number');
    }
  }
  return { sorted: sortFloat64InPlace(out.slice(0, n)), missing };
}

export interface CategoricalColumn {
  counts: Readonly<Record<string, number>>;
  n: number;
  missing: number;
}

/**
 * null/undefined count as missing; strings are categories; finite numbers are
 * accepted as categories under their decimal form (codes sent as JSON numbers).
 */
export function categoricalColumn(
  feature: string,
  values: ArrayLike<FeatureValue | undefined>,
): CategoricalColumn {
  const counts: Record<string, number> = Object.create(null) as Record<string, number>;
  let n = 0;
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let key: string;
    if (v === null || v === undefined) {
      missing++;
      continue;
    } else if (typeof v === 'string') {
      key = v;
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      key = String(v);
    } else {
      throw new DriftInputError(feature, i, v, 'a string');
    }
    counts[key] = (counts[key] ?? 0) + 1;
    n++;
  }
  return { counts: { ...counts }, n, missing };
}

/**
 * A pre-collected numeric column as the tests want it, without a copy: one
 * pass checks that every value is finite (the numeric contract; ingest has
 * enforced it already, so this is a guard, not a filter), then the values are
 * sorted in place.
 */
export function numericColumnFromValues(
  feature: string,
  column: NumericValuesColumn,
): NumericColumn {
  checkCount(feature, 'missing', column.missing);
  const values = column.values;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new DriftInputError(feature, i, v, 'a finite number');
  }
  return { sorted: sortFloat64InPlace(values), missing: column.missing };
}

/** A pre-counted categorical column, checked: positive integer counts that sum to `n`. */
export function categoricalColumnFromCounts(
  feature: string,
  column: CategoryCountsColumn,
): CategoricalColumn {
  checkCount(feature, 'n', column.n);
  checkCount(feature, 'missing', column.missing);
  let total = 0;
  for (const [category, count] of Object.entries(column.counts)) {
    if (!Number.isSafeInteger(count) || count <= 0) {
      throw new DriftColumnError(
        feature,
        `category ${JSON.stringify(category)} has count ${count}; expected an integer > 0`,
      );
    }
    total += count;
  }
  if (total !== column.n) {
    throw new DriftColumnError(feature, `category counts sum to ${total}, not n = ${column.n}`);
  }
  return { counts: column.counts, n: column.n, missing: column.missing };
}
