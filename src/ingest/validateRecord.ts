/**
 * The second step of validating a prediction record: its features against the
 * model version's schema (after the envelope, recordEnvelope.ts), building the
 * storage row. A failure is returned as a rejection with a stable code and a
 * message that says what was wrong; nothing is thrown for bad input.
 */
import type { ModelSettings } from '../config/schema.js';
import { featureLayout } from '../core/featureLayout.js';
import type { FeatureSpec } from '../core/model.js';
import { DEFAULT_TEXT_LIMITS } from '../core/textLimits.js';
import { encodePredictionRow } from '../storage/predictionRow.js';
import type { PredictionRecord } from './recordSchema.js';
import { reject, type Outcome } from './rejection.js';
import { storedTags } from './tagCheck.js';
import { checkText, quoteForMessage, type TextLimits } from './textCheck.js';
import { parseTimestamp, type TimestampBounds } from './timestamp.js';

export interface ValidRow {
  index: number;
  model: string;
  version: string;
  requestId: string;
  epochMs: number;
  status: string;
  /** Ground truth carried by the record (a boolean as 1 or 0), stored in `labels`. */
  label: number | null;
  /** The row as one binary COPY tuple of PREDICTION_COLUMNS (storage/predictionRow.ts). */
  tuple: Buffer;
  missingFeatures: number;
  ignoredFeatures: number;
  /** For the latency and score histograms and the minute summaries of stored records. */
  latencyMs: number | null;
  score: number | null;
  /** Numeric features in the version's layout order (null: missing), for the minute summaries. */
  numValues: readonly (number | null)[];
  /** Categorical features in the version's layout order (null: missing), for the minute summaries. */
  catValues: readonly (string | null)[];
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

  const tuple = encodePredictionRow({
    model: record.model,
    version: record.model_version,
    requestId: record.request_id,
    epochMs: time.epochMs,
    numValues: numeric,
    catValues: categorical,
    missingCount: missing,
    score: record.score,
    prediction,
    latencyMs: record.latency_ms,
    status,
    traceparent: record.traceparent,
    tagsJson: storedTags(record.tags),
  });

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
      numValues: numeric,
      catValues: categorical,
    },
  };
}
