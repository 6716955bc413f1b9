import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  jensenShannonDistance,
  ksTwoSample,
  psi,
} from '../../../src/stats/index.js';

const value = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
// Small integer ranges give heavy ties, the case most likely to break a merge walk.
const tiedValue = fc.integer({ min: -3, max: 3 });
const sample = fc.oneof(
  fc.array(value, { minLength: 1, maxLength: 60 }),
  fc.array(tiedValue, { minLength: 1, maxLength: 60 }),
);
const method = fc.constantFrom('auto' as const, 'exact' as const, 'asymp' as const);
const weights = (length: number) =>
  fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: length, maxLength: length });
const weightPair = fc
  .integer({ min: 1, max: 12 })
  .chain((k) => fc.tuple(weights(k), weights(k)))
  .filter(([p, q]) => p.some((v) => v > 0) && q.some((v) => v > 0));

describe('KS properties', () => {
  it('statistic lies in [0, 1] and p-value in [0, 1]', () => {
    fc.assert(
      fc.property(sample, sample, method, (a, b, m) => {
        const r = ksTwoSample(a, b, { method: m });
        return r.statistic >= 0 && r.statistic <= 1 && r.pValue >= 0 && r.pValue <= 1;
      }),
    );
  });

  it('is symmetric in its two samples', () => {
    fc.assert(
      fc.property(sample, sample, method, (a, b, m) => {
        const ab = ksTwoSample(a, b, { method: m });
        const ba = ksTwoSample(b, a, { method: m });
        return ab.statistic === ba.statistic && Math.abs(ab.pValue - ba.pValue) <= 1e-12;
      }),
    );
  });

  it('gives D = 0 and p = 1 for identical samples', () => {
    fc.assert(
      fc.property(sample, method, (a, m) => {
        const r = ksTwoSample(a, [...a].reverse(), { method: m });
        expect(r.statistic).toBe(0);
        expect(r.pValue).toBe(1);
      }),
    );
  });
});

describe('PSI and Jensen–Shannon properties', () => {
  it('PSI is >= 0', () => {
    fc.assert(fc.property(weightPair, ([p, q]) => psi(p, q) >= 0));
  });

  it('JS distance is symmetric and in [0, 1]', () => {
    fc.assert(
      fc.property(weightPair, ([p, q]) => {
        const pq = jensenShannonDistance(p, q);
        const qp = jensenShannonDistance(q, p);
        return pq >= 0 && pq <= 1 && Math.abs(pq - qp) <= 1e-12;
      }),
    );
  });
});

describe('Benjamini–Hochberg properties', () => {
  const pValues = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 });

  it('adjusted p-values are >= raw, <= 1, and monotone in the raw p-values', () => {
    fc.assert(
      fc.property(pValues, (p) => {
        const adjusted = benjaminiHochberg(p);
        for (let i = 0; i < p.length; i++) {
          if (adjusted[i]! < p[i]! || adjusted[i]! > 1) return false;
          for (let j = 0; j < p.length; j++) {
            if (p[i]! < p[j]! && adjusted[i]! > adjusted[j]!) return false;
          }
        }
        return true;
      }),
    );
  });
});
