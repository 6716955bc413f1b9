/** Splitting raw feature columns into values and missing counts, with validation. */
import type { FeatureValue } from '../core/model.js';
import { sortFloat64InPlace } from '../stats/index.js';

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
  counts: Record<string, number>;
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
