/**
 * Serving-parity benchmark (issue 4): a parity check of model `demo-churn`
 * version 1 over 100,000 logged predictions in PostgreSQL, run by the
 * driftwatch service end to end —
 * `POST /v1/models/demo-churn/checks/parity/run?version=1`: count and read
 * the window, rebuild the model inputs, re-score them with the registered
 * ONNX artifact, compare with the logged scores, persist the run — against
 * the baseline of `session.run` alone (onnxruntime-node, one intra-op thread
 * as the service's default) on a prebuilt float32 tensor of the same rows,
 * measured in the same run on the same machine. The ratio of the two is the
 * cost of reading, assembling and comparing. Then the phases of a check,
 * timed one by one in this process with the src modules the service uses,
 * and the article's `OptimizedModelWrapper.benchmark` (batch latency and
 * predictions/s of `session.run` on 1,000 rows, 100 iterations after 10
 * warm-up runs) for both demo versions.
 *
 *   npm run build && npx tsx bench/shadow.ts [--rows 100000] [--runs 5]
 *     [--repeats 5] [--seed 1] [--samples 1000] [--iterations 100] [--warmup 10]
 *
 * The logged scores are the TypeScript model's (`predictLogistic` of
 * scripts/trainLogistic.ts with the parameters `buildDemoModels()` fits), so
 * they differ from onnxruntime's by float32 rounding only and every row
 * must match: the run fails unless `rowsChecked` equals --rows and there are
 * no mismatches. DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 * names a server where the bench may create and drop a
 * `dw_bench_shadow_<random>` database; a superuser role also gets the
 * "PostgreSQL alone" phase (COPY … TO '/dev/null'). Needs Linux /proc and a
 * built dist/. Targets are printed, never asserted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { pino } from 'pino';
import { ParityCheck, sampleWindow } from '../src/checks/parityCheck.js';
import { configSchema, modelCheckSettings } from '../src/config/schema.js';
import { featureLayout } from '../src/core/featureLayout.js';
import type { InputColumnSpec, StoredModelVersion } from '../src/core/model.js';
import { ModelRegistry } from '../src/registry/modelRegistry.js';
import {
  compareScores,
  DEFAULT_SCORE_BATCH_SIZE,
  prepareRows,
  SessionCache,
  type LoadedModel,
} from '../src/scoring/index.js';
import { createRandom } from '../src/stats/index.js';
import { BinaryTupleWriter } from '../src/storage/binaryCopyWriter.js';
import { migrate } from '../src/storage/migrations.js';
import { ModelStore } from '../src/storage/modelStore.js';
import { dayOf, PartitionManager } from '../src/storage/partitions.js';
import { createPool, type Pool } from '../src/storage/pool.js';
import { PREDICTION_COLUMNS } from '../src/storage/predictionRow.js';
import { RunStore } from '../src/storage/runStore.js';
import {
  countWindow,
  readWindow,
  type WindowQuery,
  type WindowRowSink,
} from '../src/storage/windowReader.js';
import { buildDemoModels, DEMO_MODEL, REPOSITORY_MODELS_DIR } from '../scripts/buildModels.js';
import {
  columnCount,
  DEMO_FEATURES,
  demoRows,
  featureMatrix,
  type DemoRow,
} from '../scripts/demoData.js';
import { LOGISTIC_COLUMNS, predictLogistic } from '../scripts/trainLogistic.js';
import { TREE_COLUMNS } from '../scripts/trainTrees.js';
import {
  bestOf,
  copyIn,
  cpuGrowth,
  DEFAULT_DATABASE_URL,
  fmtInt,
  machineCpu,
  positiveInt,
  postgresCpuSeconds,
  processCpuSeconds,
  rssMiB,
  startService,
  stopService,
  withBenchDatabase,
  type RunningService,
  type Timed,
} from './lib/index.js';

const VERSION = '1';
const TARGET_SECONDS = 2;
const TARGET_RATIO = 5;
const MINUTE_MS = 60_000;
/** The service's default (config `scoring.intraOpThreads`). */
const SERVICE_THREADS = 1;
const KEY_COLUMNS = ['model', 'request_id', 'ts'] as const;

// ---------------------------------------------------------------- options

interface Options {
  rows: number;
  runs: number;
  repeats: number;
  seed: number;
  spreadMinutes: number;
  samples: number;
  iterations: number;
  warmup: number;
  databaseUrl: string;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: process.env.BENCH_ROWS ?? '100000' },
      runs: { type: 'string', default: process.env.BENCH_RUNS ?? '5' },
      repeats: { type: 'string', default: '5' },
      seed: { type: 'string', default: process.env.BENCH_SEED ?? '1' },
      'spread-minutes': { type: 'string', default: '45' },
      samples: { type: 'string', default: '1000' },
      iterations: { type: 'string', default: '100' },
      warmup: { type: 'string', default: '10' },
    },
  });
  const spreadMinutes = positiveInt('spread-minutes', values['spread-minutes']);
  if (spreadMinutes > 50) throw new Error('--spread-minutes must stay well inside the 1 h window');
  return {
    rows: positiveInt('rows', values.rows),
    runs: positiveInt('runs', values.runs, true),
    repeats: positiveInt('repeats', values.repeats),
    seed: positiveInt('seed', values.seed),
    spreadMinutes,
    samples: positiveInt('samples', values.samples),
    iterations: positiveInt('iterations', values.iterations),
    warmup: positiveInt('warmup', values.warmup, true),
    databaseUrl: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  };
}

const fmt = (value: number, digits = 2): string => value.toFixed(digits);
const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

// ---------------------------------------------------------------- the data

interface DemoWindow {
  rows: DemoRow[];
  /** featureMatrix(rows, LOGISTIC_COLUMNS): version 1's input tensor, row-major. */
  matrix: Float32Array;
  width: number;
  /** The TypeScript model's scores: what the serving pod logged. */
  logged: Float64Array;
  requestIds: string[];
}

/**
 * The window's rows and their logged scores, after checking that the
 * committed models/ holds what `buildDemoModels()` builds (else the logged
 * scores would come from another model than the one the service loads).
 */
async function demoWindow(options: Options): Promise<DemoWindow> {
  const build = await buildDemoModels();
  for (const [file, bytes] of build.files) {
    if (!file.endsWith('.onnx')) continue;
    const committed = readFileSync(path.join(REPOSITORY_MODELS_DIR, file));
    if (!committed.equals(Buffer.from(bytes))) {
      throw new Error(`models/${file} differs from a fresh build: run npm run models:build`);
    }
  }
  const rows = demoRows(options.rows, options.seed);
  const matrix = featureMatrix(rows, LOGISTIC_COLUMNS);
  const logged = predictLogistic(build.logistic, matrix);
  const requestIds = rows.map((_, i) => `shadow-${i.toString(36).padStart(6, '0')}`);
  return { rows, matrix, width: columnCount(LOGISTIC_COLUMNS), logged, requestIds };
}

/** Binary COPY chunks of the window for `predictions (PREDICTION_COLUMNS)` and `prediction_keys`. */
function* windowCopyChunks(
  window: DemoWindow,
  endMs: number,
  spreadMs: number,
  chunkRows = 20_000,
): Generator<{ predictions: Buffer; keys: Buffer }> {
  const layout = featureLayout(DEMO_FEATURES);
  const rows = new BinaryTupleWriter(chunkRows * 200);
  const keys = new BinaryTupleWriter(chunkRows * 48);
  const numeric: number[] = new Array<number>(layout.numeric.length).fill(0);
  const categorical: string[] = new Array<string>(layout.categorical.length).fill('');
  const n = window.rows.length;
  for (let i = 0; i < n; i++) {
    const row = window.rows[i]! as unknown as Record<string, number | string>;
    layout.numeric.forEach((name, slot) => (numeric[slot] = row[name] as number));
    layout.categorical.forEach((name, slot) => (categorical[slot] = row[name] as string));
    const id = window.requestIds[i]!;
    // In arrival order, evenly over [endMs − spreadMs, endMs), as a serving log writes them.
    const ts = Math.floor(endMs - spreadMs + ((i + 0.5) * spreadMs) / n);
    const score = window.logged[i]!;
    rows
      .begin(PREDICTION_COLUMNS.length)
      .text(DEMO_MODEL)
      .text(VERSION)
      .text(id)
      .timestamptz(ts)
      .float8Array(numeric)
      .textArray(categorical)
      .int4(0) // missing_count
      .float8(score)
      .text(score >= 0.5 ? '1' : '0')
      .float8(2 + (i % 50) / 10)
      .text('success')
      .null(); // traceparent
    keys.begin(KEY_COLUMNS.length).text(DEMO_MODEL).text(id).timestamptz(ts);
    if ((i + 1) % chunkRows === 0 || i + 1 === n) {
      yield { predictions: rows.take(), keys: keys.take() };
    }
  }
}

/**
 * Loads the bench database directly (not measured): migrations, daily
 * partitions, binary COPY of the window into `predictions` and
 * `prediction_keys`, VACUUM ANALYZE and a CHECKPOINT. The model versions are
 * registered by the service itself from models/ at start-up.
 */
async function loadDatabase(pool: Pool, window: DemoWindow, endMs: number, spreadMs: number) {
  const started = performance.now();
  await migrate(pool);
  const partitions = new PartitionManager(pool);
  await partitions.refresh();
  const days: number[] = [];
  for (let day = dayOf(endMs - spreadMs); day <= dayOf(endMs) + 1; day++) days.push(day);
  await partitions.ensureDays(days);
  const keyChunks: Buffer[] = [];
  const rowChunks = (function* () {
    for (const chunk of windowCopyChunks(window, endMs, spreadMs)) {
      keyChunks.push(chunk.keys);
      yield chunk.predictions;
    }
  })();
  await copyIn(pool, 'predictions', PREDICTION_COLUMNS, rowChunks);
  await copyIn(pool, 'prediction_keys', KEY_COLUMNS, keyChunks);
  await pool.query('VACUUM ANALYZE predictions');
  await pool.query('VACUUM ANALYZE prediction_keys');
  await pool.query('CHECKPOINT');
  return { seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------- the service

/**
 * The service's configuration: the repository's model manifests, the parity
 * sample raised to the whole window, no scheduler (a scheduled check must not
 * run during a timed one). JSON is YAML.
 */
function serviceConfig(rows: number) {
  return {
    models: {
      directory: 'models',
      settings: { [DEMO_MODEL]: { checks: { parity: { sampleSize: rows } } } },
    },
    scheduler: { enabled: false },
  };
}

interface ParitySummary {
  sampledRows?: number;
  rowsChecked?: number;
  mismatches?: number;
  maxAbsDiff?: number | null;
  unscorableRows?: number;
}

interface RunView {
  status: string;
  rows: number | null;
  duration_ms: number;
  error: string | null;
  summary: ParitySummary;
}

interface HttpRun {
  label: string;
  wallMs: number;
  view: RunView;
  cpu: { service: number; postgres: number; others: number };
}

async function runParityOverHttp(
  service: RunningService,
  database: string,
  label: string,
): Promise<HttpRun> {
  const before = {
    machine: machineCpu().busySeconds,
    postgres: postgresCpuSeconds(database),
    service: processCpuSeconds(service.pid) ?? 0,
  };
  const started = performance.now();
  const response = await fetch(
    `${service.url}/v1/models/${DEMO_MODEL}/checks/parity/run?version=${VERSION}`,
    { method: 'POST' },
  );
  const text = await response.text();
  const wallMs = performance.now() - started;
  if (!response.ok) throw new Error(`parity run failed: ${response.status} ${text}`);
  const postgres = cpuGrowth(before.postgres, postgresCpuSeconds(database));
  const serviceCpu = (processCpuSeconds(service.pid) ?? 0) - before.service;
  const busy = machineCpu().busySeconds - before.machine;
  const view = (JSON.parse(text) as { runs: RunView[] }).runs[0];
  if (!view) throw new Error(`parity run returned no run: ${text}`);
  return {
    label,
    wallMs,
    view,
    cpu: { service: serviceCpu, postgres, others: Math.max(0, busy - serviceCpu - postgres) },
  };
}

interface ServiceResult {
  runs: HttpRun[];
  idleRssMiB: number;
  peakRssMiB: number;
}

async function measureService(
  benchUrl: string,
  database: string,
  configFile: string,
  warmRuns: number,
): Promise<ServiceResult> {
  const service = await startService(benchUrl, configFile);
  try {
    const idleRssMiB = rssMiB(service.pid, 'VmHWM');
    const runs: HttpRun[] = [];
    for (let i = 0; i <= warmRuns; i++) {
      runs.push(await runParityOverHttp(service, database, i === 0 ? 'cold' : `warm ${i}`));
    }
    return { runs, idleRssMiB, peakRssMiB: rssMiB(service.pid, 'VmHWM') };
  } finally {
    await stopService(service);
  }
}

// ---------------------------------------------------------------- bare session.run

interface BareRun {
  whole: Timed<Float32Array>;
  batched: Timed<number>;
  batchSize: number;
  /** Largest |logged − onnxruntime| and mismatches at the check's tolerance (sanity). */
  maxAbsDiff: number;
  mismatches: number;
}

/** The score column of a [rows, 2] probabilities output. */
function positiveClass(output: Tensor): Float32Array {
  const data = output.data as Float32Array;
  const scores = new Float32Array(data.length / 2);
  for (let i = 0; i < scores.length; i++) scores[i] = data[2 * i + 1]!;
  return scores;
}

function onlyOutput(results: InferenceSession.OnnxValueMapType): Tensor {
  const values = Object.values(results);
  if (values.length !== 1) throw new Error(`expected one output, got ${values.length}`);
  return values[0]!;
}

/**
 * `session.run` alone on a prebuilt tensor of the window's rows: one call on
 * the whole tensor, and the rows in batches of the service's batch size
 * (tensors built before timing). Same options as the service's sessions.
 */
async function timeBareSession(
  window: DemoWindow,
  repeats: number,
  batchSize: number,
): Promise<BareRun> {
  const bytes = readFileSync(path.join(REPOSITORY_MODELS_DIR, DEMO_MODEL, VERSION, 'model.onnx'));
  const session = await InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: SERVICE_THREADS,
  });
  try {
    const input = session.inputNames[0]!;
    const output = session.outputNames[0]!;
    const n = window.rows.length;
    const whole = new Tensor('float32', window.matrix, [n, window.width]);
    const batches: Tensor[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      batches.push(
        new Tensor('float32', window.matrix.subarray(start * window.width, end * window.width), [
          end - start,
          window.width,
        ]),
      );
    }
    await session.run({ [input]: whole }, [output]); // warm-up
    const wholeRun = await bestOf(repeats, async () =>
      positiveClass(onlyOutput(await session.run({ [input]: whole }, [output]))),
    );
    const batchedRun = await bestOf(repeats, async () => {
      let rows = 0;
      for (const batch of batches) {
        const result = onlyOutput(await session.run({ [input]: batch }, [output]));
        rows += result.dims[0] ?? 0;
      }
      return rows;
    });
    const comparison = compareScores({
      requestIds: window.requestIds,
      logged: window.logged,
      recomputed: wholeRun.result,
    });
    return {
      whole: wholeRun,
      batched: batchedRun,
      batchSize,
      maxAbsDiff: comparison.maxAbsDiff ?? Number.NaN,
      mismatches: comparison.mismatches,
    };
  } finally {
    await session.release();
  }
}

/**
 * For scale: one `session.run` of version 2 (boosted trees) on the same rows
 * as its own tensor — what the ratio would be measured against for a model
 * that costs more per row than a logistic regression.
 */
async function timeBareTrees(window: DemoWindow, repeats: number): Promise<Timed<number>> {
  const bytes = readFileSync(path.join(REPOSITORY_MODELS_DIR, DEMO_MODEL, '2', 'model.onnx'));
  const session = await InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: SERVICE_THREADS,
  });
  try {
    const width = columnCount(TREE_COLUMNS);
    const tensor = new Tensor('float32', featureMatrix(window.rows, TREE_COLUMNS), [
      window.rows.length,
      width,
    ]);
    const feeds = { [session.inputNames[0]!]: tensor };
    const fetches = [session.outputNames[0]!];
    await session.run(feeds, fetches); // warm-up
    return await bestOf(repeats, async () => {
      const result = onlyOutput(await session.run(feeds, fetches));
      return result.dims[0] ?? 0;
    });
  } finally {
    await session.release();
  }
}

// ---------------------------------------------------------------- phases in-process

class NoopSink implements WindowRowSink {
  rows = 0;
  numeric(): void {}
  categorical(): void {}
  score(): void {}
  requestId(): void {}
  endRow(): void {
    this.rows += 1;
  }
}

interface Phase {
  name: string;
  timed: Timed<unknown> | null;
  note?: string;
}

/**
 * The phases of a parity check, timed one by one (best of `repeats`) in this
 * process with the service's own modules and settings, on the same window.
 */
async function timePhases(
  benchUrl: string,
  configInput: unknown,
  repeats: number,
): Promise<Phase[]> {
  const pool = createPool({ url: benchUrl, max: 4, applicationName: 'driftwatch-bench-phases' });
  const logger = pino({ level: 'silent' });
  const config = configSchema.parse(configInput);
  const sessions = new SessionCache({
    modelsDir: REPOSITORY_MODELS_DIR,
    intraOpThreads: config.scoring.intraOpThreads,
    batchSize: config.scoring.batchSize,
    logger,
  });
  try {
    const store = new ModelStore(pool);
    const version: StoredModelVersion | null = await store.getVersion(DEMO_MODEL, VERSION);
    if (!version?.onnx) throw new Error(`the service did not register ${DEMO_MODEL}/${VERSION}`);
    const settings = modelCheckSettings(config, DEMO_MODEL);
    const parity = settings.parity;
    const endMs = Date.now();
    const window = { startMs: endMs - parity.windowSeconds * 1000, endMs };
    const layout = featureLayout(version.features);
    const query: WindowQuery = {
      model: DEMO_MODEL,
      version: VERSION,
      ...window,
      numeric: layout.numeric.length > 0,
      categorical: layout.categorical.length > 0,
      score: true,
      requestId: true,
    };
    const phases: Phase[] = [];

    const loadTimed = await bestOf(1, () => sessions.get(DEMO_MODEL, VERSION, version.onnx!));
    const loaded: LoadedModel = loadTimed.result;
    phases.push({
      name: 'SessionCache.get, first call (read, sha256, create)',
      timed: loadTimed,
      note: 'cold runs only',
    });
    phases.push({
      name: 'countWindow (index-only count)',
      timed: await bestOf(repeats, () => countWindow(pool, query)),
    });
    const copySql =
      `COPY (SELECT num_values, cat_values, score, request_id FROM predictions WHERE model = '${DEMO_MODEL}' ` +
      `AND model_version = '${VERSION}' AND ts >= '${new Date(window.startMs).toISOString()}'::timestamptz ` +
      `AND ts < '${new Date(window.endMs).toISOString()}'::timestamptz) TO '/dev/null' (FORMAT binary)`;
    try {
      phases.push({
        name: "PostgreSQL alone: same COPY … TO '/dev/null'",
        timed: await bestOf(repeats, () => pool.query(copySql)),
        note: 'server-side scan + binary output, no transfer; wall only',
      });
    } catch (error) {
      phases.push({
        name: "PostgreSQL alone: same COPY … TO '/dev/null'",
        timed: null,
        note: `skipped (${error instanceof Error ? error.message : String(error)})`,
      });
    }
    phases.push({
      name: 'readWindow → no-op sink (binary COPY read + decode)',
      timed: await bestOf(repeats, async () => {
        const sink = new NoopSink();
        await readWindow(pool, query, sink);
        return sink.rows;
      }),
    });
    phases.push({
      name: '  same, without request_id',
      timed: await bestOf(repeats, async () => {
        const sink = new NoopSink();
        await readWindow(pool, { ...query, requestId: false }, sink);
        return sink.rows;
      }),
      note: 'what reading the ids costs',
    });
    const sampled = await bestOf(repeats, () =>
      sampleWindow(pool, version, window, parity.sampleSize),
    );
    phases.push({
      name: 'sampleWindow (count + read → WindowColumns)',
      timed: sampled,
      note: `${fmtInt(sampled.result.columns.rows)} rows`,
    });
    const sample = sampled.result;
    const prepared = await bestOf(repeats, () =>
      prepareRows(loaded.planInputs(version.features), sample.rows),
    );
    phases.push({
      name: 'planInputs + prepareRows (check rows, look up categories)',
      timed: prepared,
    });
    const inputs = prepared.result;
    const input = inputs.plan.inputs[0]!;
    const batchSize = config.scoring.batchSize;
    phases.push({
      name: `  fillFloat alone, ${fmtInt(batchSize)}-row batches into one buffer`,
      timed: await bestOf(repeats, () => {
        const buffer = new Float32Array(batchSize * input.width);
        for (let start = 0; start < inputs.scorableRows; start += batchSize) {
          inputs.fillFloat(0, start, Math.min(inputs.scorableRows, start + batchSize), buffer);
        }
        return buffer;
      }),
      note: 'part of score below',
    });
    const scored = await bestOf(repeats, () => loaded.score(inputs));
    phases.push({
      name: `LoadedModel.score (fill + session.run per ${fmtInt(batchSize)} rows + copy)`,
      timed: scored,
    });
    const compared = await bestOf(repeats, () =>
      compareScores({
        requestIds: sample.columns.ids,
        logged: sample.columns.scores,
        recomputed: scored.result,
        rowIndex: inputs.rowIndex,
        atol: parity.atol,
        rtol: parity.rtol,
      }),
    );
    phases.push({
      name: 'compareScores',
      timed: compared,
      note: `${fmtInt(compared.result.rowsChecked)} checked, ${fmtInt(compared.result.mismatches)} mismatches`,
    });
    const check = new ParityCheck(pool, sessions, new ModelRegistry(store, logger));
    const whole = await bestOf(repeats, () => check.run(version, settings, window));
    phases.push({
      name: 'ParityCheck.run, whole (all of the above, warm session)',
      timed: whole,
      note: `status ${whole.result.status}`,
    });
    const runs = new RunStore(pool);
    phases.push({
      name: 'persist the run (RunStore.insert, 3 results)',
      timed: await bestOf(repeats, () =>
        runs.insert({
          model: DEMO_MODEL,
          version: VERSION,
          kind: 'parity',
          trigger: 'manual',
          windowStart: new Date(window.startMs),
          windowEnd: new Date(window.endMs),
          startedAt: new Date(window.endMs),
          finishedAt: new Date(),
          error: null,
          ...whole.result,
        }),
      ),
    });
    return phases;
  } finally {
    await sessions.close();
    await pool.end();
  }
}

// ---------------------------------------------------------------- the article's benchmark

interface ArticleResult {
  version: string;
  input: string;
  threads: number;
  /** One figure per repetition of the benchmark, in run order. */
  avgLatencyMs: number[];
  throughputPerSec: number[];
}

/**
 * `OptimizedModelWrapper.benchmark` of the article (section 3), on a session
 * created as its `__init__` does: `warmup` predictions of the batch, then
 * `iterations` timed ones; average latency per batch and predictions per
 * second. Its `predict` feeds the graph's first input and fetches the first
 * output, as here (its `np.array(X, dtype=np.float32)` copy of 1,000 × 11
 * floats is left out).
 */
async function articleBenchmark(
  session: InferenceSession,
  batch: Float32Array,
  width: number,
  options: Options,
): Promise<{ avgLatencyMs: number; throughputPerSec: number }> {
  const input = session.inputNames[0]!;
  const output = session.outputNames[0]!;
  const rows = batch.length / width;
  const predict = () =>
    session.run({ [input]: new Tensor('float32', batch, [rows, width]) }, [output]);
  for (let i = 0; i < options.warmup; i++) await predict();
  const started = performance.now();
  for (let i = 0; i < options.iterations; i++) await predict();
  const totalSeconds = (performance.now() - started) / 1000;
  return {
    avgLatencyMs: (totalSeconds / options.iterations) * 1000,
    throughputPerSec: (rows * options.iterations) / totalSeconds,
  };
}

/**
 * The article's benchmark for both demo versions, on its standard-normal
 * input and on realistic demo rows, with 1 and 2 intra-op threads (the
 * article uses 4); each configuration `repeats` times, since one benchmark
 * lasts well under a second and a shared machine disturbs it.
 */
async function runArticleBenchmarks(options: Options): Promise<ArticleResult[]> {
  const versions: { version: string; columns: InputColumnSpec[] }[] = [
    { version: '1', columns: LOGISTIC_COLUMNS },
    { version: '2', columns: TREE_COLUMNS },
  ];
  const results: ArticleResult[] = [];
  for (const { version, columns } of versions) {
    const bytes = readFileSync(path.join(REPOSITORY_MODELS_DIR, DEMO_MODEL, version, 'model.onnx'));
    const width = columnCount(columns);
    // np.random.randn(n_samples, feature_dim).astype(np.float32), seeded.
    const random = createRandom(options.seed + 100);
    const normal = new Float32Array(options.samples * width);
    for (let i = 0; i < normal.length; i++) normal[i] = random.normal();
    const realistic = featureMatrix(demoRows(options.samples, options.seed + 200), columns);
    for (const threads of [1, 2]) {
      const session = await InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        executionProviders: ['cpu'],
      });
      try {
        for (const [input, batch] of [
          ['standard normal', normal],
          ['demo rows', realistic],
        ] as const) {
          const result: ArticleResult = {
            version,
            input,
            threads,
            avgLatencyMs: [],
            throughputPerSec: [],
          };
          for (let r = 0; r < options.repeats; r++) {
            const run = await articleBenchmark(session, batch, width, options);
            result.avgLatencyMs.push(run.avgLatencyMs);
            result.throughputPerSec.push(run.throughputPerSec);
          }
          results.push(result);
        }
      } finally {
        await session.release();
      }
    }
  }
  return results;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------- report

function printRun(run: HttpRun, bareMs: number): void {
  const v = run.view;
  console.log(
    `  ${run.label.padEnd(7)} ${ms(run.wallMs).padStart(10)}  ${fmtInt((v.summary.rowsChecked ?? 0) / (run.wallMs / 1000)).padStart(9)} rows/s  ` +
      `ratio ${fmt(run.wallMs / bareMs, 1).padStart(5)}×  run ${fmtInt(v.duration_ms)} ms  status ${v.status}  ` +
      `checked ${fmtInt(v.summary.rowsChecked ?? 0)}, mismatches ${fmtInt(v.summary.mismatches ?? -1)}, max |Δ| ${(v.summary.maxAbsDiff ?? Number.NaN).toExponential(1)}  ` +
      `CPU: service ${fmt(run.cpu.service)} s, postgres ${fmt(run.cpu.postgres)} s, others ${fmt(run.cpu.others)} s`,
  );
}

function runProblems(run: HttpRun, rows: number): string[] {
  const problems: string[] = [];
  const s = run.view.summary;
  if (run.view.status !== 'ok')
    problems.push(`status ${run.view.status}${run.view.error ? ` (${run.view.error})` : ''}`);
  if (s.rowsChecked !== rows) problems.push(`rowsChecked ${String(s.rowsChecked)} ≠ ${rows}`);
  if (s.mismatches !== 0) problems.push(`mismatches ${String(s.mismatches)} ≠ 0`);
  return problems;
}

async function main(): Promise<void> {
  const options = readOptions();
  const configInput = serviceConfig(options.rows);
  const window = await demoWindow(options);
  let failed = false;

  await withBenchDatabase(options.databaseUrl, 'dw_bench_shadow_', async (bench) => {
    console.log(
      `driftwatch serving-parity benchmark — database ${bench.name}, ${fmtInt(options.rows)} predictions of ${DEMO_MODEL} version ${VERSION} over the last ${options.spreadMinutes} min`,
    );
    const endMs = Date.now();
    const loadPool = createPool({
      url: bench.url,
      max: 2,
      applicationName: 'driftwatch-bench-load',
    });
    let loadSeconds: number;
    try {
      ({ seconds: loadSeconds } = await loadDatabase(
        loadPool,
        window,
        endMs,
        options.spreadMinutes * MINUTE_MS,
      ));
    } finally {
      await loadPool.end();
    }
    console.log(`loaded in ${fmt(loadSeconds, 1)} s (not measured)`);

    // 1. Baseline: session.run alone, in this process.
    const bare = await timeBareSession(window, options.repeats, DEFAULT_SCORE_BATCH_SIZE);

    // 2. driftwatch end to end, in its own process.
    const configFile = path.join(bench.dir, 'service.yaml');
    writeFileSync(configFile, `${JSON.stringify(configInput, null, 2)}\n`);
    const service = await measureService(bench.url, bench.name, configFile, options.runs);

    // 3. Where the time goes, and the baseline once more (the machine is shared).
    const phases = await timePhases(bench.url, configInput, options.repeats);
    const bareAfter = await timeBareSession(window, options.repeats, DEFAULT_SCORE_BATCH_SIZE);
    const trees = await timeBareTrees(window, options.repeats);

    // 4. The article's benchmark.
    const article = await runArticleBenchmarks(options);

    // ------------------------------------------------------------ print
    const bareWholeMs = Math.min(bare.whole.ms, bareAfter.whole.ms);
    const bareBatchedMs = Math.min(bare.batched.ms, bareAfter.batched.ms);
    console.log('');
    console.log(
      `bare session.run (onnxruntime-node, intraOpNumThreads ${SERVICE_THREADS}), ${fmtInt(options.rows)} × ${window.width} float32 prebuilt, best of ${options.repeats} (before / after the service runs):`,
    );
    console.log(
      `  one call, whole tensor        ${ms(bare.whole.ms)} / ${ms(bareAfter.whole.ms)}  (median ${ms(bare.whole.medianMs)} / ${ms(bareAfter.whole.medianMs)})  → ${fmtInt(options.rows / (bareWholeMs / 1000))} rows/s`,
    );
    console.log(
      `  ${fmtInt(bare.batchSize)}-row batches (${Math.ceil(options.rows / bare.batchSize)} calls)  ${ms(bare.batched.ms)} / ${ms(bareAfter.batched.ms)}  (median ${ms(bare.batched.medianMs)} / ${ms(bareAfter.batched.medianMs)})  → ${fmtInt(options.rows / (bareBatchedMs / 1000))} rows/s`,
    );
    console.log(
      `  for scale, version 2 (${TREE_COLUMNS.length} columns, boosted trees), one call  ${ms(trees.ms)} (median ${ms(trees.medianMs)})  → ${fmtInt(options.rows / (trees.ms / 1000))} rows/s`,
    );
    console.log(
      `  onnxruntime vs the logged TypeScript scores: max |Δ| ${bare.maxAbsDiff.toExponential(2)}, ${bare.mismatches} mismatches at the check's tolerance`,
    );

    console.log('');
    console.log(
      `driftwatch — POST /v1/models/${DEMO_MODEL}/checks/parity/run?version=${VERSION} (end to end: count, read, assemble, score, compare, persist; ratio to the bare whole-tensor run):`,
    );
    for (const run of service.runs) printRun(run, bareWholeMs);
    console.log(
      `  service peak RSS ${fmt(service.peakRssMiB, 0)} MiB (VmHWM; ${fmt(service.idleRssMiB, 0)} MiB after start-up); bench process ${fmt(rssMiB(process.pid, 'VmHWM'), 0)} MiB`,
    );
    for (const run of service.runs) {
      const problems = runProblems(run, options.rows);
      if (problems.length > 0) {
        failed = true;
        console.log(`  FAILED: ${run.label}: ${problems.join('; ')}`);
      }
    }

    const cold = service.runs[0]!;
    const warm = service.runs.slice(1).reduce((a, b) => (b.wallMs < a.wallMs ? b : a), cold);
    const ratio = warm.wallMs / bareWholeMs;
    console.log('');
    console.log(`targets (best warm run ${ms(warm.wallMs)}, cold ${ms(cold.wallMs)}):`);
    console.log(
      `  whole check on ${fmtInt(options.rows)} rows < ${TARGET_SECONDS} s: ${warm.wallMs < TARGET_SECONDS * 1000 ? 'met' : 'NOT met'} (${fmtInt(options.rows / (warm.wallMs / 1000))} rows/s; cold: ${cold.wallMs < TARGET_SECONDS * 1000 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  overhead < ${TARGET_RATIO}× bare session.run: ${ratio < TARGET_RATIO ? 'met' : 'NOT met'} — ${fmt(ratio, 1)}× the whole-tensor run (${ms(bareWholeMs)}), ${fmt(warm.wallMs / bareBatchedMs, 1)}× the batched runs (${ms(bareBatchedMs)}); overhead ${ms(warm.wallMs - bareBatchedMs)} beyond inference`,
    );

    console.log(
      `\nwhere the time goes (in-process, best of ${options.repeats}; wall, and this process's CPU):`,
    );
    for (const phase of phases) {
      const wall = phase.timed ? ms(phase.timed.ms) : 'n/a';
      const cpu =
        phase.timed && !phase.name.startsWith('PostgreSQL') ? `cpu ${ms(phase.timed.cpuMs)}` : '';
      console.log(
        `  ${phase.name.padEnd(66)} ${wall.padStart(10)}  ${cpu.padEnd(14)}${phase.note ? ` ${phase.note}` : ''}`,
      );
    }

    console.log(
      `\nthe article's OptimizedModelWrapper.benchmark (n_samples ${options.samples}, n_iterations ${options.iterations}, ${options.warmup} warm-up runs; ORT_ENABLE_ALL, CPU provider):`,
    );
    console.log(
      `  ${'version'.padEnd(8)} ${'input'.padEnd(16)} ${'threads'.padStart(7)} ${'avg latency / batch'.padStart(20)} ${'predictions/s'.padStart(14)}   (median of ${options.repeats}; best)`,
    );
    for (const r of article) {
      console.log(
        `  ${r.version.padEnd(8)} ${r.input.padEnd(16)} ${String(r.threads).padStart(7)} ${ms(median(r.avgLatencyMs)).padStart(20)} ${fmtInt(median(r.throughputPerSec)).padStart(14)}   (best ${ms(Math.min(...r.avgLatencyMs))}, ${fmtInt(Math.max(...r.throughputPerSec))}/s)`,
      );
    }
  });
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(
    `bench:shadow failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
