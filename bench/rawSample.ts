/**
 * Cost per row of the raw-sample and batch-key path of the write
 * (docs/scaling.md, "Raw sample"): `PredictionStore.write` alone — no HTTP,
 * no validation, no summaries — with bench-shaped rows (20 numeric + 5
 * categorical features), batches of 1,000, one writer, in five modes:
 *
 * - `keepAll`          every row kept, no batch key (the write path before);
 * - `keepAll+key`      every row kept, an idempotency key per batch;
 * - `sampled 1/16+key` a 1/16 hash sample, a key per batch;
 * - `sampled 1/16`     the same sample, no key;
 * - `hash only`        samplePosition() of every row (Node CPU alone).
 *
 * Prints service (this process) and PostgreSQL CPU per row from /proc, and
 * wall time. Figures are printed, never asserted.
 *
 *     npx tsx bench/rawSample.ts [--records 200000] [--database postgres://…]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { configSchema, modelSettings } from '../src/config/schema.js';
import type { FeatureSpec } from '../src/core/model.js';
import { inRawSample, samplePosition } from '../src/core/sampleHash.js';
import { parseEnvelope } from '../src/ingest/recordEnvelope.js';
import { NdjsonSplitter } from '../src/ingest/recordSplitter.js';
import { buildRow, type ValidRow } from '../src/ingest/validateRecord.js';
import { migrate } from '../src/storage/migrations.js';
import { PartitionManager } from '../src/storage/partitions.js';
import { createPool } from '../src/storage/pool.js';
import { PredictionStore, type WriteOptions } from '../src/storage/predictionStore.js';
import {
  benchRecords,
  benchVersionDefinition,
  BENCH_MODEL,
  BENCH_VERSION,
  toNdjsonLine,
} from './ingestRecords.js';
import {
  cpuGrowth,
  DEFAULT_DATABASE_URL,
  positiveInt,
  postgresCpuSeconds,
  withBenchDatabase,
} from './lib/index.js';

const BATCH = 1_000;
const FRACTION = 1 / 16;
const HOUR_MS = 3_600_000;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    database: { type: 'string', default: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL },
  },
});
const records = positiveInt('--records', values.records);
const endMs = Date.now();

function buildBatches(idPrefix: string): ValidRow[][] {
  const context = {
    features: benchVersionDefinition().features as FeatureSpec[],
    settings: modelSettings(configSchema.parse({}), BENCH_MODEL),
    bounds: { nowMs: endMs, maxFutureMs: HOUR_MS, maxAgeMs: 2 * HOUR_MS },
  };
  const lines = [...benchRecords({ count: records, seed: 3, endMs })].map((record) =>
    toNdjsonLine({ ...record, requestId: `${idPrefix}${record.requestId}` }),
  );
  const batches: ValidRow[][] = [];
  for (let start = 0; start < lines.length; start += BATCH) {
    const splitter = new NdjsonSplitter();
    const body = Buffer.from(lines.slice(start, start + BATCH).join('\n') + '\n');
    const rows: ValidRow[] = [];
    for (const raw of [...splitter.push(body), ...splitter.end()]) {
      const envelope = parseEnvelope(raw);
      if (!envelope.ok) throw new Error(envelope.rejection.message);
      const row = buildRow(raw.index, envelope.value, context);
      if (!row.ok) throw new Error(row.rejection.message);
      rows.push(row.value);
    }
    batches.push(rows);
  }
  return batches;
}

function cpuSeconds(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
}

await withBenchDatabase(values.database, 'dw_rawsample_', async (database) => {
  const pool = createPool({ url: database.url, max: 2, applicationName: 'driftwatch-bench' });
  try {
    await migrate(pool);
    await pool.query(
      `INSERT INTO models (name) VALUES ($1);
       INSERT INTO model_versions (model, version, task, features) VALUES ($1, $2, 'regression', '[]')`
        .replace(/\$1/g, `'${BENCH_MODEL}'`)
        .replace(/\$2/g, `'${BENCH_VERSION}'`),
    );
    const partitions = new PartitionManager(pool);
    await partitions.refresh();
    const store = new PredictionStore(pool, partitions);
    const modes: [string, (batch: number) => WriteOptions<ValidRow>][] = [
      ['keepAll', () => ({})],
      ['keepAll+key', (b) => ({ batch: batchKey(b) })],
      ['sampled 1/16+key', (b) => ({ keep, batch: batchKey(b) })],
      ['sampled 1/16', () => ({ keep })],
    ];
    let mode = '';
    function batchKey(b: number) {
      return { key: `${mode}-${b}`, records: BATCH, rejectedCount: 0, receivedAtMs: endMs };
    }
    function keep(row: ValidRow): boolean {
      return inRawSample(row.model, row.requestId, FRACTION);
    }
    console.log(`${records} rows per mode, batches of ${BATCH}, one writer`);
    console.log('mode               service µs/row  PostgreSQL µs/row  wall µs/row  raw rows');
    for (const [name, options] of modes) {
      mode = name;
      const batches = buildBatches(`${name.replace(/\W/g, '')}-`);
      await pool.query('CHECKPOINT');
      const pgBefore = postgresCpuSeconds(database.name);
      const cpuBefore = cpuSeconds();
      const started = performance.now();
      let stored = 0;
      for (const [b, rows] of batches.entries()) {
        const result = await store.write(rows, undefined, undefined, options(b));
        stored += result.inserted - result.sampledOut;
      }
      const wallUs = ((performance.now() - started) * 1000) / records;
      const serviceUs = ((cpuSeconds() - cpuBefore) * 1e6) / records;
      const pgUs = (cpuGrowth(pgBefore, postgresCpuSeconds(database.name)) * 1e6) / records;
      console.log(
        `${name.padEnd(18)} ${serviceUs.toFixed(2).padStart(14)} ${pgUs.toFixed(2).padStart(18)} ${wallUs.toFixed(2).padStart(12)} ${String(stored).padStart(9)}`,
      );
    }
    const ids = Array.from({ length: records }, (_, i) => `request-${i}-abcdefgh`);
    let sink = 0;
    const hashStart = performance.now();
    for (const id of ids) sink += samplePosition(BENCH_MODEL, id) & 1;
    const hashUs = ((performance.now() - hashStart) * 1000) / records;
    console.log(`hash only: ${hashUs.toFixed(3)} µs/row (checksum ${sink})`);
  } finally {
    await pool.end();
  }
});
