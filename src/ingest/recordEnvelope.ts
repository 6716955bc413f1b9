/**
 * The first step of validating a prediction record: JSON syntax, UTF-8, text
 * fields storable and within their limits, and the wire-format envelope
 * (src/ingest/recordSchema.ts). The features are checked against the model
 * version's schema afterwards, in validateRecord.ts.
 */
import { DEFAULT_TEXT_LIMITS } from '../core/textLimits.js';
import {
  predictionRecordSchema,
  TRACEPARENT_PATTERN,
  type PredictionRecord,
} from './recordSchema.js';
import type { RawRecord } from './recordSplitter.js';
import { tagsProblem } from './tagCheck.js';
import { issueToRejection, reject, type Outcome, type Rejection } from './rejection.js';
import { checkText, quoteForMessage, type TextLimits } from './textCheck.js';

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
  if (value.tags !== undefined && tagsProblem(value.tags) !== null) return false;
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
  // Tags are checked by hand first, for messages that name the tag (and, as
  // for features, so that a key `__proto__` is not skipped).
  if (value.tags !== undefined) {
    const problem = tagsProblem(value.tags);
    if (problem) return reject(index, problem.code, problem.message);
  }
  const parsed = predictionRecordSchema.safeParse(value);
  if (!parsed.success) return issueToRejection(index, parsed.error.issues[0]!, value);
  // The features as parsed from JSON, not zod's copy, which drops `__proto__`:
  // a feature of that name must reach the schema check (a real one is
  // stored, any other is `unknown_feature`).
  const record = isFeatureObject
    ? { ...parsed.data, features: features as PredictionRecord['features'] }
    : parsed.data;
  if (value.tags !== undefined) record.tags = value.tags as Record<string, string>;
  return { ok: true, value: record };
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
