import { describe, expect, it } from 'vitest';
import { chiSquareContingency, chiSquareHomogeneity } from '../../../src/stats/index.js';
import { expectClose, loadFixture } from './fixtures.js';

interface ChiCase {
  name: string;
  reference: Record<string, number>;
  current: Record<string, number>;
  unseen: 'bucket' | 'separate';
  statistic: number;
  pValue: number;
  dof: number;
}

describe('chiSquareHomogeneity against scipy.stats.chi2_contingency(correction=False)', () => {
  const cases = loadFixture<ChiCase>('chiSquare.json');
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = chiSquareHomogeneity(c.reference, c.current, { unseen: c.unseen });
    expect(result.dof).toBe(c.dof);
    expectClose(result.statistic, c.statistic, 1e-12, 'statistic', 1e-12);
    expectClose(result.pValue, c.pValue, 1e-10, 'pValue', 1e-300);
  });
});

describe('chi-square input validation', () => {
  it('names a negative count', () => {
    expect(() => chiSquareHomogeneity({ a: -1 }, { a: 1 })).toThrow(/referenceCounts\["a"\] is -1/);
  });
  it('rejects an empty current window', () => {
    expect(() => chiSquareHomogeneity({ a: 1 }, {})).toThrow(/currentCounts must contain/);
  });
  it('rejects rows of different lengths', () => {
    expect(() => chiSquareContingency([1, 2], [1])).toThrow(/same length/);
  });
});
