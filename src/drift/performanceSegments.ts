/**
 * Realised performance per segment: the labelled rows of the window split by
 * each `by` into its top values by labelled rows (core/segments.ts,
 * `rankSegments`) and `__other__`, each segment evaluated like the whole
 * window (drift/performance.ts). Reported only: a segment's floors do not
 * change the run's status (small segments give noisy metrics, and no
 * correction across segments applies to point estimates).
 */
import { rankSegments, segmentLabel } from '../core/segments.js';
import {
  evaluatePerformance,
  type EvaluatePerformanceInput,
  type PerformanceMetrics,
  type PerformanceStatus,
} from './performance.js';

export interface PerformanceSegment {
  by: string;
  value: string;
  segment: string;
  labelledRows: number;
  status: PerformanceStatus;
  metrics: PerformanceMetrics;
  breaches: string[];
}

export function evaluatePerformanceSegments(
  input: EvaluatePerformanceInput,
  bys: readonly { by: string; top: number; values: readonly (string | null)[] }[],
): PerformanceSegment[] {
  return bys.flatMap(({ by, top, values }) => {
    if (values.length !== input.labels.length) {
      throw new RangeError(
        `segment ${by}: ${values.length} values for ${input.labels.length} rows`,
      );
    }
    const { segments, rowSegment } = rankSegments(values, top);
    return segments.map((value, position): PerformanceSegment => {
      const labels: number[] = [];
      const scores: (number | null | undefined)[] = [];
      for (let row = 0; row < rowSegment.length; row++) {
        if (rowSegment[row] !== position) continue;
        labels.push(input.labels[row]!);
        scores.push(input.scores[row]);
      }
      const report = evaluatePerformance({ ...input, labels, scores });
      return {
        by,
        value,
        segment: segmentLabel(by, value),
        labelledRows: report.labelledRows,
        status: report.status,
        metrics: { ...report.metrics },
        breaches: report.breaches,
      };
    });
  });
}
