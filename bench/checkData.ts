/**
 * The synthetic data of the drift-check benchmark (bench/check/): a
 * reference and windows of model `bench` (20 numeric features
 * f0..f19, 5 categorical c0..c4, a score), generated column-wise from a seed,
 * in chunks so that a 10M-row window is never whole in memory, and their
 * encodings — binary COPY rows for PostgreSQL, the rows the minute-summary
 * builder reads, row-major float64 matrices for the SciPy baseline. Every
 * side gets the very same doubles.
 *
 * Shapes (as in bench/ingestRecords.ts): f0..f9 full-precision normals,
 * f10..f14 counts (many ties), f15..f19 two-decimal log-normal amounts. No
 * value is missing: the article's `DriftDetector` takes complete numpy arrays
 * (`ks_2samp` has no notion of a missing value).
 *
 * Drift in the window, so that the run has something to find:
 *   f1  mean + 0.3 σ         (KS D ≈ 0.12: drifted)
 *   f5  σ × 1.15             (D ≈ 0.04: significant, below the 0.1 effect floor)
 *   f12 count rate × 1.25    (D ≈ 0.1)
 *   f18 log-mean + 0.25      (D ≈ 0.1)
 *   c1  device shares 45 / 35 / 20 % instead of a third each
 * Every other feature and the score have the reference's distribution.
 */
import type { FeatureSpec } from '../src/core/model.js';
import type { MinuteSummaryRow } from '../src/drift/minute/index.js';
import { createRandom, type SeededRandom } from '../src/stats/index.js';
import { PREDICTION_COLUMNS } from '../src/storage/predictionRow.js';

export const BENCH_MODEL = 'bench';
export const NUMERIC_COUNT = 20;
export const CATEGORICAL_COUNT = 5;
export const NUMERIC_FEATURES = Array.from({ length: NUMERIC_COUNT }, (_, i) => `f${i}`);
export const CATEGORICAL_FEATURES = Array.from({ length: CATEGORICAL_COUNT }, (_, i) => `c${i}`);
export const FEATURE_SPECS: FeatureSpec[] = [
  ...NUMERIC_FEATURES.map((name): FeatureSpec => ({ name, type: 'numeric' })),
  ...CATEGORICAL_FEATURES.map((name): FeatureSpec => ({ name, type: 'categorical' })),
];

const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'IN', 'BR', 'JP', 'CA', 'ES', 'IT', 'NL', 'SE'];
const DEVICES = ['ios', 'android', 'web'];
const PLANS = ['free', 'basic', 'pro', 'enterprise'];
const CHANNELS = ['organic', 'paid_search', 'social', 'referral', 'email'];
const SEGMENTS = Array.from({ length: 500 }, (_, i) => `segment_${i}`);
/** Category values of c0..c4; a row stores the index into its list. */
export const CATEGORY_VALUES: readonly (readonly string[])[] = [
  COUNTRIES,
  DEVICES,
  PLANS,
  CHANNELS,
  SEGMENTS,
];

/** Features the window drifts on (for the report). */
export const DRIFTED_BY_DESIGN = ['f1', 'f5', 'f12', 'f18', 'c1'];

export interface BenchColumns {
  rows: number;
  /** f0..f19, each `rows` long. */
  numeric: Float64Array[];
  /** c0..c4 as indices into CATEGORY_VALUES. */
  categorical: Uint16Array[];
  score: Float64Array;
}

function numericValue(random: SeededRandom, f: number, drifted: boolean): number {
  if (f < 10) {
    const sigma = 1 + f / 10;
    const shift = drifted && f === 1 ? 0.3 * sigma : 0;
    const scale = drifted && f === 5 ? 1.15 : 1;
    return f + shift + random.normal() * sigma * scale;
  }
  if (f < 15) {
    const rate = 5 * (f - 9) * (drifted && f === 12 ? 1.25 : 1);
    return Math.floor(-Math.log(1 - random.next()) * rate);
  }
  const logShift = drifted && f === 18 ? 0.25 : 0;
  return Math.round(Math.exp(3 + logShift + random.normal()) * 100) / 100;
}

function categoryIndex(random: SeededRandom, c: number, drifted: boolean): number {
  const u = random.next();
  if (c === 1 && drifted) return u < 0.45 ? 0 : u < 0.8 ? 1 : 2;
  const size = CATEGORY_VALUES[c]!.length;
  return Math.min(size - 1, Math.floor(u * size));
}

/** Columns of rows [firstRow, firstRow + rows) of a longer generated sequence. */
export interface ColumnChunk extends BenchColumns {
  firstRow: number;
}

/**
 * `rows` rows from `seed` in chunks of `chunkRows` (the last may be
 * shorter), so that a window of 10M rows never needs to be in memory whole;
 * `drifted` applies the window's drift. The values do not depend on
 * `chunkRows`.
 */
export function* benchColumnChunks(
  rows: number,
  seed: number,
  drifted: boolean,
  chunkRows = 20_000,
): Generator<ColumnChunk> {
  const random = createRandom(seed);
  for (let firstRow = 0; firstRow < rows; firstRow += chunkRows) {
    const size = Math.min(chunkRows, rows - firstRow);
    const numeric = Array.from({ length: NUMERIC_COUNT }, () => new Float64Array(size));
    const categorical = Array.from({ length: CATEGORICAL_COUNT }, () => new Uint16Array(size));
    const score = new Float64Array(size);
    for (let r = 0; r < size; r++) {
      for (let f = 0; f < NUMERIC_COUNT; f++) numeric[f]![r] = numericValue(random, f, drifted);
      for (let c = 0; c < CATEGORICAL_COUNT; c++)
        categorical[c]![r] = categoryIndex(random, c, drifted);
      score[r] = 1 / (1 + Math.exp(-1.5 * random.normal()));
    }
    yield { firstRow, rows: size, numeric, categorical, score };
  }
}

/** `rows` rows from `seed` in one piece (the reference). */
export function benchColumns(rows: number, seed: number, drifted: boolean): BenchColumns {
  const [whole] = benchColumnChunks(rows, seed, drifted, Math.max(rows, 1));
  return whole ?? { rows: 0, numeric: [], categorical: [], score: new Float64Array(0) };
}

/** Category strings of one categorical column (for building the reference profile). */
export function categoryStrings(columns: BenchColumns, c: number): string[] {
  const values = CATEGORY_VALUES[c]!;
  return Array.from(columns.categorical[c]!, (index) => values[index]!);
}

/**
 * The numeric columns as one row-major `rows × 20` little-endian float64
 * matrix — what `np.fromfile(…).reshape(rows, 20)` reads, the layout of the
 * article's `reference_data[:, i]`. Yields chunks of `chunkRows` rows.
 */
export function* numericMatrixChunks(columns: BenchColumns, chunkRows = 65_536): Generator<Buffer> {
  for (let start = 0; start < columns.rows; start += chunkRows) {
    const end = Math.min(columns.rows, start + chunkRows);
    const chunk = new Float64Array((end - start) * NUMERIC_COUNT);
    for (let r = start; r < end; r++) {
      for (let f = 0; f < NUMERIC_COUNT; f++) {
        chunk[(r - start) * NUMERIC_COUNT + f] = columns.numeric[f]![r]!;
      }
    }
    // Float64Array bytes are little-endian on every platform Node supports.
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

// ---------------------------------------------------------------- binary COPY

/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC). */
const PG_EPOCH_MS = 946_684_800_000;
const FLOAT8_OID = 701;
const TEXT_OID = 25;
/** Columns of the rows `predictionCopyChunks` writes, in order. */
export const PREDICTION_COPY_COLUMNS = PREDICTION_COLUMNS.filter(
  (column) => column !== 'traceparent',
);
export const KEY_COPY_COLUMNS = ['model', 'request_id', 'ts'] as const;

/** A growable buffer for binary COPY tuples (big-endian, as the format wants). */
class TupleWriter {
  private buffer: Buffer;
  offset = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  private room(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  int16(value: number): void {
    this.room(2);
    this.offset = this.buffer.writeInt16BE(value, this.offset);
  }

  int32(value: number): void {
    this.room(4);
    this.offset = this.buffer.writeInt32BE(value, this.offset);
  }

  text(value: string): void {
    const bytes = Buffer.byteLength(value);
    this.int32(bytes);
    this.room(bytes);
    this.offset += this.buffer.write(value, this.offset, 'utf8');
  }

  float8(value: number): void {
    this.int32(8);
    this.room(8);
    this.offset = this.buffer.writeDoubleBE(value, this.offset);
  }

  timestamptz(epochMs: number): void {
    this.int32(8);
    this.room(8);
    this.offset = this.buffer.writeBigInt64BE(BigInt(epochMs - PG_EPOCH_MS) * 1000n, this.offset);
  }

  float8Array(values: ArrayLike<number>): void {
    this.int32(20 + values.length * 12);
    this.arrayHeader(values.length, FLOAT8_OID);
    for (let i = 0; i < values.length; i++) {
      this.int32(8);
      this.offset = this.buffer.writeDoubleBE(values[i]!, this.offset);
    }
  }

  textArray(values: readonly string[]): void {
    let bytes = 20;
    for (const value of values) bytes += 4 + Buffer.byteLength(value);
    this.int32(bytes);
    this.arrayHeader(values.length, TEXT_OID);
    for (const value of values) this.text(value);
  }

  private arrayHeader(length: number, elementOid: number): void {
    this.room(20 + length * 12);
    this.int32(1); // ndim
    this.int32(0); // has nulls
    this.int32(elementOid);
    this.int32(length);
    this.int32(1); // lower bound
  }

  take(): Buffer {
    const out = Buffer.from(this.buffer.subarray(0, this.offset));
    this.offset = 0;
    return out;
  }
}

export interface WindowRowsOptions {
  /** Rows of the whole window: timestamps rise evenly through [endMs − spreadMs, endMs). */
  totalRows: number;
  endMs: number;
  spreadMs: number;
  version: string;
}

/** Request ids are unique per model (prediction_keys), so they name the version. */
export function requestId(row: number, version: string): string {
  return `req-${version}-${row.toString(36).padStart(6, '0')}`;
}

export function timestampOf(row: number, options: WindowRowsOptions): number {
  // Rows in arrival order, as a serving log writes them: a minute's rows lie together on disk.
  const slotMs = options.spreadMs / options.totalRows;
  return Math.floor(options.endMs - options.spreadMs + (row + 0.5) * slotMs);
}

/** Row `r` of a chunk as the minute-summary builder reads a stored row. */
export function summaryRow(
  chunk: ColumnChunk,
  r: number,
  options: WindowRowsOptions,
): MinuteSummaryRow {
  const row = chunk.firstRow + r;
  const numValues = new Array<number>(NUMERIC_COUNT);
  for (let f = 0; f < NUMERIC_COUNT; f++) numValues[f] = chunk.numeric[f]![r]!;
  const catValues = new Array<string>(CATEGORICAL_COUNT);
  for (let c = 0; c < CATEGORICAL_COUNT; c++)
    catValues[c] = CATEGORY_VALUES[c]![chunk.categorical[c]![r]!]!;
  return {
    model: BENCH_MODEL,
    version: options.version,
    epochMs: timestampOf(row, options),
    requestId: requestId(row, options.version),
    numValues,
    catValues,
    score: chunk.score[r]!,
  };
}

/**
 * The rows of a chunk whose window position is a multiple of `every` (1:
 * all) as binary COPY data for `predictions (PREDICTION_COPY_COLUMNS)` and,
 * in step, for `prediction_keys (KEY_COPY_COLUMNS)`: without the signature
 * or trailer.
 */
export function encodePredictionChunk(
  chunk: ColumnChunk,
  options: WindowRowsOptions,
  every = 1,
): { predictions: Buffer; keys: Buffer; rows: number } {
  const expected = Math.ceil(chunk.rows / every) + 1;
  const rows = new TupleWriter(expected * 520);
  const keys = new TupleWriter(expected * 50);
  const numeric = new Float64Array(NUMERIC_COUNT);
  const categorical: string[] = new Array<string>(CATEGORICAL_COUNT).fill('');
  let written = 0;
  for (let r = 0; r < chunk.rows; r++) {
    const row = chunk.firstRow + r;
    if (row % every !== 0) continue;
    for (let f = 0; f < NUMERIC_COUNT; f++) numeric[f] = chunk.numeric[f]![r]!;
    for (let c = 0; c < CATEGORICAL_COUNT; c++)
      categorical[c] = CATEGORY_VALUES[c]![chunk.categorical[c]![r]!]!;
    const id = requestId(row, options.version);
    const ts = timestampOf(row, options);
    const score = chunk.score[r]!;
    rows.int16(PREDICTION_COPY_COLUMNS.length);
    rows.text(BENCH_MODEL);
    rows.text(options.version);
    rows.text(id);
    rows.timestamptz(ts);
    rows.float8Array(numeric);
    rows.textArray(categorical);
    rows.int32(4);
    rows.int32(0); // missing_count
    rows.float8(score);
    rows.text(score >= 0.5 ? '1' : '0');
    rows.float8(5 + (row % 97) / 10);
    rows.text('success');
    keys.int16(KEY_COPY_COLUMNS.length);
    keys.text(BENCH_MODEL);
    keys.text(id);
    keys.timestamptz(ts);
    written++;
  }
  return { predictions: rows.take(), keys: keys.take(), rows: written };
}
