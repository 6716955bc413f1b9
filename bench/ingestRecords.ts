/**
 * The synthetic prediction records of the ingest benchmark, generated from a
 * seed so that the load client (NDJSON bodies) and the orchestrator (the CSV
 * for the `psql \copy` baseline) produce exactly the same rows.
 *
 * Shape: model `bench` (or another name) version `1`, 20 numeric features
 * f0..f19 and 5 categorical features c0..c4, timestamps within the hour
 * before `endMs` — rising in record order (`arrival`, what a live shipper
 * sends: a batch's records fall in one or two minutes) or drawn at random in
 * the hour (`random`, the layout of the figures before issue 12, where every
 * batch touches about 60 minutes and so builds about 60 minute summaries).
 * Numeric features mix full-precision doubles (f0..f9), counts (f10..f14) and
 * two-decimal amounts (f15..f19); about 1 % of numeric values are null
 * (missing), as real serving logs have.
 */
import { createRandom } from '../src/stats/index.js';
import { PREDICTION_COLUMNS } from '../src/storage/predictionRow.js';

export const BENCH_MODEL = 'bench';
export const BENCH_VERSION = '1';
export const NUMERIC_FEATURES = Array.from({ length: 20 }, (_, i) => `f${i}`);
export const CATEGORICAL_FEATURES = Array.from({ length: 5 }, (_, i) => `c${i}`);

const HOUR_MS = 3_600_000;
const MISSING_RATE = 0.01;
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'IN', 'BR', 'JP', 'CA', 'ES', 'IT', 'NL', 'SE'];
const DEVICES = ['ios', 'android', 'web'];
const PLANS = ['free', 'basic', 'pro', 'enterprise'];
const CHANNELS = ['organic', 'paid_search', 'social', 'referral', 'email'];

/** The version definition registered before the run. */
export function benchVersionDefinition(): Record<string, unknown> {
  return {
    task: 'binary_classification',
    features: [
      ...NUMERIC_FEATURES.map((name) => ({ name, type: 'numeric' })),
      ...CATEGORICAL_FEATURES.map((name) => ({ name, type: 'categorical' })),
    ],
  };
}

export interface BenchRecord {
  model: string;
  requestId: string;
  epochMs: number;
  numeric: (number | null)[];
  categorical: string[];
  score: number;
  prediction: number;
  latencyMs: number;
  status: string;
}

export interface GenerateOptions {
  count: number;
  seed: number;
  /** Timestamps fall in [endMs − 1 h, endMs). */
  endMs: number;
  /** Default `random` (what bench/storage.ts and bench/minuteSummaries.ts measured with). */
  timestamps?: TimestampLayout;
  /** Default BENCH_MODEL. */
  model?: string;
}

export type TimestampLayout = 'arrival' | 'random';
export const TIMESTAMP_LAYOUTS: readonly TimestampLayout[] = ['arrival', 'random'];

function pick<T>(values: readonly T[], u: number): T {
  return values[Math.min(values.length - 1, Math.floor(u * values.length))]!;
}

function hex8(u: number): string {
  return Math.floor(u * 4294967296)
    .toString(16)
    .padStart(8, '0');
}

/** The records in order; equal options give equal records. */
export function* benchRecords(options: GenerateOptions): Generator<BenchRecord> {
  const random = createRandom(options.seed);
  const seedHex = options.seed.toString(16).padStart(4, '0');
  const model = options.model ?? BENCH_MODEL;
  const arrival = options.timestamps === 'arrival';
  const slotMs = HOUR_MS / options.count;
  for (let i = 0; i < options.count; i++) {
    const numeric: (number | null)[] = [];
    for (let f = 0; f < NUMERIC_FEATURES.length; f++) {
      const missing = random.next() < MISSING_RATE;
      let value: number;
      if (f < 10) value = f + random.normal() * (1 + f / 10);
      else if (f < 15) value = Math.floor(-Math.log(1 - random.next()) * 5 * (f - 9));
      else value = Math.round(Math.exp(3 + random.normal()) * 100) / 100;
      numeric.push(missing ? null : value);
    }
    const categorical = [
      pick(COUNTRIES, random.next()),
      pick(DEVICES, random.next()),
      pick(PLANS, random.next()),
      pick(CHANNELS, random.next()),
      `segment_${Math.floor(random.next() * 500)}`,
    ];
    const score = random.next();
    const roll = random.next();
    // Seed and index make ids unique across runs of one database; the random
    // part makes them look like real ones.
    const requestId = `${seedHex}${i.toString(16).padStart(8, '0')}-${hex8(random.next())}-${hex8(random.next())}`;
    // Drawn in both layouts (in the order of old), so that every other value
    // is the same in both.
    const randomOffsetMs = Math.floor(random.next() * HOUR_MS);
    yield {
      model,
      requestId,
      epochMs: arrival
        ? options.endMs - HOUR_MS + Math.floor(i * slotMs)
        : options.endMs - 1 - randomOffsetMs,
      numeric,
      categorical,
      score,
      prediction: score >= 0.5 ? 1 : 0,
      latencyMs: Math.round((2 + -Math.log(1 - random.next()) * 8) * 1000) / 1000,
      status: roll < 0.98 ? 'success' : roll < 0.99 ? 'error' : 'timeout',
    };
  }
}

/** Wire format v1: one NDJSON line (without the newline). */
export function toNdjsonLine(record: BenchRecord): string {
  const features: Record<string, number | string | null> = {};
  NUMERIC_FEATURES.forEach((name, f) => (features[name] = record.numeric[f] ?? null));
  CATEGORICAL_FEATURES.forEach((name, c) => (features[name] = record.categorical[c] ?? null));
  return JSON.stringify({
    model: record.model,
    model_version: BENCH_VERSION,
    request_id: record.requestId,
    timestamp: new Date(record.epochMs).toISOString(),
    features,
    score: record.score,
    prediction: record.prediction,
    latency_ms: record.latencyMs,
    status: record.status,
  });
}

/** Columns of `toCsvLine`, in order: the stored shape of a prediction. */
export const CSV_COLUMNS = PREDICTION_COLUMNS.filter((column) => column !== 'traceparent');

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The same record as driftwatch stores it, as one CSV line for
 * `COPY … WITH (FORMAT csv)`: arrays as PostgreSQL array literals, missing
 * values as NULL elements. The generated category values are plain tokens, so
 * the array literal needs no element quoting.
 */
export function toCsvLine(record: BenchRecord): string {
  const missing = record.numeric.filter((value) => value === null).length;
  const numeric = `{${record.numeric.map((value) => (value === null ? 'NULL' : String(value))).join(',')}}`;
  const categorical = `{${record.categorical.join(',')}}`;
  return [
    record.model,
    BENCH_VERSION,
    record.requestId,
    new Date(record.epochMs).toISOString(),
    numeric,
    categorical,
    String(missing),
    String(record.score),
    String(record.prediction),
    String(record.latencyMs),
    record.status,
  ]
    .map(csvField)
    .join(',');
}

/** The records of `generate` as NDJSON request bodies of `batch` records each. */
export function ndjsonBodies(generate: GenerateOptions, batch: number): Buffer[] {
  const bodies: Buffer[] = [];
  let lines: string[] = [];
  for (const record of benchRecords(generate)) {
    lines.push(toNdjsonLine(record));
    if (lines.length === batch) {
      bodies.push(Buffer.from(`${lines.join('\n')}\n`));
      lines = [];
    }
  }
  if (lines.length > 0) bodies.push(Buffer.from(`${lines.join('\n')}\n`));
  return bodies;
}
