/**
 * Reference slices (docs/checks.md, "Segments"): the reference rows of each
 * value of a categorical feature the segments slice on, profiled on every
 * other feature. A segment `plan=pro` is then compared with the reference's
 * own `plan=pro` rows, not with all of them: when other features depend on
 * the plan (tenure is longer on pro), the whole reference is a mixture no
 * single plan's rows look like, and every plan segment would show drift that
 * is not there.
 *
 * Built at import (bounded: the REFERENCE_SLICE_VALUES most frequent values
 * get a slice each, the rest one REST_SLICE, rows without the feature the
 * MISSING_SEGMENT slice); merged at check time for `__other__`.
 */
import type { FeatureSpec, FeatureValue } from '../core/model.js';
import type {
  CategoricalFeatureProfile,
  FeatureProfile,
  ReferenceProfile,
  ReferenceSlice,
} from '../core/referenceProfile.js';
import {
  MISSING_SEGMENT,
  OTHER_SEGMENT,
  REFERENCE_SLICE_VALUES,
  REST_SLICE,
} from '../core/segments.js';
import {
  buildCategoricalProfile,
  buildNumericProfile,
  numericProfileFromSorted,
} from './profile.js';

/** The rows of each slice of one feature's column, most frequent values first. */
function sliceRows(
  column: ArrayLike<FeatureValue>,
  maxValues: number,
): { value: string; rows: number[] }[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < column.length; i += 1) {
    const value = column[i];
    if (value === null || value === undefined) continue;
    const key = String(value);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const ranked = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxValues)
    .map(([value]) => value);
  const position = new Map(ranked.map((value, i) => [value, i]));
  const groups = ranked.map((value) => ({ value, rows: [] as number[] }));
  const rest = { value: REST_SLICE, rows: [] as number[] };
  const missing = { value: MISSING_SEGMENT, rows: [] as number[] };
  for (let i = 0; i < column.length; i += 1) {
    const value = column[i];
    if (value === null || value === undefined) {
      missing.rows.push(i);
      continue;
    }
    const at = position.get(String(value));
    (at === undefined ? rest : groups[at]!).rows.push(i);
  }
  return [...groups, rest, missing].filter((group) => group.rows.length > 0);
}

/**
 * The slices of the reference for each categorical feature in `by` (others
 * are skipped): every other feature of `features` profiled on the rows of
 * each slice. Columns as for buildReferenceProfile (an absent one is all
 * missing). Each `by` costs one more copy of the numeric values.
 */
export function buildReferenceSlices(
  features: readonly FeatureSpec[],
  columns: Readonly<Record<string, ArrayLike<FeatureValue>>>,
  by: readonly string[],
  options: { maxValues?: number; bins?: number } = {},
): ReferenceSlice[] {
  const maxValues = options.maxValues ?? REFERENCE_SLICE_VALUES;
  const slices: ReferenceSlice[] = [];
  for (const name of new Set(by)) {
    const spec = features.find((feature) => feature.name === name);
    if (spec?.type !== 'categorical' || !Object.hasOwn(columns, name)) continue;
    for (const group of sliceRows(columns[name]!, maxValues)) {
      const profiles = features
        .filter((feature) => feature.name !== name)
        .map((feature): FeatureProfile => {
          const column = Object.hasOwn(columns, feature.name) ? columns[feature.name]! : null;
          const values = group.rows.map((row) => (column ? (column[row] ?? null) : null));
          return feature.type === 'numeric'
            ? buildNumericProfile(feature.name, values as (number | null)[], options)
            : buildCategoricalProfile(feature.name, values as (string | null)[]);
        });
      slices.push({ by: name, value: group.value, rows: group.rows.length, features: profiles });
    }
  }
  return slices;
}

/** Two ascending arrays as one ascending array. */
function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** Many ascending arrays as one, merged pairwise (n log k, not a full sort). */
export function mergeSortedArrays(arrays: readonly Float64Array[]): Float64Array {
  if (arrays.length === 0) return new Float64Array(0);
  let level = [...arrays];
  while (level.length > 1) {
    const next: Float64Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? mergeSorted(level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  // A fresh array even for one input: the merge is the caller's to keep.
  return arrays.length === 1 ? Float64Array.from(level[0]!) : level[0]!;
}

/**
 * The slices' rows as one slice: per feature, the sorted values merged and
 * profiled again, the category and missing counts summed. Every slice must
 * hold the same features (those of one `by`, as built together); throws a
 * RangeError otherwise.
 */
export function mergeReferenceSlices(
  slices: readonly ReferenceSlice[],
  options: { bins?: number } = {},
): { rows: number; features: FeatureProfile[] } {
  const first = slices[0];
  if (!first) return { rows: 0, features: [] };
  for (const slice of slices) {
    const names = slice.features.map((f) => `${f.kind}:${f.name}`).join('\n');
    if (names !== first.features.map((f) => `${f.kind}:${f.name}`).join('\n')) {
      throw new RangeError(
        `reference slices ${first.by}=${first.value} and ${slice.by}=${slice.value} hold different features`,
      );
    }
  }
  const features = first.features.map((feature, i): FeatureProfile => {
    const parts = slices.map((slice) => slice.features[i]!);
    const missing = parts.reduce((sum, part) => sum + part.missing, 0);
    if (feature.kind === 'numeric') {
      const sorted = mergeSortedArrays(
        parts.map((part) => (part.kind === 'numeric' ? part.sortedValues : new Float64Array(0))),
      );
      return numericProfileFromSorted(feature.name, sorted, missing, options);
    }
    const counts: Record<string, number> = Object.create(null) as Record<string, number>;
    let n = 0;
    for (const part of parts as CategoricalFeatureProfile[]) {
      n += part.n;
      for (const [category, count] of Object.entries(part.counts)) {
        counts[category] = (counts[category] ?? 0) + count;
      }
    }
    return { kind: 'categorical', name: feature.name, n, missing, counts: { ...counts } };
  });
  return { rows: slices.reduce((sum, slice) => sum + slice.rows, 0), features };
}

/** Which reference a segment was tested against. */
export type SegmentReferenceSource = 'slice' | 'whole';

/**
 * What one segment of a feature `by` is compared with: the profiles of
 * `reference.features` (the tested ones, `by` left out), taken from the
 * slice of `value`; for `__other__`, the merge of every slice whose value is
 * not among the window's `topValues` (REST_SLICE included). The whole
 * reference when the reference has no slice to offer: no slices of `by`
 * (imported before the feature was a segment), or a value the reference has
 * no slice of (unseen, or among its less frequent values).
 */
export function segmentReference(
  reference: ReferenceProfile,
  by: string,
  value: string,
  topValues: readonly string[],
): { features: FeatureProfile[]; source: SegmentReferenceSource } {
  const tested = reference.features.filter((feature) => feature.name !== by);
  const whole = { features: tested, source: 'whole' as const };
  const slices = (reference.slices ?? []).filter((slice) => slice.by === by);
  let chosen: ReferenceSlice[];
  if (value === OTHER_SEGMENT) {
    const top = new Set(topValues);
    chosen = slices.filter((slice) => !top.has(slice.value));
  } else {
    chosen = slices.filter((slice) => slice.value === value);
  }
  if (chosen.length === 0) return whole;
  const merged = chosen.length === 1 ? chosen[0]!.features : mergeReferenceSlices(chosen).features;
  const byName = new Map(merged.map((feature) => [feature.name, feature]));
  const features: FeatureProfile[] = [];
  for (const feature of tested) {
    const sliced = byName.get(feature.name);
    // A schema the slices do not match (cannot happen for one import): whole.
    if (sliced?.kind !== feature.kind) return whole;
    features.push(sliced);
  }
  return { features, source: 'slice' };
}
