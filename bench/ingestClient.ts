/**
 * Load process of the ingest benchmark (spawned by bench/ingest.ts, runs in
 * its own process so that its CPU is not the service's). It builds every
 * NDJSON batch body before timing, prints `{"event":"ready"}`, waits for a
 * line on stdin, then POSTs the bodies over `concurrency` keep-alive
 * connections and prints one JSON summary line. Any response other than 200
 * with every record accepted aborts the run. Each batch carries an
 * `Idempotency-Key` (model, seed and batch index), as the log shipper sends one.
 *
 *   node --import tsx bench/ingestClient.ts --url http://127.0.0.1:PORT \
 *     --records 500000 --batch 1000 --concurrency 4 --seed 1 --end-ms <epoch ms> \
 *     [--model bench] [--timestamps arrival|random]
 */
import http from 'node:http';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  BENCH_MODEL,
  TIMESTAMP_LAYOUTS,
  ndjsonBodies,
  type TimestampLayout,
} from './ingestRecords.js';
import { postNdjson } from './lib/postNdjson.js';

export interface ClientSummary {
  event: 'done';
  records: number;
  requests: number;
  bodyBytes: number;
  seconds: number;
  rowsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  /** CPU seconds the client itself used while sending. */
  clientCpuSeconds: number;
}

interface IngestResponse {
  accepted?: number;
  duplicates?: number;
  rejected?: unknown[];
}

function positiveInt(name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new Error(`--${name} must be a positive integer`);
  return parsed;
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      records: { type: 'string', default: '500000' },
      batch: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4' },
      seed: { type: 'string', default: '1' },
      'end-ms': { type: 'string' },
      model: { type: 'string', default: BENCH_MODEL },
      timestamps: { type: 'string', default: 'arrival' },
    },
  });
  const timestamps = values.timestamps as TimestampLayout;
  if (!TIMESTAMP_LAYOUTS.includes(timestamps))
    throw new Error(`--timestamps must be one of ${TIMESTAMP_LAYOUTS.join(', ')}`);
  if (!values.url) throw new Error('--url is required');
  const records = positiveInt('records', values.records);
  const batch = positiveInt('batch', values.batch);
  const concurrency = positiveInt('concurrency', values.concurrency);
  const seed = positiveInt('seed', values.seed);
  const endMs =
    values['end-ms'] === undefined ? Date.now() : positiveInt('end-ms', values['end-ms']);

  const bodies = ndjsonBodies(
    { count: records, seed, endMs, timestamps, model: values.model },
    batch,
  );
  const bodyBytes = bodies.reduce((sum, body) => sum + body.length, 0);
  const target = new URL('/v1/predictions', values.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

  process.stdout.write(
    `${JSON.stringify({ event: 'ready', requests: bodies.length, bodyBytes })}\n`,
  );
  const input = createInterface({ input: process.stdin });
  await once(input, 'line');
  input.close();

  const latencies: number[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < bodies.length) {
      const index = next++;
      const body = bodies[index]!;
      const expected = index === bodies.length - 1 ? records - batch * index : batch;
      const started = performance.now();
      const response = await postNdjson(
        agent,
        target,
        body,
        undefined,
        `${values.model}-${seed}-${index}`,
      );
      latencies.push(performance.now() - started);
      if (response.status !== 200) {
        throw new Error(`batch ${index}: HTTP ${response.status}: ${response.text.slice(0, 500)}`);
      }
      const result = JSON.parse(response.text) as IngestResponse;
      if (result.accepted !== expected || (result.rejected ?? []).length > 0) {
        throw new Error(
          `batch ${index}: expected ${expected} accepted, got ${response.text.slice(0, 500)}`,
        );
      }
    }
  }

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const summary: ClientSummary = {
    event: 'done',
    records,
    requests: bodies.length,
    bodyBytes,
    seconds,
    rowsPerSecond: records / seconds,
    latencyMs: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? Number.NaN,
      mean: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
    },
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  console.error(`ingest client: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
