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
 *     npx tsx bench/minuteSummaries.ts [--batches 200]
 */
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
