/**
 * Ingest benchmark (issues 2 and 12): the same prediction records sent as
 * NDJSON batches over HTTP by a separate load process into a driftwatch
 * service backed by the real PostgreSQL — once with raw rows sampled (the
 * default for that rate) and once with every row kept raw (`keepAll`) —
 * against `psql \copy` of the same raw rows, in the same run on the same
 * server.
 *
 *   npm run bench:ingest -- [--records 500000] [--batch 1000] [--concurrency 4]
 *     [--seed 1] [--modes sampled,keepAll] [--expected-rate 100000]
 *     [--sample-fraction 1/64] [--timestamps arrival|random] [--profile-records 100000]
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a
 * server where the bench may create and drop a `dw_bench_<random>` database.
 * Needs `psql` on PATH and Linux /proc. The service runs from dist/ (npm run
 * bench:ingest builds it). Targets are printed, never asserted: the exit
 * status only says whether the run itself worked.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  benchVersionDefinition,
  BENCH_MODEL,
  BENCH_VERSION,
  TIMESTAMP_LAYOUTS,
  type TimestampLayout,
} from '../ingestRecords.js';
import { printCpu } from '../lib/cpu.js';
import {
  DEFAULT_DATABASE_URL,
  fmtInt,
  positiveInt,
  rssMiB,
  startService,
  stopService,
  withBenchDatabase,
  withClient,
} from '../lib/index.js';
import { runLoadClient, type LoadOptions, type LoadRun } from '../lib/loadClient.js';
import { snapshotWrites, writtenSince, type Written } from '../lib/postgresWrites.js';
import {
  fractionText,
  sampleFractionFor,
  writeServiceConfig,
  type RawMode,
} from '../lib/serviceConfig.js';
import { printAttribution } from './attribution.js';
import { runCopyBaseline } from './baseline.js';

const TARGET_SAMPLED_ROWS_PER_SECOND = 100_000;
const TARGET_SAMPLED_COPY_RATIO = 1.5;
const TARGET_KEEP_ALL_COPY_RATIO = 0.6;

type Mode = Exclude<RawMode, 'default'>;
const MODES: readonly Mode[] = ['sampled', 'keepAll'];

interface Options {
  records: number;
  batch: number;
  concurrency: number;
  seed: number;
  modes: Mode[];
  expectedRate: number;
  sampleFraction: number | null;
  timestamps: TimestampLayout;
  profileRecords: number;
  databaseUrl: string;
}

/** "1/64", "0.015625" → 0.015625; must be a power of two in (0, 1]. */
function parseFraction(text: string): number {
  const [numerator, denominator] = text.includes('/') ? text.split('/') : [text, '1'];
  const value = Number(numerator) / Number(denominator);
  if (!(value > 0 && value <= 1) || !Number.isInteger(Math.log2(value)))
    throw new Error(`--sample-fraction must be a power of two in (0, 1], got ${text}`);
  return value;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: process.env.BENCH_RECORDS ?? '500000' },
      batch: { type: 'string', default: process.env.BENCH_BATCH ?? '1000' },
      concurrency: { type: 'string', default: process.env.BENCH_CONCURRENCY ?? '4' },
      seed: { type: 'string', default: process.env.BENCH_SEED ?? '1' },
      modes: { type: 'string', default: MODES.join(',') },
      'expected-rate': { type: 'string', default: String(TARGET_SAMPLED_ROWS_PER_SECOND) },
      'sample-fraction': { type: 'string' },
      timestamps: { type: 'string', default: 'arrival' },
      'profile-records': { type: 'string', default: process.env.BENCH_PROFILE_RECORDS ?? '100000' },
    },
  });
  const modes = values.modes.split(',').map((mode) => mode.trim()) as Mode[];
  if (modes.length === 0 || modes.some((mode) => !MODES.includes(mode)))
    throw new Error(`--modes takes a comma-separated list of ${MODES.join(', ')}`);
  const timestamps = values.timestamps as TimestampLayout;
  if (!TIMESTAMP_LAYOUTS.includes(timestamps))
    throw new Error(`--timestamps must be one of ${TIMESTAMP_LAYOUTS.join(', ')}`);
  return {
    records: positiveInt('records', values.records),
    batch: positiveInt('batch', values.batch),
    concurrency: positiveInt('concurrency', values.concurrency),
    seed: positiveInt('seed', values.seed),
    modes,
    expectedRate: positiveInt('expected-rate', values['expected-rate']),
    sampleFraction:
      values['sample-fraction'] === undefined ? null : parseFraction(values['sample-fraction']),
    timestamps,
    profileRecords: positiveInt('profile-records', values['profile-records'], true),
    databaseUrl: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  };
}

const fmt = (value: number, digits = 1): string => value.toFixed(digits);

async function registerModel(url: string): Promise<void> {
  const response = await fetch(`${url}/v1/models/${BENCH_MODEL}/versions/${BENCH_VERSION}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(benchVersionDefinition()),
  });
  if (!response.ok)
    throw new Error(`registering the model failed: ${response.status} ${await response.text()}`);
}

interface ModeRun {
  mode: Mode;
  /** Whether the build knew the mode's storage.raw keys (else every row is kept). */
  rawConfigured: boolean;
  load: LoadRun;
  servicePid: number;
  peakRssMiB: number;
  written: Written;
  storedRows: number;
  summaryRows: number;
}

async function count(url: string, table: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(rows[0]?.n);
  });
}

/** One service in `mode`: the whole load, then its figures; the tables are emptied after. */
async function runMode(
  bench: { url: string; name: string; dir: string },
  mode: Mode,
  options: Options,
  load: LoadOptions,
  fraction: number,
): Promise<ModeRun> {
  const configFile = path.join(bench.dir, `${mode}.yaml`);
  const rawConfigured = writeServiceConfig(configFile, {
    raw: mode,
    sampleFraction: fraction,
    scheduler: false,
  });
  const service = await startService(bench.url, configFile);
  let result: ModeRun;
  try {
    await registerModel(service.url);
    await withClient(bench.url, (client) => client.query('CHECKPOINT'));
    const before = await snapshotWrites(bench.url);
    const run = await runLoadClient(service.url, bench.name, service.pid, load);
    const written = await writtenSince(bench.url, before);
    const peakRssMiB = rssMiB(service.pid, 'VmHWM');
    result = {
      mode,
      rawConfigured,
      load: run,
      servicePid: service.pid,
      peakRssMiB,
      written,
      storedRows: await count(bench.url, 'predictions'),
      summaryRows: await count(bench.url, 'minute_summaries'),
    };
  } finally {
    await stopService(service);
  }
  if (
    result.storedRows > options.records ||
    (mode === 'keepAll' && result.storedRows !== options.records)
  )
    throw new Error(
      `${mode}: predictions holds ${result.storedRows} rows for ${options.records} records`,
    );
  // The next mode sends the same records: it must find none of them stored.
  await withClient(bench.url, (client) =>
    client.query(
      'TRUNCATE predictions, prediction_keys, minute_summaries, labels, ingest_batches, raw_sampling',
    ),
  );
  return result;
}

function perThousand(value: number, records: number): number {
  return (1000 * value) / records;
}

async function main(): Promise<void> {
  const options = readOptions();
  const endMs = Date.now();
  const fraction = options.sampleFraction ?? sampleFractionFor(options.expectedRate);
  const load: LoadOptions = {
    records: options.records,
    batch: options.batch,
    concurrency: options.concurrency,
    seed: options.seed,
    endMs,
    timestamps: options.timestamps,
  };
  await withBenchDatabase(options.databaseUrl, 'dw_bench_', async (bench) => {
    console.log(
      `driftwatch ingest benchmark — database ${bench.name}, ${fmtInt(options.records)} records, timestamps ${options.timestamps}`,
    );
    console.log(
      `sampled mode: fraction ${fractionText(fraction)} (${options.sampleFraction === null ? `the largest power of two ≤ 2,000 / ${fmtInt(options.expectedRate)} rows/s expected` : '--sample-fraction'})`,
    );
    const runs: ModeRun[] = [];
    for (const mode of options.modes)
      runs.push(await runMode(bench, mode, options, load, fraction));
    const baseline = await runCopyBaseline(bench.url, bench.name, bench.dir, {
      count: options.records,
      seed: options.seed,
      endMs,
      timestamps: options.timestamps,
    });

    const records = options.records;
    const first = runs[0]!.load.summary;
    console.log('');
    console.log(
      `records ${fmtInt(records)}, batch ${fmtInt(options.batch)}, concurrency ${options.concurrency}, ${fmt(first.bodyBytes / 1_048_576)} MiB of NDJSON (${fmtInt(first.bodyBytes / records)} B/record)`,
    );
    // One column per mode and one for \copy, one line per figure.
    const perRow = (value: number, digits = 1): string => fmt(perThousand(value, records), digits);
    const columns: { name: string; cells: string[] }[] = runs.map((run) => {
      const summary = run.load.summary;
      return {
        name: run.mode,
        cells: [
          fmtInt(summary.rowsPerSecond),
          fmt(summary.rowsPerSecond / baseline.rowsPerSecond, 2),
          `${fmt(summary.latencyMs.p50)} / ${fmt(summary.latencyMs.p99)}`,
          fmt(run.peakRssMiB, 0),
          perRow((run.load.cpu.byPid.get(run.servicePid) ?? 0) * 1000),
          perRow(run.load.cpu.postgres * 1000),
          perRow(run.written.walBytes / 1024),
          perRow(run.written.databaseBytes / 1024),
          `${fmtInt(run.storedRows)} (${fmt((100 * run.storedRows) / records)} %)`,
          fmtInt(run.summaryRows),
        ],
      };
    });
    columns.push({
      name: 'psql \\copy',
      cells: [
        fmtInt(baseline.rowsPerSecond),
        '1.00',
        '—',
        '—',
        '—',
        perRow(baseline.cpu.postgres * 1000),
        perRow(baseline.written.walBytes / 1024),
        perRow(baseline.written.databaseBytes / 1024),
        fmtInt(records),
        '—',
      ],
    });
    const labels = [
      'rows/s',
      '× \\copy',
      'request latency p50 / p99, ms',
      'service peak RSS, MiB',
      'per 1,000 rows: service CPU, ms',
      '  PostgreSQL CPU, ms',
      '  WAL written, KiB',
      '  database growth, KiB',
      'raw rows kept',
      'minute-summary rows',
    ];
    console.log(`${''.padEnd(34)}${columns.map((column) => column.name.padStart(18)).join('')}`);
    labels.forEach((label, i) =>
      console.log(
        `  ${label.padEnd(32)}${columns.map((column) => column.cells[i]!.padStart(18)).join('')}`,
      ),
    );
    console.log(
      '  (WAL: server-wide LSN advance, other databases on a shared server count too; db growth: pg_database_size of the bench database)',
    );
    for (const run of runs) {
      if (run.mode === 'sampled' && !run.rawConfigured)
        console.log(
          '  NOTE: this build has no storage.raw sampling (bench/lib/serviceConfig.ts): the sampled service kept every row',
        );
    }

    console.log('\nwhere the time goes');
    for (const run of runs) {
      printCpu(`driftwatch ${run.mode}`, run.load.summary.seconds, run.load.cpu, [
        ['driftwatch service (node)', run.load.cpu.byPid.get(run.servicePid) ?? 0],
        ['load client (node)', run.load.cpu.byPid.get(run.load.clientPid) ?? 0],
      ]);
    }
    printCpu('psql \\copy baseline', baseline.seconds, baseline.cpu, []);

    const sampled = runs.find((run) => run.mode === 'sampled');
    const keepAll = runs.find((run) => run.mode === 'keepAll');
    const ratio = (run: ModeRun | undefined): number =>
      run ? run.load.summary.rowsPerSecond / baseline.rowsPerSecond : Number.NaN;
    const targets: [string, boolean][] = [];
    if (sampled) {
      targets.push([
        `sampled ≥ ${fmtInt(TARGET_SAMPLED_ROWS_PER_SECOND)} rows/s`,
        sampled.load.summary.rowsPerSecond >= TARGET_SAMPLED_ROWS_PER_SECOND,
      ]);
      targets.push([
        `sampled ≥ ${TARGET_SAMPLED_COPY_RATIO}× \\copy`,
        ratio(sampled) >= TARGET_SAMPLED_COPY_RATIO,
      ]);
    }
    if (keepAll)
      targets.push([
        `keepAll ≥ ${TARGET_KEEP_ALL_COPY_RATIO}× \\copy`,
        ratio(keepAll) >= TARGET_KEEP_ALL_COPY_RATIO,
      ]);

    if (targets.some(([, met]) => !met) && options.profileRecords > 0) {
      const profiled = sampled ?? keepAll!;
      const configFile = path.join(bench.dir, `${profiled.mode}.yaml`);
      console.log(
        `\nattribution runs (a target is not met; ${profiled.mode} service, ${fmtInt(Math.min(options.profileRecords, records))} records; --profile-records 0 skips them)`,
      );
      await printAttribution({
        benchUrl: bench.url,
        database: bench.name,
        dir: bench.dir,
        configFile,
        register: registerModel,
        load: {
          ...load,
          records: Math.min(options.profileRecords, records),
          seed: options.seed + 10,
        },
      });
    }

    console.log('');
    for (const [name, met] of targets) console.log(`target ${name}: ${met ? 'met' : 'NOT met'}`);
    const rate = (run: ModeRun | undefined): string =>
      run ? fmtInt(run.load.summary.rowsPerSecond) : 'n/a';
    const times = (run: ModeRun | undefined): string => (run ? `${fmt(ratio(run), 2)}×` : 'n/a');
    console.log(
      `ingest: ${rate(sampled)} rows/s sampled (${times(sampled)} copy), ${rate(keepAll)} keepAll (${times(keepAll)} copy)`,
    );
  });
}

main().catch((error: unknown) => {
  console.error(`bench:ingest failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
