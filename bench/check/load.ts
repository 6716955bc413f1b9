/**
 * Loads the drift-check bench's database directly (loading is not what is
 * measured, so it is timed and printed apart): migrations, one model
 * version per window with the same 100k-row reference profile (as the
 * reference import builds it), then each window, generated chunk by chunk:
 *
 * - minute summaries for **every** row, built with `buildMinuteSummaries`
 *   exactly as ingest builds them, per batch of consecutive rows (arrival
 *   order, so a batch falls in one or two minutes). Stored either as the
 *   batches' partials (`partials`, what ingest writes) or merged into one
 *   row per minute (`merged`, what the compaction job leaves behind for
 *   closed minutes: the steady state a check reads);
 * - raw rows (binary COPY into `predictions` and `prediction_keys`): all of
 *   them, one in `rawEvery`, or none — a check on the summaries path does
 *   not read them; today's code counts and reads whatever raw rows exist;
 * - optionally the numeric columns as a row-major float64 file for SciPy.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { StoredModelVersion } from '../../src/core/model.js';
import {
  buildMinuteSummaries,
  encodeMinuteSummary,
  mergeAllMinuteSummaries,
  type MinuteSummary,
  type MinuteSummaryRow,
} from '../../src/drift/minute/index.js';
import { buildReferenceProfile } from '../../src/drift/index.js';
import { migrate } from '../../src/storage/migrations.js';
import { MinuteSummaryStore } from '../../src/storage/minuteSummaryStore.js';
import { ModelStore } from '../../src/storage/modelStore.js';
import { dayOf, PartitionManager } from '../../src/storage/partitions.js';
import type { Pool, PoolClient } from '../../src/storage/pool.js';
import { ReferenceStore } from '../../src/storage/referenceStore.js';
import {
  benchColumnChunks,
  BENCH_MODEL,
  CATEGORICAL_FEATURES,
  categoryStrings,
  encodePredictionChunk,
  FEATURE_SPECS,
  KEY_COPY_COLUMNS,
  NUMERIC_FEATURES,
  numericMatrixChunks,
  PREDICTION_COPY_COLUMNS,
  summaryRow,
  type BenchColumns,
  type WindowRowsOptions,
} from '../checkData.js';
import { copyIn } from '../lib/index.js';

export type SummaryStorage = 'merged' | 'partials';
export const SUMMARY_STORAGES: readonly SummaryStorage[] = ['merged', 'partials'];

export interface WindowSpec {
  version: string;
  rows: number;
  seed: number;
  /** Raw rows kept: every `rawEvery`-th (1: all), none when 0. */
  rawEvery: number;
  /** Where to write the numeric columns for SciPy, if at all. */
  scipyFile?: string;
}

export interface LoadSettings {
  endMs: number;
  spreadMs: number;
  /** Rows per ingest batch the summaries are built from. */
  batchRows: number;
  summaries: SummaryStorage;
}

export interface LoadedWindow {
  spec: WindowSpec;
  version: StoredModelVersion;
  rawRows: number;
  summaryRows: number;
  seconds: number;
  /** CPU of this process (generation, summaries, encoding). */
  cpuSeconds: number;
}

const LAYOUT = { numeric: NUMERIC_FEATURES, categorical: CATEGORICAL_FEATURES };

/** Migrations and the partitions the windows need. */
export async function prepareDatabase(pool: Pool, settings: LoadSettings): Promise<void> {
  await migrate(pool);
  const partitions = new PartitionManager(pool);
  await partitions.refresh();
  const days: number[] = [];
  for (let day = dayOf(settings.endMs - settings.spreadMs); day <= dayOf(settings.endMs) + 1; day++)
    days.push(day);
  await partitions.ensureDays(days);
}

/** Registers `version` with the reference profile of `reference`. */
async function registerVersion(
  pool: Pool,
  version: string,
  reference: BenchColumns,
): Promise<StoredModelVersion> {
  const { version: stored } = await new ModelStore(pool).upsertVersion({
    model: BENCH_MODEL,
    version,
    task: 'binary_classification',
    features: FEATURE_SPECS,
    threshold: 0.5,
    onnx: null,
    source: 'api',
  });
  const columns: Record<string, ArrayLike<number | string | null>> = {};
  NUMERIC_FEATURES.forEach((name, f) => (columns[name] = reference.numeric[f]!));
  CATEGORICAL_FEATURES.forEach((name, c) => (columns[name] = categoryStrings(reference, c)));
  await new ReferenceStore(pool).replace(
    BENCH_MODEL,
    version,
    buildReferenceProfile(FEATURE_SPECS, columns, reference.score),
  );
  return stored;
}

/**
 * Minute summaries of a window's batches, written as they are built:
 * partials at once, or each minute merged once the rows have moved past it
 * (rows come in time order, so a minute never comes back).
 */
class SummaryWriter {
  rows = 0;
  private minuteMs: number | null = null;
  private pending: MinuteSummary[] = [];

  constructor(
    private readonly client: PoolClient,
    private readonly store: MinuteSummaryStore,
    private readonly version: string,
    private readonly storage: SummaryStorage,
  ) {}

  async addBatch(batch: readonly MinuteSummaryRow[]): Promise<void> {
    const built = buildMinuteSummaries(batch, () => LAYOUT);
    if (this.storage === 'partials') {
      await this.write(
        built.map((entry) => ({ minuteMs: entry.minuteMs, summary: entry.summary })),
      );
      return;
    }
    for (const entry of built) {
      if (entry.minuteMs !== this.minuteMs) await this.flush();
      this.minuteMs = entry.minuteMs;
      this.pending.push(entry.summary);
    }
  }

  async flush(): Promise<void> {
    const merged = mergeAllMinuteSummaries(this.pending);
    if (merged !== null && this.minuteMs !== null)
      await this.write([{ minuteMs: this.minuteMs, summary: merged }]);
    this.pending = [];
  }

  private async write(entries: { minuteMs: number; summary: MinuteSummary }[]): Promise<void> {
    await this.store.insert(
      this.client,
      entries.map((entry) => ({
        model: BENCH_MODEL,
        version: this.version,
        minuteMs: entry.minuteMs,
        summary: encodeMinuteSummary(entry.summary),
      })),
    );
    this.rows += entries.length;
  }
}

async function write(out: WriteStream | null, chunks: Iterable<Buffer>): Promise<void> {
  if (!out) return;
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
}

/** Registers the window's version and loads its summaries, raw rows and SciPy file. */
export async function loadWindow(
  pool: Pool,
  reference: BenchColumns,
  spec: WindowSpec,
  settings: LoadSettings,
): Promise<LoadedWindow> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const version = await registerVersion(pool, spec.version, reference);
  const rowsOptions: WindowRowsOptions = {
    totalRows: spec.rows,
    endMs: settings.endMs,
    spreadMs: settings.spreadMs,
    version: spec.version,
  };
  const client = await pool.connect();
  const summaries = new SummaryWriter(
    client,
    new MinuteSummaryStore(pool),
    spec.version,
    settings.summaries,
  );
  const scipy = spec.scipyFile ? createWriteStream(spec.scipyFile) : null;
  const keyChunks: Buffer[] = [];
  let rawRows = 0;
  // One pass over the generator feeds every sink; the keys are small, so
  // they are kept and COPYed after the rows.
  async function* rawChunks(): AsyncGenerator<Buffer> {
    const chunkRows = settings.batchRows * Math.max(1, Math.floor(20_000 / settings.batchRows));
    for (const chunk of benchColumnChunks(spec.rows, spec.seed, true, chunkRows)) {
      await write(scipy, numericMatrixChunks(chunk));
      for (let start = 0; start < chunk.rows; start += settings.batchRows) {
        const end = Math.min(chunk.rows, start + settings.batchRows);
        const batch: MinuteSummaryRow[] = [];
        for (let r = start; r < end; r++) batch.push(summaryRow(chunk, r, rowsOptions));
        await summaries.addBatch(batch);
      }
      if (spec.rawEvery > 0) {
        const encoded = encodePredictionChunk(chunk, rowsOptions, spec.rawEvery);
        rawRows += encoded.rows;
        keyChunks.push(encoded.keys);
        yield encoded.predictions;
      }
    }
    await summaries.flush();
  }
  try {
    if (spec.rawEvery > 0) {
      await copyIn(pool, 'predictions', PREDICTION_COPY_COLUMNS, rawChunks());
      await copyIn(pool, 'prediction_keys', KEY_COPY_COLUMNS, keyChunks);
    } else {
      for await (const chunk of rawChunks()) void chunk; // summaries only
    }
  } finally {
    client.release();
    if (scipy) {
      scipy.end();
      await once(scipy, 'finish');
    }
  }
  const used = process.cpuUsage(cpu);
  return {
    spec,
    version,
    rawRows,
    summaryRows: summaries.rows,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

/** What autovacuum would soon do, and a checkpoint so that the runs start clean. */
export async function settle(pool: Pool): Promise<void> {
  for (const table of ['predictions', 'prediction_keys', 'minute_summaries'])
    await pool.query(`VACUUM ANALYZE ${table}`);
  await pool.query('CHECKPOINT');
}

/** Sizes, MiB: raw rows with their index and keys, and minute summaries. */
export async function tableSizes(pool: Pool): Promise<{ rawMiB: number; summariesMiB: number }> {
  const { rows } = await pool.query<{ raw: number; summaries: number }>(
    `SELECT (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'predictions'::regclass)::float8
            + pg_total_relation_size('prediction_keys')::float8 AS raw,
            pg_total_relation_size('minute_summaries')::float8 AS summaries`,
  );
  return {
    rawMiB: (rows[0]?.raw ?? 0) / 1_048_576,
    summariesMiB: (rows[0]?.summaries ?? 0) / 1_048_576,
  };
}
