import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildCalibration,
  calibratedProbability,
  PerformanceInputError,
} from '../../../src/drift/index.js';
import { logisticSample } from './logisticData.js';

/** Golden values written by test/fixtures/isotonic/generate.py (scikit-learn calibration_curve). */
interface CalibrationCase {
  name: string;
  bins: number;
  scores: number[];
  labels: number[];
  binIndex: number[];
  counts: number[];
  observedRate: number[];
  meanScore: number[];
  ece: number;
  at: number[];
  calibrated: number[];
}

const cases = (
  JSON.parse(
    readFileSync(new URL('../../fixtures/isotonic/calibration.json', import.meta.url), 'utf8'),
  ) as { cases: CalibrationCase[] }
).cases;

describe('buildCalibration against scikit-learn', () => {
  it('has the fixture cases, including scores exactly on bin edges', () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
    const onEdge = cases[0]!.scores.filter((s) => [0.1, 0.3, 0.7].includes(s));
    expect(onEdge.length).toBeGreaterThan(10);
  });

  for (const c of cases) {
    it(`${c.name}: reliability table equals calibration_curve(strategy="uniform") and its bin counts`, () => {
      const calibration = buildCalibration(c.scores, c.labels, { bins: c.bins });
      const table = calibration.reliability!;
      expect(table).toHaveLength(c.bins);
      const nonEmpty = table.flatMap((bin, index) => (bin.count > 0 ? [index] : []));
      expect(nonEmpty).toEqual(c.binIndex);
      nonEmpty.forEach((index, k) => {
        const bin = table[index]!;
        expect(bin.count).toBe(c.counts[k]);
        expect(Math.abs(bin.observedRate! - c.observedRate[k]!)).toBeLessThanOrEqual(1e-12);
        expect(Math.abs(bin.meanScore! - c.meanScore[k]!)).toBeLessThanOrEqual(1e-12);
      });
      for (const bin of table.filter((b) => b.count === 0)) {
        expect(bin.meanScore).toBeNull();
        expect(bin.observedRate).toBeNull();
      }
      expect(Math.abs(calibration.expectedCalibrationError! - c.ece)).toBeLessThanOrEqual(1e-12);
      expect(calibration.rows).toBe(c.scores.length);
      expect(calibration.positives).toBe(c.labels.filter((l) => l === 1).length);
    });

    it(`${c.name}: calibrated probabilities equal IsotonicRegression.predict within 1e-9`, () => {
      const calibration = buildCalibration(c.scores, c.labels, { bins: c.bins });
      c.at.forEach((score, i) => {
        expect(
          Math.abs(calibratedProbability(calibration, score) - c.calibrated[i]!),
        ).toBeLessThanOrEqual(1e-9);
      });
    });
  }
});

describe('buildCalibration', () => {
  it('survives JSON.stringify unchanged and predicts the same afterwards', () => {
    const reference = logisticSample(3000, 11);
    const calibration = buildCalibration(reference.scores, reference.labels);
    const copy = JSON.parse(JSON.stringify(calibration)) as typeof calibration;
    expect(copy).toEqual(calibration);
    for (const score of [0, 0.13, 0.5, 0.77, 1]) {
      expect(calibratedProbability(copy, score)).toBe(calibratedProbability(calibration, score));
    }
  });

  it('reports an under-confident score as miscalibrated and isotonic repairs it (ECE of calibrated scores is small)', () => {
    const reference = logisticSample(20000, 12);
    const raw = buildCalibration(reference.scores, reference.labels);
    const fresh = logisticSample(20000, 13);
    const repaired = Float64Array.from(fresh.scores, (s) => calibratedProbability(raw, s));
    const after = buildCalibration(repaired, fresh.labels);
    expect(raw.expectedCalibrationError!).toBeGreaterThan(0.05);
    expect(after.expectedCalibrationError!).toBeLessThan(0.02);
  });

  it('has no reliability table for scores outside [0, 1] (logits), but still calibrates them', () => {
    const calibration = buildCalibration([-2, -1, 0.5, 3], [0, 1, 0, 1]);
    expect(calibration.reliability).toBeNull();
    expect(calibration.expectedCalibrationError).toBeNull();
    expect(calibratedProbability(calibration, -5)).toBe(0);
    expect(calibratedProbability(calibration, 10)).toBe(1);
    expect(calibratedProbability(calibration, 0)).toBeCloseTo(0.5, 12);
  });

  it('rejects empty input, a length mismatch, bad labels, non-finite scores and bad bins', () => {
    expect(() => buildCalibration([], [])).toThrow(PerformanceInputError);
    expect(() => buildCalibration([0.1, 0.2], [1])).toThrow(/labels has length 1/);
    expect(() => buildCalibration([0.1, 0.2], [1, 2])).toThrow(/labels\[1\] is 2/);
    expect(() => buildCalibration([0.1, Number.NaN], [1, 0])).toThrow(/scores\[1\] is NaN/);
    expect(() => buildCalibration([0.1], [1], { bins: 0 })).toThrow(/bins is 0/);
    expect(() => calibratedProbability(buildCalibration([0.1], [1]), Number.NaN)).toThrow(
      PerformanceInputError,
    );
  });
});
