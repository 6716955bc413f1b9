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
    'Prediction records accepted (counted once, kept raw or sampled out), by model version and the status the serving pod logged.',
    ['model', 'model_version', 'status'] as const,
  ),
  predictionLatencySeconds: metric(
    'driftwatch_prediction_latency_seconds',
    'histogram',
    'Serving latency the pods logged with their predictions (latency_ms), in seconds, for stored records.',
    ['model', 'model_version'] as const,
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0],
  ),
  predictionScore: metric(
    'driftwatch_prediction_score',
    'histogram',
    'Model scores the pods logged with their predictions, for stored records.',
    ['model', 'model_version'] as const,
    [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
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
  intakeEventsTotal: metric(
    'driftwatch_intake_events_total',
    'counter',
    'Events received on the log-format intakes (source: kserve) by half (request, response; unknown for an event that could not be read) and outcome: pending (waits for its other half), joined (completed a pair), retried (its pair was already joined), rejected.',
    ['source', 'half', 'outcome'] as const,
  ),
  intakePendingExpiredTotal: metric(
    'driftwatch_intake_pending_expired_total',
    'counter',
    'Unpaired intake events expired after intake.pendingSeconds, by the half that waited (request, response) or pair (both halves came but their records were never stored).',
    ['source', 'half'] as const,
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
  rawRowsSampledOutTotal: metric(
    'driftwatch_raw_rows_sampled_out_total',
    'counter',
    'Accepted records summarised but not kept as raw rows: outside the raw hash sample of their version (docs/scaling.md, "Raw sample").',
    ['model', 'model_version'] as const,
  ),
  rawSampleFraction: metric(
    'driftwatch_raw_sample_fraction',
    'gauge',
    'Fraction of raw rows kept for a model version (1: every row), as this replica last used it.',
    ['model', 'model_version'] as const,
  ),
  ingestUnkeyedSampledTotal: metric(
    'driftwatch_ingest_unkeyed_sampled_total',
    'counter',
    'Sampled-out records of batches sent without an Idempotency-Key: a retry of such a batch counts them again (docs/reliability.md).',
    ['source'] as const,
  ),
  ingestBatchReplaysTotal: metric(
    'driftwatch_ingest_batch_replays_total',
    'counter',
    'Batches whose idempotency key was already stored: answered from the stored batch, nothing written.',
    ['source'] as const,
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
  featureDriftScore: metric(
    'driftwatch_feature_drift_score',
    'gauge',
    'Effect size of the latest drift check per feature: KS statistic D for numeric features, Jensen-Shannon distance (base 2) for categorical ones.',
    ['model', 'model_version', 'feature'] as const,
  ),
  featureDriftPValue: metric(
    'driftwatch_feature_drift_p_value',
    'gauge',
    'p-value of the decisive drift test of the latest check per feature (KS or chi-square), after the multiple-testing correction.',
    ['model', 'model_version', 'feature'] as const,
  ),
  featureDrifted: metric(
    'driftwatch_feature_drifted',
    'gauge',
    '1 when the latest drift check found the feature drifted (corrected p-value below alpha and effect size at least the minimum), else 0.',
    ['model', 'model_version', 'feature'] as const,
  ),
  featurePsi: metric(
    'driftwatch_feature_psi',
    'gauge',
    'Population stability index of the feature in the latest drift check.',
    ['model', 'model_version', 'feature'] as const,
  ),
  featureMissingRatio: metric(
    'driftwatch_feature_missing_ratio',
    'gauge',
    'Share of missing values of the feature in the latest drift check window.',
    ['model', 'model_version', 'feature'] as const,
  ),
  featureOutOfRangeRatio: metric(
    'driftwatch_feature_out_of_range_ratio',
    'gauge',
    'Share of the numeric feature values outside the reference [min, max] in the latest drift check window.',
    ['model', 'model_version', 'feature'] as const,
  ),
  featureUnseenCategoryRatio: metric(
    'driftwatch_feature_unseen_category_ratio',
    'gauge',
    'Share of the categorical feature values in categories the reference never saw, in the latest drift check window.',
    ['model', 'model_version', 'feature'] as const,
  ),
  segmentFeatureDrifted: metric(
    'driftwatch_segment_feature_drifted',
    'gauge',
    '1 when the latest drift check found the feature drifted in the segment, else 0 (one correction across all features × segments of the run). segment_by is the configured `by` (a categorical feature or tag:<key>), segment one of its top values in the window, __missing__ or __other__: at most top + 1 values per segment_by; series of a segment that left the top are removed at the next run.',
    ['model', 'model_version', 'segment_by', 'segment', 'feature'] as const,
  ),
  segmentDriftShare: metric(
    'driftwatch_segment_drift_share',
    'gauge',
    'Share of tested features that drifted in the segment in the latest drift check (labels as driftwatch_segment_feature_drifted; absent while the segment has fewer than minSamples rows).',
    ['model', 'model_version', 'segment_by', 'segment'] as const,
  ),
  segmentRows: metric(
    'driftwatch_segment_rows',
    'gauge',
    'Raw rows of the segment in the window of the latest drift check (labels as driftwatch_segment_drift_share).',
    ['model', 'model_version', 'segment_by', 'segment'] as const,
  ),
  datasetDriftShare: metric(
    'driftwatch_dataset_drift_share',
    'gauge',
    'Share of tested features that drifted in the latest drift check.',
    ['model', 'model_version'] as const,
  ),
  datasetDrifted: metric(
    'driftwatch_dataset_drifted',
    'gauge',
    '1 when the share of drifted features reached the dataset drift threshold in the latest drift check, else 0.',
    ['model', 'model_version'] as const,
  ),
  scoreDriftPValue: metric(
    'driftwatch_score_drift_p_value',
    'gauge',
    'KS p-value of the model score distribution against the reference scores in the latest drift check.',
    ['model', 'model_version'] as const,
  ),
  scorePsi: metric(
    'driftwatch_score_psi',
    'gauge',
    'Population stability index of the model score in the latest drift check.',
    ['model', 'model_version'] as const,
  ),
  checkWindowRows: metric(
    'driftwatch_check_window_rows',
    'gauge',
    'Rows in the window of the latest check.',
    ['model', 'model_version', 'kind'] as const,
  ),
  checkRunsTotal: metric(
    'driftwatch_check_runs_total',
    'counter',
    'Check runs by model, kind and resulting status (ok, drift, insufficient_data, degraded, error).',
    ['model', 'kind', 'status'] as const,
  ),
  checkSlotsMissedTotal: metric(
    'driftwatch_check_slots_missed_total',
    'counter',
    'Scheduled check slots this replica did not run, so no run was recorded, by reason: database_unavailable (the lease or the run failed on a database that was down or did not answer in time), still_running (the previous slot of the check still ran here), late (the process was busy past the slot), error (the lease or the run failed otherwise).',
    ['model', 'kind', 'reason'] as const,
  ),
  checkDurationSeconds: metric(
    'driftwatch_check_duration_seconds',
    'histogram',
    'Duration of check runs, reading the window included.',
    ['kind'] as const,
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  ),
  checkLastSuccessTimestampSeconds: metric(
    'driftwatch_check_last_success_timestamp_seconds',
    'gauge',
    'Unix time at which the latest check run that did not fail finished.',
    ['model', 'model_version', 'kind'] as const,
  ),
  modelAuc: metric(
    'driftwatch_model_auc',
    'gauge',
    'ROC AUC of the model on the labelled rows of the latest performance check.',
    ['model', 'model_version'] as const,
  ),
  modelPrecision: metric(
    'driftwatch_model_precision',
    'gauge',
    'Precision at the version threshold on the labelled rows of the latest performance check.',
    ['model', 'model_version'] as const,
  ),
  modelRecall: metric(
    'driftwatch_model_recall',
    'gauge',
    'Recall at the version threshold on the labelled rows of the latest performance check.',
    ['model', 'model_version'] as const,
  ),
  modelAccuracy: metric(
    'driftwatch_model_accuracy',
    'gauge',
    'Accuracy at the version threshold on the labelled rows of the latest performance check.',
    ['model', 'model_version'] as const,
  ),
  modelMae: metric(
    'driftwatch_model_mae',
    'gauge',
    'Mean absolute error of a regressor on the labelled rows of the latest performance check.',
    ['model', 'model_version'] as const,
  ),
  modelRmse: metric(
    'driftwatch_model_rmse',
    'gauge',
    'Root mean squared error of a regressor on the labelled rows of the latest performance check.',
    ['model', 'model_version'] as const,
  ),
  modelEstimatedPerformance: metric(
    'driftwatch_model_estimated_performance',
    'gauge',
    'Metric of a binary classifier estimated from the scores alone (CBPE, calibrated on the labelled reference) in the latest performance check; metric is accuracy, precision, recall, f1 or roc_auc. Set beside the realised driftwatch_model_* gauges once labels arrive.',
    ['model', 'model_version', 'metric'] as const,
  ),
  modelEstimatedPerformanceLower: metric(
    'driftwatch_model_estimated_performance_lower',
    'gauge',
    'Lower end of the band around driftwatch_model_estimated_performance (estimate − bandSigmas × sampling error).',
    ['model', 'model_version', 'metric'] as const,
  ),
  modelEstimatedPerformanceUpper: metric(
    'driftwatch_model_estimated_performance_upper',
    'gauge',
    'Upper end of the band around driftwatch_model_estimated_performance; a degraded estimate has this below the floor.',
    ['model', 'model_version', 'metric'] as const,
  ),
  segmentEstimatedPerformance: metric(
    'driftwatch_segment_estimated_performance',
    'gauge',
    "Metric of a binary classifier estimated from the scores alone, per segment of the latest performance check (top N values of each configured `by`, the rest as __other__); metric is accuracy, precision, recall, f1 or roc_auc. A segment's band is in the run summary.",
    ['model', 'model_version', 'segment_by', 'segment', 'metric'] as const,
  ),
  modelCalibrationError: metric(
    'driftwatch_model_calibration_error',
    'gauge',
    'Expected calibration error of the raw scores on the labelled reference the estimate is calibrated on (0: scores are probabilities).',
    ['model', 'model_version'] as const,
  ),
  modelLabelledRows: metric(
    'driftwatch_model_labelled_rows',
    'gauge',
    'Labelled rows in the window of the latest performance check.',
    ['model', 'model_version'] as const,
  ),
  parityMismatchRatio: metric(
    'driftwatch_parity_mismatch_ratio',
    'gauge',
    'Share of re-scored predictions whose logged score the registered ONNX model does not reproduce, in the latest parity check.',
    ['model', 'model_version'] as const,
  ),
  parityMaxAbsDiff: metric(
    'driftwatch_parity_max_abs_diff',
    'gauge',
    'Largest absolute difference between a logged score and the ONNX model score in the latest parity check.',
    ['model', 'model_version'] as const,
  ),
  parityRowsCheckedTotal: metric(
    'driftwatch_parity_rows_checked_total',
    'counter',
    'Logged predictions re-scored by parity checks.',
    ['model', 'model_version'] as const,
  ),
  parityUnscorableRowsTotal: metric(
    'driftwatch_parity_unscorable_rows_total',
    'counter',
    'Logged predictions parity checks could not rebuild into model input (missing feature, unknown category).',
    ['model', 'model_version'] as const,
  ),
  shadowAgreementRatio: metric(
    'driftwatch_shadow_agreement_ratio',
    'gauge',
    'Share of predictions on which the challenger version takes the same decision as the serving version, in the latest shadow run.',
    ['model', 'model_version', 'challenger'] as const,
  ),
  shadowScoreMeanAbsDiff: metric(
    'driftwatch_shadow_score_mean_abs_diff',
    'gauge',
    'Mean absolute difference between the serving and the challenger scores in the latest shadow run.',
    ['model', 'model_version', 'challenger'] as const,
  ),
  retentionPartitionsDroppedTotal: metric(
    'driftwatch_retention_partitions_dropped_total',
    'counter',
    'Daily prediction partitions dropped by retention.',
    [] as const,
  ),
  webhookDeliveriesTotal: metric(
    'driftwatch_webhook_deliveries_total',
    'counter',
    'Webhook delivery attempts by target, event type and outcome (delivered, or the kind of failure).',
    ['target', 'event', 'outcome'] as const,
  ),
  webhookOutboxPending: metric(
    'driftwatch_webhook_outbox_pending',
    'gauge',
    'Webhook events in the outbox not yet delivered, by target.',
    ['target'] as const,
  ),
} as const;

export type MetricKey = keyof typeof METRICS;
