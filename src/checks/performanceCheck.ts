/**
 * The performance check of one model version: joins the window's predictions
 * with their labels by request id and computes the task's metrics with the
 * pure code of src/drift/performance.ts; for a binary classifier with a
 * labelled reference, estimates the same metrics from the scores alone
 * (performanceEstimate.ts), so the run speaks before the labels arrive.
 *
 * Status: the labels decide when there are enough of them (`minLabels`);
 * otherwise the estimate does (`degraded` when a metric's whole band is
 * below its floor); with neither, `insufficient_data`. `summary.decidedBy`
 * says which.
 */
import type { CheckSettings } from '../config/checksSchema.js';
import type { StoredModelVersion } from '../core/model.js';
import { featureLayout } from '../core/featureLayout.js';
import {
  evaluatePerformance,
  evaluatePerformanceSegments,
  PERFORMANCE_METRICS,
} from '../drift/index.js';
import type { LabelStore } from '../storage/labelStore.js';
import { PerformanceEstimator } from './performanceEstimate.js';
import { rawSampleNote, type RawSampleLookup } from './rawSampleNote.js';
import type { CheckOutcome, CheckRunner, CheckWindow } from './checkRunner.js';
import type { ReferenceStore } from '../storage/referenceStore.js';
import { usableSegmentSpecs } from './segmentDrift.js';

export class PerformanceCheck implements CheckRunner {
  readonly kind = 'performance' as const;
  private readonly estimator: PerformanceEstimator | null;

  constructor(
    private readonly labels: LabelStore,
    /** Which raw sample a window holds, for the run summary (none: not reported). */
    private readonly rawSample?: RawSampleLookup,
    /** The versions' references, for the estimate (none: no estimate). */
    references?: Pick<ReferenceStore, 'load'>,
  ) {
    this.estimator = references ? new PerformanceEstimator(labels, references) : null;
  }

  windowSeconds(settings: CheckSettings): number {
    return settings.performance.windowSeconds;
  }

  async run(
    version: StoredModelVersion,
    settings: CheckSettings,
    window: CheckWindow,
  ): Promise<CheckOutcome> {
    // A `by` this version cannot be sliced by is skipped and named, not fatal.
    const usable = usableSegmentSpecs(version, featureLayout(version.features), settings.segments);
    const segmentColumns = usable.columns;
    const joined = await this.labels.labelledWindow(
      version.model,
      version.version,
      window.startMs,
      window.endMs,
      segmentColumns,
    );
    // Floors are configured for all models at once; each task uses its own
    // (the default AUC floor means nothing to a regressor).
    const relevant = new Set<string>(PERFORMANCE_METRICS[version.task]);
    const floors = Object.fromEntries(
      Object.entries(settings.performance.floors).filter(([metric]) => relevant.has(metric)),
    );
    const input = {
      task: version.task,
      threshold: version.threshold,
      labels: joined.labels,
      scores: joined.scores,
      minLabels: settings.performance.minLabels,
      floors,
    };
    const evaluation = evaluatePerformance(input);
    // Per segment (top values by labelled rows): reported, not part of the status.
    const segments =
      usable.specs.length === 0
        ? null
        : evaluatePerformanceSegments(
            input,
            usable.specs.map((spec, i) => ({
              by: spec.by,
              top: spec.top,
              values: joined.segmentValues[i]!,
            })),
          );
    const estimate = this.estimator
      ? await this.estimator.estimate(version, settings.performance, window, evaluation.metrics, {
          specs: usable.specs,
          columns: segmentColumns,
          realised: new Map((segments ?? []).map((segment) => [segment.segment, segment.metrics])),
        })
      : 'disabled';
    const estimated = typeof estimate === 'string' ? null : estimate;
    const decidedBy =
      evaluation.status !== 'insufficient_data'
        ? 'labels'
        : estimated !== null && estimated.status !== 'insufficient_data'
          ? 'estimate'
          : null;
    return {
      status: decidedBy === 'estimate' ? estimated!.status : evaluation.status,
      path: null,
      rows: joined.windowRows,
      summary: {
        decidedBy,
        estimated: estimated?.summary ?? { status: 'not_estimated', reason: estimate },
        labelledRows: evaluation.labelledRows,
        metrics: { ...evaluation.metrics },
        breaches: evaluation.breaches,
        floors,
        unscoredRows: evaluation.unscoredRows,
        undefinedMetrics: { ...evaluation.undefinedMetrics },
        // Labels join only the raw rows kept: a sampled window's metrics are
        // those of its sample (docs/checks.md).
        ...(await rawSampleNote(this.rawSample, version, window)),
        ...(segments ? { segments } : {}),
        ...(usable.errors.length > 0 ? { segmentErrors: usable.errors } : {}),
      },
      results: [...evaluation.results, ...(estimated?.results ?? [])],
    };
  }
}
