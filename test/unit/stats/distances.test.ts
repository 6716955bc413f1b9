import { describe, expect, it } from 'vitest';
import {
  jensenShannonDistance,
  normalizedWassersteinDistance,
  psi,
  wassersteinDistance,
} from '../../../src/stats/index.js';
import { expectClose, loadFixture } from './fixtures.js';

interface WassersteinCase {
  name: string;
  a: number[];
  b: number[];
  distance: number;
  referenceStd: number;
}

describe('wassersteinDistance against scipy.stats.wasserstein_distance', () => {
  const cases = loadFixture<WassersteinCase>('wasserstein.json');
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expectClose(wassersteinDistance(c.a, c.b), c.distance, 1e-10, 'distance', 1e-15);
    const normalized = normalizedWassersteinDistance(c.a, c.b);
    if (c.referenceStd > 0) {
      expectClose(normalized.normalized, c.distance / c.referenceStd, 1e-10, 'normalized', 1e-15);
    }
  });

  it('normalises by the pooled std when the reference is constant', () => {
    const result = normalizedWassersteinDistance([2, 2, 2], [2, 3]);
    expect(result.distance).toBeCloseTo(0.5, 15);
    expect(result.scale).toBeGreaterThan(0);
    expect(Number.isFinite(result.normalized)).toBe(true);
    expect(normalizedWassersteinDistance([2, 2], [2]).normalized).toBe(0);
  });
});

describe('jensenShannonDistance against scipy.spatial.distance.jensenshannon(base=2)', () => {
  const cases = loadFixture<{ name: string; p: number[]; q: number[]; distance: number }>(
    'jensenShannon.json',
  );
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expectClose(jensenShannonDistance(c.p, c.q), c.distance, 1e-10, 'distance', 1e-12);
  });

  it('rejects vectors of different lengths and all-zero vectors', () => {
    expect(() => jensenShannonDistance([1, 2], [1])).toThrow(/same length/);
    expect(() => jensenShannonDistance([0, 0], [1, 1])).toThrow(/p must have a positive sum/);
  });
});

describe('psi against a numpy evaluation of the same formula', () => {
  const cases = loadFixture<{
    name: string;
    reference: number[];
    current: number[];
    epsilon: number;
    psi: number;
  }>('psi.json');
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expectClose(psi(c.reference, c.current, { epsilon: c.epsilon }), c.psi, 1e-12, 'psi', 1e-15);
  });

  it('rejects an epsilon outside (0, 1)', () => {
    expect(() => psi([1], [1], { epsilon: 0 })).toThrow(/epsilon/);
  });
});
