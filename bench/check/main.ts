/**
 * Drift-check benchmark (issues 3 and 12): drift checks of model `bench`
 * (20 numeric, 5 categorical features and a score) on a window of 1,000,000
 * and one of 10,000,000 predictions against a 100,000-row reference, run by
 * the driftwatch service end to end — `POST /v1/models/bench/checks/drift/run
 * ?version=…&window=1h` — against the article's in-memory SciPy loop on the
 * 1M window's values; and ingest throughput while checks of the 10M window
 * run, against ingest alone.
 *
 *   npm run bench:check -- [--rows 1000000] [--large-rows 10000000]
 *     [--reference-rows 100000] [--runs 3] [--seed 1] [--spread-minutes 50]
 *     [--large-raw-every 16] [--summaries merged|partials] [--batch-rows 1000]
 *     [--ingest-records 100000] [--phase-repeats 2]
 *
 * Each window is its own model version (1: --rows, 2: --large-rows) over the
 * last `spread` minutes, loaded directly (bench/check/load.ts; timed and
 * printed apart, not part of any check): minute summaries of every row, raw
 * rows all for the 1M window (the SciPy loop uses the same values), one in
 * `--large-raw-every` for the 10M one (0: none).
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a
 * server where the bench may create and drop a `dw_bench_check_<random>`
 * database. Needs /usr/bin/python3 with numpy and scipy (DRIFTWATCH_PYTHON
 * overrides) and Linux /proc; the service runs from dist/ (npm run
 * bench:check builds it). Targets are printed, never asserted.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createPool } from '../../src/storage/pool.js';
import { benchColumns, BENCH_MODEL, DRIFTED_BY_DESIGN, NUMERIC_COUNT } from '../checkData.js';
import {
  DEFAULT_DATABASE_URL,
  fmtInt,
  positiveInt,
  rssMiB,
  startService,
  stopService,
  withBenchDatabase,
  writeServiceConfig,
} from '../lib/index.js';
import { bestWarm, ksStatistics, runDriftCheck, type HttpRun } from './httpRuns.js';
import { measureIngestWhileCheck, type IngestWhileCheck } from './ingestWhileCheck.js';
import {
  loadWindow,
  prepareDatabase,
  settle,
  SUMMARY_STORAGES,
  tableSizes,
  type LoadedWindow,
  type SummaryStorage,
} from './load.js';
import { timePhases } from './phases.js';
import { maxKsDifference, runScipy, SCIPY_REPEATS, writeMatrix } from './scipy.js';

const TARGET_SCIPY_RATIO = 0.25;
const TARGET_LARGE_RATIO = 1.5;
const TARGET_INGEST_RATIO = 0.9;
const MINUTE_MS = 60_000;
const WINDOW = '1h';

interface Options {
  rows: number;
  largeRows: number;
  referenceRows: number;
  runs: number;
  seed: number;
  spreadMinutes: number;
  largeRawEvery: number;
  summaries: SummaryStorage;
  batchRows: number;
  ingestRecords: number;
  phaseRepeats: number;
  databaseUrl: string;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: process.env.BENCH_ROWS ?? '1000000' },
      'large-rows': { type: 'string', default: process.env.BENCH_LARGE_ROWS ?? '10000000' },
      'reference-rows': { type: 'string', default: process.env.BENCH_REFERENCE_ROWS ?? '100000' },
      runs: { type: 'string', default: process.env.BENCH_RUNS ?? '3' },
      seed: { type: 'string', default: process.env.BENCH_SEED ?? '1' },
      'spread-minutes': { type: 'string', default: '50' },
      'large-raw-every': { type: 'string', default: '16' },
      summaries: { type: 'string', default: 'merged' },
      'batch-rows': { type: 'string', default: '1000' },
      'ingest-records': { type: 'string', default: '100000' },
      'phase-repeats': { type: 'string', default: '2' },
    },
  });
  const spreadMinutes = positiveInt('spread-minutes', values['spread-minutes']);
  if (spreadMinutes > 55) throw new Error('--spread-minutes must stay below the 1 h window (≤ 55)');
  const summaries = values.summaries as SummaryStorage;
  if (!SUMMARY_STORAGES.includes(summaries))
    throw new Error(`--summaries must be one of ${SUMMARY_STORAGES.join(', ')}`);
  return {
    rows: positiveInt('rows', values.rows),
    largeRows: positiveInt('large-rows', values['large-rows']),
    referenceRows: positiveInt('reference-rows', values['reference-rows']),
    runs: positiveInt('runs', values.runs),
    seed: positiveInt('seed', values.seed),
    spreadMinutes,
    largeRawEvery: positiveInt('large-raw-every', values['large-raw-every'], true),
    summaries,
    batchRows: positiveInt('batch-rows', values['batch-rows']),
    ingestRecords: positiveInt('ingest-records', values['ingest-records'], true),
    phaseRepeats: positiveInt('phase-repeats', values['phase-repeats'], true),
    databaseUrl: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  };
}

const fmt = (value: number, digits = 2): string => value.toFixed(digits);
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
/** 1000000 → "1M", 100000 → "100k". */
const size = (rows: number): string =>
  rows >= 1e6 && rows % 1e5 === 0
    ? `${rows / 1e6}M`
    : rows >= 1e3 && rows % 100 === 0
      ? `${rows / 1e3}k`
      : fmtInt(rows);

interface WindowRuns {
  loaded: LoadedWindow;
  runs: HttpRun[];
  peakRssMiB: number;
}

function printRuns(label: string, result: WindowRuns, scipySeconds: number): void {
  console.log(
    `\n${label}: POST /v1/models/${BENCH_MODEL}/checks/drift/run?version=${result.loaded.spec.version}&window=${WINDOW}`,
  );
  result.runs.forEach((run, i) => {
    const v = run.view;
    console.log(
      `  ${(i === 0 ? 'cold' : `warm ${i}`).padEnd(7)} ${secs(run.wallMs).padStart(8)}  (${fmt(run.wallMs / 1000 / scipySeconds)}× scipy)  ${v.status.padEnd(17)} path ${String(v.path).padEnd(11)} rows ${fmtInt(v.rows ?? 0).padStart(10)}  run ${fmtInt(v.duration_ms)} ms  ` +
        `CPU: service ${fmt(run.serviceCpu)} s, postgres ${fmt(run.postgresCpu)} s, others ${fmt(run.othersCpu)} s`,
    );
  });
  const first = result.runs[0]!.view;
  console.log(
    `  drifted: ${(first.summary.driftedFeatures ?? []).join(', ') || '(none)'} (by design: ${DRIFTED_BY_DESIGN.join(', ')}); service peak RSS ${fmt(result.peakRssMiB, 0)} MiB`,
  );
  if (first.rows !== result.loaded.spec.rows)
    console.log(
      `  the run saw ${fmtInt(first.rows ?? 0)} rows of ${fmtInt(result.loaded.spec.rows)} (raw rows stored: ${fmtInt(result.loaded.rawRows)}; a check on minute summaries sees them all)`,
    );
}

function printIngest(result: IngestWhileCheck): void {
  const line = (label: string, run: IngestWhileCheck['during']): void =>
    console.log(
      `  ${label.padEnd(22)} ${fmtInt(run.summary.rowsPerSecond).padStart(8)} rows/s  p50 ${fmt(run.summary.latencyMs.p50, 1)} ms, p99 ${fmt(run.summary.latencyMs.p99, 1)} ms  (${fmt(run.summary.seconds)} s)`,
    );
  console.log(
    `\ningest while checks run (${fmtInt(result.during.summary.records)} records per run):`,
  );
  line('alone, before', result.aloneBefore);
  line('during checks', result.during);
  line('alone, after', result.aloneAfter);
  const checks = result.checks.map((run) => secs(run.wallMs)).join(', ');
  console.log(
    `  checks of the large window meanwhile: ${result.checks.length} (${checks || 'none'}); ratio during / alone ${fmt(result.ratio)}`,
  );
}

async function main(): Promise<void> {
  const options = readOptions();
  await withBenchDatabase(options.databaseUrl, 'dw_bench_check_', async (bench) => {
    console.log(
      `driftwatch drift-check benchmark — database ${bench.name}, windows of ${fmtInt(options.rows)} and ${fmtInt(options.largeRows)} rows over the last ${options.spreadMinutes} min, reference ${fmtInt(options.referenceRows)} rows`,
    );
    // 1. Data, not measured as part of any check.
    const endMs = Date.now();
    const settings = {
      endMs,
      spreadMs: options.spreadMinutes * MINUTE_MS,
      batchRows: options.batchRows,
      summaries: options.summaries,
    };
    const referenceFile = path.join(bench.dir, 'reference.f64');
    const windowFile = path.join(bench.dir, 'window.f64');
    const pool = createPool({ url: bench.url, max: 3, applicationName: 'driftwatch-bench-load' });
    let small: LoadedWindow;
    let large: LoadedWindow;
    try {
      await prepareDatabase(pool, settings);
      const reference = benchColumns(options.referenceRows, options.seed, false);
      await writeMatrix(referenceFile, reference);
      small = await loadWindow(
        pool,
        reference,
        {
          version: '1',
          rows: options.rows,
          seed: options.seed + 1,
          rawEvery: 1,
          scipyFile: windowFile,
        },
        settings,
      );
      large = await loadWindow(
        pool,
        reference,
        {
          version: '2',
          rows: options.largeRows,
          seed: options.seed + 2,
          rawEvery: options.largeRawEvery,
        },
        settings,
      );
      await settle(pool);
      const sizes = await tableSizes(pool);
      for (const loaded of [small, large])
        console.log(
          `loaded version ${loaded.spec.version}: ${fmtInt(loaded.spec.rows)} rows in ${fmt(loaded.seconds, 1)} s (${fmt(loaded.cpuSeconds, 1)} s CPU here; not part of any check): ${fmtInt(loaded.summaryRows)} minute summaries (${options.summaries}, batches of ${fmtInt(options.batchRows)}), ${fmtInt(loaded.rawRows)} raw rows${loaded.spec.rawEvery > 1 ? ` (1 in ${loaded.spec.rawEvery})` : loaded.spec.rawEvery === 0 ? ' (none)' : ''}`,
        );
      console.log(
        `  on disk: raw rows and keys ${fmt(sizes.rawMiB, 0)} MiB, minute summaries ${fmt(sizes.summariesMiB, 1)} MiB`,
      );
    } finally {
      await pool.end();
    }

    // 2. SciPy before the service runs…
    const scipyBefore = await runScipy(referenceFile, windowFile);

    // 3. driftwatch: both windows, then ingest while checks run, on one service.
    const configFile = path.join(bench.dir, 'service.yaml');
    writeServiceConfig(configFile, { raw: 'default', sampleFraction: 1, scheduler: false });
    const service = await startService(bench.url, configFile);
    let smallRuns: WindowRuns;
    let largeRuns: WindowRuns;
    let ingest: IngestWhileCheck | null = null;
    try {
      const measure = async (loaded: LoadedWindow): Promise<WindowRuns> => {
        const runs: HttpRun[] = [];
        for (let i = 0; i < options.runs; i++)
          runs.push(await runDriftCheck(service, bench.name, loaded.spec.version, WINDOW));
        return { loaded, runs, peakRssMiB: rssMiB(service.pid, 'VmHWM') };
      };
      smallRuns = await measure(small);
      largeRuns = await measure(large);
      if (options.ingestRecords > 0) {
        ingest = await measureIngestWhileCheck(
          service,
          bench.name,
          { version: large.spec.version, window: WINDOW },
          { records: options.ingestRecords, batch: 1000, concurrency: 4, timestamps: 'arrival' },
          options.seed + 100,
        );
      }
    } finally {
      await stopService(service);
    }

    // 4. …and after (the machine is shared: the better of the two is quoted).
    const scipyAfter = await runScipy(referenceFile, windowFile);
    const scipy = scipyBefore.seconds <= scipyAfter.seconds ? scipyBefore : scipyAfter;

    // ------------------------------------------------------------ print
    console.log('');
    console.log(
      `SciPy ${scipy.scipy} / numpy ${scipy.numpy}: the article's loop, ks_2samp × ${NUMERIC_COUNT} columns (${fmtInt(options.referenceRows)} vs ${fmtInt(options.rows)}), in memory`,
    );
    console.log(
      `  best of ${SCIPY_REPEATS}: ${fmt(scipy.seconds, 3)} s   (before the service runs: ${scipyBefore.times.map((t) => fmt(t, 3)).join(' / ')} s; after: ${scipyAfter.times.map((t) => fmt(t, 3)).join(' / ')} s)`,
    );
    printRuns(`window of ${size(options.rows)}`, smallRuns, scipy.seconds);
    const first = smallRuns.runs[0]!.view;
    const bound = first.summary.approximation?.ksErrorBound;
    console.log(
      `  agreement with SciPy: max |D − D_scipy| over f0..f${NUMERIC_COUNT - 1} = ${maxKsDifference(scipy, ksStatistics(first.results)).toExponential(2)}` +
        (bound === undefined
          ? ' (exact path: expect ~1e-16)'
          : ` (declared KS error bound ${bound.toExponential(2)})`),
    );
    printRuns(`window of ${size(options.largeRows)}`, largeRuns, scipy.seconds);
    if (ingest) printIngest(ingest);

    const smallBest = bestWarm(smallRuns.runs);
    const largeBest = bestWarm(largeRuns.runs);
    const scipyRatio = smallBest.wallMs / 1000 / scipy.seconds;
    const largeRatio = largeBest.wallMs / smallBest.wallMs;
    // A run that saw part of its window (raw rows only, sampled) is not the check the target means.
    const partial = (run: HttpRun, rows: number): string =>
      run.view.rows === rows
        ? ''
        : `, but the run saw ${fmtInt(run.view.rows ?? 0)} of ${fmtInt(rows)} rows`;
    const targets: [string, boolean][] = [
      [
        `${size(options.rows)} run ≤ ${TARGET_SCIPY_RATIO}× SciPy (${fmt(scipyRatio)}×${partial(smallBest, options.rows)})`,
        scipyRatio <= TARGET_SCIPY_RATIO,
      ],
      [
        `${size(options.largeRows)} run ≤ ${TARGET_LARGE_RATIO}× the ${size(options.rows)} run (${fmt(largeRatio)}×${partial(largeBest, options.largeRows)})`,
        largeRatio <= TARGET_LARGE_RATIO,
      ],
    ];
    if (ingest)
      targets.push([
        `ingest during checks ≥ ${TARGET_INGEST_RATIO}× alone (${fmt(ingest.ratio)}×)`,
        ingest.ratio >= TARGET_INGEST_RATIO,
      ]);

    if (targets.some(([, met]) => !met) && options.phaseRepeats > 0) {
      console.log(
        `\nwhere the time goes (a target is not met; in-process, best of ${options.phaseRepeats}; wall, and this process's CPU; --phase-repeats 0 skips):`,
      );
      for (const loaded of [small, large]) {
        console.log(`  version ${loaded.spec.version} (${size(loaded.spec.rows)} rows):`);
        for (const phase of await timePhases(bench.url, loaded.spec.version, options.phaseRepeats))
          console.log(
            `    ${phase.name.padEnd(46)} ${secs(phase.ms).padStart(8)}  cpu ${secs(phase.cpuMs).padStart(8)}  ${phase.note}`,
          );
      }
      console.log(
        '  and per run above: CPU of the service, of PostgreSQL and of everything else on the machine.',
      );
    }

    console.log('');
    for (const [name, met] of targets) console.log(`target ${name}: ${met ? 'met' : 'NOT met'}`);
    console.log(
      `check: ${size(options.rows)} ${fmt(smallBest.wallMs / 1000)} s (${fmt(scipyRatio)}× scipy), ${size(options.largeRows)} ${fmt(largeBest.wallMs / 1000)} s`,
    );
  });
}

main().catch((error: unknown) => {
  console.error(
    `bench:check failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
