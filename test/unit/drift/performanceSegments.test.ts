/** Ranking of segment values and realised performance per segment. */
import { describe, expect, it } from 'vitest';
import { rankSegments } from '../../../src/core/segments.js';
import { evaluatePerformanceSegments } from '../../../src/drift/index.js';

describe('rankSegments', () => {
  it('keeps the top values by count (ties by value), missing as __missing__, the rest as __other__', () => {
    const values = ['b', 'a', null, 'c', 'b', 'a', null, 'd', 'b'];
    const { segments, rowSegment } = rankSegments(values, 3);
    // b ×3; a ×2 and __missing__ ×2 tie, ordered by value ("__missing__" < "a"); c, d → __other__.
    expect(segments).toEqual(['b', '__missing__', 'a', '__other__']);
    expect([...rowSegment]).toEqual([0, 2, 1, 3, 0, 2, 1, 3, 0]);
  });

  it('has no __other__ when every value is in the top', () => {
    expect(rankSegments(['x', 'y', 'x'], 5).segments).toEqual(['x', 'y']);
  });

  it('bounds the segments at top + 1 with 10,000 distinct values', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => `v${i}`);
    expect(rankSegments(values, 10).segments).toHaveLength(11);
  });
});

describe('evaluatePerformanceSegments', () => {
  it('evaluates each segment on its own rows', () => {
    // Segment "a": 4 rows, 3 right at threshold 0.5; segment "b": 2 rows, both wrong.
    const labels = [1, 0, 1, 0, 1, 0];
    const scores = [0.9, 0.2, 0.7, 0.6, 0.1, 0.8];
    const pod = ['a', 'a', 'a', 'a', 'b', 'b'];
    const segments = evaluatePerformanceSegments(
      {
        task: 'binary_classification',
        threshold: 0.5,
        labels,
        scores,
        minLabels: 2,
        floors: { accuracy: 0.7 },
      },
      [{ by: 'tag:pod', top: 5, values: pod }],
    );
    expect(segments.map((s) => [s.segment, s.labelledRows, s.metrics.accuracy, s.status])).toEqual([
      ['tag:pod=a', 4, 0.75, 'ok'],
      ['tag:pod=b', 2, 0, 'degraded'],
    ]);
  });
});
