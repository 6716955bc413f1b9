import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classificationAtThreshold,
  regressionErrors,
  rocAuc,
} from '../../../src/stats/classification.js';
import { createRandom, StatisticsInputError } from '../../../src/stats/index.js';

/** Golden values written by test/fixtures/performance/generate.py (scikit-learn). */
function loadFixture<T>(name: string): T[] {
  const url = new URL(`../../fixtures/performance/${name}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: T[] }).cases;
}

interface ClassificationCase {
  name: string;
  labels: number[];
  scores: number[];
  rocAuc: number | null;
  atThreshold: { threshold: number; precision: number; recall: number; accuracy: number }[];
}

interface RegressionCase {
  name: string;
  actual: number[];
  predicted: number[];
  mae: number;
  rmse: number;
}

const ATOL = 1e-12;

describe('against scikit-learn', () => {
  const classification = loadFixture<ClassificationCase>('classification.json');
  const regression = loadFixture<RegressionCase>('regression.json');

  it('covers the cases the fixtures promise', () => {
    expect(classification.length).toBeGreaterThanOrEqual(30);
    expect(classification.some((c) => c.labels.length === 10_000)).toBe(true);
    expect(classification.some((c) => c.rocAuc === null)).toBe(true);
  });

  it.each(classification.map((c) => [c.name, c] as const))('rocAuc: %s', (_name, c) => {
    const auc = rocAuc(c.labels, c.scores);
    if (c.rocAuc === null) {
      expect(auc).toBeNull();
    } else {
      expect(auc).not.toBeNull();
      expect(Math.abs(auc! - c.rocAuc)).toBeLessThanOrEqual(ATOL);
    }
  });

  it.each(classification.map((c) => [c.name, c] as const))(
    'classificationAtThreshold: %s',
    (_name, c) => {
      for (const expected of c.atThreshold) {
        const r = classificationAtThreshold(c.labels, c.scores, expected.threshold);
        expect(Math.abs(r.precision - expected.precision)).toBeLessThanOrEqual(ATOL);
        expect(Math.abs(r.recall - expected.recall)).toBeLessThanOrEqual(ATOL);
        expect(Math.abs(r.accuracy - expected.accuracy)).toBeLessThanOrEqual(ATOL);
        expect(r.truePositive + r.falsePositive + r.trueNegative + r.falseNegative).toBe(
          c.labels.length,
        );
      }
    },
  );

  it.each(regression.map((c) => [c.name, c] as const))('regressionErrors: %s', (_name, c) => {
    const r = regressionErrors(c.actual, c.predicted);
    expect(Math.abs(r.mae - c.mae)).toBeLessThanOrEqual(ATOL);
    expect(Math.abs(r.rmse - c.rmse)).toBeLessThanOrEqual(ATOL);
  });
});

describe('rocAuc', () => {
  it('computes the worked example of its doc comment', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  it('gives half credit to ties across classes', () => {
    expect(rocAuc([0, 1], [0.3, 0.3])).toBe(0.5);
    expect(rocAuc([0, 0, 1, 1], [0.2, 0.5, 0.5, 0.9])).toBe(0.875);
  });

  it('treats -0 and +0 as tied', () => {
    expect(rocAuc([0, 1], [0, -0])).toBe(0.5);
  });

  it('accepts typed arrays', () => {
    expect(rocAuc(Uint8Array.from([0, 1, 1]), Float64Array.from([0.2, 0.1, 0.9]))).toBe(0.5);
  });

  it('returns null when only one class is present', () => {
    expect(rocAuc([0, 0, 0], [0.1, 0.2, 0.3])).toBeNull();
    expect(rocAuc([1], [0.4])).toBeNull();
  });

  it('names the argument, index and value of a bad input', () => {
    const nan = (() => {
      try {
        rocAuc([0, 1, 1], [0.1, Number.NaN, 0.3]);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(nan).toBeInstanceOf(StatisticsInputError);
    expect(nan).toMatchObject({ argument: 'scores', index: 1 });
    expect((nan as Error).message).toBe('scores[1] is NaN; every value must be a finite number');

    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow('labels[1] is 2; every label must be 0 or 1');
    expect(() => rocAuc([0, 1], [0.1, Number.POSITIVE_INFINITY])).toThrow('scores[1] is Infinity');
    expect(() => rocAuc([0, 1, 1], [0.1, 0.2])).toThrow(
      'scores has length 2 but labels has length 3',
    );
    expect(() => rocAuc([], [])).toThrow('labels must not be empty');
  });

  it('handles a million rows (sorting, not pairwise comparison)', () => {
    const n = 1_000_000;
    const labels = new Uint8Array(n);
    const scores = new Float64Array(n);
    const random = createRandom(20240925);
    for (let i = 0; i < n; i++) {
      labels[i] = random.next() < 0.5 ? 1 : 0;
      scores[i] = random.next() + 0.3 * labels[i]!;
    }
    // No timing assertion (the machine is shared); an O(n²) walk would time out here.
    const auc = rocAuc(labels, scores)!;
    expect(auc).toBeGreaterThan(0.7);
    expect(auc).toBeLessThan(0.8);
  });
});

describe('classificationAtThreshold', () => {
  it('computes the worked example of its doc comment', () => {
    expect(classificationAtThreshold([1, 1, 0, 0], [0.9, 0.2, 0.6, 0.1], 0.5)).toEqual({
      truePositive: 1,
      falsePositive: 1,
      trueNegative: 1,
      falseNegative: 1,
      precision: 0.5,
      recall: 0.5,
      accuracy: 0.5,
    });
  });

  it('predicts positive for a score exactly at the threshold', () => {
    expect(classificationAtThreshold([1], [0.5], 0.5).truePositive).toBe(1);
  });

  it('reports 0/0 precision and recall as 0 (zero_division=0)', () => {
    const r = classificationAtThreshold([0, 0], [0.1, 0.2], 0.5);
    expect(r.precision).toBe(0);
    expect(r.recall).toBe(0);
    expect(r.accuracy).toBe(1);
  });

  it('rejects a non-finite threshold', () => {
    expect(() => classificationAtThreshold([0, 1], [0.1, 0.2], Number.NaN)).toThrow(
      StatisticsInputError,
    );
  });
});

describe('regressionErrors', () => {
  it('computes the worked example of its doc comment', () => {
    const r = regressionErrors([1, 2, 3], [2, 2, 1]);
    expect(r.mae).toBe(1);
    expect(r.rmse).toBeCloseTo(Math.sqrt(5 / 3), 15);
  });

  it('names a non-finite value', () => {
    expect(() => regressionErrors([1, 2], [1, Number.NaN])).toThrow(
      'predicted[1] is NaN; every value must be a finite number',
    );
    expect(() => regressionErrors([1], [1, 2])).toThrow(
      'predicted has length 2 but actual has length 1',
    );
  });

  it('refuses errors that overflow float64', () => {
    expect(() => regressionErrors([1e308], [-1e308])).toThrow(StatisticsInputError);
  });
});

describe('properties', () => {
  const score = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
  // Few distinct values give heavy ties, the case most likely to break the walk.
  const tiedScore = fc.integer({ min: -3, max: 3 });
  const labelled = (scoreArb: fc.Arbitrary<number>) =>
    fc
      .array(fc.tuple(fc.constantFrom(0, 1), scoreArb), { minLength: 2, maxLength: 80 })
      .filter((rows) => rows.some(([l]) => l === 0) && rows.some(([l]) => l === 1))
      .map((rows) => ({ labels: rows.map(([l]) => l), scores: rows.map(([, s]) => s) }));
  const window = fc.oneof(labelled(score), labelled(tiedScore));

  it('AUC lies in [0, 1]', () => {
    fc.assert(
      fc.property(window, ({ labels, scores }) => {
        const auc = rocAuc(labels, scores)!;
        return auc >= 0 && auc <= 1;
      }),
    );
  });

  it('negating the scores gives 1 − AUC', () => {
    fc.assert(
      fc.property(window, ({ labels, scores }) => {
        const auc = rocAuc(labels, scores)!;
        const flipped = rocAuc(
          labels,
          scores.map((s) => -s),
        )!;
        return Math.abs(flipped - (1 - auc)) <= 1e-15;
      }),
    );
  });

  it('is invariant under strictly increasing transforms of the scores', () => {
    const transforms = [
      (s: number) => Math.atan(s),
      (s: number) => 3 * s - 7,
      (s: number) => Math.cbrt(s),
    ];
    fc.assert(
      fc.property(labelled(tiedScore), fc.constantFrom(...transforms), ({ labels, scores }, f) => {
        return rocAuc(labels, scores) === rocAuc(labels, scores.map(f));
      }),
    );
  });

  it('agrees with the O(n²) pairwise definition', () => {
    fc.assert(
      fc.property(window, ({ labels, scores }) => {
        let wins = 0;
        let pairs = 0;
        for (let i = 0; i < labels.length; i++) {
          for (let j = 0; j < labels.length; j++) {
            if (labels[i] !== 1 || labels[j] !== 0) continue;
            pairs++;
            if (scores[i]! > scores[j]!) wins += 1;
            else if (scores[i] === scores[j]) wins += 0.5;
          }
        }
        return rocAuc(labels, scores) === wins / pairs;
      }),
    );
  });

  it('precision, recall and accuracy lie in [0, 1]', () => {
    fc.assert(
      fc.property(window, fc.oneof(score, tiedScore), ({ labels, scores }, threshold) => {
        const r = classificationAtThreshold(labels, scores, threshold);
        return [r.precision, r.recall, r.accuracy].every((v) => v >= 0 && v <= 1);
      }),
    );
  });

  it('RMSE >= MAE >= 0', () => {
    const pairs = fc
      .array(fc.tuple(score, score), { minLength: 1, maxLength: 50 })
      .map((rows) => ({ actual: rows.map(([a]) => a), predicted: rows.map(([, p]) => p) }));
    fc.assert(
      fc.property(pairs, ({ actual, predicted }) => {
        const r = regressionErrors(actual, predicted);
        // Absolute slack: the square of a subnormal error underflows to 0.
        return r.mae >= 0 && r.rmse >= r.mae * (1 - 1e-12) - 1e-150;
      }),
    );
  });
});
