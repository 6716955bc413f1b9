import { describe, expect, it } from 'vitest';
import {
  binCounts,
  binCountsSorted,
  psi,
  quantileBinEdges,
  quantileSorted,
} from '../../../src/stats/index.js';
import { expectClose, loadFixture } from './fixtures.js';

interface BinningCase {
  name: string;
  reference: number[];
  current: number[];
  bins: number;
  quantiles: number[];
  edges: number[];
  referenceCounts: number[];
  currentCounts: number[];
  psi: number;
}

describe('binning against numpy.quantile and numpy.searchsorted', () => {
  const cases = loadFixture<BinningCase>('binning.json');
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const sorted = Float64Array.from(c.reference).sort();
    c.quantiles.forEach((q, i) =>
      expectClose(quantileSorted(sorted, (i + 1) / c.bins), q, 1e-14, `quantile ${i}`, 1e-15),
    );
    const edges = quantileBinEdges(sorted, c.bins);
    expect(edges.length).toBe(c.edges.length);
    edges.forEach((e, i) => expectClose(e, c.edges[i]!, 1e-14, `edge ${i}`, 1e-15));
    // Count with numpy's edges so that a last-bit difference cannot move a value.
    expect(binCounts(c.reference, c.edges)).toEqual(c.referenceCounts);
    expect(binCounts(c.current, c.edges)).toEqual(c.currentCounts);
    expect(binCountsSorted(Float64Array.from(c.current).sort(), c.edges)).toEqual(c.currentCounts);
    expectClose(psi(c.referenceCounts, c.currentCounts), c.psi, 1e-12, 'psi', 1e-15);
  });

  it('puts values below the first edge in the underflow bin and at or above the last in the overflow bin', () => {
    expect(binCounts([-10, 0, 0.5, 1, 10], [0, 1])).toEqual([1, 2, 2]);
  });

  it('rejects edges that do not increase', () => {
    expect(() => binCounts([1], [1, 1])).toThrow(/strictly increasing/);
  });
});
