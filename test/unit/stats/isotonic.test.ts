import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createRandom,
  fitIsotonic,
  predictIsotonic,
  StatisticsInputError,
} from '../../../src/stats/index.js';

/** Golden values written by test/fixtures/isotonic/generate.py (scikit-learn). */
interface IsotonicCase {
  name: string;
  x: number[];
  y: number[];
  weights?: number[];
  xThresholds: number[];
  yThresholds: number[];
  at: number[];
  predicted: number[];
}

const cases = (
  JSON.parse(
    readFileSync(new URL('../../fixtures/isotonic/isotonic.json', import.meta.url), 'utf8'),
  ) as { cases: IsotonicCase[] }
).cases;

describe('fitIsotonic / predictIsotonic against scikit-learn IsotonicRegression(out_of_bounds="clip")', () => {
  it('covers the cases the fixtures promise', () => {
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'random',
        'ties in x, binary y',
        'all-equal y',
        'already monotone',
        'decreasing',
        'weights',
        'one point',
        'near-ties below 1e-15',
        '20k logistic scores',
      ]),
    );
    expect(cases.find((c) => c.name === '20k logistic scores')!.x).toHaveLength(20000);
  });

  for (const c of cases) {
    it(`${c.name}: predictions at the training x, between them and outside the range within 1e-9`, () => {
      const fit = fitIsotonic(c.x, c.y, c.weights);
      let worst = 0;
      c.at.forEach((value, i) => {
        worst = Math.max(worst, Math.abs(predictIsotonic(fit, value) - c.predicted[i]!));
      });
      expect(worst).toBeLessThanOrEqual(1e-9);
    });

    it(`${c.name}: the thresholds equal X_thresholds_ / y_thresholds_`, () => {
      const fit = fitIsotonic(c.x, c.y, c.weights);
      expect(Array.from(fit.x)).toEqual(c.xThresholds);
      expect(fit.y).toHaveLength(c.yThresholds.length);
      fit.y.forEach((v, i) => expect(Math.abs(v - c.yThresholds[i]!)).toBeLessThanOrEqual(1e-9));
    });
  }
});

describe('fitIsotonic properties', () => {
  it('pools a hand-sized violation: x [1, 2, 3], y [1, 3, 2] → 1, 2.5, 2.5', () => {
    const fit = fitIsotonic([1, 2, 3], [1, 3, 2]);
    expect(Array.from(fit.x)).toEqual([1, 2, 3]);
    expect(Array.from(fit.y)).toEqual([1, 2.5, 2.5]);
    expect(predictIsotonic(fit, 1.5)).toBeCloseTo(1.75, 12);
    expect(predictIsotonic(fit, -10)).toBe(1);
    expect(predictIsotonic(fit, 10)).toBe(2.5);
  });

  it('is non-decreasing and keeps the weighted mean of y on random data', () => {
    const random = createRandom(15);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + Math.floor(random.next() * 300);
      const x = Array.from({ length: n }, () => Math.round(random.next() * 50) / 10);
      const y = Array.from({ length: n }, () => random.normal());
      const w = Array.from({ length: n }, () => 0.5 + random.next());
      const fit = fitIsotonic(x, y, w);
      for (let i = 1; i < fit.y.length; i++) {
        expect(fit.x[i]!).toBeGreaterThan(fit.x[i - 1]!);
        expect(fit.y[i]!).toBeGreaterThanOrEqual(fit.y[i - 1]!);
      }
      // The isotonic fit preserves the weighted total (a property of PAVA):
      // Σ w·ŷ(x) = Σ w·y when every x is its own threshold or lies on a flat stretch.
      let fittedTotal = 0;
      let total = 0;
      x.forEach((xi, i) => {
        fittedTotal += w[i]! * predictIsotonic(fit, xi);
        total += w[i]! * y[i]!;
      });
      expect(Math.abs(fittedTotal - total)).toBeLessThan(1e-9 * n);
    }
  });

  it('rejects empty input, mismatched lengths, NaN, negative or all-zero weights', () => {
    expect(() => fitIsotonic([], [])).toThrow(StatisticsInputError);
    expect(() => fitIsotonic([1, 2], [1])).toThrow(/y has length 1/);
    expect(() => fitIsotonic([1, Number.NaN], [1, 2])).toThrow(/x\[1\] is NaN/);
    expect(() => fitIsotonic([1, 2], [1, 2], [1, -1])).toThrow(/must not be negative/);
    expect(() => fitIsotonic([1, 2], [1, 2], [0, 0])).toThrow(/every weight is 0/);
    expect(() => predictIsotonic(fitIsotonic([1], [1]), Number.POSITIVE_INFINITY)).toThrow(
      StatisticsInputError,
    );
  });
});
