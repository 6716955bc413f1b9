/** Estimated performance per segment: each slice estimated like a window of its own. */
import { describe, expect, it } from 'vitest';
import {
  buildCalibration,
  estimatePerformance,
  estimatePerformanceSegments,
  prepareEstimateReference,
} from '../../../src/drift/index.js';
import { logisticSample } from './logisticData.js';

const reference = logisticSample(20_000, 1);
const calibration = buildCalibration(reference.scores, reference.labels);
const base = {
  calibration,
  reference: { scores: reference.scores, labels: reference.labels },
  threshold: 0.5,
  seed: 7,
};

describe('estimatePerformanceSegments', () => {
  const window = logisticSample(4_000, 2);
  // Row i's pod: a for 3 in 4 rows, b for 1 in 5 rows otherwise, c the rest.
  const pods = Array.from(window.scores, (_, i) => (i % 4 !== 0 ? 'a' : i % 20 === 0 ? 'c' : 'b'));

  it('estimates each top value and the rest as __other__, each exactly as a window of its own rows', () => {
    const segments = estimatePerformanceSegments({
      base,
      scores: window.scores,
      bys: [{ by: 'tag:pod', top: 2, values: pods }],
      floors: { roc_auc: 0.85 },
      minRows: 100,
    });
    expect(segments.map((s) => [s.segment, s.rows])).toEqual([
      ['tag:pod=a', 3000],
      ['tag:pod=b', 800],
      ['tag:pod=__other__', 200],
    ]);
    for (const segment of segments) {
      const own = window.scores.filter((_, i) =>
        segment.value === '__other__' ? pods[i] === 'c' : pods[i] === segment.value,
      );
      expect(segment.metrics).toEqual(estimatePerformance({ ...base, scores: own }).metrics);
    }
    // The band is measured at each segment's size: the smallest is the widest.
    const width = (i: number) =>
      segments[i]!.metrics.roc_auc.upper! - segments[i]!.metrics.roc_auc.lower!;
    expect(width(2)).toBeGreaterThan(width(1));
    expect(width(1)).toBeGreaterThan(width(0));
  });

  it('a reference prepared once and shared gives the same segments as the raw pairs', () => {
    const input = {
      scores: window.scores,
      bys: [
        { by: 'tag:pod', top: 2, values: pods },
        { by: 'tag:zone', top: 5, values: pods.map(() => 'z') },
      ],
      floors: { roc_auc: 0.85 },
      minRows: 100,
    };
    const prepared = prepareEstimateReference(calibration, base.reference);
    // The whole window first, as the check does: its sampling errors are memoised on `prepared`.
    estimatePerformance({ ...base, reference: prepared, scores: window.scores });
    expect(
      estimatePerformanceSegments({ ...input, base: { ...base, reference: prepared } }),
    ).toEqual(estimatePerformanceSegments({ ...input, base }));
  });

  it('says insufficient_data for a segment below minRows, and degraded only where the band is below the floor', () => {
    const segments = estimatePerformanceSegments({
      base,
      scores: window.scores,
      bys: [{ by: 'tag:pod', top: 3, values: pods }],
      floors: { roc_auc: 0.99 },
      minRows: 500,
    });
    expect(segments.map((s) => s.status)).toEqual(['degraded', 'degraded', 'insufficient_data']);
    expect(segments[0]!.breaches.join(' ')).toContain('roc_auc');
  });

  it('refuses segment values that do not line up with the scores', () => {
    expect(() =>
      estimatePerformanceSegments({
        base,
        scores: window.scores,
        bys: [{ by: 'plan', top: 3, values: pods.slice(1) }],
        floors: {},
        minRows: 1,
      }),
    ).toThrow(/segment plan: 3999 values for 4000 rows/);
  });
});
