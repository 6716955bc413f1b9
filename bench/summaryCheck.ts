/**
 * Cost of a drift check on the `summaries` path against window size: the
 * window's minute summaries are loaded (SQL), decoded (JSON → sketches),
 * merged and tested against a 100,000-row reference (20 numeric, 5
 * categorical features and the score, bench/checkData.ts), then the whole
 * `DriftCheck.evaluate` is timed as the service runs it.
 *
 * Loading is not what is measured, so the summaries are built with the
 * builder (`buildMinuteSummaries`) and inserted directly — never through the
 * ingest service, which would take minutes per million rows. Ten templates
 * of one minute's partials are built per window shape and stored under every
 * minute of the window in turn: the stored rows, their sizes and the work of
 * the check are those of real minutes (only their coins repeat, which does
 * not change the cost).
 *
 *   npx tsx bench/summaryCheck.ts [--runs 3] [--shapes 1m-24h,10m-24h,…]
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a
 * server where the bench may create and drop a `dw_bench_summaries_<random>`
 * database. Figures are printed, never asserted.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DriftCheck } from '../src/checks/driftCheck.js';
import { MINUTES_PER_READ, MinuteWindows } from '../src/checks/minuteWindow.js';
import { WindowSummaries } from '../src/checks/windowSummaries.js';
import { configSchema, modelCheckSettings } from '../src/config/schema.js';
import { buildReferenceProfile } from '../src/drift/index.js';
import {
  buildMinuteSummaries,
  decodeMinuteSummary,
  encodeMinuteSummary,
  evaluateDriftFromMinuteSummary,
  mergeAllMinuteSummaries,
  mergeMinuteWindow,
  type MinuteSummary,
  type MinuteSummaryRow,
} from '../src/drift/minute/index.js';
import { migrate } from '../src/storage/migrations.js';
import {
  MinuteSummaryStore,
  type MinuteSummaryToWrite,
} from '../src/storage/minuteSummaryStore.js';
import { ModelStore } from '../src/storage/modelStore.js';
import { createPool, withTransaction, type Pool } from '../src/storage/pool.js';
import { ReferenceStore } from '../src/storage/referenceStore.js';
import { SummaryStore } from '../src/storage/summaryStore.js';
import {
  BENCH_MODEL,
  benchColumns,
  CATEGORICAL_FEATURES,
  CATEGORY_VALUES,
  categoryStrings,
  FEATURE_SPECS,
  NUMERIC_FEATURES,
} from './checkData.js';
import { DEFAULT_DATABASE_URL, withBenchDatabase } from './lib/database.js';

const MINUTE_MS = 60_000;
const TEMPLATES = 10;
const END_MS = Date.UTC(2026, 11, 3, 12, 0, 0);

interface Shape {
  /** Version name: one version per window shape. */
  version: string;
  rows: number;
  minutes: number;
  /** Partials per minute: 1 once compacted; one per ingest batch before. */
  partials: number;
}

const SHAPES: Shape[] = [
  { version: '1m-24h', rows: 1_000_000, minutes: 1_440, partials: 1 },
  { version: '10m-24h', rows: 10_000_000, minutes: 1_440, partials: 1 },
  { version: '10m-24h-p7', rows: 10_000_000, minutes: 1_440, partials: 7 },
  { version: '1m-1h', rows: 1_000_000, minutes: 60, partials: 1 },
  { version: '1m-1h-p7', rows: 1_000_000, minutes: 60, partials: 7 },
];

/** One minute's partials, `partials` batches of its rows, as stored JSON. */
function minuteTemplate(shape: Shape, template: number): unknown[] {
  const perMinute = Math.round(shape.rows / shape.minutes);
  const columns = benchColumns(perMinute, 100 + template, true);
  const rows: MinuteSummaryRow[] = [];
  for (let r = 0; r < perMinute; r++) {
    rows.push({
      model: BENCH_MODEL,
      version: shape.version,
      epochMs: END_MS + (r % MINUTE_MS),
      requestId: `t${template}-${r}`,
      numValues: NUMERIC_FEATURES.map((_, f) => columns.numeric[f]![r]!),
      catValues: CATEGORICAL_FEATURES.map(
        (_, c) => CATEGORY_VALUES[c]![columns.categorical[c]![r]!]!,
      ),
      score: columns.score[r]!,
    });
  }
  const layout = { numeric: NUMERIC_FEATURES, categorical: CATEGORICAL_FEATURES };
  const size = Math.ceil(perMinute / shape.partials);
  const out: unknown[] = [];
  for (let i = 0; i < rows.length; i += size) {
    for (const built of buildMinuteSummaries(rows.slice(i, i + size), () => layout)) {
      out.push(encodeMinuteSummary(built.summary));
    }
  }
  return out;
}

async function load(pool: Pool, shape: Shape): Promise<number> {
  const started = performance.now();
  await new ModelStore(pool).upsertVersion({
    model: BENCH_MODEL,
    version: shape.version,
    task: 'binary_classification',
    features: FEATURE_SPECS,
    threshold: 0.5,
    onnx: null,
    source: 'api',
  });
  const templates = Array.from({ length: TEMPLATES }, (_, t) => minuteTemplate(shape, t));
  const store = new MinuteSummaryStore(pool);
  const startMs = END_MS - shape.minutes * MINUTE_MS;
  const perInsert = 200;
  for (let m = 0; m < shape.minutes; m += perInsert) {
    const rows: MinuteSummaryToWrite[] = [];
    for (let i = m; i < Math.min(shape.minutes, m + perInsert); i++) {
      for (const summary of templates[i % TEMPLATES]!) {
        rows.push({
          model: BENCH_MODEL,
          version: shape.version,
          minuteMs: startMs + i * MINUTE_MS,
          summary,
        });
      }
    }
    await withTransaction(pool, (client) => store.insert(client, rows));
  }
  await pool.query('VACUUM ANALYZE minute_summaries');
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, shapes: { type: 'string' } },
  });
  const runs = Number(values.runs);
  // --shapes 1m-24h,1m-1h: only those (default all).
  const chosen = values.shapes?.split(',') ?? SHAPES.map((shape) => shape.version);
  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  await withBenchDatabase(serverUrl, 'dw_bench_summaries_', async (bench) => {
    const pool = createPool({ url: bench.url, max: 4 });
    try {
      await migrate(pool);
      const reference = benchColumns(100_000, 1, false);
      const columns: Record<string, ArrayLike<number | string | null>> = {};
      NUMERIC_FEATURES.forEach((name, f) => (columns[name] = reference.numeric[f]!));
      CATEGORICAL_FEATURES.forEach((name, c) => (columns[name] = categoryStrings(reference, c)));
      const profile = buildReferenceProfile(FEATURE_SPECS, columns, reference.score);
      const settings = modelCheckSettings(configSchema.parse({}), BENCH_MODEL).drift;
      console.log(
        'shape            rows  minutes partials | load s | SQL ms decode ms merge ms test ms | evaluate ms (median of runs)',
      );
      for (const shape of SHAPES.filter((one) => chosen.includes(one.version))) {
        const loadMs = await load(pool, shape);
        const references = new ReferenceStore(pool);
        await references.replace(BENCH_MODEL, shape.version, profile);
        const store = new MinuteSummaryStore(pool);
        const check = new DriftCheck(
          pool,
          references,
          new WindowSummaries(pool, new SummaryStore(pool), references),
          new MinuteWindows(store),
        );
        const version = {
          model: BENCH_MODEL,
          version: shape.version,
          task: 'binary_classification' as const,
          features: FEATURE_SPECS,
          threshold: 0.5,
          onnx: null,
          revision: 1,
        };
        const window = { startMs: END_MS - shape.minutes * MINUTE_MS, endMs: END_MS };
        const phases = { sql: [] as number[], decode: [] as number[], merge: [] as number[] };
        const test: number[] = [];
        const total: number[] = [];
        for (let run = 0; run < runs; run++) {
          // The phases as MinuteWindows runs them, chunk by chunk.
          let merged: MinuteSummary | null = null;
          let sql = 0;
          let decode = 0;
          let merge = 0;
          const step = MINUTES_PER_READ * MINUTE_MS;
          for (let chunkMs = window.startMs; chunkMs < window.endMs; chunkMs += step) {
            let at = performance.now();
            const stored = await store.load(BENCH_MODEL, shape.version, chunkMs, chunkMs + step);
            sql += performance.now() - at;
            at = performance.now();
            const decoded = stored.map((s) => ({
              minuteMs: s.minuteMs,
              summary: decodeMinuteSummary(s.summary),
            }));
            decode += performance.now() - at;
            at = performance.now();
            const chunk = mergeMinuteWindow(decoded).summary!;
            merged = merged === null ? chunk : mergeAllMinuteSummaries([merged, chunk]);
            merge += performance.now() - at;
          }
          phases.sql.push(sql);
          phases.decode.push(decode);
          phases.merge.push(merge);
          let t = performance.now();
          evaluateDriftFromMinuteSummary({ reference: profile, summary: merged });
          test.push(performance.now() - t);
          t = performance.now();
          const outcome = await check.evaluate(version as never, settings, window);
          total.push(performance.now() - t);
          if (outcome.path !== 'summaries' || Math.abs(outcome.rows - shape.rows) > shape.minutes) {
            throw new Error(`unexpected outcome ${outcome.path} ${outcome.rows}`);
          }
        }
        console.log(
          `${shape.version.padEnd(12)} ${String(shape.rows).padStart(9)} ${String(shape.minutes).padStart(7)} ${String(shape.partials).padStart(8)} | ${(loadMs / 1000).toFixed(1).padStart(6)} | ${median(phases.sql).toFixed(0).padStart(6)} ${median(phases.decode).toFixed(0).padStart(9)} ${median(phases.merge).toFixed(0).padStart(8)} ${median(test).toFixed(0).padStart(7)} | ${median(total).toFixed(0).padStart(11)}`,
        );
      }
    } finally {
      await pool.end();
    }
  });
}

await main();
