/**
 * Validation of one prediction record, in two steps: the envelope (JSON syntax
 * and wire-format fields), then the features against the model version's
 * schema. A failure is returned as a rejection with a stable code and a
 * message that says what was wrong; nothing is thrown for bad input.
 */
import type { z } from 'zod';
import type { ModelSettings } from '../config/schema.js';
import type { FeatureSpec } from '../core/model.js';
import { BinaryTupleWriter } from './copyBinary.js';
import { featureLayout } from './featureLayout.js';
import {
  predictionRecordSchema,
  TRACEPARENT_PATTERN,
  type PredictionRecord,
} from './recordSchema.js';
import type { RawRecord } from './recordSplitter.js';
import { parseTimestamp, type TimestampBounds } from './timestamp.js';

/** Why a record was rejected. A fixed set: these are also metric label values. */
export const REJECT_CODES = [
  'invalid_json',
  'not_an_object',
  'missing_field',
  'unknown_field',
  'wrong_type',
  'non_finite',
  'bad_value',
  'bad_timestamp',
  'unknown_model',
  'unknown_version',
  'unknown_feature',
] as const;

export type RejectCode = (typeof REJECT_CODES)[number];

export interface Rejection {
  index: number;
  code: RejectCode;
  message: string;
}

/** Columns of `predictions` in the order of `ValidRow.tuple`. */
export const PREDICTION_COLUMNS = [
  'model',
  'model_version',
  'request_id',
  'ts',
  'num_values',
  'cat_values',
  'missing_count',
  'score',
  'prediction',
  'latency_ms',
  'status',
  'traceparent',
] as const;

export interface ValidRow {
  index: number;
  model: string;
  version: string;
  requestId: string;
  epochMs: number;
  status: string;
  /** Ground truth carried by the record (a boolean as 1 or 0), stored in `labels`. */
  label: number | null;
  /** The row as one binary COPY tuple of PREDICTION_COLUMNS. */
  tuple: Buffer;
  missingFeatures: number;
  ignoredFeatures: number;
  /** For the latency and score histograms of stored records. */
  latencyMs: number | null;
  score: number | null;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

function reject(
  index: number,
  code: RejectCode,
  message: string,
): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { index, code, message } };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function issueToRejection(
  index: number,
  issue: z.core.$ZodIssue,
  value: unknown,
): { ok: false; rejection: Rejection } {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return reject(
      index,
      'unknown_field',
      `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`,
    );
  }
  if (
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
    valueAt(value, issue.path) === undefined
  ) {
    return reject(index, 'missing_field', `missing required field "${field}"`);
  }
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    return reject(index, 'wrong_type', `${field}: ${issue.message}`);
  }
  return reject(index, 'bad_value', `${field}: ${issue.message}`);
}

const ENVELOPE_FIELDS = new Set<string>(Object.keys(predictionRecordSchema.shape));

/** Code points of a string: a surrogate pair counts once, a lone surrogate once. */
function codePointLength(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length - 1; i += 1) {
    if (
      (value.charCodeAt(i) & 0xfc00) === 0xd800 &&
      (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      count -= 1;
      i += 1;
    }
  }
  return count;
}

/**
 * A string of 1 to `maxLength` characters. zod's `.min()`/`.max()` count code
 * points, not UTF-16 units; the count is only needed past `maxLength` units.
 */
const isName = (value: unknown, maxLength: number): boolean =>
  typeof value === 'string' &&
  value.length >= 1 &&
  (value.length <= maxLength || codePointLength(value) <= maxLength);

/** Absent (or undefined), null, or a finite number. */
const isOptionalNumber = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value));

/**
 * A hand-written check of the envelope that is true exactly when
 * `predictionRecordSchema` accepts `value` (an object parsed from JSON). It
 * exists for speed — zod costs several microseconds per record — and only
 * decides acceptance: a record it refuses goes through zod, which says what
 * is wrong. The zod schema stays the source of truth (and of the OpenAPI
 * document); test/unit/ingest/envelopeCheck.test.ts checks that the two
 * agree on generated records.
 */
export function isValidEnvelope(value: Record<string, unknown>): boolean {
  for (const key in value) if (!ENVELOPE_FIELDS.has(key)) return false;
  if (
    !isName(value.model, 128) ||
    !isName(value.model_version, 128) ||
    !isName(value.request_id, 256)
  ) {
    return false;
  }
  const timestamp = value.timestamp;
  if (
    typeof timestamp !== 'string' &&
    !(typeof timestamp === 'number' && Number.isFinite(timestamp))
  )
    return false;
  const features = value.features;
  if (features === null || typeof features !== 'object' || Array.isArray(features)) return false;
  for (const name in features) {
    const field = (features as Record<string, unknown>)[name];
    if (
      field !== null &&
      typeof field !== 'string' &&
      typeof field !== 'boolean' &&
      !(typeof field === 'number' && Number.isFinite(field))
    ) {
      return false;
    }
  }
  if (!isOptionalNumber(value.score)) return false;
  const latency = value.latency_ms;
  if (!isOptionalNumber(latency) || (typeof latency === 'number' && !(latency >= 0))) return false;
  const prediction = value.prediction;
  if (
    typeof prediction !== 'string' &&
    typeof prediction !== 'boolean' &&
    !isOptionalNumber(prediction)
  ) {
    return false;
  }
  const label = value.label;
  if (typeof label !== 'boolean' && !isOptionalNumber(label)) return false;
  const status = value.status;
  if (status !== undefined && !isName(status, 64)) return false;
  const traceparent = value.traceparent;
  if (
    traceparent !== undefined &&
    (typeof traceparent !== 'string' || !TRACEPARENT_PATTERN.test(traceparent))
  ) {
    return false;
  }
  return true;
}

/**
 * The envelope checked by the zod schema, with the rejection it produces.
 * `parseEnvelope` comes here only for records the fast check refuses.
 */
export function checkEnvelopeWithSchema(
  index: number,
  value: Record<string, unknown>,
): Outcome<PredictionRecord> {
  // Numbers that overflow to Infinity (1e999) parse without error, and zod
  // would only call them the wrong type; say plainly what is wrong.
  for (const key of ['score', 'latency_ms', 'timestamp', 'label', 'prediction'] as const) {
    const field = value[key];
    if (typeof field === 'number' && !Number.isFinite(field)) {
      return reject(index, 'non_finite', `${key} is not a finite number`);
    }
  }
  const features = value.features;
  if (features !== null && typeof features === 'object' && !Array.isArray(features)) {
    for (const [name, field] of Object.entries(features)) {
      if (typeof field === 'number' && !Number.isFinite(field)) {
        return reject(index, 'non_finite', `feature "${name}" is not a finite number`);
      }
    }
  }
  const parsed = predictionRecordSchema.safeParse(value);
  if (!parsed.success) return issueToRejection(index, parsed.error.issues[0]!, value);
  return { ok: true, value: parsed.data };
}

/** JSON syntax and the wire-format envelope. */
export function parseEnvelope(raw: RawRecord): Outcome<PredictionRecord> {
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch (error) {
    const hint = /\b(NaN|-?Infinity)\b/.test(raw.text)
      ? ' (NaN and Infinity are not JSON: send null for a missing value)'
      : '';
    return reject(
      raw.index,
      'invalid_json',
      `record is not valid JSON: ${(error as Error).message}${hint}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return reject(raw.index, 'not_an_object', 'record must be a JSON object');
  }
  const object = value as Record<string, unknown>;
  // The record is used as parsed: for a valid envelope zod's output is a
  // copy with the same fields and values.
  if (isValidEnvelope(object)) return { ok: true, value: object as PredictionRecord };
  return checkEnvelopeWithSchema(raw.index, object);
}

export interface RowContext {
  features: readonly FeatureSpec[];
  settings: ModelSettings;
  bounds: TimestampBounds;
}

function featureValueText(value: unknown): string {
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : String(value);
}

// One writer for every row: buildRow is synchronous, so rows never interleave.
const tupleWriter = new BinaryTupleWriter();

/** Features against the version's schema; builds the storage row. */
export function buildRow(
  index: number,
  record: PredictionRecord,
  context: RowContext,
): Outcome<ValidRow> {
  const time = parseTimestamp(record.timestamp, context.bounds);
  if (!time.ok) return reject(index, 'bad_timestamp', time.message);

  const layout = featureLayout(context.features);
  const numeric: (number | null)[] = new Array<number | null>(layout.numeric.length).fill(null);
  const categorical: (string | null)[] = new Array<string | null>(layout.categorical.length).fill(
    null,
  );
  let present = 0;
  let ignored = 0;
  let unknown: string[] | null = null;

  const features = record.features;
  for (const name in features) {
    const value = features[name];
    const slot = layout.byName.get(name);
    if (!slot) {
      (unknown ??= []).push(name);
      continue;
    }
    if (value === null || value === undefined) continue; // explicit null: missing
    if (slot.kind === 'numeric') {
      if (typeof value !== 'number') {
        return reject(
          index,
          'wrong_type',
          `feature "${name}" is numeric, got ${typeof value} ${featureValueText(value)}`,
        );
      }
      if (!Number.isFinite(value)) {
        return reject(index, 'non_finite', `feature "${name}" is not a finite number`);
      }
      numeric[slot.slot] = value;
    } else {
      // Categories arrive as strings; integer-coded or boolean categories are
      // accepted and kept as their text so that "1" and 1 are one category.
      if (typeof value === 'string') categorical[slot.slot] = value;
      else if (typeof value === 'boolean') categorical[slot.slot] = String(value);
      else if (Number.isFinite(value)) categorical[slot.slot] = String(value);
      else return reject(index, 'non_finite', `feature "${name}" is not a finite value`);
    }
    present += 1;
  }
  if (unknown !== null) {
    if (context.settings.unknownFeatures === 'reject') {
      return reject(
        index,
        'unknown_feature',
        `feature${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} not in the schema of ${record.model} version ${record.model_version}`,
      );
    }
    ignored = unknown.length;
  }
  const missing = context.features.length - present;

  let label: number | null = null;
  if (record.label !== undefined && record.label !== null) {
    label = typeof record.label === 'boolean' ? (record.label ? 1 : 0) : record.label;
    if (!Number.isFinite(label)) return reject(index, 'non_finite', 'label is not a finite number');
  }
  const prediction =
    record.prediction === undefined || record.prediction === null
      ? null
      : String(record.prediction);
  const status = record.status ?? 'success';

  // Field order: PREDICTION_COLUMNS.
  const tuple = tupleWriter
    .begin(PREDICTION_COLUMNS.length)
    .text(record.model)
    .text(record.model_version)
    .text(record.request_id)
    .timestamptz(time.epochMs)
    .float8Array(numeric)
    .textArray(categorical)
    .int4(missing)
    .float8(record.score)
    .text(prediction)
    .float8(record.latency_ms)
    .text(status)
    .text(record.traceparent)
    .finish();

  return {
    ok: true,
    value: {
      index,
      model: record.model,
      version: record.model_version,
      requestId: record.request_id,
      epochMs: time.epochMs,
      status,
      label,
      tuple,
      missingFeatures: missing,
      ignoredFeatures: ignored,
      latencyMs: record.latency_ms ?? null,
      score: record.score ?? null,
    },
  };
}
