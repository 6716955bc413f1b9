/**
 * Where the ingest time goes, when a target is missed: three short runs on
 * a slice of the records — the validation pipeline alone in this process
 * (CPU time; cumulative: split lines → JSON.parse → envelope check →
 * buildRow), PredictionStore.write alone with the bench's writers (keys,
 * rows and minute summaries, no HTTP), and the service under
 * `node --cpu-prof`, summarised by self time per category and function.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { configSchema, modelSettings } from '../../src/config/schema.js';
import { featureLayout } from '../../src/core/featureLayout.js';
import type { FeatureSpec } from '../../src/core/model.js';
import { buildMinuteSummaries, encodeMinuteSummary } from '../../src/drift/minute/index.js';
import { parseEnvelope } from '../../src/ingest/recordEnvelope.js';
import { NdjsonSplitter } from '../../src/ingest/recordSplitter.js';
import { buildRow, type ValidRow } from '../../src/ingest/validateRecord.js';
import { MinuteSummaryStore } from '../../src/storage/minuteSummaryStore.js';
import { PartitionManager } from '../../src/storage/partitions.js';
import { createPool, type PoolClient } from '../../src/storage/pool.js';
import { PredictionStore } from '../../src/storage/predictionStore.js';
import {
  benchVersionDefinition,
  BENCH_MODEL,
  ndjsonBodies,
  type GenerateOptions,
} from '../ingestRecords.js';
import { cpuBetween, printCpu, snapshotCpu, type CpuUse } from '../lib/cpu.js';
import { runLoadClient, type LoadOptions } from '../lib/loadClient.js';
import { fmtInt, ROOT as root, startService, stopService } from '../lib/index.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const fmt = (value: number, digits = 1): string => value.toFixed(digits);
const pct = (part: number, whole: number): string =>
  whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : 'n/a';

interface PhaseTimings {
  records: number;
  splitSeconds: number;
  jsonParseSeconds: number;
  envelopeSeconds: number;
  buildRowSeconds: number;
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

/**
 * PredictionStore.write alone (key lookup, binary COPY, minute summaries in
 * the same transaction as the service writes them), `concurrency` writers,
 * no HTTP, no validation, every row kept.
 */
async function timeStoreOnly(
  benchUrl: string,
  database: string,
  generate: GenerateOptions,
  options: { batch: number; concurrency: number },
): Promise<StoreRun> {
  const config = configSchema.parse({});
  const context = {
    features: benchFeatures,
    settings: modelSettings(config, BENCH_MODEL),
    bounds: { nowMs: generate.endMs, maxFutureMs: HOUR_MS, maxAgeMs: 90 * DAY_MS },
  };
  const batches: ValidRow[][] = [];
  let current: ValidRow[] = [];
  for (const body of ndjsonBodies(generate, options.batch)) {
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
    const summaries = new MinuteSummaryStore(pool);
    const layout = featureLayout(benchFeatures);
    const withSummaries = (client: PoolClient, fresh: readonly ValidRow[]): Promise<void> =>
      summaries.insert(
        client,
        buildMinuteSummaries(fresh, () => layout).map((entry) => ({
          model: entry.model,
          version: entry.version,
          minuteMs: entry.minuteMs,
          summary: encodeMinuteSummary(entry.summary),
        })),
      );
    await pool.query('CHECKPOINT');
    let next = 0;
    let inserted = 0;
    const before = snapshotCpu(database, [process.pid]);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < batches.length) {
          const result = await store.write(batches[next++]!, undefined, withSummaries);
          inserted += result.inserted;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuBetween(before, snapshotCpu(database, [process.pid]));
    if (inserted !== generate.count)
      throw new Error(`store-only run inserted ${inserted} of ${generate.count}`);
    return { seconds, rowsPerSecond: generate.count / seconds, cpu };
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

export interface AttributionContext {
  benchUrl: string;
  database: string;
  dir: string;
  /** The configuration of the service to profile. */
  configFile: string;
  /** Registers the bench model on a freshly started service. */
  register: (serviceUrl: string) => Promise<void>;
  load: LoadOptions;
}

/** Runs the three attribution runs on `load.records` records and prints them. */
export async function printAttribution(context: AttributionContext): Promise<void> {
  const { load } = context;
  const records = load.records;
  const generate = (seed: number): GenerateOptions => ({
    count: records,
    seed,
    endMs: load.endMs,
    timestamps: load.timestamps,
  });
  // Validation work alone, in this process (one core).
  const phases = timeValidationPhases(
    ndjsonBodies(generate(load.seed), load.batch),
    records,
    load.endMs,
  );
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

  // Storage alone: PredictionStore.write with the same concurrency.
  const store = await timeStoreOnly(
    context.benchUrl,
    context.database,
    generate(load.seed + 1),
    load,
  );
  console.log(
    `\n  storage alone (PredictionStore.write: key lookup, binary COPY of keys and rows, minute summaries), ${load.concurrency} writers, ${fmtInt(records)} rows, all kept:`,
  );
  console.log(`    ${fmtInt(store.rowsPerSecond)} rows/s`);
  printCpu('store-only run', store.seconds, store.cpu, [
    ['bench process (node)', store.cpu.byPid.get(process.pid) ?? 0],
  ]);
  console.log(
    `    per 1,000 rows: postgres ${fmt(((1000 * store.cpu.postgres) / records) * 1000)} ms CPU`,
  );

  // Where the service's own CPU goes: a --cpu-prof run.
  const profileDir = path.join(context.dir, 'cpuprofile');
  const profiled = await startService(context.benchUrl, context.configFile, [
    '--cpu-prof',
    '--cpu-prof-dir',
    profileDir,
  ]);
  await context.register(profiled.url);
  const profiledLoad = await runLoadClient(profiled.url, context.database, profiled.pid, {
    ...load,
    seed: load.seed + 2,
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
