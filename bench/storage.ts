/**
 * Storage benchmark: bytes on disk per stored prediction, for the capacity
 * model of docs/scaling.md. Records go through the real write path (HTTP →
 * validation → binary COPY into `predictions` and `prediction_keys`) of a
 * service started in this process on a fresh `dw_bench_storage_<random>`
 * database; then, after `VACUUM (ANALYZE)`, the sizes of both tables (heap,
 * TOAST, indexes; every daily partition of `predictions`) are divided by the
 * row count.
 *
 *   npx tsx bench/storage.ts [--records 200000] [--batch 1000] [--concurrency 4]
 *     [--shapes churn,churn-uuid,bench]
 *
 * Shapes:
 * - `churn`: test/helpers/records.ts `churnRecord` (3 numeric + 2
 *   categorical features, request ids `req-<n>`, 5–10 characters), with
 *   distinct timestamps over one hour;
 * - `churn-uuid`: the same with a 36-character UUID request id, as many
 *   serving stacks send;
 * - `bench`: the ingest benchmark's records (bench/ingestRecords.ts: 20
 *   numeric + 5 categorical features, 30-character ids, about 1 % missing).
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a
 * server where the bench may create and drop databases. Sizes do not depend
 * on the machine's load; the rows/s printed beside them do.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../src/config/load.js';
import { startService } from '../src/main.js';
import { CHURN_DEFINITION, churnRecord } from '../test/helpers/records.js';
import { benchRecords, benchVersionDefinition, toNdjsonLine } from './ingestRecords.js';
import {
  DEFAULT_DATABASE_URL,
  fmtInt,
  positiveInt,
  withBenchDatabase,
  withClient,
} from './lib/index.js';

const HOUR_MS = 3_600_000;

interface Shape {
  name: string;
  model: string;
  definition: Record<string, unknown>;
  /** NDJSON line of record `i` (0-based) of `count`, timestamps before `endMs`. */
  lines(count: number, endMs: number): Iterable<string>;
}

/** A UUID-shaped id derived from `i`: the same for every run. */
function uuidOf(i: number): string {
  const hex = createHash('sha1').update(`storage-bench-${i}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Record `i` of `count` spread evenly over the hour before `endMs`, to the
 * millisecond and ascending, as traffic arrives: real traffic has (almost)
 * no two equal timestamps, and equal ones would shrink the
 * `(model, model_version, ts)` index by B-tree deduplication (churnRecord's
 * own timestamps repeat every 1,000 records and descend).
 */
function distinctTimestamp(i: number, count: number, endMs: number): string {
  return new Date(endMs - HOUR_MS + Math.floor((i * HOUR_MS) / count)).toISOString();
}

const SHAPES: Record<string, Shape> = {
  churn: {
    name: 'churn',
    model: 'churn',
    definition: CHURN_DEFINITION,
    *lines(count, endMs) {
      for (let i = 0; i < count; i++) {
        yield JSON.stringify(churnRecord(i, { timestamp: distinctTimestamp(i, count, endMs) }));
      }
    },
  },
  'churn-uuid': {
    name: 'churn-uuid',
    model: 'churn',
    definition: CHURN_DEFINITION,
    *lines(count, endMs) {
      for (let i = 0; i < count; i++) {
        yield JSON.stringify(
          churnRecord(i, {
            request_id: uuidOf(i),
            timestamp: distinctTimestamp(i, count, endMs),
          }),
        );
      }
    },
  },
  bench: {
    name: 'bench',
    model: 'bench',
    definition: benchVersionDefinition(),
    *lines(count, endMs) {
      for (const record of benchRecords({ count, seed: 1, endMs })) yield toNdjsonLine(record);
    },
  },
};

interface Sizes {
  rows: number;
  /** Heap + TOAST + free-space and visibility maps, by table. */
  predictionsTable: number;
  predictionsIndexes: number;
  keysTable: number;
  keysIndexes: number;
  /** Mean `pg_column_size` of a whole row (the tuple's data, without page overhead). */
  predictionsTupleBytes: number;
  keysTupleBytes: number;
  meanRequestIdChars: number;
}

async function measure(url: string): Promise<Sizes> {
  return withClient(url, async (client) => {
    await client.query('VACUUM (ANALYZE) predictions, prediction_keys');
    const { rows } = await client.query<Record<keyof Sizes, string>>(`
      WITH parts AS (
        SELECT relid FROM pg_partition_tree('predictions') WHERE isleaf
      )
      SELECT
        (SELECT count(*) FROM predictions) AS "rows",
        (SELECT sum(pg_table_size(relid)) FROM parts) AS "predictionsTable",
        (SELECT sum(pg_indexes_size(relid)) FROM parts) AS "predictionsIndexes",
        pg_table_size('prediction_keys') AS "keysTable",
        pg_indexes_size('prediction_keys') AS "keysIndexes",
        (SELECT avg(pg_column_size(p.*)) FROM predictions p) AS "predictionsTupleBytes",
        (SELECT avg(pg_column_size(k.*)) FROM prediction_keys k) AS "keysTupleBytes",
        (SELECT avg(length(request_id)) FROM prediction_keys) AS "meanRequestIdChars"`);
    const row = rows[0]!;
    return Object.fromEntries(
      Object.entries(row).map(([key, value]) => [key, Number(value)]),
    ) as unknown as Sizes;
  });
}

async function ingest(
  baseUrl: string,
  bodies: readonly string[],
  concurrency: number,
): Promise<number> {
  let next = 0;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const response = await fetch(`${baseUrl}/v1/predictions`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body,
        });
        const answer = (await response.json()) as { accepted?: number };
        if (response.status !== 200) {
          throw new Error(`ingest answered ${response.status}: ${JSON.stringify(answer)}`);
        }
        accepted += answer.accepted ?? 0;
      }
    }),
  );
  return accepted;
}

async function runShape(
  serverUrl: string,
  shape: Shape,
  options: { records: number; batch: number; concurrency: number },
): Promise<Sizes & { wireBytes: number; seconds: number }> {
  return withBenchDatabase(serverUrl, 'dw_bench_storage_', async (database) => {
    const config = loadConfig({
      file: 'bench/driftwatch.bench.yaml',
      env: { DATABASE_URL: database.url, DRIFTWATCH_PORT: '0' },
    });
    config.scheduler.enabled = false;
    const service = await startService(config, { logger: pino({ level: 'warn' }) });
    try {
      const registered = await fetch(`${service.url}/v1/models/${shape.model}/versions/1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(shape.definition),
      });
      if (registered.status !== 201) throw new Error(`registration answered ${registered.status}`);

      const lines = [...shape.lines(options.records, Date.now() - 60_000)];
      const wireBytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
      const bodies: string[] = [];
      for (let i = 0; i < lines.length; i += options.batch) {
        bodies.push(lines.slice(i, i + options.batch).join('\n') + '\n');
      }
      const started = performance.now();
      const accepted = await ingest(service.url, bodies, options.concurrency);
      const seconds = (performance.now() - started) / 1000;
      if (accepted !== options.records) {
        throw new Error(`${accepted} of ${options.records} records accepted`);
      }
      const sizes = await measure(database.url);
      if (sizes.rows !== options.records) {
        throw new Error(`predictions holds ${sizes.rows} rows, not ${options.records}`);
      }
      return { ...sizes, wireBytes, seconds };
    } finally {
      await service.close();
    }
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '200000' },
      batch: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4' },
      shapes: { type: 'string', default: 'churn,churn-uuid,bench' },
    },
  });
  const options = {
    records: positiveInt('records', values.records),
    batch: positiveInt('batch', values.batch),
    concurrency: positiveInt('concurrency', values.concurrency),
  };
  const shapes = values.shapes.split(',').map((name) => {
    const shape = SHAPES[name];
    if (!shape)
      throw new Error(`--shapes: unknown shape "${name}" (${Object.keys(SHAPES).join(', ')})`);
    return shape;
  });
  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const serverVersion = await withClient(serverUrl, async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  });
  console.log(
    `storage bench: ${fmtInt(options.records)} records per shape, batches of ${options.batch}, ` +
      `${options.concurrency} senders, PostgreSQL ${serverVersion}, ${new Date().toISOString()}`,
  );

  const perRow = (bytes: number, rows: number) => (bytes / rows).toFixed(1);
  const perMillionMiB = (bytes: number, rows: number) => ((bytes / rows) * 1e6) / 2 ** 20;
  console.log(
    '\n| shape | id chars | NDJSON B/rec | predictions heap+TOAST B/row | its index B/row | prediction_keys table B/row | its index B/row | total B/row | MiB per million | tuple B (predictions / keys) | rows/s |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const shape of shapes) {
    const r = await runShape(serverUrl, shape, options);
    const total = r.predictionsTable + r.predictionsIndexes + r.keysTable + r.keysIndexes;
    console.log(
      `| ${shape.name} | ${r.meanRequestIdChars.toFixed(1)} | ${perRow(r.wireBytes, r.rows)} | ` +
        `${perRow(r.predictionsTable, r.rows)} | ${perRow(r.predictionsIndexes, r.rows)} | ` +
        `${perRow(r.keysTable, r.rows)} | ${perRow(r.keysIndexes, r.rows)} | ` +
        `**${perRow(total, r.rows)}** | ${fmtInt(perMillionMiB(total, r.rows))} | ` +
        `${r.predictionsTupleBytes.toFixed(0)} / ${r.keysTupleBytes.toFixed(0)} | ` +
        `${fmtInt(r.rows / r.seconds)} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
