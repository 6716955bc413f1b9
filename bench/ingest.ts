/**
 * Ingest benchmark (issue 2): prediction records sent as NDJSON batches over
 * HTTP by a separate load process into a driftwatch service backed by the real
 * PostgreSQL, against `psql \copy` of the same rows from CSV into an
 * equivalent table, measured in the same run on the same server.
 *
 *   npm run build && npx tsx bench/ingest.ts [--records 500000] [--batch 1000]
 *     [--concurrency 4] [--seed 1] [--profile-records 100000]
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a
 * server where the bench may create and drop a `dw_bench_<random>` database.
 * Needs `psql` on PATH and Linux /proc (CPU and peak-RSS accounting). The
 * service runs from dist/, so build first. Targets are printed, never
 * asserted: the exit status only says whether the run itself worked.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configSchema, modelSettings } from '../src/config/schema.js';
import type { FeatureSpec } from '../src/core/model.js';
import { NdjsonSplitter } from '../src/ingest/recordSplitter.js';
import { buildRow, type ValidRow } from '../src/ingest/validateRecord.js';
import { parseEnvelope } from '../src/ingest/recordEnvelope.js';
import { PartitionManager } from '../src/storage/partitions.js';
import { createPool } from '../src/storage/pool.js';
import { PredictionStore } from '../src/storage/predictionStore.js';
import type { ClientSummary } from './ingestClient.js';
import {
  benchRecords,
  benchVersionDefinition,
  BENCH_MODEL,
  BENCH_VERSION,
  CSV_COLUMNS,
  toCsvLine,
  toNdjsonLine,
} from './ingestRecords.js';
import {
  cpuGrowth,
  DEFAULT_DATABASE_URL,
  fmtInt,
  machineCpu,
  positiveInt,
  postgresCpuSeconds,
  processCpuSeconds,
  ROOT as root,
  rssMiB,
  startService,
  stopService,
  track,
  waitExit,
  withBenchDatabase,
  withClient,
} from './lib/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CONFIG_FILE = path.join(here, 'driftwatch.bench.yaml');
const TARGET_ROWS_PER_SECOND = 50_000;
const TARGET_COPY_RATIO = 0.5;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

// ---------------------------------------------------------------- options

interface Options {
  records: number;
  batch: number;
  concurrency: number;
  seed: number;
  profileRecords: number;
  databaseUrl: string;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: process.env.BENCH_RECORDS ?? '500000' },
      batch: { type: 'string', default: process.env.BENCH_BATCH ?? '1000' },
      concurrency: { type: 'string', default: process.env.BENCH_CONCURRENCY ?? '4' },
      seed: { type: 'string', default: process.env.BENCH_SEED ?? '1' },
      'profile-records': { type: 'string', default: process.env.BENCH_PROFILE_RECORDS ?? '100000' },
    },
  });
  return {
    records: positiveInt('records', values.records),
    batch: positiveInt('batch', values.batch),
    concurrency: positiveInt('concurrency', values.concurrency),
    seed: positiveInt('seed', values.seed),
    profileRecords: positiveInt('profile-records', values['profile-records'], true),
    databaseUrl: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  };
}

// ---------------------------------------------------------------- formatting

const fmt = (value: number, digits = 1): string => value.toFixed(digits);
const pct = (part: number, whole: number): string =>
  whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : 'n/a';

// ---------------------------------------------------------------- /proc accounting

interface CpuSnapshot {
  machineBusySeconds: number;
  machineIowaitSeconds: number;
  postgres: Map<number, number>;
  processes: Map<number, number>;
}

let benchDatabase = '';

function snapshotCpu(pids: readonly number[]): CpuSnapshot {
  const machine = machineCpu();
  const processes = new Map<number, number>();
  for (const pid of pids) processes.set(pid, processCpuSeconds(pid) ?? 0);
  return {
    machineBusySeconds: machine.busySeconds,
    machineIowaitSeconds: machine.iowaitSeconds,
    postgres: postgresCpuSeconds(benchDatabase),
    processes,
  };
}

interface CpuUse {
  machineBusy: number;
  iowait: number;
  postgres: number;
  byPid: Map<number, number>;
}

/** CPU seconds used between two snapshots; backends born in between count whole. */
function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const postgres = cpuGrowth(before.postgres, after.postgres);
  const byPid = new Map<number, number>();
  for (const [pid, seconds] of after.processes)
    byPid.set(pid, seconds - (before.processes.get(pid) ?? 0));
  return {
    machineBusy: after.machineBusySeconds - before.machineBusySeconds,
    iowait: after.machineIowaitSeconds - before.machineIowaitSeconds,
    postgres,
    byPid,
  };
}

async function registerModel(url: string): Promise<void> {
  const response = await fetch(`${url}/v1/models/${BENCH_MODEL}/versions/${BENCH_VERSION}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(benchVersionDefinition()),
  });
  if (!response.ok)
    throw new Error(`registering the model failed: ${response.status} ${await response.text()}`);
}

interface LoadRun {
  summary: ClientSummary;
  cpu: CpuUse;
  clientPid: number;
}

/** Runs the load client; CPU is accounted between its "ready" and "done" lines. */
async function runClient(
  serviceUrl: string,
  servicePid: number,
  options: { records: number; batch: number; concurrency: number; seed: number; endMs: number },
): Promise<LoadRun> {
  const child = track(
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(here, 'ingestClient.ts'),
        '--url',
        serviceUrl,
        '--records',
        String(options.records),
        '--batch',
        String(options.batch),
        '--concurrency',
        String(options.concurrency),
        '--seed',
        String(options.seed),
        '--end-ms',
        String(options.endMs),
      ],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  );
  const clientPid = child.pid!;
  let before: CpuSnapshot | null = null;
  let result: LoadRun | null = null;
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const message = JSON.parse(line) as { event: string };
    if (message.event === 'ready') {
      before = snapshotCpu([servicePid, clientPid]);
      child.stdin!.write('go\n');
    } else if (message.event === 'done' && before) {
      const cpu = cpuBetween(before, snapshotCpu([servicePid, clientPid]));
      result = { summary: message as ClientSummary, cpu, clientPid };
    }
  });
  const code = await waitExit(child, 30 * 60_000);
  if (code !== 0 || !result) throw new Error(`the load client failed (exit code ${String(code)})`);
  return result;
}

function partitionDdl(table: string, day: number): string {
  const from = new Date(day * DAY_MS).toISOString();
  const to = new Date((day + 1) * DAY_MS).toISOString();
  return `CREATE TABLE ${table}_d${day} PARTITION OF ${table} FOR VALUES FROM ('${from}') TO ('${to}')`;
}

interface BaselineRun {
  seconds: number;
  rowsPerSecond: number;
  csvBytes: number;
  cpu: CpuUse;
}

/**
 * `psql \copy` of the same rows, as CSV in the stored shape, into a table with
 * the columns, types, daily partitions and index of `predictions`.
 */
async function runBaseline(
  benchUrl: string,
  dir: string,
  options: { records: number; seed: number; endMs: number },
): Promise<BaselineRun> {
  const file = path.join(dir, 'baseline.csv');
  const out = createWriteStream(file);
  let pending: string[] = [];
  let csvBytes = 0;
  for (const record of benchRecords({
    count: options.records,
    seed: options.seed,
    endMs: options.endMs,
  })) {
    pending.push(toCsvLine(record));
    if (pending.length === 10_000) {
      const text = `${pending.join('\n')}\n`;
      csvBytes += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, 'drain');
      pending = [];
    }
  }
  if (pending.length > 0) {
    const text = `${pending.join('\n')}\n`;
    csvBytes += Buffer.byteLength(text);
    out.write(text);
  }
  out.end();
  await once(out, 'finish');

  await withClient(benchUrl, async (client) => {
    await client.query(
      'CREATE TABLE baseline_predictions (LIKE predictions INCLUDING DEFAULTS) PARTITION BY RANGE (ts)',
    );
    const first = Math.floor((options.endMs - HOUR_MS) / DAY_MS);
    const last = Math.floor(options.endMs / DAY_MS);
    for (let day = first; day <= last; day++)
      await client.query(partitionDdl('baseline_predictions', day));
    await client.query('CREATE INDEX ON baseline_predictions (model, model_version, ts)');
    await client.query('CHECKPOINT');
  });

  const copy = `\\copy baseline_predictions (${CSV_COLUMNS.join(', ')}) FROM '${file}' WITH (FORMAT csv)`;
  // psql reads its commands from stdin and prints a marker after the copy, so
  // that its backend is still alive (and its CPU countable) when the timing ends.
  const before = snapshotCpu([]);
  const started = performance.now();
  const child = track(
    spawn('psql', [benchUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  child.stdin!.write(`${copy}\n\\echo copy-done\n`);
  const lines = createInterface({ input: child.stdout! });
  const measured: { seconds: number; cpu: CpuUse }[] = [];
  lines.on('line', (line) => {
    if (line.trim() !== 'copy-done') return;
    const seconds = (performance.now() - started) / 1000;
    measured.push({ seconds, cpu: cpuBetween(before, snapshotCpu([])) });
    child.stdin!.end('\\q\n');
  });
  const code = await waitExit(child, 30 * 60_000);
  const result = measured[0];
  if (code !== 0 || !result) throw new Error(`psql \\copy failed with exit code ${String(code)}`);

  const count = await withClient(benchUrl, async (client) => {
    const { rows } = await client.query<{ count: string }>(
      'SELECT count(*) AS count FROM baseline_predictions',
    );
    return Number(rows[0]?.count);
  });
  if (count !== options.records)
    throw new Error(`baseline table holds ${count} rows, expected ${options.records}`);
  return {
    seconds: result.seconds,
    rowsPerSecond: options.records / result.seconds,
    csvBytes,
    cpu: result.cpu,
  };
}

// ---------------------------------------------------------------- breakdown

interface PhaseTimings {
  records: number;
  splitSeconds: number;
  jsonParseSeconds: number;
  envelopeSeconds: number;
  buildRowSeconds: number;
}

function ndjsonBodies(records: number, batch: number, seed: number, endMs: number): Buffer[] {
  const bodies: Buffer[] = [];
  let lines: string[] = [];
  for (const record of benchRecords({ count: records, seed, endMs })) {
    lines.push(toNdjsonLine(record));
    if (lines.length === batch) {
      bodies.push(Buffer.from(`${lines.join('\n')}\n`));
      lines = [];
    }
  }
  if (lines.length > 0) bodies.push(Buffer.from(`${lines.join('\n')}\n`));
  return bodies;
}

const benchFeatures = benchVersionDefinition().features as FeatureSpec[];

/**
 * The CPU work of validation, in this process on one core, cumulatively:
 * split lines, + JSON.parse, + envelope check, + schema mapping and binary row.
 * Best of three passes after a warm-up pass.
 */
function timeValidationPhases(
  bodies: readonly Buffer[],
  records: number,
  endMs: number,
): PhaseTimings {
  const config = configSchema.parse({});
  const context = {
    features: benchFeatures,
    settings: modelSettings(config, BENCH_MODEL),
    bounds: { nowMs: endMs, maxFutureMs: HOUR_MS, maxAgeMs: 90 * DAY_MS },
  };
  let sink = 0;
  // CPU time, not wall time: other work on the machine must not count.
  const pass = (level: 1 | 2 | 3 | 4): number => {
    const started = process.cpuUsage();
    for (const body of bodies) {
      const splitter = new NdjsonSplitter();
      for (const raw of [...splitter.push(body), ...splitter.end()]) {
        if (level === 1) sink += raw.text.length;
        else if (level === 2) sink += (JSON.parse(raw.text) as object) ? 1 : 0;
        else {
          const envelope = parseEnvelope(raw);
          if (!envelope.ok)
            throw new Error(`record ${raw.index} rejected: ${envelope.rejection.message}`);
          if (level === 4) {
            const row = buildRow(raw.index, envelope.value, context);
            if (!row.ok) throw new Error(`record ${raw.index} rejected: ${row.rejection.message}`);
            sink += row.value.tuple.length;
          }
        }
      }
    }
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1e6;
  };
  const best = (level: 1 | 2 | 3 | 4): number => {
    pass(level);
    return Math.min(pass(level), pass(level), pass(level));
  };
  const timings = {
    records,
    splitSeconds: best(1),
    jsonParseSeconds: best(2),
    envelopeSeconds: best(3),
    buildRowSeconds: best(4),
  };
  if (sink < 0) console.log(sink); // keeps the work observable to the optimiser
  return timings;
}

interface StoreRun {
  seconds: number;
  rowsPerSecond: number;
  cpu: CpuUse;
}

/** PredictionStore.write alone (key lookup + binary COPY), `concurrency` writers, no HTTP, no validation. */
async function timeStoreOnly(
  benchUrl: string,
  options: { records: number; batch: number; concurrency: number; seed: number; endMs: number },
): Promise<StoreRun> {
  const config = configSchema.parse({});
  const context = {
    features: benchFeatures,
    settings: modelSettings(config, BENCH_MODEL),
    bounds: { nowMs: options.endMs, maxFutureMs: HOUR_MS, maxAgeMs: 90 * DAY_MS },
  };
  const batches: ValidRow[][] = [];
  let current: ValidRow[] = [];
  for (const body of ndjsonBodies(options.records, options.batch, options.seed, options.endMs)) {
    const splitter = new NdjsonSplitter();
    for (const raw of [...splitter.push(body), ...splitter.end()]) {
      const envelope = parseEnvelope(raw);
      if (!envelope.ok) throw new Error(envelope.rejection.message);
      const row = buildRow(raw.index, envelope.value, context);
      if (!row.ok) throw new Error(row.rejection.message);
      current.push(row.value);
    }
    batches.push(current);
    current = [];
  }
  const pool = createPool({
    url: benchUrl,
    max: config.database.poolSize,
    applicationName: 'driftwatch-bench',
  });
  try {
    const partitions = new PartitionManager(pool);
    await partitions.refresh();
    const store = new PredictionStore(pool, partitions);
    await pool.query('CHECKPOINT');
    let next = 0;
    let inserted = 0;
    const before = snapshotCpu([process.pid]);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < batches.length) {
          const result = await store.write(batches[next++]!);
          inserted += result.inserted;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuBetween(before, snapshotCpu([process.pid]));
    if (inserted !== options.records)
      throw new Error(`store-only run inserted ${inserted} of ${options.records}`);
    return { seconds, rowsPerSecond: options.records / seconds, cpu };
  } finally {
    await pool.end();
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  byCategory: [string, number][];
  byFunction: [string, number][];
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) return url.slice(modules + '/node_modules/'.length);
  const inRoot = url.replace(/^file:\/\//, '');
  return inRoot.startsWith(root) ? path.relative(root, inRoot) : url;
}

function categoryOf(frame: ProfileNode['callFrame']): string {
  if (frame.url === '') {
    if (frame.functionName === '(garbage collector)') return 'garbage collector';
    if (frame.functionName === '(program)') return 'V8/native (program)';
    return `native: ${frame.functionName || '(anonymous)'}`;
  }
  if (frame.url.startsWith('node:')) return 'node core (http, streams, net)';
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(frame.url);
  if (modules) return `npm: ${modules[1]}`;
  const file = shortUrl(frame.url);
  return file.startsWith('dist/') ? `driftwatch: ${file}` : file;
}

/** Self time of a --cpu-prof profile, by category and by function. */
function summariseProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyMs = 0;
  let idleMs = 0;
  // timeDeltas[i + 1] is the time from sample i to the next one: sample i's self time.
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const frame = frames.get(profile.samples[i]!);
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const category = categoryOf(frame);
    byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
    const name =
      frame.url === ''
        ? frame.functionName
        : `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  const top = (map: Map<string, number>, n: number): [string, number][] =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { busyMs, idleMs, byCategory: top(byCategory, 12), byFunction: top(byFunction, 20) };
}

// ---------------------------------------------------------------- report

function printCpu(label: string, seconds: number, cpu: CpuUse, named: [string, number][]): void {
  const available = 2 * seconds;
  console.log(`  ${label}: ${fmt(seconds, 2)} s wall, CPU seconds used (cores busy on average):`);
  for (const [name, used] of named)
    console.log(
      `    ${name.padEnd(26)} ${fmt(used, 2).padStart(7)} s  (${fmt(used / seconds, 2)} cores)`,
    );
  console.log(
    `    ${'postgres (bench db + aux)'.padEnd(26)} ${fmt(cpu.postgres, 2).padStart(7)} s  (${fmt(cpu.postgres / seconds, 2)} cores)`,
  );
  const ours = cpu.postgres + named.reduce((sum, [, used]) => sum + used, 0);
  const others = Math.max(0, cpu.machineBusy - ours);
  console.log(
    `    ${'everything else'.padEnd(26)} ${fmt(others, 2).padStart(7)} s  (${fmt(others / seconds, 2)} cores)${others / seconds > 0.2 ? '  ← other work on the machine: figures are disturbed' : ''}`,
  );
  console.log(
    `    ${'machine busy, total'.padEnd(26)} ${fmt(cpu.machineBusy, 2).padStart(7)} s  (${pct(cpu.machineBusy, available)} of 2 cores; iowait ${fmt(cpu.iowait, 2)} s)`,
  );
}

async function main(): Promise<void> {
  const options = readOptions();
  const endMs = Date.now();
  await withBenchDatabase(options.databaseUrl, 'dw_bench_', async (bench) => {
    const { name: database, url: benchUrl, dir } = bench;
    benchDatabase = database;
    console.log(
      `driftwatch ingest benchmark — database ${database}, ${fmtInt(options.records)} records`,
    );

    // 1. driftwatch over HTTP.
    const service = await startService(benchUrl, CONFIG_FILE);
    await registerModel(service.url);
    await withClient(benchUrl, (client) => client.query('CHECKPOINT'));
    const load = await runClient(service.url, service.pid, { ...options, endMs });
    const peakMiB = rssMiB(service.pid, 'VmHWM');
    await stopService(service);
    const stored = await withClient(benchUrl, async (client) => {
      const { rows } = await client.query<{ count: string }>(
        'SELECT count(*) AS count FROM predictions',
      );
      return Number(rows[0]?.count);
    });
    if (stored !== options.records)
      throw new Error(`predictions holds ${stored} rows, expected ${options.records}`);

    // 2. Baseline: psql \copy of the same rows.
    const baseline = await runBaseline(benchUrl, dir, { ...options, endMs });

    const summary = load.summary;
    const ratio = summary.rowsPerSecond / baseline.rowsPerSecond;
    console.log('');
    console.log(
      `records ${fmtInt(options.records)}, batch ${fmtInt(options.batch)}, concurrency ${options.concurrency}, ${fmt(summary.bodyBytes / 1_048_576)} MiB of NDJSON (${fmtInt(summary.bodyBytes / options.records)} B/record)`,
    );
    console.log(
      `driftwatch HTTP ingest  ${fmtInt(summary.rowsPerSecond)} rows/s  (${fmt(summary.seconds, 2)} s)`,
    );
    console.log(
      `  request latency       p50 ${fmt(summary.latencyMs.p50)} ms, p99 ${fmt(summary.latencyMs.p99)} ms, max ${fmt(summary.latencyMs.max)} ms`,
    );
    console.log(`  service peak RSS      ${fmt(peakMiB)} MiB (VmHWM)`);
    console.log(`  rows stored           ${fmtInt(stored)} (= records)`);
    console.log(
      `psql \\copy baseline     ${fmtInt(baseline.rowsPerSecond)} rows/s  (${fmt(baseline.seconds, 2)} s, ${fmt(baseline.csvBytes / 1_048_576)} MiB CSV)`,
    );
    console.log(`ratio driftwatch / COPY ${fmt(ratio, 3)}`);
    console.log('');
    console.log(
      `target ≥ ${fmtInt(TARGET_ROWS_PER_SECOND)} rows/s: ${summary.rowsPerSecond >= TARGET_ROWS_PER_SECOND ? 'met' : 'NOT met'}`,
    );
    console.log(
      `target ≥ ${TARGET_COPY_RATIO} of raw COPY: ${ratio >= TARGET_COPY_RATIO ? 'met' : 'NOT met'}`,
    );

    console.log('\nwhere the time goes');
    printCpu('driftwatch HTTP run', summary.seconds, load.cpu, [
      ['driftwatch service (node)', load.cpu.byPid.get(service.pid) ?? 0],
      ['load client (node)', load.cpu.byPid.get(load.clientPid) ?? 0],
    ]);
    console.log(
      `    per 1,000 rows: service ${fmt(((1000 * (load.cpu.byPid.get(service.pid) ?? 0)) / options.records) * 1000)} ms, postgres ${fmt(((1000 * load.cpu.postgres) / options.records) * 1000)} ms CPU`,
    );
    printCpu('psql \\copy baseline', baseline.seconds, baseline.cpu, []);
    console.log(
      `    per 1,000 rows: postgres ${fmt(((1000 * baseline.cpu.postgres) / options.records) * 1000)} ms CPU`,
    );

    if (options.profileRecords > 0) {
      const records = Math.min(options.profileRecords, options.records);
      // Validation work alone, in this process (one core).
      const bodies = ndjsonBodies(records, options.batch, options.seed, endMs);
      const phases = timeValidationPhases(bodies, records, endMs);
      const perRecordUs = (seconds: number): string => fmt((seconds / records) * 1e6, 2);
      console.log(
        `\n  validation alone, CPU time in this process, ${fmtInt(records)} records (cumulative, best of 3):`,
      );
      console.log(
        `    split lines                       ${perRecordUs(phases.splitSeconds)} µs/record`,
      );
      console.log(
        `    + JSON.parse                      ${perRecordUs(phases.jsonParseSeconds)} µs/record`,
      );
      console.log(
        `    + envelope (parseEnvelope)        ${perRecordUs(phases.envelopeSeconds)} µs/record`,
      );
      console.log(
        `    + schema mapping, binary row      ${perRecordUs(phases.buildRowSeconds)} µs/record  → ${fmtInt(records / phases.buildRowSeconds)} rows/s per core`,
      );
      console.log(
        `    shares: JSON.parse ${pct(phases.jsonParseSeconds - phases.splitSeconds, phases.buildRowSeconds)}, envelope ${pct(phases.envelopeSeconds - phases.jsonParseSeconds, phases.buildRowSeconds)}, buildRow ${pct(phases.buildRowSeconds - phases.envelopeSeconds, phases.buildRowSeconds)}, split ${pct(phases.splitSeconds, phases.buildRowSeconds)}`,
      );

      // Storage alone: PredictionStore.write with the same concurrency.
      const store = await timeStoreOnly(benchUrl, {
        ...options,
        records,
        seed: options.seed + 1,
        endMs,
      });
      console.log(
        `\n  storage alone (PredictionStore.write: key lookup + binary COPY of keys and rows), ${options.concurrency} writers, ${fmtInt(records)} rows:`,
      );
      console.log(`    ${fmtInt(store.rowsPerSecond)} rows/s`);
      printCpu('store-only run', store.seconds, store.cpu, [
        ['bench process (node)', store.cpu.byPid.get(process.pid) ?? 0],
      ]);
      console.log(
        `    per 1,000 rows: postgres ${fmt(((1000 * store.cpu.postgres) / records) * 1000)} ms CPU`,
      );

      // Where the service's own CPU goes: a --cpu-prof run.
      const profileDir = path.join(dir, 'cpuprofile');
      const profiled = await startService(benchUrl, CONFIG_FILE, [
        '--cpu-prof',
        '--cpu-prof-dir',
        profileDir,
      ]);
      const profiledLoad = await runClient(profiled.url, profiled.pid, {
        ...options,
        records,
        seed: options.seed + 2,
        endMs,
      });
      await stopService(profiled);
      const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
      if (!file) throw new Error('the profiled service wrote no .cpuprofile');
      const profile = summariseProfile(path.join(profileDir, file));
      console.log(
        `\n  service CPU profile (--cpu-prof, ${fmtInt(records)} records at ${fmtInt(profiledLoad.summary.rowsPerSecond)} rows/s; self time, ${fmt(profile.busyMs / 1000, 2)} s busy):`,
      );
      console.log('    by category:');
      for (const [name, ms] of profile.byCategory)
        console.log(`      ${pct(ms, profile.busyMs).padStart(7)}  ${name}`);
      console.log('    top functions:');
      for (const [name, ms] of profile.byFunction)
        console.log(`      ${pct(ms, profile.busyMs).padStart(7)}  ${name}`);
    }
  });
}

main().catch((error: unknown) => {
  console.error(`bench:ingest failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
