/**
 * Estimated performance per segment: the window's scores split by each `by`
 * into its top values by rows (core/segments.ts, `rankSegments`) and
 * `__other__`, each estimated like the whole window with the same
 * calibration (drift/estimatedPerformance.ts). The band of a segment is
 * measured at the segment's own size, so small segments get wide bands.
 *
 * Reported only, like the realised metrics per segment: a segment's estimate
 * does not change the run's status. The calibration is the whole
 * reference's: it assumes P(label | score) is the same in every segment.
 *
 * The reference is validated and arranged once for all segments (pass one
 * already prepared to share it with the whole window's estimate too), and
 * segments of equal size share their sampling errors.
 */
import { rankSegments, segmentLabel } from '../core/segments.js';
import {
  decideEstimatedPerformance,
  estimatePerformance,
  prepareEstimateReference,
  type EstimatedPerformance,
  type EstimatedPerformanceFloors,
  type EstimatedPerformanceStatus,
  type EstimatePerformanceInput,
} from './estimatedPerformance.js';

export interface EstimatedSegment {
  by: string;
  value: string;
  segment: string;
  rows: number;
  status: EstimatedPerformanceStatus;
  metrics: EstimatedPerformance['metrics'];
  breaches: string[];
}

export interface EstimatedSegmentsInput {
  /** Everything of an estimate but the window's scores. */
  base: Omit<EstimatePerformanceInput, 'scores'>;
  /** The window's scores, row by row with each `by`'s values. */
  scores: ArrayLike<number>;
  bys: readonly { by: string; top: number; values: readonly (string | null)[] }[];
  floors: EstimatedPerformanceFloors;
  minRows: number;
}

export function estimatePerformanceSegments(input: EstimatedSegmentsInput): EstimatedSegment[] {
  if (input.bys.length === 0) return [];
  const { calibration, reference } = input.base;
  const base = {
    ...input.base,
    reference:
      'prepared' in reference ? reference : prepareEstimateReference(calibration, reference),
  };
  return input.bys.flatMap(({ by, top, values }) => {
    if (values.length !== input.scores.length) {
      throw new RangeError(
        `segment ${by}: ${values.length} values for ${input.scores.length} rows`,
      );
    }
    const { segments, rowSegment } = rankSegments(values, top);
    const members: number[][] = segments.map(() => []);
    for (let row = 0; row < rowSegment.length; row++) members[rowSegment[row]!]!.push(row);
    return segments.map((value, position): EstimatedSegment => {
      const rows = members[position]!;
      // A plain loop: Float64Array.from with a mapping function is several times slower.
      const scores = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) scores[i] = input.scores[rows[i]!]!;
      const estimate = estimatePerformance({ ...base, scores });
      const decision = decideEstimatedPerformance(estimate, input.floors, input.minRows);
      return {
        by,
        value,
        segment: segmentLabel(by, value),
        rows: estimate.rows,
        status: decision.status,
        metrics: estimate.metrics,
        breaches: decision.breaches,
      };
    });
  });
}
