/**
 * Publishes a run to the Prometheus gauges. Gauges show the latest run of each
 * (model, version, kind); at start-up they are restored from the database so a
 * restart does not blank the dashboards. Feature label values come from the
 * stored results, which come from the registered schema — never from input.
 */
import type { CheckRun, RunResult } from '../core/run.js';
import type { Metrics } from '../telemetry/metrics.js';

const SCORE_FEATURE = '__score__';
const MODEL_FEATURE = '__model__';

type Gauge = Metrics['featureDriftScore'];

function setOrRemove(
  gauge: Gauge,
  labels: Record<string, string>,
  value: number | null | undefined,
): void {
  // A test that could not run has no value: remove the series rather than
  // leave the previous run's value standing.
  if (value === null || value === undefined || !Number.isFinite(value)) gauge.remove(labels);
  else gauge.set(labels, value);
}

function byFeature(results: readonly RunResult[]): Map<string, Map<string, RunResult>> {
  const features = new Map<string, Map<string, RunResult>>();
  for (const result of results) {
    const tests = features.get(result.feature) ?? new Map<string, RunResult>();
    tests.set(result.test, result);
    features.set(result.feature, tests);
  }
  return features;
}

/** A segment gauge's series, as published. */
interface SegmentSeries {
  gauge:
    'segmentFeatureDrifted' | 'segmentDriftShare' | 'segmentRows' | 'segmentEstimatedPerformance';
  labels: Record<string, string>;
}

/**
 * The segment series each version's latest drift run published, per Metrics
 * registry: a segment that leaves the top N (or a `by` removed from the
 * config) must not leave its series standing, so the next run removes
 * whatever it did not publish again.
 */
const publishedSegments = new WeakMap<Metrics, Map<string, SegmentSeries[]>>();

interface SummarySegment {
  by: string;
  value: string;
  segment: string;
  rows: number;
  status: string;
}

function summarySegments(summary: Record<string, unknown>): SummarySegment[] {
  if (!Array.isArray(summary.segments)) return [];
  return (summary.segments as unknown[]).filter(
    (s): s is SummarySegment =>
      s !== null &&
      typeof s === 'object' &&
      typeof (s as SummarySegment).by === 'string' &&
      typeof (s as SummarySegment).value === 'string' &&
      typeof (s as SummarySegment).segment === 'string',
  );
}

/** The segment gauges of a drift run; the previous run's series it does not repeat are removed. */
export function publishSegments(metrics: Metrics, run: CheckRun): void {
  const version = { model: run.model, model_version: run.version };
  const series: SegmentSeries[] = [];
  const segments = summarySegments(run.summary);
  const decisiveBySegment = new Map<string, RunResult[]>();
  for (const result of run.results) {
    if (result.segment === null || result.segment === undefined) continue;
    if (result.test !== 'ks' && result.test !== 'chi_square') continue;
    const list = decisiveBySegment.get(result.segment) ?? [];
    list.push(result);
    decisiveBySegment.set(result.segment, list);
  }
  for (const segment of segments) {
    const labels = { ...version, segment_by: segment.by, segment: segment.value };
    metrics.segmentRows.set(labels, segment.rows);
    series.push({ gauge: 'segmentRows', labels });
    const decisive = (decisiveBySegment.get(segment.segment) ?? []).filter(
      (r) => r.status !== 'insufficient_data',
    );
    if (decisive.length > 0) {
      metrics.segmentDriftShare.set(
        labels,
        decisive.filter((r) => r.drifted).length / decisive.length,
      );
      series.push({ gauge: 'segmentDriftShare', labels });
    }
    for (const result of decisive) {
      const featureLabels = { ...labels, feature: result.feature };
      metrics.segmentFeatureDrifted.set(featureLabels, Number(result.drifted));
      series.push({ gauge: 'segmentFeatureDrifted', labels: featureLabels });
    }
  }
  replaceSegmentSeries(metrics, run, series);
}

/** Keeps `series` as the run's segment series; the previous run's others are removed. */
function replaceSegmentSeries(metrics: Metrics, run: CheckRun, series: SegmentSeries[]): void {
  let byVersion = publishedSegments.get(metrics);
  if (!byVersion) {
    byVersion = new Map();
    publishedSegments.set(metrics, byVersion);
  }
  const key = JSON.stringify([run.kind, run.model, run.version]);
  const kept = new Set(series.map((s) => `${s.gauge}\u0000${JSON.stringify(s.labels)}`));
  for (const old of byVersion.get(key) ?? []) {
    if (!kept.has(`${old.gauge}\u0000${JSON.stringify(old.labels)}`)) {
      // Each series is removed from the gauge that published it, with its own labels.
      (metrics[old.gauge] as { remove(labels: Record<string, string>): void }).remove(old.labels);
    }
  }
  byVersion.set(key, series);
}

export function publishDriftRun(metrics: Metrics, run: CheckRun): void {
  const version = { model: run.model, model_version: run.version };
  publishSegments(metrics, run);
  // The whole window's rows only; segment rows have gauges of their own.
  const features = byFeature(
    run.results.filter((r) => r.segment === null || r.segment === undefined),
  );
  for (const [feature, tests] of features) {
    if (feature === SCORE_FEATURE) continue;
    const labels = { ...version, feature };
    const decisive = tests.get('ks') ?? tests.get('chi_square');
    setOrRemove(metrics.featureDriftScore, labels, decisive?.effectSize);
    setOrRemove(metrics.featureDriftPValue, labels, decisive?.adjustedPValue);
    setOrRemove(
      metrics.featureDrifted,
      labels,
      decisive && decisive.status !== 'insufficient_data' ? Number(decisive.drifted) : null,
    );
    setOrRemove(metrics.featurePsi, labels, tests.get('psi')?.statistic);
    const total = decisive ? decisive.nCurrent + decisive.missingCurrent : 0;
    setOrRemove(
      metrics.featureMissingRatio,
      labels,
      total > 0 ? decisive!.missingCurrent / total : null,
    );
    setOrRemove(metrics.featureOutOfRangeRatio, labels, tests.get('out_of_range')?.statistic);
    setOrRemove(
      metrics.featureUnseenCategoryRatio,
      labels,
      tests.get('unseen_categories')?.statistic,
    );
  }
  const score = features.get(SCORE_FEATURE);
  setOrRemove(metrics.scoreDriftPValue, version, score?.get('ks')?.pValue);
  setOrRemove(metrics.scorePsi, version, score?.get('psi')?.statistic);
  const dataset = run.summary.dataset as
    { share?: number; drifted?: boolean; testedFeatures?: number } | undefined;
  const hasVerdict =
    run.status !== 'error' && dataset !== undefined && (dataset.testedFeatures ?? 0) > 0;
  setOrRemove(metrics.datasetDriftShare, version, hasVerdict ? dataset.share : null);
  setOrRemove(metrics.datasetDrifted, version, hasVerdict ? Number(dataset.drifted) : null);
}

const PERFORMANCE_GAUGES = {
  auc: 'modelAuc',
  precision: 'modelPrecision',
  recall: 'modelRecall',
  accuracy: 'modelAccuracy',
  mae: 'modelMae',
  rmse: 'modelRmse',
} as const;

export function publishPerformanceRun(metrics: Metrics, run: CheckRun): void {
  const version = { model: run.model, model_version: run.version };
  const values = new Map(
    run.results.filter((r) => r.feature === MODEL_FEATURE).map((r) => [r.test, r.statistic]),
  );
  for (const [test, key] of Object.entries(PERFORMANCE_GAUGES)) {
    setOrRemove(metrics[key], version, values.get(test));
  }
  const labelled = run.summary.labelledRows;
  setOrRemove(metrics.modelLabelledRows, version, typeof labelled === 'number' ? labelled : null);
  publishEstimate(metrics, version, run.summary.estimated);
  publishEstimateSegments(metrics, run);
}

/** What publishEstimate reads of `summary.estimated`. */
interface EstimatedSummary {
  status?: string;
  metrics?: Record<string, { estimate: number | null; lower: number | null; upper: number | null }>;
  calibration?: { expectedCalibrationError: number | null };
}

/** The names estimated metrics may have: label values come from this list only. */
const ESTIMATED_METRIC_LABELS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'] as const;

function publishEstimate(
  metrics: Metrics,
  version: { model: string; model_version: string },
  summary: unknown,
): void {
  const estimated = (summary ?? {}) as EstimatedSummary;
  const usable = estimated.status === 'ok' || estimated.status === 'degraded';
  for (const name of ESTIMATED_METRIC_LABELS) {
    const labels = { ...version, metric: name };
    const metric = usable ? estimated.metrics?.[name] : undefined;
    setOrRemove(metrics.modelEstimatedPerformance, labels, metric?.estimate);
    setOrRemove(metrics.modelEstimatedPerformanceLower, labels, metric?.lower);
    setOrRemove(metrics.modelEstimatedPerformanceUpper, labels, metric?.upper);
  }
  setOrRemove(
    metrics.modelCalibrationError,
    version,
    estimated.calibration?.expectedCalibrationError,
  );
}

/** The estimated metrics per segment of a performance run; stale segments' series are removed. */
function publishEstimateSegments(metrics: Metrics, run: CheckRun): void {
  const version = { model: run.model, model_version: run.version };
  const estimated = (run.summary.estimated ?? {}) as { segments?: unknown };
  const series: SegmentSeries[] = [];
  for (const segment of summarySegments({ segments: estimated.segments })) {
    const values = (segment as unknown as { metrics?: EstimatedSummary['metrics'] }).metrics;
    for (const name of ESTIMATED_METRIC_LABELS) {
      const value = values?.[name]?.estimate;
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const labels = { ...version, segment_by: segment.by, segment: segment.value, metric: name };
      metrics.segmentEstimatedPerformance.set(labels, value);
      series.push({ gauge: 'segmentEstimatedPerformance', labels });
    }
  }
  replaceSegmentSeries(metrics, run, series);
}

export function publishParityRun(metrics: Metrics, run: CheckRun): void {
  const version = { model: run.model, model_version: run.version };
  setOrRemove(
    metrics.parityMismatchRatio,
    version,
    run.summary.mismatchRatio as number | null | undefined,
  );
  setOrRemove(
    metrics.parityMaxAbsDiff,
    version,
    run.summary.maxAbsDiff as number | null | undefined,
  );
}

export function publishShadowRun(metrics: Metrics, run: CheckRun): void {
  const challenger = run.summary.challenger;
  if (typeof challenger !== 'string') return;
  const labels = { model: run.model, model_version: run.version, challenger };
  setOrRemove(
    metrics.shadowAgreementRatio,
    labels,
    run.summary.agreement as number | null | undefined,
  );
  setOrRemove(
    metrics.shadowScoreMeanAbsDiff,
    labels,
    run.summary.meanAbsDiff as number | null | undefined,
  );
}

/** The gauges of a run: what it found, how many rows, and when a check last succeeded. */
export function publishRun(metrics: Metrics, run: CheckRun): void {
  const version = { model: run.model, model_version: run.version };
  if (run.status !== 'error') {
    if (run.kind === 'drift') publishDriftRun(metrics, run);
    if (run.kind === 'performance') publishPerformanceRun(metrics, run);
    if (run.kind === 'parity') publishParityRun(metrics, run);
    if (run.kind === 'shadow') publishShadowRun(metrics, run);
    metrics.checkLastSuccessTimestampSeconds.set(
      { ...version, kind: run.kind },
      run.finishedAt.getTime() / 1000,
    );
  }
  if (run.rows !== null) metrics.checkWindowRows.set({ ...version, kind: run.kind }, run.rows);
}

/** Counters and durations: only for runs that happen in this process, not for restored ones. */
export function countRun(metrics: Metrics, run: CheckRun): void {
  metrics.checkRunsTotal.inc({ model: run.model, kind: run.kind, status: run.status });
  if (run.kind === 'parity' && run.status !== 'error') {
    const version = { model: run.model, model_version: run.version };
    metrics.parityRowsCheckedTotal.inc(version, Number(run.summary.rowsChecked ?? 0));
    metrics.parityUnscorableRowsTotal.inc(version, Number(run.summary.unscorableRows ?? 0));
  }
  metrics.checkDurationSeconds.observe(
    { kind: run.kind },
    (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000,
  );
}
