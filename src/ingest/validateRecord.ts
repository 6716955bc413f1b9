/**
 * Validation of one prediction record, in two steps: the envelope (JSON syntax
 * and wire-format fields), then the features against the model version's
 * schema. A failure is returned as a rejection with a stable code and a
 * message that says what was wrong; nothing is thrown for bad input.
 */
import type { z } from 'zod';
import type { ModelSettings } from '../config/schema.js';
import type { FeatureSpec } from '../core/model.js';
import { DEFAULT_TEXT_LIMITS } from '../core/textLimits.js';
import { BinaryTupleWriter } from './copyBinary.js';
import { featureLayout } from './featureLayout.js';
import {
  predictionRecordSchema,
  TRACEPARENT_PATTERN,
  type PredictionRecord,
} from './recordSchema.js';
import type { RawRecord } from './recordSplitter.js';
import { checkText, quoteForMessage, type TextLimits } from './textCheck.js';
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
  'too_long',
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

/** A non-empty string (lengths are checked by `checkEnvelopeText`, against configurable limits). */
const isName = (value: unknown): boolean => typeof value === 'string' && value.length >= 1;

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
  if (!isName(value.model) || !isName(value.model_version) || !isName(value.request_id)) {
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
  if (status !== undefined && !isName(status)) return false;
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
  const isFeatureObject =
    features !== null && typeof features === 'object' && !Array.isArray(features);
  if (isFeatureObject) {
    // Object.keys sees every own key, `__proto__` included, which zod's
    // record type skips without a word; so feature values are checked here.
    for (const name of Object.keys(features)) {
      const field = (features as Record<string, unknown>)[name];
      if (typeof field === 'number' && !Number.isFinite(field)) {
        return reject(
          index,
          'non_finite',
          `feature ${quoteForMessage(name)} is not a finite number`,
        );
      }
      if (field !== null && typeof field === 'object') {
        const shown = name.length > 40 ? quoteForMessage(name) : name;
        return reject(
          index,
          'wrong_type',
          `features.${shown}: expected a number, string, boolean or null, not ${Array.isArray(field) ? 'an array' : 'an object'}`,
        );
      }
    }
  }
  const parsed = predictionRecordSchema.safeParse(value);
  if (!parsed.success) return issueToRejection(index, parsed.error.issues[0]!, value);
  // The features as parsed from JSON, not zod's copy, which drops `__proto__`:
  // a feature of that name must reach the schema check (a real one is
  // stored, any other is `unknown_feature`).
  return {
    ok: true,
    value: isFeatureObject
      ? { ...parsed.data, features: features as PredictionRecord['features'] }
      : parsed.data,
  };
}

/** The envelope's text fields: storable as PostgreSQL text and within their limits. */
export function checkEnvelopeText(
  index: number,
  value: Record<string, unknown>,
  limits: TextLimits,
): { ok: false; rejection: Rejection } | null {
  const fields = [
    ['model', limits.name],
    ['model_version', limits.name],
    ['request_id', limits.requestId],
    ['status', limits.status],
    ['prediction', limits.prediction],
  ] as const;
  for (const [field, maxLength] of fields) {
    const text = value[field];
    if (typeof text !== 'string') continue; // other types are the schema's concern
    const problem = checkText(field, text, maxLength);
    if (problem) return reject(index, problem.code, problem.message);
  }
  return null;
}

/**
 * Names the first field of a record whose text holds U+FFFD, where the
 * decoder replaced bytes that were not UTF-8 (a best guess: the client may
 * also have sent U+FFFD itself).
 */
function fieldWithReplacement(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (key.includes('\uFFFD')) return `the name of ${quoteForMessage(key)}`;
    if (typeof field === 'string' && field.includes('\uFFFD')) return key;
    const inner = Array.isArray(field) ? null : fieldWithReplacement(field);
    if (inner !== null) return `${key}.${inner}`;
  }
  return null;
}

/** JSON syntax, UTF-8, and the wire-format envelope. */
export function parseEnvelope(
  raw: RawRecord,
  limits: TextLimits = DEFAULT_TEXT_LIMITS,
): Outcome<PredictionRecord> {
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
  if (raw.invalidUtf8) {
    const field = fieldWithReplacement(object);
    return reject(
      raw.index,
      'bad_value',
      `${field ?? 'the record'} is not valid UTF-8 (bytes that are not UTF-8 cannot be stored as text)`,
    );
  }
  const textProblem = checkEnvelopeText(raw.index, object, limits);
  if (textProblem) return textProblem;
  // The record is used as parsed: for a valid envelope zod's output is a
  // copy with the same fields and values.
  if (isValidEnvelope(object)) return { ok: true, value: object as PredictionRecord };
  return checkEnvelopeWithSchema(raw.index, object);
}

export interface RowContext {
  features: readonly FeatureSpec[];
  settings: ModelSettings;
  bounds: TimestampBounds;
  /** Default: DEFAULT_TEXT_LIMITS. */
  limits?: TextLimits;
}

function featureValueText(value: unknown): string {
  return typeof value === 'string' ? quoteForMessage(value) : String(value);
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
  const categoryLimit = (context.limits ?? DEFAULT_TEXT_LIMITS).category;
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
      if (typeof value === 'string') {
        const problem = checkText(`feature "${name}"`, value, categoryLimit);
        if (problem) return reject(index, problem.code, problem.message);
        categorical[slot.slot] = value;
      } else if (typeof value === 'boolean') categorical[slot.slot] = String(value);
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
        `feature${unknown.length > 1 ? 's' : ''} ${unknown
          .slice(0, 5)
          .map(quoteForMessage)
          .join(
            ', ',
          )}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} not in the schema of ${record.model} version ${record.model_version}`,
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
