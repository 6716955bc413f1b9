import { describe, expect, it } from 'vitest';
import {
  buildCategoricalProfile,
  buildNumericProfile,
  categoricalSnapshot,
  collectedDistributions,
  distributionSnapshots,
  numericSnapshot,
  SCORE_FEATURE,
} from '../../../src/drift/index.js';

/** An exact CDF of a list of values, independent of the code under test. */
function cdfOf(values: number[]): (x: number) => number {
  return (x) => values.filter((v) => v <= x).length / values.length;
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('numericSnapshot', () => {
  it('bins a hand-computable case on the reference range', () => {
    // Reference 0..10 in 5 bins of width 2: [0,2] (2,4] (4,6] (6,8] (8,10].
    const reference = buildNumericProfile('x', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Current: one value below the range, one above, 0 (first bin, closed
    // on the left), 2 (first bin, closed on the right), 5 and 5.5 (third).
    const current = [-1, 0, 2, 5, 5.5, 11];
    const snapshot = numericSnapshot(reference, cdfOf(current), 'x', 5);
    expect(snapshot.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(snapshot.reference).toEqual([
      round(3 / 11),
      round(2 / 11),
      round(2 / 11),
      round(2 / 11),
      round(2 / 11),
    ]);
    expect(snapshot.current).toEqual({
      bins: [round(2 / 6), 0, round(2 / 6), 0, 0],
      below: round(1 / 6),
      above: round(1 / 6),
    });
  });

  it('gives fractions that sum to 1 on both sides, the outside shares included', () => {
    const values = Array.from({ length: 997 }, (_, i) => Math.sin(i) * 40 + i / 30);
    const reference = buildNumericProfile('x', values);
    const current = values.map((v) => v * 1.3 + 7);
    const snapshot = numericSnapshot(reference, cdfOf(current));
    expect(snapshot.reference).toHaveLength(30);
    expect(sum(snapshot.reference)).toBeCloseTo(1, 4);
    const c = snapshot.current!;
    expect(sum(c.bins) + c.below + c.above).toBeCloseTo(1, 4);
    expect(c.above).toBeGreaterThan(0);
  });

  it('draws a constant reference as one bin around its value', () => {
    const snapshot = numericSnapshot(buildNumericProfile('x', [3, 3, 3]), cdfOf([3, 4]), 'x', 1);
    expect(snapshot.edges).toEqual([2.5, 3.5]);
    expect(snapshot.reference).toEqual([1]);
    expect(snapshot.current).toEqual({ bins: [0.5], below: 0, above: 0.5 });
  });

  it('has no current side when the window has no value', () => {
    expect(numericSnapshot(buildNumericProfile('x', [1, 2]), null).current).toBeNull();
  });
});

describe('categoricalSnapshot', () => {
  it('keeps the heaviest categories of either side and sums the rest as other', () => {
    const reference = buildCategoricalProfile('c', ['a', 'a', 'a', 'b', 'c', 'd']);
    const current = new Map([
      ['a', 1],
      ['new', 2],
      ['d', 1],
    ]);
    const snapshot = categoricalSnapshot(reference, current, 2);
    expect(snapshot.categories).toEqual([
      { category: 'a', reference: 0.5, current: 0.25 },
      { category: 'new', reference: 0, current: 0.5 },
    ]);
    // b, c, d left out: reference 3/6, current 1/4.
    expect(snapshot.other).toEqual({ category: 'other', reference: 0.5, current: 0.25, count: 3 });
    const all = [...snapshot.categories, snapshot.other!];
    expect(sum(all.map((s) => s.reference))).toBeCloseTo(1, 6);
    expect(sum(all.map((s) => s.current!))).toBeCloseTo(1, 6);
  });
});

describe('distributionSnapshots over a collected window', () => {
  it('gives one snapshot per feature and the score, from the exact CDF and counts', () => {
    const reference = {
      rows: 4,
      features: [
        buildNumericProfile('n', [1, 2, 3, 4]),
        buildCategoricalProfile('c', ['x', 'y', 'y', 'y']),
      ],
      score: buildNumericProfile(SCORE_FEATURE, [0.1, 0.2, 0.3, 0.4]),
    };
    const current = collectedDistributions({
      rows: 3,
      features: {
        // Unsorted on purpose: the CDF must not depend on the order.
        n: { kind: 'numeric', values: Float64Array.from([4, 1, 9]), missing: 0 },
        c: { kind: 'categorical', counts: { x: 3 }, n: 3, missing: 0 },
      },
      score: { kind: 'numeric', values: Float64Array.from([]), missing: 3 },
    });
    const snapshots = distributionSnapshots(reference, current, { bins: 3 });
    expect(snapshots.map((s) => s.feature)).toEqual(['n', 'c', SCORE_FEATURE]);
    const n = snapshots[0]!;
    expect(n.kind === 'numeric' && n.current).toEqual({
      bins: [round(1 / 3), 0, round(1 / 3)],
      below: 0,
      above: round(1 / 3),
    });
    const c = snapshots[1]!;
    expect(c.kind === 'categorical' && c.categories).toEqual([
      { category: 'x', reference: 0.25, current: 1 },
      { category: 'y', reference: 0.75, current: 0 },
    ]);
    const score = snapshots[2]!;
    expect(score.kind === 'numeric' && score.current).toBeNull();
  });
});

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
