/**
 * {@link CurrentDistributions} of the exact path: read straight from the
 * collected window (numeric values, category counts). The CDF is exact: a
 * binary search in the sorted values.
 */
import { countAtMost } from '../stats/index.js';
import type { CurrentDistributions } from './currentDistributions.js';
import { SCORE_FEATURE, type CollectedWindow, type NumericValuesColumn } from './types.js';

function isSorted(values: Float64Array): boolean {
  for (let i = 1; i < values.length; i++) if (values[i - 1]! > values[i]!) return false;
  return true;
}

function cdfOf(column: NumericValuesColumn | undefined): ((x: number) => number) | null {
  if (!column || column.values.length === 0) return null;
  // The evaluation sorts the arrays in place, so this is normally a check;
  // a copy keeps the caller's array as it was when it is not sorted yet.
  const sorted = isSorted(column.values) ? column.values : Float64Array.from(column.values).sort();
  const n = sorted.length;
  return (x) => countAtMost(sorted, x) / n;
}

/** The current distributions of a collected window (after or before its evaluation). */
export function collectedDistributions(window: CollectedWindow): CurrentDistributions {
  return {
    numericCdf(name) {
      if (name === SCORE_FEATURE) return cdfOf(window.score);
      const column = Object.hasOwn(window.features, name) ? window.features[name] : undefined;
      return column?.kind === 'numeric' ? cdfOf(column) : null;
    },
    categoryCounts(name) {
      const column = Object.hasOwn(window.features, name) ? window.features[name] : undefined;
      if (column?.kind !== 'categorical' || column.n === 0) return null;
      return new Map(Object.entries(column.counts));
    },
  };
}
