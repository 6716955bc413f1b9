/**
 * The Prometheus registry. No hidden global: main.ts creates one Metrics
 * object and passes it to whoever records.
 */
import client from 'prom-client';
import { METRICS } from './metricNames.js';

type Labels<K extends keyof typeof METRICS> = (typeof METRICS)[K]['labels'][number];

function counter<K extends keyof typeof METRICS>(
  registry: client.Registry,
  key: K,
): client.Counter<Labels<K>> {
  const spec = METRICS[key];
  return new client.Counter({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labels,
    registers: [registry],
  });
}

function gauge<K extends keyof typeof METRICS>(
  registry: client.Registry,
  key: K,
): client.Gauge<Labels<K>> {
  const spec = METRICS[key];
  return new client.Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labels,
    registers: [registry],
  });
}

function histogram<K extends keyof typeof METRICS>(
  registry: client.Registry,
  key: K,
): client.Histogram<Labels<K>> {
  const spec = METRICS[key];
  return new client.Histogram({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labels,
    buckets: [...(spec.buckets ?? [])],
    registers: [registry],
  });
}

export class Metrics {
  readonly registry = new client.Registry();
  readonly predictionsTotal = counter(this.registry, 'predictionsTotal');
  readonly predictionLatencySeconds = histogram(this.registry, 'predictionLatencySeconds');
  readonly predictionScore = histogram(this.registry, 'predictionScore');
  readonly ingestRecordsTotal = counter(this.registry, 'ingestRecordsTotal');
  readonly ingestRequestsTotal = counter(this.registry, 'ingestRequestsTotal');
  readonly ingestMissingFeaturesTotal = counter(this.registry, 'ingestMissingFeaturesTotal');
  readonly intakeEventsTotal = counter(this.registry, 'intakeEventsTotal');
  readonly intakePendingExpiredTotal = counter(this.registry, 'intakePendingExpiredTotal');
  readonly ingestIgnoredFeaturesTotal = counter(this.registry, 'ingestIgnoredFeaturesTotal');
  readonly labelsTotal = counter(this.registry, 'labelsTotal');
  readonly rawRowsSampledOutTotal = counter(this.registry, 'rawRowsSampledOutTotal');
  readonly rawSampleFraction = gauge(this.registry, 'rawSampleFraction');
  readonly ingestUnkeyedSampledTotal = counter(this.registry, 'ingestUnkeyedSampledTotal');
  readonly ingestBatchReplaysTotal = counter(this.registry, 'ingestBatchReplaysTotal');
  readonly ingestBatchSeconds = histogram(this.registry, 'ingestBatchSeconds');
  readonly featureDriftScore = gauge(this.registry, 'featureDriftScore');
  readonly featureDriftPValue = gauge(this.registry, 'featureDriftPValue');
  readonly featureDrifted = gauge(this.registry, 'featureDrifted');
  readonly featurePsi = gauge(this.registry, 'featurePsi');
  readonly featureMissingRatio = gauge(this.registry, 'featureMissingRatio');
  readonly featureOutOfRangeRatio = gauge(this.registry, 'featureOutOfRangeRatio');
  readonly featureUnseenCategoryRatio = gauge(this.registry, 'featureUnseenCategoryRatio');
  readonly datasetDriftShare = gauge(this.registry, 'datasetDriftShare');
  readonly segmentFeatureDrifted = gauge(this.registry, 'segmentFeatureDrifted');
  readonly segmentDriftShare = gauge(this.registry, 'segmentDriftShare');
  readonly segmentRows = gauge(this.registry, 'segmentRows');
  readonly datasetDrifted = gauge(this.registry, 'datasetDrifted');
  readonly scoreDriftPValue = gauge(this.registry, 'scoreDriftPValue');
  readonly scorePsi = gauge(this.registry, 'scorePsi');
  readonly checkWindowRows = gauge(this.registry, 'checkWindowRows');
  readonly checkRunsTotal = counter(this.registry, 'checkRunsTotal');
  readonly checkSlotsMissedTotal = counter(this.registry, 'checkSlotsMissedTotal');
  readonly checkDurationSeconds = histogram(this.registry, 'checkDurationSeconds');
  readonly checkLastSuccessTimestampSeconds = gauge(
    this.registry,
    'checkLastSuccessTimestampSeconds',
  );
  readonly modelAuc = gauge(this.registry, 'modelAuc');
  readonly modelPrecision = gauge(this.registry, 'modelPrecision');
  readonly modelRecall = gauge(this.registry, 'modelRecall');
  readonly modelAccuracy = gauge(this.registry, 'modelAccuracy');
  readonly modelMae = gauge(this.registry, 'modelMae');
  readonly modelRmse = gauge(this.registry, 'modelRmse');
  readonly modelLabelledRows = gauge(this.registry, 'modelLabelledRows');
  readonly modelEstimatedPerformance = gauge(this.registry, 'modelEstimatedPerformance');
  readonly modelEstimatedPerformanceLower = gauge(this.registry, 'modelEstimatedPerformanceLower');
  readonly modelEstimatedPerformanceUpper = gauge(this.registry, 'modelEstimatedPerformanceUpper');
  readonly modelCalibrationError = gauge(this.registry, 'modelCalibrationError');
  readonly segmentEstimatedPerformance = gauge(this.registry, 'segmentEstimatedPerformance');
  readonly parityMismatchRatio = gauge(this.registry, 'parityMismatchRatio');
  readonly parityMaxAbsDiff = gauge(this.registry, 'parityMaxAbsDiff');
  readonly parityRowsCheckedTotal = counter(this.registry, 'parityRowsCheckedTotal');
  readonly parityUnscorableRowsTotal = counter(this.registry, 'parityUnscorableRowsTotal');
  readonly shadowAgreementRatio = gauge(this.registry, 'shadowAgreementRatio');
  readonly shadowScoreMeanAbsDiff = gauge(this.registry, 'shadowScoreMeanAbsDiff');
  // Webhook delivery (a later release sends them); registered so the catalogue
  // and the exposition agree.
  readonly webhookDeliveriesTotal = counter(this.registry, 'webhookDeliveriesTotal');
  readonly webhookOutboxPending = gauge(this.registry, 'webhookOutboxPending');
  readonly retentionPartitionsDroppedTotal = counter(
    this.registry,
    'retentionPartitionsDroppedTotal',
  );

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) {
      // Standard process_* and nodejs_* names, as every Node exporter has them.
      client.collectDefaultMetrics({ register: this.registry });
    }
  }
}
