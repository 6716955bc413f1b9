/**
 * The row format of `predictions` (sql/001_init.sql, `tags` from sql/010_segments.sql): its columns in COPY
 * order, and the encoding of one row's fields as a binary COPY tuple. Ingest
 * validates a record and hands the fields here; PredictionStore COPYs the
 * tuples as they are.
 */
import { BinaryTupleWriter } from './binaryCopyWriter.js';

/** Columns of `predictions` in the order of a tuple from {@link encodePredictionRow}. */
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
  'tags',
] as const;

/** The fields of one prediction row; null or undefined is SQL NULL. */
export interface PredictionRowFields {
  model: string;
  version: string;
  requestId: string;
  /** Unix epoch milliseconds (a fractional millisecond is truncated). */
  epochMs: number;
  /** Numeric features in the version's layout order (null: missing). */
  numValues: readonly (number | null)[];
  /** Categorical features in the version's layout order (null: missing). */
  catValues: readonly (string | null)[];
  missingCount: number;
  score: number | null | undefined;
  prediction: string | null | undefined;
  latencyMs: number | null | undefined;
  status: string;
  traceparent: string | null | undefined;
  /** The record's tags as JSON text (an object of strings), or null. */
  tagsJson: string | null | undefined;
}

// One writer for every row: encoding is synchronous, so rows never interleave.
const tupleWriter = new BinaryTupleWriter();

/** The row as one binary COPY tuple of PREDICTION_COLUMNS. */
export function encodePredictionRow(row: PredictionRowFields): Buffer {
  return tupleWriter
    .begin(PREDICTION_COLUMNS.length)
    .text(row.model)
    .text(row.version)
    .text(row.requestId)
    .timestamptz(row.epochMs)
    .float8Array(row.numValues)
    .textArray(row.catValues)
    .int4(row.missingCount)
    .float8(row.score)
    .text(row.prediction)
    .float8(row.latencyMs)
    .text(row.status)
    .text(row.traceparent)
    .jsonb(row.tagsJson)
    .finish();
}
