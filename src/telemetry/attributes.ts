/**
 * Span names and attribute keys of driftwatch's own spans, in one place
 * (docs/tracing.md lists them with their meaning).
 *
 * Generic attributes come from the OpenTelemetry semantic conventions
 * (`error.type`, `http.*`, `url.full`, `server.*`). For ML inference there is
 * no convention yet: the proposal for non-generative model inference
 * (open-telemetry/semantic-conventions#3420) is an open issue without an
 * attribute registry, and the GenAI conventions (`gen_ai.request.model`) are
 * scoped to generative models. So model, check and ingest attributes live in
 * the `driftwatch.*` namespace; when a convention is accepted, rename here.
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';

/** Name of the tracer (instrumentation scope) of driftwatch's own spans. */
export const TRACER_NAME = 'driftwatch';

export const SPAN_INGEST = 'driftwatch.ingest';
export const SPAN_CHECK = 'driftwatch.check';
export const SPAN_CHECK_FEATURE = 'driftwatch.check.feature';
/** One onnxruntime `session.run` batch (parity and shadow checks). */
export const SPAN_SCORE_BATCH = 'driftwatch.score.batch';
export const SPAN_WEBHOOK_DELIVERY = 'driftwatch.webhook.delivery';

// Model identity (every span about one model version).
export const ATTR_MODEL_NAME = 'driftwatch.model.name';
export const ATTR_MODEL_VERSION = 'driftwatch.model.version';

// Ingest request.
/** Records in the request body (valid or not). */
export const ATTR_INGEST_RECORDS = 'driftwatch.ingest.records';
/** Records stored by this request. */
export const ATTR_INGEST_ACCEPTED = 'driftwatch.ingest.accepted';
/** Valid records already stored earlier (same model and request id). */
export const ATTR_INGEST_DUPLICATES = 'driftwatch.ingest.duplicates';
/** Records rejected by validation. */
export const ATTR_INGEST_REJECTED = 'driftwatch.ingest.rejected';
/** Distinct record traceparents beyond the link limit, not linked. */
export const ATTR_INGEST_LINKS_DROPPED = 'driftwatch.ingest.links_dropped';

// Links.
/** Where a link's span context came from: `request` (the traceparent header) or `record`. */
export const ATTR_LINK_SOURCE = 'driftwatch.link.source';
/** Index in the batch of the first record that carried a linked traceparent. */
export const ATTR_LINK_RECORD_INDEX = 'driftwatch.link.record_index';

// Check run.
export const ATTR_CHECK_KIND = 'driftwatch.check.kind';
export const ATTR_CHECK_TRIGGER = 'driftwatch.check.trigger';
export const ATTR_CHECK_STATUS = 'driftwatch.check.status';
/** Window start and end, RFC 3339 (UTC). */
export const ATTR_CHECK_WINDOW_START = 'driftwatch.check.window.start';
export const ATTR_CHECK_WINDOW_END = 'driftwatch.check.window.end';
export const ATTR_CHECK_WINDOW_SECONDS = 'driftwatch.check.window.seconds';
/** Rows in the window. */
export const ATTR_CHECK_ROWS = 'driftwatch.check.rows';
/** `exact` or `approximate` (drift), absent for other kinds. */
export const ATTR_CHECK_PATH = 'driftwatch.check.path';
export const ATTR_CHECK_RUN_ID = 'driftwatch.check.run_id';

// One feature test of a check run.
export const ATTR_FEATURE_NAME = 'driftwatch.feature.name';
export const ATTR_TEST_NAME = 'driftwatch.test.name';
export const ATTR_TEST_STATUS = 'driftwatch.test.status';
export const ATTR_TEST_STATISTIC = 'driftwatch.test.statistic';
export const ATTR_TEST_P_VALUE = 'driftwatch.test.p_value';
export const ATTR_TEST_ADJUSTED_P_VALUE = 'driftwatch.test.adjusted_p_value';
export const ATTR_TEST_DRIFTED = 'driftwatch.test.drifted';
export const ATTR_TEST_N_REFERENCE = 'driftwatch.test.n_reference';
export const ATTR_TEST_N_CURRENT = 'driftwatch.test.n_current';

// Scoring batch.
/** Index of the batch's first scorable row. */
export const ATTR_SCORE_BATCH_START = 'driftwatch.score.batch.start';
export const ATTR_SCORE_BATCH_ROWS = 'driftwatch.score.batch.rows';

// Webhook delivery.
export const ATTR_WEBHOOK_ID = 'driftwatch.webhook.id';
export const ATTR_WEBHOOK_EVENT = 'driftwatch.webhook.event';
/** Delivery attempt, from 1. */
export const ATTR_WEBHOOK_ATTEMPT = 'driftwatch.webhook.attempt';
