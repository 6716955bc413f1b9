/**
 * Building reference profiles from raw reference columns: what a check needs
 * to know about the training data, computed once at import.
 */
import type { FeatureSpec, FeatureValue } from '../core/model.js';
import type {
  CategoricalFeatureProfile,
  FeatureProfile,
  NumericFeatureProfile,
  ReferenceProfile,
} from '../core/referenceProfile.js';
import { mean, quantileBinEdges, sampleStandardDeviation } from '../stats/index.js';
import { defaultDriftPolicy } from './policy.js';
import { categoricalColumn, DriftInputError, numericColumn } from './values.js';

/**
 * Profile of a numeric feature. Missing values are `null` (or undefined).
 * The caller (ingest) guarantees finite numbers; this validates anyway and
 * throws a {@link DriftInputError} naming the feature, index and value of a
 * NaN, an Infinity or a non-number. With no non-missing value, min, max,
 * mean and std are 0 and there are no bin edges.
 *
 * @param options.bins quantile bins for PSI (default 10): k − 1 interior
 *   edges at the type-7 quantiles j/k, repeated edges removed.
 */
export function buildNumericProfile(
  name: string,
  values: ArrayLike<number | null | undefined>,
  options: { bins?: number } = {},
): NumericFeatureProfile {
  const { sorted, missing } = numericColumn(name, values);
  return numericProfileFromSorted(name, sorted, missing, options);
}

/**
 * Profile of a numeric feature from its non-missing values already in
 * ascending order (kept, not copied) and its missing count: how a merge of
 * reference slices is profiled without sorting again.
 */
export function numericProfileFromSorted(
  name: string,
  sorted: Float64Array,
  missing: number,
  options: { bins?: number } = {},
): NumericFeatureProfile {
  const bins = options.bins ?? defaultDriftPolicy.psiBins;
  const n = sorted.length;
  if (n === 0) {
    return {
      kind: 'numeric',
      name,
      n,
      missing,
      min: 0,
      max: 0,
      mean: 0,
      std: 0,
      sortedValues: sorted,
      binEdges: [],
    };
  }
  return {
    kind: 'numeric',
    name,
    n,
    missing,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    mean: mean(sorted),
    std: sampleStandardDeviation(sorted),
    sortedValues: sorted,
    binEdges: quantileBinEdges(sorted, bins),
  };
}

/** Profile of a categorical feature: category → count, plus missing count. */
export function buildCategoricalProfile(
  name: string,
  values: ArrayLike<string | null | undefined>,
): CategoricalFeatureProfile {
  const { counts, n, missing } = categoricalColumn(name, values);
  return { kind: 'categorical', name, n, missing, counts };
}

/**
 * Profiles of every feature of a model version (in schema order) and of the
 * score. A column absent from `columns` counts as entirely missing. All
 * columns must have the same length (the number of reference rows).
 */
export function buildReferenceProfile(
  features: FeatureSpec[],
  columns: Readonly<Record<string, ArrayLike<FeatureValue>>>,
  score?: ArrayLike<number | null>,
  options: { bins?: number } = {},
): ReferenceProfile {
  const lengths = Object.entries(columns).map(([name, column]) => [name, column.length] as const);
  if (score !== undefined) lengths.push(['score', score.length]);
  const rows = lengths[0]?.[1] ?? 0;
  for (const [name, length] of lengths) {
    if (length !== rows) {
      throw new RangeError(
        `reference columns must all have the same length: ${JSON.stringify(lengths[0]![0])} has ${rows}, ${JSON.stringify(name)} has ${length}`,
      );
    }
  }
  const allMissing: ArrayLike<null> = { length: rows };
  const profiles: FeatureProfile[] = features.map((spec) => {
    const column = Object.hasOwn(columns, spec.name) ? columns[spec.name]! : allMissing;
    if (spec.type === 'numeric') {
      return buildNumericProfile(spec.name, column as ArrayLike<number | null>, options);
    }
    return buildCategoricalProfile(spec.name, column as ArrayLike<string | null>);
  });
  return {
    rows,
    features: profiles,
    score: score === undefined ? null : buildNumericProfile('score', score, options),
  };
}

export { DriftInputError };
