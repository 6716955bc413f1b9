/**
 * A logged request joined with its response, as prediction records (wire
 * format v1): one record per row of the batch, `request_id` = `<ce-id>/<row>`,
 * features mapped by the version's columns (columnMapping.ts), the score
 * from the configured output, the timestamp from the request's `Ce-Time`
 * (or its arrival), the latency when both halves carry a time.
 *
 * Pure: what cannot be joined is returned as a rejection with the reason.
 */
import type { ModelVersion } from '../../core/model.js';
import type { RejectCode } from '../rejection.js';
import type { InferenceEvent, InferenceHalf } from './cloudEvent.js';
import {
  featureRows,
  intakePlan,
  responseRows,
  type ConfiguredColumn,
  type FeatureRow,
} from './columnMapping.js';
import type { DecodedPayload } from './tensors.js';

/** One half as it waits for the other (stored as JSON in `kserve_pending`). */
export interface PendingHalf {
  half: InferenceHalf;
  id: string;
  time: string | null;
  /** When this replica received it, for a timestamp when the event has no `time`. */
  arrivedAtMs: number;
  inferenceService: string | null;
  namespace: string | null;
  component: string | null;
  modelId: string | null;
  modelVersion: string | null;
  traceparent: string | null;
  payload: DecodedPayload;
}

/** `intake.kserve[]`: which model version an InferenceService serves. */
export interface KServeBinding {
  inferenceService: string;
  namespace?: string | undefined;
  model: string;
  version: string;
  columns?: readonly ConfiguredColumn[] | undefined;
  output?: string | undefined;
  scoreColumn?: number | undefined;
}

/** A record as the ingest path takes it (recordSchema.ts). */
export interface JoinedRecord {
  model: string;
  model_version: string;
  request_id: string;
  timestamp: string;
  features: FeatureRow;
  score: number | null;
  prediction?: string;
  latency_ms?: number;
  status: 'success';
  traceparent?: string;
}

type Refusal = { ok: false; code: RejectCode; message: string };

/**
 * The key that pairs a request with its response: the event id within one
 * component of one InferenceService (a transformer and its predictor log
 * the same id).
 */
export function pendingKey(
  event: Pick<InferenceEvent, 'id' | 'namespace' | 'inferenceService' | 'component'>,
): string {
  return JSON.stringify([
    event.namespace ?? '',
    event.inferenceService ?? '',
    event.component ?? '',
    event.id,
  ]);
}

export function toPendingHalf(
  event: InferenceEvent,
  payload: DecodedPayload,
  arrivedAtMs: number,
): PendingHalf {
  return {
    half: event.half,
    id: event.id,
    time: event.time,
    arrivedAtMs,
    inferenceService: event.inferenceService,
    namespace: event.namespace,
    component: event.component,
    modelId: event.modelId,
    modelVersion: event.modelVersion,
    traceparent: event.traceparent,
    payload,
  };
}

/**
 * An RFC 3339 time as whole milliseconds since the epoch and the fraction
 * of a millisecond beyond them, which KServe sends (nanoseconds) and a
 * double at the epoch's scale (~1.6e12 ms) would round away.
 */
function timeParts(time: string): { ms: number; fractionMs: number } {
  const match = /^(.*T\d{2}:\d{2}:\d{2})\.(\d+)(.*)$/i.exec(time);
  if (!match) return { ms: Date.parse(time), fractionMs: 0 };
  const digits = match[2]!;
  const ms = Date.parse(`${match[1]}.${digits.slice(0, 3).padEnd(3, '0')}${match[3]}`);
  return { ms, fractionMs: digits.length > 3 ? Number(`0.${digits.slice(3)}`) : 0 };
}

/**
 * Milliseconds from one RFC 3339 time to another, sub-millisecond digits
 * kept (a fast model answers well within one millisecond).
 *
 * @example elapsedMs('2021-04-10T00:23:26.0789529Z', '2021-04-10T00:23:26.080736102Z') // → 1.783202
 */
export function elapsedMs(from: string, to: string): number {
  const a = timeParts(from);
  const b = timeParts(to);
  return b.ms - a.ms + (b.fractionMs - a.fractionMs);
}

/** Model and version: the InferenceService's entry in `intake.kserve`, else what the events name. */
export function resolveIdentity(
  request: PendingHalf,
  response: PendingHalf,
  bindings: readonly KServeBinding[],
): { ok: true; model: string; version: string; binding: KServeBinding | null } | Refusal {
  const service = request.inferenceService ?? response.inferenceService;
  const namespace = request.namespace ?? response.namespace;
  const binding = bindings.find(
    (b) =>
      b.inferenceService === service && (b.namespace === undefined || b.namespace === namespace),
  );
  if (binding) return { ok: true, model: binding.model, version: binding.version, binding };
  const model = request.modelId ?? response.modelId;
  const version =
    request.modelVersion ?? response.modelVersion ?? response.payload.modelVersion ?? null;
  if (model && version) return { ok: true, model, version, binding: null };
  return {
    ok: false,
    code: 'unknown_model',
    message: `no intake.kserve entry for inference service "${service ?? ''}"${
      namespace ? ` in namespace "${namespace}"` : ''
    }, and the events name no model (Ce-Modelid) and version (Ce-Modelversion or the V2 response's model_version)`,
  };
}

/** The records of one joined pair. */
export function joinedRecords(input: {
  request: PendingHalf;
  response: PendingHalf;
  model: string;
  version: string;
  definition: Pick<ModelVersion, 'features' | 'onnx'>;
  binding: KServeBinding | null;
}): { ok: true; records: JoinedRecord[] } | Refusal {
  const { request, response, model, version, definition, binding } = input;
  const plan = intakePlan(definition, binding?.columns);
  const features = featureRows(
    plan,
    request.payload,
    new Set(definition.features.map((f) => f.name)),
  );
  if (!features.ok) return { ...features, message: `request: ${features.message}` };
  const outcomes = responseRows(response.payload, request.payload.count, {
    output: binding?.output ?? definition.onnx?.outputName,
    column: binding?.scoreColumn ?? definition.onnx?.scoreColumn,
  });
  if (!outcomes.ok) return { ...outcomes, message: `response: ${outcomes.message}` };

  const timestamp = request.time ?? new Date(request.arrivedAtMs).toISOString();
  let latencyMs: number | undefined;
  if (request.time !== null && response.time !== null) {
    const elapsed = elapsedMs(request.time, response.time);
    // A response stamped before its request says the clocks disagree: no latency, not a negative one.
    if (Number.isFinite(elapsed) && elapsed >= 0) latencyMs = elapsed;
  }
  const traceparent = request.traceparent ?? response.traceparent;
  const records = features.rows.map((row, i): JoinedRecord => {
    const outcome = outcomes.rows[i]!;
    const record: JoinedRecord = {
      model,
      model_version: version,
      request_id: `${request.id}/${i}`,
      timestamp,
      features: row,
      score: outcome.score,
      status: 'success',
    };
    if (outcome.prediction !== null) record.prediction = outcome.prediction;
    if (latencyMs !== undefined) record.latency_ms = latencyMs;
    if (traceparent !== null) record.traceparent = traceparent;
    return record;
  });
  return { ok: true, records };
}
