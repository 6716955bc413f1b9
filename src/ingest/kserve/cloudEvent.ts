/**
 * CloudEvents as KServe's payload logger (and Seldon's) sends them: one
 * event per HTTP request in binary mode (attributes in `Ce-*` headers, the
 * inference request or response as the body), or structured mode
 * (`application/cloudevents+json`, one JSON object) and its batch
 * (`application/cloudevents-batch+json`, a JSON array). The CloudEvents
 * HTTP binding 1.0 (and 0.3, which Seldon still sends) defines both modes.
 *
 * Pure: an event that cannot be read is returned as a rejection with the
 * reason, never thrown, so that one bad event of a batch leaves the others.
 */
import { isUtf8 } from 'node:buffer';
import { TRACEPARENT_PATTERN } from '../recordSchema.js';
import type { RejectCode } from '../rejection.js';

export type InferenceHalf = 'request' | 'response';

/** The attributes of one logged request or response, and its body as parsed JSON. */
export interface InferenceEvent {
  /** `Ce-Id`: the same on a request and its response (the join key). */
  id: string;
  half: InferenceHalf;
  source: string;
  /** `Ce-Time` as sent (RFC 3339), or null when the event has none. */
  time: string | null;
  inferenceService: string | null;
  namespace: string | null;
  component: string | null;
  endpoint: string | null;
  /** `Ce-Modelid` (Seldon, older KServe). */
  modelId: string | null;
  /** `Ce-Modelversion`, when a producer sends it. */
  modelVersion: string | null;
  /** W3C traceparent of the logged call, when valid. */
  traceparent: string | null;
  data: unknown;
}

export type EventOutcome =
  { ok: true; event: InferenceEvent } | { ok: false; code: RejectCode; message: string };

const SPEC_VERSIONS = new Set(['1.0', '0.3']);

/** KServe's types (`org.kubeflow.serving.inference.*`) and Seldon's (`io.seldon.serving.inference.*`). */
const TYPE_HALVES: ReadonlyMap<string, InferenceHalf> = new Map([
  ['org.kubeflow.serving.inference.request', 'request'],
  ['org.kubeflow.serving.inference.response', 'response'],
  ['io.seldon.serving.inference.request', 'request'],
  ['io.seldon.serving.inference.response', 'response'],
]);

/** Longest attribute value kept (ids, names); longer ones are refused, not cut. */
const MAX_ATTRIBUTE_LENGTH = 512;

function refuse(
  code: RejectCode,
  message: string,
): { ok: false; code: RejectCode; message: string } {
  return { ok: false, code, message };
}

/** A header value with the binding's percent-encoding undone (a malformed escape is kept as sent). */
function percentDecoded(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

type Attributes = (name: string) => unknown;

/**
 * The event from its attributes (by lower-case name, without `ce-`) and its
 * already-parsed data. Shared by both modes, so each says the same things
 * about the same problems.
 */
function eventFrom(attribute: Attributes, data: unknown): EventOutcome {
  const text = (name: string): string | null | { bad: string } => {
    const value = attribute(name);
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string') return { bad: `attribute ${name} must be a string` };
    if (value.length > MAX_ATTRIBUTE_LENGTH) {
      return { bad: `attribute ${name} is longer than ${MAX_ATTRIBUTE_LENGTH} characters` };
    }
    return value;
  };
  const fields: Record<string, string | null> = {};
  for (const name of [
    'specversion',
    'id',
    'type',
    'source',
    'time',
    'inferenceservicename',
    'namespace',
    'component',
    'endpoint',
    'modelid',
    'modelversion',
    'traceparent',
  ]) {
    const value = text(name);
    if (value !== null && typeof value === 'object') return refuse('wrong_type', value.bad);
    fields[name] = value;
  }
  for (const name of ['specversion', 'id', 'type', 'source']) {
    if (fields[name] === null) {
      return refuse(
        'missing_field',
        `the event has no ${name} (header Ce-${name[0]!.toUpperCase()}${name.slice(1)})`,
      );
    }
  }
  if (!SPEC_VERSIONS.has(fields.specversion!)) {
    return refuse('bad_value', `specversion ${fields.specversion} is not supported (1.0 or 0.3)`);
  }
  const half = TYPE_HALVES.get(fields.type!);
  if (!half) {
    return refuse(
      'bad_value',
      `type ${fields.type} is not an inference request or response (org.kubeflow.serving.inference.request or .response)`,
    );
  }
  const time = fields.time ?? null;
  if (time !== null && Number.isNaN(Date.parse(time))) {
    return refuse('bad_timestamp', `time "${time.slice(0, 64)}" is not an RFC 3339 date-time`);
  }
  const traceparent = fields.traceparent ?? null;
  return {
    ok: true,
    event: {
      id: fields.id!,
      half,
      source: fields.source!,
      time,
      inferenceService: fields.inferenceservicename ?? null,
      namespace: fields.namespace ?? null,
      component: fields.component ?? null,
      endpoint: fields.endpoint ?? null,
      modelId: fields.modelid ?? null,
      modelVersion: fields.modelversion ?? null,
      // A malformed traceparent is dropped, as the ingest path does with links.
      traceparent:
        traceparent !== null && TRACEPARENT_PATTERN.test(traceparent) ? traceparent : null,
      data,
    },
  };
}

/** The body of a binary-mode event as JSON: the logged request or response. */
function jsonData(
  body: Buffer,
): { ok: true; data: unknown } | { ok: false; code: RejectCode; message: string } {
  if (body.length === 0) return refuse('missing_field', 'the event has no data (empty body)');
  if (!isUtf8(body)) return refuse('bad_value', 'the event data is not valid UTF-8');
  try {
    return { ok: true, data: JSON.parse(body.toString('utf8')) as unknown };
  } catch (error) {
    return refuse('invalid_json', `the event data is not JSON: ${(error as Error).message}`);
  }
}

/**
 * A binary-mode event: attributes from the `ce-*` headers (`traceparent` is
 * its own header), the body as data. Header names are matched without case,
 * as HTTP does; node gives them in lower case.
 */
export function parseBinaryEvent(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: Buffer,
): EventOutcome {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const data = jsonData(body);
  const attribute: Attributes = (name) => {
    // The tracing extension travels as its own `traceparent` header (W3C
    // propagation) or, from SDKs that treat it as any extension, `ce-traceparent`.
    const value =
      name === 'traceparent'
        ? (header('ce-traceparent') ?? header('traceparent'))
        : header(`ce-${name}`);
    return value === undefined ? undefined : percentDecoded(value.trim());
  };
  // Attributes first: an event that is not an inference event says so, whatever its body.
  const attributesOnly = eventFrom(attribute, null);
  if (!attributesOnly.ok) return attributesOnly;
  if (!data.ok) return data;
  return { ok: true, event: { ...attributesOnly.event, data: data.data } };
}

/** One structured-mode event (a JSON object, already parsed). */
export function parseStructuredEvent(value: unknown): EventOutcome {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return refuse('not_an_object', 'a structured CloudEvent must be a JSON object');
  }
  const object = value as Record<string, unknown>;
  let data: unknown;
  if (object.data_base64 !== undefined) {
    if (typeof object.data_base64 !== 'string') {
      return refuse('wrong_type', 'data_base64 must be a base64 string');
    }
    const decoded = jsonData(Buffer.from(object.data_base64, 'base64'));
    if (!decoded.ok) return decoded;
    data = decoded.data;
  } else if (object.data === undefined || object.data === null) {
    return refuse('missing_field', 'the event has no data');
  } else if (typeof object.data === 'string') {
    // Some producers put JSON text in `data`; the logged body is JSON either way.
    const decoded = jsonData(Buffer.from(object.data, 'utf8'));
    if (!decoded.ok) return decoded;
    data = decoded.data;
  } else {
    data = object.data;
  }
  return eventFrom((name) => object[name], data);
}

/** The events of a structured batch (a JSON array of structured events), in order. */
export function parseStructuredBatch(value: unknown): EventOutcome[] | null {
  if (!Array.isArray(value)) return null;
  return value.map((element) => parseStructuredEvent(element));
}
