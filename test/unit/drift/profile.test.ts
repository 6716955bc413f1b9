import { describe, expect, it } from 'vitest';
import {
  buildCategoricalProfile,
  buildNumericProfile,
  buildReferenceProfile,
  DriftInputError,
} from '../../../src/drift/index.js';

describe('buildNumericProfile', () => {
  it('sorts values, counts missing and computes the summary', () => {
    const profile = buildNumericProfile('age', [3, null, 1, 2, null, 4]);
    expect(profile).toMatchObject({
      kind: 'numeric',
      name: 'age',
      n: 4,
      missing: 2,
      min: 1,
      max: 4,
      mean: 2.5,
    });
    expect(Array.from(profile.sortedValues)).toEqual([1, 2, 3, 4]);
    expect(profile.std).toBeCloseTo(Math.sqrt(5 / 3), 15);
  });

  it('builds quantile bin edges (10 bins by default, fewer with ties)', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    expect(buildNumericProfile('x', values).binEdges).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(buildNumericProfile('x', values, { bins: 4 }).binEdges).toEqual([25, 50, 75]);
    const tied = buildNumericProfile('x', [1, 1, 1, 1, 2]).binEdges;
    expect(tied).toHaveLength(3);
    [1, 1.2, 1.6].forEach((edge, i) => expect(tied[i]).toBeCloseTo(edge, 14));
  });

  it('handles a column with no values', () => {
    const profile = buildNumericProfile('x', [null, null]);
    expect(profile).toMatchObject({ n: 0, missing: 2, binEdges: [] });
  });

  it('rejects NaN and Infinity, naming the feature, index and value', () => {
    expect(() => buildNumericProfile('income', [1, Number.NaN])).toThrow(
      /feature "income": value \[1\] is NaN/,
    );
    expect(() => buildNumericProfile('income', [Infinity])).toThrow(DriftInputError);
  });
});

describe('buildCategoricalProfile', () => {
  it('counts categories and missing values', () => {
    expect(buildCategoricalProfile('color', ['red', 'blue', null, 'red'])).toEqual({
      kind: 'categorical',
      name: 'color',
      n: 3,
      missing: 1,
      counts: { red: 2, blue: 1 },
    });
  });
});

describe('buildReferenceProfile', () => {
  it('profiles every feature in schema order, absent columns as missing, and the score', () => {
    const profile = buildReferenceProfile(
      [
        { name: 'a', type: 'numeric' },
        { name: 'b', type: 'categorical' },
        { name: 'c', type: 'numeric' },
      ],
      { a: [1, 2, 3], b: ['x', 'y', null] },
      [0.1, 0.5, 0.9],
    );
    expect(profile.rows).toBe(3);
    expect(profile.features.map((f) => [f.name, f.kind, f.n, f.missing])).toEqual([
      ['a', 'numeric', 3, 0],
      ['b', 'categorical', 2, 1],
      ['c', 'numeric', 0, 3],
    ]);
    expect(profile.score?.n).toBe(3);
  });

  it('rejects columns of different lengths', () => {
    expect(() =>
      buildReferenceProfile([{ name: 'a', type: 'numeric' }], { a: [1, 2], b: [1] }),
    ).toThrow(/same length/);
  });
});
