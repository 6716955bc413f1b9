/**
 * Drift-check benchmark (issue 3): a drift check of a 1,000,000-prediction
 * window (20 numeric, 5 categorical features and a score, in PostgreSQL)
 * against a 100,000-row reference, run by the driftwatch service end to end —
 * `POST /v1/models/bench/checks/drift/run?version=1&window=1h`: read the
 * window, test, persist the run — against the article's `DriftDetector` loop
 * (`scipy.stats.ks_2samp` over the 20 numeric columns of in-memory numpy
 * arrays) on the same values, in the same run on the same machine.
 *
 *   npm run build && npx tsx bench/check.ts [--rows 1000000]
 *     [--reference-rows 100000] [--runs 3] [--seed 1] [--phase-repeats 2]
 *
 * Both of driftwatch's paths are measured, each in its own service process
 * (so that each has its own peak RSS): the default configuration (exactLimit
 * 200,000, so 1M rows take the approximate path of hourly summaries) and one
 * with exactLimit above the window (the exact path on raw values). Then the
 * phases of a check are timed one by one in this process, with the src
 * modules the service uses.
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a
 * server where the bench may create and drop a `dw_bench_check_<random>`
 * database; a superuser role also gets the "PostgreSQL alone" phase
 * (COPY … TO '/dev/null'). Needs /usr/bin/python3 with numpy and scipy
 * (DRIFTWATCH_PYTHON overrides) and Linux /proc. The service runs from
 * dist/, so build first. Targets are printed, never asserted: the exit
 * status only says whether the run itself worked.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { testedReference } from '../src/checks/driftCheck.js';
import { WindowColumns } from '../src/checks/windowColumns.js';
import { hourBuckets, SummarySink } from '../src/checks/windowSummaries.js';
import { configSchema, modelCheckSettings } from '../src/config/schema.js';
import { featureLayout } from '../src/core/featureLayout.js';
import type { StoredModelVersion } from '../src/core/model.js';
import type { ReferenceProfile } from '../src/core/referenceProfile.js';
import type { NewRun } from '../src/core/run.js';
import {
  buildReferenceProfile,
  encodeWindowSummary,
  evaluateDrift,
  evaluateDriftFromSummary,
  mergeWindowSummaries,
  WindowSummaryBuilder,
  type DriftReport,
  type WindowSummary,
} from '../src/drift/index.js';
import { ksTwoSample } from '../src/stats/index.js';
import { migrate } from '../src/storage/migrations.js';
import { ModelStore } from '../src/storage/modelStore.js';
import { dayOf, PartitionManager } from '../src/storage/partitions.js';
import { createPool, type Pool } from '../src/storage/pool.js';
import { ReferenceStore } from '../src/storage/referenceStore.js';
import { RunStore } from '../src/storage/runStore.js';
import { SummaryStore } from '../src/storage/summaryStore.js';
import {
  countWindow,
  readWindow,
  type WindowQuery,
  type WindowRowSink,
} from '../src/storage/windowReader.js';
import {
  benchColumns,
  BENCH_MODEL,
  BENCH_VERSION,
  CATEGORICAL_COUNT,
  CATEGORICAL_FEATURES,
  categoryStrings,
  DRIFTED_BY_DESIGN,
  FEATURE_SPECS,
  KEY_COPY_COLUMNS,
  NUMERIC_COUNT,
  NUMERIC_FEATURES,
  numericMatrixChunks,
  PREDICTION_COPY_COLUMNS,
  predictionCopyChunks,
  type BenchColumns,
} from './checkData.js';
import {
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
} from './lib/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.DRIFTWATCH_PYTHON ?? '/usr/bin/python3';
const TARGET_RATIO = 1.5;
const TARGET_SECONDS = 10;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const SCIPY_REPEATS = 3;

// ---------------------------------------------------------------- options

interface Options {
  rows: number;
  referenceRows: number;
  runs: number;
  seed: number;
  spreadMinutes: number;
  phaseRepeats: number;
  databaseUrl: string;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: process.env.BENCH_ROWS ?? '1000000' },
      'reference-rows': { type: 'string', default: process.env.BENCH_REFERENCE_ROWS ?? '100000' },
      runs: { type: 'string', default: process.env.BENCH_RUNS ?? '3' },
      seed: { type: 'string', default: process.env.BENCH_SEED ?? '1' },
      'spread-minutes': { type: 'string', default: '50' },
      'phase-repeats': { type: 'string', default: '2' },
    },
  });
  const spreadMinutes = positiveInt('spread-minutes', values['spread-minutes']);
  if (spreadMinutes > 55) throw new Error('--spread-minutes must stay below the 1 h window (≤ 55)');
  return {
    rows: positiveInt('rows', values.rows),
    referenceRows: positiveInt('reference-rows', values['reference-rows']),
    runs: positiveInt('runs', values.runs),
    seed: positiveInt('seed', values.seed),
    spreadMinutes,
    phaseRepeats: positiveInt('phase-repeats', values['phase-repeats']),
    databaseUrl: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  };
}

// ---------------------------------------------------------------- formatting

const fmt = (value: number, digits = 2): string => value.toFixed(digits);
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------- /proc accounting

interface CpuSnapshot {
  machineBusySeconds: number;
  postgres: Map<number, number>;
  service: number;
}

function snapshotCpu(database: string, servicePid: number): CpuSnapshot {
  return {
    machineBusySeconds: machineCpu().busySeconds,
    postgres: postgresCpuSeconds(database),
    service: processCpuSeconds(servicePid) ?? 0,
  };
}

interface CpuUse {
  service: number;
  postgres: number;
  /** Everything else that ran on the machine meanwhile (other users' work). */
  others: number;
}

function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const postgres = cpuGrowth(before.postgres, after.postgres);
  const service = after.service - before.service;
  const busy = after.machineBusySeconds - before.machineBusySeconds;
  return { service, postgres, others: Math.max(0, busy - service - postgres) };
}

// ---------------------------------------------------------------- the service

/**
 * A service configuration: defaults, no model manifests, no scheduler (a
 * scheduled check must not run during a timed one), and the drift exact
 * limit under test. JSON is YAML.
 */
function writeServiceConfig(file: string, exactLimit: number | null): void {
  const config = {
    models: {
      directory: 'bench/no-models',
      ...(exactLimit === null ? {} : { defaults: { checks: { drift: { exactLimit } } } }),
    },
    scheduler: { enabled: false },
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}

interface ResultView {
  feature: string;
  test: string;
  statistic: number | null;
  drifted: boolean;
}

interface RunView {
  status: string;
  path: string | null;
  rows: number | null;
  duration_ms: number;
  error: string | null;
  summary: { driftedFeatures?: string[]; approximation?: { ksErrorBound?: number } };
  results?: ResultView[];
}

interface HttpRun {
  label: string;
  wallMs: number;
  view: RunView;
  cpu: CpuUse;
}

async function runCheckOverHttp(
  service: RunningService,
  database: string,
  window: string,
  label: string,
): Promise<HttpRun> {
  const before = snapshotCpu(database, service.pid);
  const started = performance.now();
  const response = await fetch(
    `${service.url}/v1/models/${BENCH_MODEL}/checks/drift/run?version=${BENCH_VERSION}&window=${window}`,
    { method: 'POST' },
  );
  const text = await response.text();
  const wallMs = performance.now() - started;
  const cpu = cpuBetween(before, snapshotCpu(database, service.pid));
  if (!response.ok) throw new Error(`the drift run failed: ${response.status} ${text}`);
  const view = (JSON.parse(text) as { runs: RunView[] }).runs[0];
  if (!view) throw new Error('the drift run returned no run');
  if (view.status === 'error') throw new Error(`the drift run ended in error: ${view.error}`);
  return { label, wallMs, view, cpu };
}

interface Loaded {
  version: StoredModelVersion;
  reference: BenchColumns;
  window: BenchColumns;
  loadSeconds: number;
  tableMiB: number;
}

/**
 * Loads the bench database directly (loading is not what is measured):
 * migrations, the model version, the reference profile (as the reference
 * import builds it), and the window through binary COPY into `predictions`
 * and `prediction_keys`, followed by VACUUM ANALYZE (what autovacuum would
 * soon do) and a CHECKPOINT.
 */
async function loadDatabase(pool: Pool, options: Options, endMs: number): Promise<Loaded> {
  const started = performance.now();
  await migrate(pool);
  const { version } = await new ModelStore(pool).upsertVersion({
    model: BENCH_MODEL,
    version: BENCH_VERSION,
    task: 'binary_classification',
    features: FEATURE_SPECS,
    threshold: 0.5,
    onnx: null,
    source: 'api',
  });

  const reference = benchColumns(options.referenceRows, options.seed, false);
  const columns: Record<string, ArrayLike<number | string | null>> = {};
  NUMERIC_FEATURES.forEach((name, f) => (columns[name] = reference.numeric[f]!));
  CATEGORICAL_FEATURES.forEach((name, c) => (columns[name] = categoryStrings(reference, c)));
  await new ReferenceStore(pool).replace(
    BENCH_MODEL,
    BENCH_VERSION,
    buildReferenceProfile(FEATURE_SPECS, columns, reference.score),
  );

  const window = benchColumns(options.rows, options.seed + 1, true);
  const spreadMs = options.spreadMinutes * MINUTE_MS;
  const partitions = new PartitionManager(pool);
  await partitions.refresh();
  const days: number[] = [];
  for (let day = dayOf(endMs - spreadMs); day <= dayOf(endMs) + 1; day++) days.push(day);
  await partitions.ensureDays(days);

  // Two passes over the generator (one per table) would double the encoding;
  // the keys are small, so they are collected while the rows stream.
  const keyChunks: Buffer[] = [];
  const rowChunks = (function* () {
    for (const chunk of predictionCopyChunks(window, { endMs, spreadMs })) {
      keyChunks.push(chunk.keys);
      yield chunk.predictions;
    }
  })();
  await copyIn(pool, 'predictions', PREDICTION_COPY_COLUMNS, rowChunks);
  await copyIn(pool, 'prediction_keys', KEY_COPY_COLUMNS, keyChunks);
  await pool.query('VACUUM ANALYZE predictions');
  await pool.query('VACUUM ANALYZE prediction_keys');
  await pool.query('CHECKPOINT');
  const { rows } = await pool.query<{ bytes: number }>(
    `SELECT sum(pg_total_relation_size(c.oid))::float8 AS bytes FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'predictions'::regclass`,
  );
  return {
    version,
    reference,
    window,
    loadSeconds: (performance.now() - started) / 1000,
    tableMiB: (rows[0]?.bytes ?? 0) / 1_048_576,
  };
}

async function writeMatrix(file: string, columns: BenchColumns): Promise<void> {
  const out = createWriteStream(file);
  for (const chunk of numericMatrixChunks(columns)) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

// ---------------------------------------------------------------- SciPy baseline

interface ScipyTiming {
  seconds: number;
  times: number[];
  statistics: number[];
  pValues: number[];
  scipy: string;
  numpy: string;
}

async function runScipy(referenceFile: string, windowFile: string): Promise<ScipyTiming> {
  const { stdout } = await promisify(execFile)(
    PYTHON,
    [
      path.join(here, 'check_scipy.py'),
      referenceFile,
      windowFile,
      String(NUMERIC_COUNT),
      String(SCIPY_REPEATS),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as ScipyTiming;
}

// ---------------------------------------------------------------- phases in-process

class NoopSink implements WindowRowSink {
  rows = 0;
  numeric(): void {}
  categorical(): void {}
  score(): void {}
  endRow(): void {
    this.rows += 1;
  }
}

/** CPU milliseconds this process used for the last `best` call's best run. */
let lastCpuMs = 0;

/** Best wall time of `repeats` runs; `lastCpuMs` gets that run's CPU time in this process. */
async function best<T>(repeats: number, work: () => Promise<T> | T): Promise<[number, T]> {
  let bestMs = Infinity;
  let result: T | undefined;
  for (let i = 0; i < repeats; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    result = await work();
    const ms = performance.now() - started;
    if (ms < bestMs) {
      bestMs = ms;
      const used = process.cpuUsage(cpu);
      lastCpuMs = (used.user + used.system) / 1000;
    }
  }
  return [bestMs, result as T];
}

interface Phase {
  name: string;
  ms: number;
  /** CPU of this process (Node) during the phase; PostgreSQL's is not included. */
  cpuMs: number;
  note?: string;
}

interface PhaseReport {
  phases: Phase[];
  approximateReport: DriftReport;
  exactReport: DriftReport;
}

function driftRun(
  report: DriftReport,
  rows: number,
  window: { startMs: number; endMs: number },
): NewRun {
  // The shape checkService.ts writes, with the same results.
  return {
    model: BENCH_MODEL,
    version: BENCH_VERSION,
    kind: 'drift',
    trigger: 'manual',
    windowStart: new Date(window.startMs),
    windowEnd: new Date(window.endMs),
    status: report.status,
    path: report.approximation ? 'approximate' : 'exact',
    rows,
    startedAt: new Date(window.endMs),
    finishedAt: new Date(),
    summary: {
      dataset: report.dataset,
      driftedFeatures: report.features.filter((f) => f.drifted).map((f) => f.feature),
      policy: report.policy,
      ...(report.approximation ? { approximation: report.approximation } : {}),
    },
    error: null,
    results: report.results,
  };
}

/**
 * The phases of a check, timed one by one (best of `repeats`) in this
 * process with the service's own modules, on the same window.
 */
async function timePhases(benchUrl: string, loaded: Loaded, repeats: number): Promise<PhaseReport> {
  const pool = createPool({ url: benchUrl, max: 4, applicationName: 'driftwatch-bench-phases' });
  try {
    const settings = modelCheckSettings(configSchema.parse({}), BENCH_MODEL).drift;
    const policy = { ...settings.policy };
    const endMs = Date.now();
    const window = { startMs: endMs - HOUR_MS, endMs };
    const query: WindowQuery = {
      model: BENCH_MODEL,
      version: BENCH_VERSION,
      ...window,
      numeric: true,
      categorical: true,
      score: true,
    };
    const phases: Phase[] = [];
    const references = new ReferenceStore(pool);
    const summaries = new SummaryStore(pool);

    const [countMs, rows] = await best(repeats, () => countWindow(pool, query));
    phases.push({ name: 'countWindow (count(*), index-only scan)', ms: countMs, cpuMs: lastCpuMs });
    const [hourlyMs] = await best(repeats, () =>
      summaries.hourlyCounts(BENCH_MODEL, BENCH_VERSION, window.startMs, window.endMs),
    );
    phases.push({ name: 'hourlyCounts (approximate path only)', ms: hourlyMs, cpuMs: lastCpuMs });
    const [referenceMs, stored] = await best(repeats, () =>
      references.load(BENCH_MODEL, BENCH_VERSION),
    );
    if (!stored) throw new Error('the reference did not load');
    const reference: ReferenceProfile = testedReference(stored, loaded.version, settings);
    phases.push({
      name: 'ReferenceStore.load (20 × 100k float64 + profiles)',
      ms: referenceMs,
      cpuMs: lastCpuMs,
    });

    // PostgreSQL alone: the same query, written by the server to /dev/null.
    const copySql =
      `COPY (SELECT num_values, cat_values, score FROM predictions WHERE model = '${BENCH_MODEL}' ` +
      `AND model_version = '${BENCH_VERSION}' AND ts >= '${new Date(window.startMs).toISOString()}'::timestamptz ` +
      `AND ts < '${new Date(window.endMs).toISOString()}'::timestamptz) TO '/dev/null' (FORMAT binary)`;
    try {
      const [serverMs] = await best(repeats, () => pool.query(copySql));
      phases.push({
        name: "PostgreSQL alone: same COPY … TO '/dev/null'",
        ms: serverMs,
        cpuMs: Number.NaN,
        note: 'server-side scan + binary array output, no transfer',
      });
    } catch (error) {
      phases.push({
        name: "PostgreSQL alone: same COPY … TO '/dev/null'",
        ms: Number.NaN,
        cpuMs: Number.NaN,
        note: `skipped (${error instanceof Error ? error.message : String(error)})`,
      });
    }

    const [readMs, readRows] = await best(repeats, async () => {
      const sink = new NoopSink();
      await readWindow(pool, query, sink);
      return sink.rows;
    });
    phases.push({
      name: 'readWindow → no-op sink (binary COPY read + decode)',
      ms: readMs,
      cpuMs: lastCpuMs,
      note: `${fmtInt(readRows)} rows`,
    });

    // Approximate path: per UTC-hour bucket, as WindowSummaries.evaluate reads them.
    const features = reference.features.map((feature) => feature.name);
    const buckets = hourBuckets(window.startMs, window.endMs);
    const [summaryReadMs, perBucket] = await best(repeats, async () => {
      const out: WindowSummary[] = [];
      for (const bucket of buckets) {
        const builder = new WindowSummaryBuilder(reference, features);
        const sink = new SummarySink(builder, NUMERIC_FEATURES, CATEGORICAL_FEATURES, true);
        await readWindow(pool, { ...query, startMs: bucket.startMs, endMs: bucket.endMs }, sink);
        sink.flush();
        out.push(builder.finish());
      }
      return out;
    });
    phases.push({
      name: `readWindow → SummarySink → builder (${buckets.length} hour buckets)`,
      ms: summaryReadMs,
      cpuMs: lastCpuMs,
    });
    const w = loaded.window;
    const categories = Array.from({ length: CATEGORICAL_COUNT }, (_, c) => categoryStrings(w, c));
    const [builderMs] = await best(repeats, () => {
      // Feature by feature, as SummarySink hands blocks over.
      const builder = new WindowSummaryBuilder(reference, features);
      NUMERIC_FEATURES.forEach((name, f) => {
        const index = builder.featureIndex(name);
        const column = w.numeric[f]!;
        for (let r = 0; r < w.rows; r++) builder.addNumeric(index, column[r]);
      });
      CATEGORICAL_FEATURES.forEach((name, c) => {
        const index = builder.featureIndex(name);
        const column = categories[c]!;
        for (let r = 0; r < w.rows; r++) builder.addCategorical(index, column[r]);
      });
      for (let r = 0; r < w.rows; r++) builder.addScore(w.score[r]);
      return builder.finish();
    });
    phases.push({
      name: '  of which: WindowSummaryBuilder alone, from memory',
      ms: builderMs,
      cpuMs: lastCpuMs,
      note: 'same values, no database',
    });
    const merged = perBucket.reduce((a, b) => mergeWindowSummaries(a, b));
    const [summaryEvalMs, approximateReport] = await best(repeats, () =>
      evaluateDriftFromSummary({ reference, summary: merged, policy }),
    );
    phases.push({ name: 'merge + evaluateDriftFromSummary', ms: summaryEvalMs, cpuMs: lastCpuMs });
    const [saveMs] = await best(repeats, () =>
      summaries.save(
        BENCH_MODEL,
        BENCH_VERSION,
        new Date(0),
        0,
        encodeWindowSummary(perBucket[0]!),
      ),
    );
    phases.push({
      name: 'encode + save one hour summary (cold whole hours only)',
      ms: saveMs,
      cpuMs: lastCpuMs,
    });

    // Exact path.
    const layout = featureLayout(loaded.version.features);
    const tested = new Set(features);
    const [columnsMs, columns] = await best(repeats, async () => {
      const sink = new WindowColumns(layout, tested);
      await readWindow(pool, query, sink);
      return sink;
    });
    phases.push({
      name: 'readWindow → WindowColumns (exact path)',
      ms: columnsMs,
      cpuMs: lastCpuMs,
    });
    const [exactMs, exactReport] = await best(repeats, () =>
      evaluateDrift({
        reference,
        current: { features: columns.features, score: columns.scores },
        policy,
      }),
    );
    phases.push({
      name: 'evaluateDrift on raw columns (exact path)',
      ms: exactMs,
      cpuMs: lastCpuMs,
    });
    const [ksMs] = await best(repeats, () => {
      for (let f = 0; f < NUMERIC_COUNT; f++) {
        const profile = reference.features[f]!;
        if (profile.kind !== 'numeric') throw new Error('f0..f19 are numeric');
        ksTwoSample(profile.sortedValues, loaded.window.numeric[f]!);
      }
    });
    phases.push({
      name: '  for scale: ksTwoSample × 20 on Float64Arrays in memory',
      ms: ksMs,
      cpuMs: lastCpuMs,
      note: "the article's loop, in driftwatch's KS",
    });

    const runs = new RunStore(pool);
    const [persistMs] = await best(repeats, () =>
      runs.insert(driftRun(approximateReport, rows, window)),
    );
    phases.push({
      name: `persist the run (RunStore.insert, ${approximateReport.results.length} results)`,
      ms: persistMs,
      cpuMs: lastCpuMs,
    });
    return { phases, approximateReport, exactReport };
  } finally {
    await pool.end();
  }
}

// ---------------------------------------------------------------- report

function ksStatistics(results: readonly ResultView[] | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of results ?? [])
    if (r.test === 'ks' && r.statistic !== null) out.set(r.feature, r.statistic);
  return out;
}

function maxKsDifference(scipy: ScipyTiming, statistics: Map<string, number>): number {
  let max = 0;
  NUMERIC_FEATURES.forEach((name, f) => {
    const ours = statistics.get(name);
    const theirs = scipy.statistics[f];
    max = Math.max(
      max,
      ours === undefined || theirs === undefined ? Infinity : Math.abs(ours - theirs),
    );
  });
  return max;
}

function printRun(run: HttpRun, scipySeconds: number): void {
  const v = run.view;
  const cpu = run.cpu;
  console.log(
    `  ${run.label.padEnd(22)} ${secs(run.wallMs).padStart(8)}  ratio ${fmt(run.wallMs / 1000 / scipySeconds).padStart(5)}  ` +
      `path ${String(v.path).padEnd(11)} rows ${fmtInt(v.rows ?? 0)}  run ${fmtInt(v.duration_ms)} ms  ` +
      `CPU: service ${fmt(cpu.service)} s, postgres ${fmt(cpu.postgres)} s, others ${fmt(cpu.others)} s`,
  );
}

interface PathResult {
  label: string;
  runs: HttpRun[];
  idleRssMiB: number;
  peakRssMiB: number;
}

async function measurePath(
  benchUrl: string,
  database: string,
  configFile: string,
  label: string,
  windows: { window: string; runs: number; tag: string }[],
): Promise<PathResult> {
  const service = await startService(benchUrl, configFile);
  try {
    const idleRssMiB = rssMiB(service.pid, 'VmHWM');
    const runs: HttpRun[] = [];
    for (const { window, runs: count, tag } of windows) {
      for (let i = 0; i < count; i++) {
        const name = `${tag} ${i === 0 ? 'cold' : `warm ${i}`}`;
        runs.push(await runCheckOverHttp(service, database, window, name));
      }
    }
    const peakRssMiB = rssMiB(service.pid, 'VmHWM');
    return { label, runs, idleRssMiB, peakRssMiB };
  } finally {
    await stopService(service);
  }
}

async function main(): Promise<void> {
  const options = readOptions();
  await withBenchDatabase(options.databaseUrl, 'dw_bench_check_', async (bench) => {
    const { name: database, url: benchUrl, dir } = bench;
    console.log(
      `driftwatch drift-check benchmark — database ${database}, window ${fmtInt(options.rows)} rows over the last ${options.spreadMinutes} min, reference ${fmtInt(options.referenceRows)} rows`,
    );

    // 1. Data: PostgreSQL and the float64 files for SciPy (same values).
    const endMs = Date.now();
    const loadPool = createPool({
      url: benchUrl,
      max: 2,
      applicationName: 'driftwatch-bench-load',
    });
    let loaded: Loaded;
    try {
      loaded = await loadDatabase(loadPool, options, endMs);
    } finally {
      await loadPool.end();
    }
    const referenceFile = path.join(dir, 'reference.f64');
    const windowFile = path.join(dir, 'window.f64');
    await writeMatrix(referenceFile, loaded.reference);
    await writeMatrix(windowFile, loaded.window);
    console.log(
      `loaded in ${fmt(loaded.loadSeconds, 1)} s (not measured): predictions ${fmt(loaded.tableMiB, 0)} MiB with index; drift by design in ${DRIFTED_BY_DESIGN.join(', ')}`,
    );

    // 2. Baseline before the service runs…
    const scipyBefore = await runScipy(referenceFile, windowFile);

    // 3. driftwatch, both paths, each in its own service process.
    const approximateConfig = path.join(dir, 'approximate.yaml');
    const exactConfig = path.join(dir, 'exact.yaml');
    writeServiceConfig(approximateConfig, null);
    writeServiceConfig(exactConfig, Math.max(2 * options.rows, 1_000));
    // A 2 h window holds the same rows, plus the previous whole UTC hour: the
    // one the summary cache can serve on warm runs (the 1 h window has none).
    const approximate = await measurePath(benchUrl, database, approximateConfig, 'approximate', [
      { window: '1h', runs: options.runs, tag: 'window=1h' },
      { window: '2h', runs: 2, tag: 'window=2h' },
    ]);
    const exact = await measurePath(benchUrl, database, exactConfig, 'exact', [
      { window: '1h', runs: options.runs, tag: 'window=1h' },
    ]);

    // 4. …and after (the machine is shared: the better of the two is quoted).
    const scipyAfter = await runScipy(referenceFile, windowFile);
    const scipy = scipyBefore.seconds <= scipyAfter.seconds ? scipyBefore : scipyAfter;

    // 5. Where the time goes.
    const phaseReport = await timePhases(benchUrl, loaded, options.phaseRepeats);

    // ------------------------------------------------------------ print
    const nowMs = Date.now();
    const minutesPastHour = (nowMs % HOUR_MS) / MINUTE_MS;
    console.log('');
    console.log(
      `SciPy ${scipy.scipy} / numpy ${scipy.numpy}: the article's loop, ks_2samp × ${NUMERIC_COUNT} columns (${fmtInt(options.referenceRows)} vs ${fmtInt(options.rows)}), in memory`,
    );
    console.log(
      `  best of ${SCIPY_REPEATS}: ${fmt(scipy.seconds, 3)} s   (before the service runs: ${scipyBefore.times.map((t) => fmt(t, 3)).join(' / ')} s; after: ${scipyAfter.times.map((t) => fmt(t, 3)).join(' / ')} s)`,
    );
    for (const result of [approximate, exact]) {
      console.log('');
      console.log(
        `driftwatch, ${result.label} path config — POST /v1/models/${BENCH_MODEL}/checks/drift/run (end to end: read, test, persist)`,
      );
      for (const run of result.runs) printRun(run, scipy.seconds);
      console.log(
        `  service peak RSS ${fmt(result.peakRssMiB, 0)} MiB (VmHWM; ${fmt(result.idleRssMiB, 0)} MiB after start-up)`,
      );
      const first = result.runs[0]!;
      const statistics = ksStatistics(first.view.results);
      console.log(
        `  drifted: ${(first.view.summary.driftedFeatures ?? []).join(', ') || '(none)'}; max |D − D_scipy| over f0..f19: ${maxKsDifference(scipy, statistics).toExponential(2)}` +
          (first.view.summary.approximation?.ksErrorBound !== undefined
            ? ` (declared KS error bound ${first.view.summary.approximation.ksErrorBound.toExponential(2)})`
            : ''),
      );
      for (const run of result.runs) {
        if (run.view.rows !== options.rows)
          console.log(
            `  WARNING: ${run.label} saw ${fmtInt(run.view.rows ?? 0)} rows, not ${fmtInt(options.rows)}`,
          );
      }
    }
    console.log(
      `  (window=2h: the run at ${fmt(minutesPastHour, 0)} min past the hour; the previous UTC hour is whole in the window and cacheable)`,
    );

    console.log('\nratio driftwatch / SciPy (1 h window; best warm run, cold run):');
    const oneHour = (result: PathResult): HttpRun[] =>
      result.runs.filter((run) => run.label.startsWith('window=1h'));
    for (const result of [approximate, exact]) {
      const runs = oneHour(result);
      const cold = runs[0]!;
      const warm = runs.slice(1).reduce((a, b) => (b.wallMs < a.wallMs ? b : a), cold);
      const ratio = warm.wallMs / 1000 / scipy.seconds;
      console.log(
        `  ${result.label.padEnd(12)} ${secs(warm.wallMs)} / ${fmt(scipy.seconds, 3)} s = ${fmt(ratio)} (cold ${fmt(cold.wallMs / 1000 / scipy.seconds)})   ` +
          `target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}; < ${TARGET_SECONDS} s: ${warm.wallMs < TARGET_SECONDS * 1000 ? 'met' : 'NOT met'}`,
      );
    }

    console.log(
      `\nwhere the time goes (in-process, best of ${options.phaseRepeats}; wall, and this process's CPU):`,
    );
    for (const phase of phaseReport.phases) {
      const wall = Number.isNaN(phase.ms) ? 'n/a' : secs(phase.ms);
      const cpu = Number.isNaN(phase.cpuMs) ? '' : `cpu ${secs(phase.cpuMs)}`;
      console.log(
        `  ${phase.name.padEnd(62)} ${wall.padStart(8)}  ${cpu.padEnd(12)}${phase.note ? ` ${phase.note}` : ''}`,
      );
    }
    const exactStats = new Map(
      phaseReport.exactReport.results
        .filter((r) => r.test === 'ks' && r.statistic !== null)
        .map((r) => [r.feature, r.statistic!]),
    );
    console.log(
      `  exact path in-process: max |D − D_scipy| = ${maxKsDifference(scipy, exactStats).toExponential(2)}; drifted ${phaseReport.exactReport.features
        .filter((f) => f.drifted)
        .map((f) => f.feature)
        .join(', ')}`,
    );
  });
}

main().catch((error: unknown) => {
  console.error(
    `bench:check failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
