/**
 * The performance check of one model version: joins the window's predictions
 * with their labels by request id and computes the task's metrics with the
 * pure code of src/drift/performance.ts.
 */
import type { PerformanceCheckSettings } from '../config/checksSchema.js';
import type { RunResult, RunStatus } from '../core/run.js';
import { evaluatePerformance, PERFORMANCE_METRICS } from '../drift/index.js';
import type { LabelStore } from '../storage/labelStore.js';
import type { StoredModelVersion } from '../storage/modelStore.js';

export interface PerformanceOutcome {
  status: RunStatus;
  /** Predictions in the window. */
  rows: number;
  labelledRows: number;
  metrics: Record<string, number | undefined>;
  breaches: string[];
  unscoredRows: number;
  /** Metrics of the task without a value despite enough labels, and why (e.g. one class only). */
  undefinedMetrics: Record<string, string>;
  results: RunResult[];
}

export class PerformanceCheck {
  constructor(private readonly labels: LabelStore) {}

  async run(
    version: StoredModelVersion,
    settings: PerformanceCheckSettings,
    window: { startMs: number; endMs: number },
  ): Promise<PerformanceOutcome> {
    const joined = await this.labels.labelledWindow(
      version.model,
      version.version,
      window.startMs,
      window.endMs,
    );
    // Floors are configured for all models at once; each task uses its own
    // (the default AUC floor means nothing to a regressor).
    const relevant = new Set<string>(PERFORMANCE_METRICS[version.task]);
    const floors = Object.fromEntries(
      Object.entries(settings.floors).filter(([metric]) => relevant.has(metric)),
    );
    const evaluation = evaluatePerformance({
      task: version.task,
      threshold: version.threshold,
      labels: joined.labels,
      scores: joined.scores,
      minLabels: settings.minLabels,
      floors,
    });
    return {
      status: evaluation.status,
      rows: joined.windowRows,
      labelledRows: evaluation.labelledRows,
      metrics: { ...evaluation.metrics },
      breaches: evaluation.breaches,
      unscoredRows: evaluation.unscoredRows,
      undefinedMetrics: { ...evaluation.undefinedMetrics },
      results: evaluation.results,
    };
  }
}
