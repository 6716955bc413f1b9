import { describe, expect, it } from 'vitest';
import {
  compareScores,
  DEFAULT_PARITY_TOLERANCE,
  findReproducingVersions,
  percentileSorted,
  reproductionShare,
} from '../../../src/scoring/index.js';
import { createRandom } from '../../../src/stats/index.js';

function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `r${i}`);
}

describe('compareScores', () => {
  it('defaults to tolerances suited to float32 scores', () => {
    expect(DEFAULT_PARITY_TOLERANCE).toEqual({ atol: 1e-5, rtol: 1e-4 });
    const result = compareScores({
      requestIds: ids(3),
      logged: [0.5, 0.50005, 0.9],
      recomputed: [0.500001, 0.5, 0.7],
    });
    // 0.50005 is 5e-5 from 0.5, within 1e-5 + 1e-4 · 0.5 = 6e-5; 0.9 vs 0.7 is a real break.
    expect(result.atol).toBe(1e-5);
    expect(result.rtol).toBe(1e-4);
    expect(result.mismatchIndices).toEqual([2]);
  });

  it('does not count a difference of exactly atol + rtol·|recomputed|, and counts anything more', () => {
    // Dyadic values make the bound exact: 0.5 + 0.25 · 2 = 1.
    const result = compareScores({
      requestIds: ids(4),
      logged: [3, 1, 3 + 2 ** -50, -2],
      recomputed: [2, 2, 2, -2 - 1 - 2 ** -50],
      atol: 0.5,
      rtol: 0.25,
    });
    expect(result.mismatchIndices).toEqual([2]);
    // Row 3: |−2 − (−3 − ε)| = 1 + ε against 0.5 + 0.25 · (3 + ε) > 1 + ε: within.
    expect(result.mismatches).toBe(1);
    expect(result.mismatchRatio).toBe(0.25);
  });

  it('computes p99 as numpy.percentile does, bit for bit', () => {
    // python3 -c "import numpy as np; print(repr(np.percentile([0,1,2,3,4,5,6,7,8,9], 99)))" → 8.91
    const diffs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const a = compareScores({
      requestIds: ids(10),
      logged: diffs.map((d) => 10 + d),
      recomputed: diffs.map(() => 10),
    });
    expect(a.p99AbsDiff).toBeCloseTo(8.91, 12);
    expect(a.maxAbsDiff).toBe(9);
    // The interpolation numpy uses when the weight is ≥ 0.5 (b − (b − a)(1 − g)) differs from
    // a + (b − a)g in the last bit here (numpy 1.24.2):
    // np.percentile([0,.1,.2,.3,.4,.5,.6,.7,0.8605060156171978,0.9518875125215325], 99)
    //   → 0.9436631778001424 (a + (b − a)g gives 0.9436631778001423)
    const sample = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8605060156171978, 0.9518875125215325];
    expect(percentileSorted(sample, 99)).toBe(0.9436631778001424);
    expect(percentileSorted(sample, 50)).toBe(0.45);
    expect(percentileSorted(sample, 25)).toBe(0.225);
    expect(percentileSorted([0.3], 99)).toBe(0.3);
  });

  it('finds p99 by selection equal to the sorted definition, ties and all', () => {
    const random = createRandom(11);
    for (const n of [1, 2, 3, 10, 99, 100, 101, 1_000, 4_321]) {
      for (const ties of [false, true]) {
        const recomputed = Array.from({ length: n }, () => random.next());
        const logged = recomputed.map((r) =>
          ties ? r + Math.floor(random.next() * 4) / 8 : r + random.normal() * 1e-3,
        );
        const result = compareScores({ requestIds: ids(n), logged, recomputed });
        const sorted = Float64Array.from(logged, (l, i) => Math.abs(l - recomputed[i]!)).sort();
        expect(result.p99AbsDiff, `n=${n} ties=${ties}`).toBe(percentileSorted(sorted, 99));
        expect(result.maxAbsDiff).toBe(sorted[n - 1]);
      }
    }
  });

  it('lists the worst rows largest first, ties in input order', () => {
    const result = compareScores({
      requestIds: ['a', 'b', 'c', 'd', 'e'],
      logged: [0.1, 0.5, 0.3, 0.9, 0.2],
      recomputed: [0.1, 0.25, 0.05, 0.4, 0.2],
      worst: 3,
    });
    expect(result.worst.map((w) => [w.requestId, w.absDiff])).toEqual([
      ['d', 0.5],
      ['b', 0.25],
      ['c', 0.25],
    ]);
    expect(result.worst.every((w) => w.mismatch)).toBe(true);
    expect(result.mismatchIndices).toEqual([1, 2, 3]);
  });

  it('counts rows without a logged score apart, and maps scored rows back through rowIndex', () => {
    // Rows 1 and 3 could not be rebuilt (not recomputed); row 2 has no logged score.
    const result = compareScores({
      requestIds: ids(5),
      logged: [0.2, 0.4, null, 0.6, 0.9],
      recomputed: Float64Array.from([0.2, 0.5, 0.3]),
      rowIndex: Int32Array.from([0, 2, 4]),
    });
    expect(result.rowsChecked).toBe(2);
    expect(result.unlogged).toBe(1);
    expect(result.mismatchIndices).toEqual([4]);
    expect(result.worst[0]).toMatchObject({
      requestId: 'r4',
      row: 4,
      logged: 0.9,
      recomputed: 0.3,
    });
  });

  it('treats a NaN score as a mismatch, never as close', () => {
    const result = compareScores({
      requestIds: ids(2),
      logged: [Number.NaN, 0.5],
      recomputed: [0.5, 0.5],
    });
    expect(result.mismatchIndices).toEqual([0]);
    expect(result.maxAbsDiff).toBe(Infinity);
  });

  it('reports no ratio or differences when nothing was checked', () => {
    const result = compareScores({ requestIds: ['a'], logged: [null], recomputed: [0.5] });
    expect(result).toMatchObject({
      rowsChecked: 0,
      unlogged: 1,
      mismatches: 0,
      mismatchRatio: null,
      maxAbsDiff: null,
      p99AbsDiff: null,
      worst: [],
    });
  });

  it('refuses misaligned inputs', () => {
    expect(() => compareScores({ requestIds: ids(2), logged: [1, 2], recomputed: [1] })).toThrow(
      /pass rowIndex/,
    );
    expect(() =>
      compareScores({ requestIds: ids(2), logged: [1, 2], recomputed: [1], rowIndex: [5] }),
    ).toThrow(/outside the 2 logged rows/);
  });
});

describe('diagnosis', () => {
  it('measures the share of mismatching rows a candidate version reproduces', () => {
    const logged = [0.3, 0.6, 0.8, 0.1];
    expect(reproductionShare(logged, [0.3, 0.6, 0.5, Number.NaN])).toEqual({
      rows: 4,
      reproduced: 2,
      share: 0.5,
    });
  });

  it('reports the versions that reproduce the logged scores, best first', () => {
    const logged = [0.3, 0.6, 0.8, 0.1];
    const found = findReproducingVersions(
      logged,
      [
        { version: 'v1', recomputed: [0.3, 0.6, 0.8, 0.1000001] },
        { version: 'v3', recomputed: [0.2, 0.5, 0.7, 0.2] },
        { version: 'v0', recomputed: [0.3, 0.6, 0.8, 0.4] },
      ],
      { minShare: 0.75 },
    );
    expect(found.map((f) => [f.version, f.share])).toEqual([
      ['v1', 1],
      ['v0', 0.75],
    ]);
  });
});
