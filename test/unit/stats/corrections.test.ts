import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, bonferroni } from '../../../src/stats/index.js';
import { expectClose, loadFixture } from './fixtures.js';

describe('multiple-testing corrections', () => {
  const cases = loadFixture<{ pValues: number[]; bh: number[]; bonferroni: number[] }>(
    'corrections.json',
  );
  it.each(cases.map((c, i) => [i, c] as const))('case %i matches the reference', (_i, c) => {
    benjaminiHochberg(c.pValues).forEach((v, i) =>
      expectClose(v, c.bh[i]!, 1e-14, `bh ${i}`, 1e-300),
    );
    bonferroni(c.pValues).forEach((v, i) =>
      expectClose(v, c.bonferroni[i]!, 1e-14, `bonferroni ${i}`, 1e-300),
    );
  });

  it('matches R p.adjust(method = "BH") on its documented example', () => {
    // R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "BH") == rep(0.05, 5)
    for (const v of benjaminiHochberg([0.01, 0.02, 0.03, 0.04, 0.05]))
      expect(v).toBeCloseTo(0.05, 15);
  });

  it('rejects p-values outside [0, 1]', () => {
    expect(() => benjaminiHochberg([0.1, 1.5])).toThrow(/pValues\[1\] is 1.5/);
    expect(() => bonferroni([Number.NaN])).toThrow(/pValues\[0\] is NaN/);
  });

  it('returns an empty list for no tests', () => {
    expect(benjaminiHochberg([])).toEqual([]);
  });
});
