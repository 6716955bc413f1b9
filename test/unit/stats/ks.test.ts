import { describe, expect, it } from 'vitest';
import {
  kolmogorovLimitSf,
  kolmogorovSf,
  ksTwoSample,
  ksTwoSampleExactSf,
  ksTwoSampleSorted,
  smirnovSf,
  StatisticsInputError,
} from '../../../src/stats/index.js';
import { expectClose, loadFixture, relativeError } from './fixtures.js';

interface Ks2SampCase {
  name: string;
  a: number[];
  b: number[];
  method: 'auto' | 'exact' | 'asymp';
  statistic: number;
  pValue: number;
}

const STATISTIC_ATOL = 1e-12;
const EXACT_RTOL = 1e-8;
const ASYMP_RTOL = 1e-4;

describe('ksTwoSample against scipy.stats.ks_2samp', () => {
  const cases = loadFixture<Ks2SampCase>('ks2samp.json');

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = ksTwoSample(c.a, c.b, { method: c.method });
    expect(Math.abs(result.statistic - c.statistic)).toBeLessThanOrEqual(STATISTIC_ATOL);
    const rtol = result.method === 'exact' ? EXACT_RTOL : ASYMP_RTOL;
    // Tiny p-values: scipy's own float64 arithmetic gives no digits below ~1e-300.
    expectClose(result.pValue, c.pValue, rtol, `${c.name} (${result.method})`, 1e-300);
  });

  it('resolves auto like scipy: exact up to 10,000, asymptotic beyond', () => {
    const byName = new Map(cases.map((c) => [c.name, c]));
    const exactCase = byName.get('normal 10000 vs 7500')!;
    const asympCase = byName.get('normal 15000 vs 400 (auto asymp)')!;
    expect(ksTwoSample(exactCase.a, exactCase.b).method).toBe('exact');
    expect(ksTwoSample(asympCase.a, asympCase.b).method).toBe('asymp');
  });

  it('gives the same answer for pre-sorted Float64Arrays', () => {
    for (const c of cases.slice(0, 30)) {
      const a = Float64Array.from(c.a).sort();
      const b = Float64Array.from(c.b).sort();
      expect(ksTwoSampleSorted(a, b, { method: c.method })).toEqual(
        ksTwoSample(c.a, c.b, { method: c.method }),
      );
    }
  });

  it('does not modify its inputs', () => {
    const a = [3, 1, 2];
    const b = new Float64Array([9, 7, 8]);
    ksTwoSample(a, b);
    expect(a).toEqual([3, 1, 2]);
    expect(Array.from(b)).toEqual([9, 7, 8]);
  });
});

describe('exact two-sample null distribution', () => {
  const cases = loadFixture<{ n1: number; n2: number; d: number; pValue: number }>('ksExact.json');
  it(`matches scipy's _attempt_exact_2kssamp on ${cases.length} (n1, n2, d) points to 1e-8`, () => {
    let worst = 0;
    for (const c of cases) {
      const p = ksTwoSampleExactSf(c.n1, c.n2, c.d);
      expectClose(p, c.pValue, EXACT_RTOL, `n1=${c.n1} n2=${c.n2} d=${c.d}`, 1e-300);
      worst = Math.max(worst, relativeError(p, c.pValue));
    }
    expect(worst).toBeLessThan(EXACT_RTOL);
  });
});

describe('one-sample Kolmogorov distributions', () => {
  const kstwo = loadFixture<{ n: number; d: number; sf: number }>('kstwo.json');
  it(`kolmogorovSf matches scipy.stats.kstwo.sf on ${kstwo.length} (n, d) points to 1e-4`, () => {
    for (const c of kstwo) {
      expectClose(kolmogorovSf(c.n, c.d), c.sf, ASYMP_RTOL, `kstwo n=${c.n} d=${c.d}`, 1e-300);
    }
  });

  const smirnov = loadFixture<{ n: number; d: number; sf: number }>('smirnov.json');
  it('smirnovSf matches scipy.special.smirnov', () => {
    for (const c of smirnov) {
      expectClose(smirnovSf(c.n, c.d), c.sf, 1e-6, `smirnov n=${c.n} d=${c.d}`, 1e-300);
    }
  });

  const limit = loadFixture<{ x: number; sf: number }>('kolmogorovLimit.json');
  it('kolmogorovLimitSf matches scipy.special.kolmogorov', () => {
    for (const c of limit) expectClose(kolmogorovLimitSf(c.x), c.sf, 1e-12, `x=${c.x}`, 1e-300);
  });
});

describe('ksTwoSample input validation', () => {
  it('names the argument, index and value of a NaN', () => {
    expect(() => ksTwoSample([1, Number.NaN], [1])).toThrow(/a\[1\] is NaN/);
    try {
      ksTwoSample([1], [2, Infinity]);
    } catch (error) {
      expect(error).toBeInstanceOf(StatisticsInputError);
      expect(error).toMatchObject({ argument: 'b', index: 1, value: Infinity });
    }
  });

  it('rejects empty samples', () => {
    expect(() => ksTwoSample([], [1])).toThrow(/a must not be empty/);
  });

  it('rejects unsorted input to the sorted variant', () => {
    expect(() => ksTwoSampleSorted(new Float64Array([2, 1]), new Float64Array([1]))).toThrow(
      /sorted ascending/,
    );
  });

  it('rejects an unknown method', () => {
    expect(() => ksTwoSample([1], [2], { method: 'fast' as 'auto' })).toThrow(/options.method/);
  });
});
