/**
 * The label-free half of a performance run (CBPE): the window's scores,
 * mapped through the calibration fitted on the version's labelled reference,
 * give an expected confusion matrix and expected metrics with a band
 * (drift/estimatedPerformance.ts). Realised metrics from the labels that
 * have arrived are set beside each estimate.
 */
import type { PerformanceCheckSettings } from '../config/checksSchema.js';
import type { StoredModelVersion } from '../core/model.js';
import { OTHER_SEGMENT, type SegmentSpec } from '../core/segments.js';
import type { RunResult } from '../core/run.js';
import {
  decideEstimatedPerformance,
  estimatedFloorsFromPerformance,
  estimatePerformance,
  estimatePerformanceSegments,
  prepareEstimateReference,
  ESTIMATED_METRICS,
  MODEL_FEATURE,
  type EstimatedMetricName,
  type EstimatedPerformanceStatus,
  type PerformanceMetrics,
} from '../drift/index.js';
import type { LabelStore } from '../storage/labelStore.js';
import type { ReferenceStore } from '../storage/referenceStore.js';
import type { SegmentColumn } from '../storage/windowReader.js';
import type { CheckWindow } from './checkRunner.js';

/** Why a run has no estimate, when it has none. */
export type NoEstimateReason = 'disabled' | 'not_a_classifier' | 'no_labelled_reference';

export interface PerformanceEstimateOutcome {
  status: EstimatedPerformanceStatus;
  /** `summary.estimated` of the run. */
  summary: Record<string, unknown>;
  /** One row per estimated metric, test `estimated_<metric>`. */
  results: RunResult[];
}

/** The realised value of each estimated metric, from the labelled rows' metrics. */
export function realisedBeside(
  metrics: PerformanceMetrics,
): Record<EstimatedMetricName, number | null> {
  const precision = metrics.precision ?? null;
  const recall = metrics.recall ?? null;
  const f1 =
    precision === null || recall === null
      ? null
      : precision + recall === 0
        ? 0
        : (2 * precision * recall) / (precision + recall);
  return {
    accuracy: metrics.accuracy ?? null,
    precision,
    recall,
    f1,
    roc_auc: metrics.auc ?? null,
  };
}

export class PerformanceEstimator {
  constructor(
    private readonly labels: Pick<LabelStore, 'windowScores'>,
    private readonly references: Pick<ReferenceStore, 'load'>,
  ) {}

  /**
   * The estimate of one window, or why there is none. `realised` holds the
   * metrics of the window's labelled rows (empty when too few labels).
   */
  async estimate(
    version: StoredModelVersion,
    settings: PerformanceCheckSettings,
    window: CheckWindow,
    realised: PerformanceMetrics,
    segmenting: {
      specs: readonly SegmentSpec[];
      columns: readonly SegmentColumn[];
      /** Realised metrics per segment label, where labels have arrived. */
      realised: ReadonlyMap<string, PerformanceMetrics>;
    } = { specs: [], columns: [], realised: new Map() },
  ): Promise<PerformanceEstimateOutcome | NoEstimateReason> {
    if (!settings.estimate.enabled) return 'disabled';
    if (version.task !== 'binary_classification') return 'not_a_classifier';
    const outcomes = (await this.references.load(version.model, version.version))?.outcomes;
    if (!outcomes) return 'no_labelled_reference';
    const window_ = await this.labels.windowScores(
      version.model,
      version.version,
      window.startMs,
      window.endMs,
      segmenting.columns,
      settings.estimate.maxRows,
    );
    const floors = estimatedFloorsFromPerformance(settings.floors);
    const base = {
      calibration: outcomes.calibration,
      // Validated and arranged once for the window and all its segments.
      reference: prepareEstimateReference(outcomes.calibration, {
        scores: outcomes.scores,
        labels: outcomes.labels,
      }),
      threshold: version.threshold,
      bandSigmas: settings.estimate.bandSigmas,
      // Seeded by the window: a run repeated on the same window gives the same band.
      seed: Math.floor(window.startMs / 1000) % 2_147_483_647,
    };
    const estimated = estimatePerformance({ ...base, scores: window_.scores });
    const decision = decideEstimatedPerformance(estimated, floors, settings.estimate.minRows);
    const beside = realisedBeside(realised);
    const segments = estimatePerformanceSegments({
      base,
      scores: window_.scores,
      bys: segmenting.specs.map((spec, i) => ({
        by: spec.by,
        top: spec.top,
        values: window_.segmentValues[i]!,
      })),
      floors,
      minRows: settings.estimate.minRows,
    }).map((segment) => {
      // `__other__` holds other values here (ranked by rows) than among the
      // labelled rows (ranked by labels): only a named value is the same slice.
      const realisedHere = realisedBeside(
        segment.value === OTHER_SEGMENT ? {} : (segmenting.realised.get(segment.segment) ?? {}),
      );
      return {
        ...segment,
        metrics: Object.fromEntries(
          ESTIMATED_METRICS.map((name) => [
            name,
            { ...segment.metrics[name], realised: realisedHere[name] },
          ]),
        ),
      };
    });
    const insufficient = decision.status === 'insufficient_data';
    const metrics = Object.fromEntries(
      ESTIMATED_METRICS.map((name) => [
        name,
        { ...estimated.metrics[name], realised: beside[name], floor: floors[name] ?? null },
      ]),
    );
    const results: RunResult[] = ESTIMATED_METRICS.map((name) => {
      const metric = estimated.metrics[name];
      const floor = floors[name];
      const breached =
        !insufficient && floor !== undefined && metric.upper !== null && metric.upper < floor;
      return {
        feature: MODEL_FEATURE,
        test: `estimated_${name}`,
        status:
          insufficient || metric.estimate === null
            ? 'insufficient_data'
            : breached
              ? 'drift'
              : 'ok',
        statistic: insufficient ? null : metric.estimate,
        pValue: null,
        adjustedPValue: null,
        // The band is in summary.estimated.metrics; a row has no place for it.
        effectSize: null,
        drifted: breached,
        nReference: outcomes.calibration.rows,
        nCurrent: estimated.rows,
        missingCurrent: 0,
      };
    });
    return {
      status: decision.status,
      summary: {
        status: decision.status,
        rows: estimated.rows,
        // Above maxRows a hash sample is read: rows < windowRows, readFraction < 1.
        // The band stays at the sample's size (wider than the whole window's would be).
        windowRows: window_.windowRows,
        readFraction: window_.readFraction,
        threshold: estimated.threshold,
        bandSigmas: estimated.bandSigmas,
        expectedConfusion: estimated.expectedConfusion,
        sampling: estimated.sampling,
        metrics,
        breaches: decision.breaches,
        unjudged: decision.unjudged,
        ...(segments.length > 0 ? { segments } : {}),
        calibration: {
          rows: outcomes.calibration.rows,
          positives: outcomes.calibration.positives,
          expectedCalibrationError: outcomes.calibration.expectedCalibrationError,
        },
      },
      results,
    };
  }
}
