/**
 * Reference slices (src/drift/referenceSlices.ts): built per value of a
 * categorical feature with bounded values, merged for `__other__` exactly as
 * if the merged rows had been profiled together, and chosen per segment with
 * the whole reference as the fallback.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../../../src/core/model.js';
import type { NumericFeatureProfile, ReferenceSlice } from '../../../src/core/referenceProfile.js';
import {
  buildCategoricalProfile,
  buildNumericProfile,
  buildReferenceProfile,
  buildReferenceSlices,
  evaluateSegmentDrift,
  mergeReferenceSlices,
  mergeSortedArrays,
  segmentReference,
} from '../../../src/drift/index.js';
import type { CollectedWindow } from '../../../src/drift/types.js';
import { createRandom } from './helpers.js';

const FEATURES: FeatureSpec[] = [
  { name: 'tenure', type: 'numeric' },
  { name: 'plan', type: 'categorical' },
  { name: 'region', type: 'categorical' },
];

/** Rows whose tenure depends on the plan; a few plan cells empty. */
function rows(n: number, seed: number) {
  const random = createRandom(seed);
  const tenure: (number | null)[] = [];
  const plan: (string | null)[] = [];
  const region: (string | null)[] = [];
  for (let i = 0; i < n; i += 1) {
    const u = random.next();
    const p = u < 0.02 ? null : u < 0.5 ? 'basic' : u < 0.8 ? 'plus' : u < 0.95 ? 'pro' : 'max';
    plan.push(p);
    // Rounded: ties between slices, and a few missing values.
    tenure.push(
      random.next() < 0.01
        ? null
        : Math.round((p === 'pro' ? 40 : p === 'plus' ? 25 : 10) + 3 * random.normal()),
    );
    region.push(random.next() < 0.5 ? 'eu' : random.next() < 0.05 ? null : 'us');
  }
  return { tenure, plan, region };
}

function numeric(profile: { kind: string } | undefined): NumericFeatureProfile {
  if (profile?.kind !== 'numeric') throw new Error('not numeric');
  return profile as NumericFeatureProfile;
}

describe('mergeSortedArrays', () => {
  it('equals concatenating and sorting, for any number of arrays, with ties and empty ones', () => {
    const random = createRandom(7);
    for (let trial = 0; trial < 50; trial += 1) {
      const k = Math.floor(random.next() * 7);
      const arrays = Array.from({ length: k }, () =>
        Float64Array.from(
          { length: Math.floor(random.next() * 30) },
          () => Math.round(random.normal() * 4) / 2,
        ).sort(),
      );
      const expected = arrays.flatMap((a) => Array.from(a)).sort((a, b) => a - b);
      expect(Array.from(mergeSortedArrays(arrays))).toEqual(expected);
    }
  });

  it('returns a fresh array for a single input', () => {
    const input = Float64Array.from([1, 2, 3]);
    const merged = mergeSortedArrays([input]);
    merged[0] = 9;
    expect(input[0]).toBe(1);
  });
});

describe('buildReferenceSlices', () => {
  it('profiles every other feature on the rows of each value, the less frequent values as __rest__ and missing as __missing__', () => {
    const data = rows(3_000, 11);
    const slices = buildReferenceSlices(FEATURES, data, ['plan', 'tenure', 'nope'], {
      maxValues: 2,
    });
    // Only the categorical plan is sliced: basic, plus, then pro + max together, then the missing rows.
    expect(slices.map((s) => [s.by, s.value])).toEqual([
      ['plan', 'basic'],
      ['plan', 'plus'],
      ['plan', '__rest__'],
      ['plan', '__missing__'],
    ]);
    const members: Record<string, (p: string | null) => boolean> = {
      basic: (p) => p === 'basic',
      plus: (p) => p === 'plus',
      __rest__: (p) => p === 'pro' || p === 'max',
      __missing__: (p) => p === null,
    };
    let total = 0;
    for (const slice of slices) {
      const at = data.plan.flatMap((p, i) => (members[slice.value]!(p) ? [i] : []));
      total += slice.rows;
      expect(slice.rows).toBe(at.length);
      expect(slice.features.map((f) => f.name)).toEqual(['tenure', 'region']);
      expect(slice.features[0]).toEqual(
        buildNumericProfile(
          'tenure',
          at.map((i) => data.tenure[i]!),
        ),
      );
      expect(slice.features[1]).toEqual(
        buildCategoricalProfile(
          'region',
          at.map((i) => data.region[i]!),
        ),
      );
    }
    expect(total).toBe(3_000);
  });
});

describe('mergeReferenceSlices', () => {
  it('gives the profile of the merged rows built at once (sorted values, counts, missing, moments, bins)', () => {
    const data = rows(4_000, 12);
    const slices = buildReferenceSlices(FEATURES, data, ['plan']);
    const chosen = slices.filter((s) => s.value === 'pro' || s.value === '__missing__');
    expect(chosen).toHaveLength(2);
    const merged = mergeReferenceSlices(chosen);
    const at = data.plan.flatMap((p, i) => (p === 'pro' || p === null ? [i] : []));
    expect(merged.rows).toBe(at.length);
    const tenure = numeric(merged.features[0]);
    const expected = buildNumericProfile(
      'tenure',
      at.map((i) => data.tenure[i]!),
    );
    expect(Array.from(tenure.sortedValues)).toEqual(Array.from(expected.sortedValues));
    expect(tenure.n).toBe(expected.n);
    expect(tenure.missing).toBe(expected.missing);
    expect(tenure.min).toBe(expected.min);
    expect(tenure.max).toBe(expected.max);
    expect(tenure.mean).toBeCloseTo(expected.mean, 12);
    expect(tenure.std).toBeCloseTo(expected.std, 12);
    expect(tenure.binEdges).toEqual(expected.binEdges);
    expect(merged.features[1]).toEqual(
      buildCategoricalProfile(
        'region',
        at.map((i) => data.region[i]!),
      ),
    );
  });

  it('refuses slices of different features', () => {
    const a: ReferenceSlice = {
      by: 'plan',
      value: 'a',
      rows: 1,
      features: [buildNumericProfile('x', [1])],
    };
    const b: ReferenceSlice = {
      by: 'plan',
      value: 'b',
      rows: 1,
      features: [buildCategoricalProfile('x', ['1'])],
    };
    expect(() => mergeReferenceSlices([a, b])).toThrow(RangeError);
  });
});

describe('segmentReference', () => {
  const data = rows(3_000, 13);
  const profile = buildReferenceProfile(FEATURES, data);
  profile.slices = buildReferenceSlices(FEATURES, data, ['plan'], { maxValues: 3 });

  it('takes the slice of a value the reference has, without the sliced feature', () => {
    const chosen = segmentReference(profile, 'plan', 'plus', ['basic', 'plus']);
    expect(chosen.source).toBe('slice');
    const plus = profile.slices!.find((s) => s.value === 'plus')!;
    expect(chosen.features.map((f) => f.name)).toEqual(['tenure', 'region']);
    chosen.features.forEach((feature, i) => expect(feature).toBe(plus.features[i]));
  });

  it('merges every slice outside the window’s top values for __other__ (rest and missing included)', () => {
    const chosen = segmentReference(profile, 'plan', '__other__', ['basic', 'plus']);
    expect(chosen.source).toBe('slice');
    const others = profile.slices!.filter((s) => !['basic', 'plus'].includes(s.value));
    expect(others.map((s) => s.value)).toEqual(['pro', '__rest__', '__missing__']);
    const rows = others.reduce((sum, s) => sum + s.rows, 0);
    const tenure = numeric(chosen.features[0]);
    expect(tenure.n + tenure.missing).toBe(rows);
  });

  it('falls back to the whole reference for an unseen value, a reference without slices, or another by', () => {
    const whole = profile.features.filter((f) => f.name !== 'plan');
    for (const [p, by, value] of [
      [profile, 'plan', 'trial'],
      [{ ...profile, slices: null }, 'plan', 'plus'],
      [{ ...profile, slices: undefined }, 'plan', '__other__'],
      [profile, 'region', 'eu'],
    ] as const) {
      const chosen = segmentReference(p, by, value, ['basic']);
      expect(chosen.source, `${by}=${value}`).toBe('whole');
      expect(chosen.features.map((f) => f.name)).toEqual(
        by === 'plan' ? whole.map((f) => f.name) : ['tenure', 'plan'],
      );
    }
  });

  it('keeps a plan segment drawn like the reference free of drift, where the whole reference flags it', () => {
    const window = rows(2_000, 14);
    const at = window.plan.flatMap((p, i) => (p === 'pro' ? [i] : []));
    // A fresh window per evaluation: the evaluation sorts the values in place.
    const current = (): CollectedWindow => ({
      rows: at.length,
      features: {
        tenure: {
          kind: 'numeric',
          values: Float64Array.from(
            at.flatMap((i) => (window.tenure[i] === null ? [] : [window.tenure[i]!])),
          ),
          missing: at.filter((i) => window.tenure[i] === null).length,
        },
        region: {
          kind: 'categorical',
          counts: at.reduce<Record<string, number>>((counts, i) => {
            const r = window.region[i];
            if (r !== null && r !== undefined) counts[r] = (counts[r] ?? 0) + 1;
            return counts;
          }, {}),
          n: at.filter((i) => window.region[i] !== null).length,
          missing: at.filter((i) => window.region[i] === null).length,
        },
      },
    });
    const segment = { by: 'plan', value: 'pro', slicedFeature: 'plan', topValues: ['pro'] };
    const sliced = evaluateSegmentDrift(profile, [{ ...segment, current: current() }]);
    expect(sliced.segments[0]).toMatchObject({ reference: 'slice', status: 'ok' });
    const whole = evaluateSegmentDrift({ ...profile, slices: null }, [
      { ...segment, current: current() },
    ]);
    expect(whole.segments[0]).toMatchObject({
      reference: 'whole',
      status: 'drift',
      driftedFeatures: ['tenure'],
    });
  });
});
