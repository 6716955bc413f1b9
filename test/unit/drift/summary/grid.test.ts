import { describe, expect, it } from 'vitest';
import { buildNumericProfile, summaryGrid } from '../../../../src/drift/index.js';
import { reference } from './fixtures.js';

describe('summaryGrid', () => {
  it('puts the reference min, the PSI edges and nextUp(max) on the grid', () => {
    const profile = buildNumericProfile('x', [1, 2, 3, 4, 5], { bins: 4 });
    const grid = summaryGrid(profile, 4);
    expect(Array.from(grid.edges)).toEqual([1, 2, 3, 4, 5, 5.000000000000001]);
    expect(grid.binCount).toBe(7);
    expect(Array.from(grid.referenceBelow)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(grid.referenceAtOrBelow)).toEqual([1, 2, 3, 4, 5, 5]);
    for (const feature of [reference.features[0]!, reference.features[1]!]) {
      if (feature.kind !== 'numeric') throw new Error('numeric expected');
      const edges = Array.from(summaryGrid(feature, 2000).edges);
      for (const edge of feature.binEdges) expect(edges).toContain(edge);
      // Even when bins is not a multiple of 10.
      const odd = Array.from(summaryGrid(feature, 333).edges);
      for (const edge of feature.binEdges) expect(odd).toContain(edge);
    }
  });

  it('puts every value held by more than n/bins reference values on the grid', () => {
    const rooms = reference.features[1]!;
    if (rooms.kind !== 'numeric') throw new Error('numeric expected');
    const edges = Array.from(summaryGrid(rooms, 2000).edges);
    const counts = new Map<number, number>();
    for (const v of rooms.sortedValues) counts.set(v, (counts.get(v) ?? 0) + 1);
    const frequent = [...counts].filter(([, c]) => c > rooms.n / 2000 + 2).map(([v]) => v);
    expect(frequent.length).toBeGreaterThan(8);
    for (const value of frequent) expect(edges).toContain(value);
  });
});
