/**
 * CPU per row of the minute summaries built at ingest (the work the ingest
 * service adds to each batch): grouping, moments, sketches and category
 * counts (`buildMinuteSummaries`), then the JSON form sent to PostgreSQL
 * (`encodeMinuteSummary` + `JSON.stringify`, as MinuteSummaryStore does).
 *
 * Bench-shaped rows (bench/ingestRecords.ts: 20 numeric + 5 categorical
 * features and the score), batches of 1,000, two timestamp layouts:
 * - `one-minute`: a batch's rows fall in one minute (a live shipper);
 * - `hour`: spread over an hour (the ingest benchmark's records), ≈ 60
 *   groups of ≈ 17 rows per batch — the worst case for per-group costs.
 *
 * With `--database URL`, also PostgreSQL's CPU per row for inserting the
 * one-minute partials (one INSERT per batch into a temporary jsonb table,
 * CPU of the backend from /proc, Linux only), as stored (sketch levels as
 * base64 of float64) and with the levels as JSON numbers instead.
 *
 *     npx tsx bench/minuteSummaries.ts [--batches 200] [--database postgres://…]
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { buildMinuteSummaries, encodeMinuteSummary } from '../src/drift/minute/index.js';
import type { MinuteSummaryRow } from '../src/drift/minute/index.js';
import {
  BENCH_MODEL,
  BENCH_VERSION,
  CATEGORICAL_FEATURES,
  NUMERIC_FEATURES,
  benchRecords,
} from './ingestRecords.js';

const BATCH = 1_000;
const batchesArg = process.argv.indexOf('--batches');
const BATCHES = batchesArg > 0 ? Number(process.argv[batchesArg + 1]) : 200;
const databaseArg = process.argv.indexOf('--database');
const DATABASE_URL = databaseArg > 0 ? process.argv[databaseArg + 1] : undefined;
const layout = { numeric: NUMERIC_FEATURES, categorical: CATEGORICAL_FEATURES };
const END_MS = Date.UTC(2026, 11, 3, 12, 0, 0);

function batches(layoutName: 'one-minute' | 'hour'): MinuteSummaryRow[][] {
  const rows: MinuteSummaryRow[] = [];
  for (const record of benchRecords({ count: BATCH * BATCHES, seed: 7, endMs: END_MS })) {
    rows.push({
      model: BENCH_MODEL,
      version: BENCH_VERSION,
      epochMs: layoutName === 'hour' ? record.epochMs : END_MS + (rows.length % 60_000),
      requestId: record.requestId,
      numValues: record.numeric,
      catValues: record.categorical,
      score: record.score,
    });
  }
  return Array.from({ length: BATCHES }, (_, b) => rows.slice(b * BATCH, (b + 1) * BATCH));
}

function cpuMicros(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

for (const name of ['one-minute', 'hour'] as const) {
  const input = batches(name);
  let bytes = 0;
  let groups = 0;
  const run = (encode: boolean) => {
    for (const batch of input) {
      const built = buildMinuteSummaries(batch, () => layout);
      groups += built.length;
      if (encode) {
        for (const entry of built)
          bytes += JSON.stringify(encodeMinuteSummary(entry.summary)).length;
      }
    }
  };
  run(true); // warm-up
  const rows = BATCH * BATCHES;
  const buildOnly = Math.min(...[0, 1, 2].map(() => cpuMicros(() => run(false)))) / rows;
  bytes = 0;
  groups = 0;
  const withJson = cpuMicros(() => run(true)) / rows;
  console.log(
    `${name.padEnd(10)} build ${buildOnly.toFixed(2)} µs/row, build + JSON ${withJson.toFixed(2)} µs/row, ` +
      `${(groups / BATCHES).toFixed(1)} partials/batch, JSON ${(bytes / rows).toFixed(0)} B/row (${(bytes / groups / 1024).toFixed(1)} KiB/partial)`,
  );
}

/** The same summary with each sketch level as JSON numbers (the alternative). */
function withNumberLevels(json: ReturnType<typeof encodeMinuteSummary>): unknown {
  const convert = <T extends { sketch: { levels: string[] } }>(numeric: T) => ({
    ...numeric,
    sketch: {
      ...numeric.sketch,
      levels: numeric.sketch.levels.map((level) => {
        const bytes = Buffer.from(level, 'base64');
        return Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8));
      }),
    },
  });
  return { ...json, score: convert(json.score), numeric: json.numeric.map(convert) };
}

async function postgresCost(url: string): Promise<void> {
  const base64: string[] = [];
  const numbers: string[] = [];
  for (const batch of batches('one-minute')) {
    for (const entry of buildMinuteSummaries(batch, () => layout)) {
      const json = encodeMinuteSummary(entry.summary);
      base64.push(JSON.stringify(json));
      numbers.push(JSON.stringify(withNumberLevels(json)));
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE bench_minute_summaries (summary jsonb)');
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const backendCpuMs = (): number => {
      const fields = readFileSync(`/proc/${rows[0]!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
    };
    const records = BATCH * BATCHES;
    for (const [name, list] of [
      ['jsonb, base64', base64],
      ['jsonb, numbers', numbers],
    ] as const) {
      const before = backendCpuMs();
      for (const text of list) {
        await client.query('INSERT INTO bench_minute_summaries (summary) VALUES ($1::jsonb)', [
          text,
        ]);
      }
      const bytes = list.reduce((sum, text) => sum + text.length, 0);
      console.log(
        `postgres   ${name.padEnd(15)} ${(((backendCpuMs() - before) * 1000) / records).toFixed(2)} µs/row of backend CPU, ${(bytes / records).toFixed(0)} B/row sent`,
      );
    }
  } finally {
    await client.end();
  }
}

if (DATABASE_URL !== undefined) await postgresCost(DATABASE_URL);
