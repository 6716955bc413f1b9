/**
 * Every metric driftwatch exports, in one place: name, type, help text and
 * label names. Dashboards, alert rules and docs/metrics.md are checked against
 * this catalogue, so a metric that is not here does not exist.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
  buckets?: readonly number[];
}

function metric<const L extends readonly string[]>(
  name: string,
  type: MetricType,
  help: string,
  labels: L,
  buckets?: readonly number[],
): MetricSpec & { labels: L } {
  return buckets === undefined
    ? { name, type, help, labels }
    : { name, type, help, labels, buckets };
}

export const METRICS = {
  predictionsTotal: metric(
    'driftwatch_predictions_total',
    'counter',
    'Prediction records stored, by model version and the status the serving pod logged.',
    ['model', 'model_version', 'status'] as const,
  ),
  ingestRecordsTotal: metric(
    'driftwatch_ingest_records_total',
    'counter',
    'Records received on the ingest endpoints by outcome (accepted, duplicate, rejected) and rejection reason (none when not rejected).',
    ['source', 'outcome', 'reason'] as const,
  ),
  ingestRequestsTotal: metric(
    'driftwatch_ingest_requests_total',
    'counter',
    'Ingest requests by endpoint and HTTP status code.',
    ['endpoint', 'code'] as const,
  ),
  ingestMissingFeaturesTotal: metric(
    'driftwatch_ingest_missing_features_total',
    'counter',
    'Feature values absent or null in stored prediction records.',
    ['model', 'model_version'] as const,
  ),
  ingestIgnoredFeaturesTotal: metric(
    'driftwatch_ingest_ignored_features_total',
    'counter',
    'Feature values not in the version schema, dropped from stored records because the model sets unknownFeatures: ignore.',
    ['model', 'model_version'] as const,
  ),
  labelsTotal: metric('driftwatch_labels_total', 'counter', 'Ground-truth labels stored.', [
    'model',
  ] as const),
  ingestBatchSeconds: metric(
    'driftwatch_ingest_batch_duration_seconds',
    'histogram',
    'Time to validate and store one ingest request.',
    ['endpoint'] as const,
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ),
} as const;

export type MetricKey = keyof typeof METRICS;
