/**
 * Validation of one prediction record, in two steps: the envelope (JSON syntax
 * and wire-format fields), then the features against the model version's
 * schema. A failure is returned as a rejection with a stable code and a
 * message that says what was wrong; nothing is thrown for bad input.
 */
import type { z } from 'zod';
import type { ModelSettings } from '../config/schema.js';
import type { FeatureSpec } from '../core/model.js';
import { copyNumber, copyNumberArray, copyText, copyTextArray } from './copyText.js';
import { featureLayout } from './featureLayout.js';
import { predictionRecordSchema, type PredictionRecord } from './recordSchema.js';
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

export interface ValidRow {
  index: number;
  model: string;
  version: string;
  requestId: string;
  epochMs: number;
  /** The staging-table line for COPY (without the trailing newline). */
  copyLine: string;
  missingFeatures: number;
  ignoredFeatures: number;
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
  // Numbers that overflow to Infinity (1e999) parse without error, and zod
  // would only call them the wrong type; say plainly what is wrong.
  const object = value as Record<string, unknown>;
  for (const key of ['score', 'latency_ms', 'timestamp', 'label', 'prediction'] as const) {
    const field = object[key];
    if (typeof field === 'number' && !Number.isFinite(field)) {
      return reject(raw.index, 'non_finite', `${key} is not a finite number`);
    }
  }
  const features = object.features;
  if (features !== null && typeof features === 'object' && !Array.isArray(features)) {
    for (const [name, field] of Object.entries(features)) {
      if (typeof field === 'number' && !Number.isFinite(field)) {
        return reject(raw.index, 'non_finite', `feature "${name}" is not a finite number`);
      }
    }
  }
  const parsed = predictionRecordSchema.safeParse(value);
  if (!parsed.success) return issueToRejection(raw.index, parsed.error.issues[0]!, value);
  return { ok: true, value: parsed.data };
}

export interface RowContext {
  features: readonly FeatureSpec[];
  settings: ModelSettings;
  bounds: TimestampBounds;
}

function featureValueText(value: unknown): string {
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : String(value);
}

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
  const unknown: string[] = [];

  for (const name in record.features) {
    const value = record.features[name];
    const slot = layout.byName.get(name);
    if (!slot) {
      unknown.push(name);
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
  if (unknown.length > 0) {
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

  const copyLine = [
    String(index),
    copyText(record.model),
    copyText(record.model_version),
    copyText(record.request_id),
    new Date(time.epochMs).toISOString(),
    copyNumberArray(numeric),
    copyTextArray(categorical),
    String(missing),
    copyNumber(record.score),
    copyText(prediction),
    copyNumber(record.latency_ms),
    copyText(record.status ?? 'success'),
    copyText(record.traceparent),
    copyNumber(label),
  ].join('\t');

  return {
    ok: true,
    value: {
      index,
      model: record.model,
      version: record.model_version,
      requestId: record.request_id,
      epochMs: time.epochMs,
      copyLine,
      missingFeatures: missing,
      ignoredFeatures: ignored,
    },
  };
}

/** Column order of `copyLine`, matching the staging table. */
export const STAGING_COLUMNS = [
  'seq',
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
  'label',
] as const;
