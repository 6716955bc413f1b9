/**
 * Soak test (issue "Hardening"): the real service, in its own process, takes
 * a steady stream of prediction logs for a long time while its scheduler runs
 * drift and parity checks, and the figures that should stay flat are printed:
 * the service's resident memory over time and the ingest latency.
 *
 *   npm run soak [-- --duration 10m --rate 500 --batch 100 --warmup 60s]
 *
 * Not part of `npm test` or `npm run bench`. With DATABASE_URL set, the
 * service runs on a fresh `soak_<random>` database created on that server and
 * dropped at the end; without it, on the embedded PostgreSQL in a temporary
 * data folder. The service runs from source (`node --import tsx src/cli.ts
 * serve`), so no build is needed.
 *
 * Model: `demo-churn` version 1 (logistic regression with an ONNX artifact),
 * registered through the API with the artifact copied into a temporary models
 * folder, and its reference (5,000 training rows) imported. Traffic: seeded
 * synthetic customers from src/demo/demoData.ts, scored once up front with
 * the same ONNX model so that parity runs find the logged scores right.
 * Checks: drift every 30 s and parity every 30 s (offset by 15 s), each on the
 * last minute.
 *
 * Every `--batch` records go out as one NDJSON POST, `batch / rate` seconds
 * apart on a fixed schedule (a slow answer does not delay the next request),
 * and each request's latency is recorded. Every 5 s the service's VmRSS is
 * read from /proc and its runs are counted through the API.
 *
 * Exit status: 0 when every record was stored (accepted + duplicates = sent),
 * no request failed, at least one check ran and the service stopped cleanly;
 * 1 otherwise; 130 when interrupted (the figures so far are still printed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { parseDuration } from '../src/config/checksSchema.js';
import type { FeatureSpec, OnnxArtifact } from '../src/core/model.js';
import { DEMO_MODEL, DEMO_VERSION } from '../src/demo/demo.js';
import { demoFeatures, demoRows } from '../src/demo/demoData.js';
import { modelManifestSchema } from '../src/registry/schema.js';
import { assembleInputs, SessionCache } from '../src/scoring/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { postNdjson } from './lib/postNdjson.js';
import {
  databaseUrlFor,
  fmtInt,
  machineCpu,
  positiveInt,
  processCpuSeconds,
  ROOT,
  rssMiB,
  waitExit,
  withClient,
} from './lib/index.js';

const MODEL = DEMO_MODEL;
const VERSION = DEMO_VERSION;
const MANIFEST_FILE = path.join(ROOT, 'models', MODEL, VERSION, 'model.json');
const REFERENCE_FILE = path.join(ROOT, 'models', MODEL, 'reference.csv');
const TRAFFIC_SEED = 4_242;

const DRIFT_SCHEDULE = '*/30 * * * * *';
const PARITY_SCHEDULE = '15,45 * * * * *';
const CHECK_PERIOD_MS = 30_000;
const CHECK_WINDOW = '1m';

const SAMPLE_EVERY_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;
const API_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const POSTMASTER_STOP_TIMEOUT_MS = 15_000;
const DRAIN_TIMEOUT_MS = REQUEST_TIMEOUT_MS + 5_000;
/** Requests in flight at once; a tick beyond waits for one to finish (and counts as late). */
const MAX_IN_FLIGHT = 32;
/** Pages of 500 runs read at most when listing runs. */
const MAX_RUN_PAGES = 40;
const MIB = 1024 * 1024;

// ---------------------------------------------------------------- options

interface Options {
  rate: number;
  batch: number;
  durationMs: number;
  durationText: string;
  warmupMs: number;
  serverUrl: string | null;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '500' },
      batch: { type: 'string', default: '100' },
      duration: { type: 'string', default: '10m' },
      warmup: { type: 'string' },
    },
  });
  const rate = positiveInt('rate', values.rate);
  const batch = positiveInt('batch', values.batch);
  const durationSeconds = parseDuration(values.duration);
  if (durationSeconds <= 0) throw new Error('--duration must be longer than 0');
  const durationMs = durationSeconds * 1000;
  // Start-up allocations (code, pools, first windows) are not a leak: RSS
  // "at start" is read once the warm-up is over.
  const warmupMs =
    values.warmup === undefined
      ? Math.min(60_000, durationMs / 5)
      : parseDuration(values.warmup) * 1000;
  if (warmupMs >= durationMs) throw new Error('--warmup must be shorter than --duration');
  if ((batch * 1000) / rate < 1) throw new Error('--batch / --rate must leave ≥ 1 ms per request');
  return {
    rate,
    batch,
    durationMs,
    durationText: formatSeconds(durationSeconds),
    warmupMs,
    serverUrl: process.env.DATABASE_URL || null,
  };
}

// ---------------------------------------------------------------- formatting

function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600}h`;
  if (s >= 60) return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${s % 60}s`;
  return `${s}s`;
}

const fmt = (value: number, digits = 1): string =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

function latencyStats(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `promise`, or undefined after `ms`; the timer does not outlive the race. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits `ms`, or less when `signal` aborts; never throws. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

// ---------------------------------------------------------------- the service

interface Service {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Lines the service logged (at `warn` or above) after it started listening. */
  logLines: number;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
}

function serviceEnv(databaseUrl: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Only what the soak means to set: no tokens, ports or folders leaking in.
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('DRIFTWATCH_') && key !== 'DATABASE_URL') env[key] = value;
  }
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  env.DRIFTWATCH_LOG_LEVEL = 'warn';
  return env;
}

/**
 * `driftwatch serve` from source in its own process group (a Ctrl-C at the
 * terminal reaches the soak only, which then stops the service by its PID).
 */
async function startService(
  configFile: string,
  databaseUrl: string | null,
  dataDir: string | null,
  signal: AbortSignal,
  onStarted: (service: Service) => void,
): Promise<Service> {
  const args = ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'serve'];
  args.push('--port', '0', '--host', '127.0.0.1', '--config', configFile);
  if (dataDir) args.push('--data-dir', dataDir);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: serviceEnv(databaseUrl),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error('the service could not be spawned');
  const service: Service = { child, pid: child.pid, url: '', logLines: 0, exit: null };
  onStarted(service);
  child.once('exit', (code, exitSignal) => (service.exit = { code, signal: exitSignal }));

  let listening = false;
  const onLine = (line: string): void => {
    if (!listening) {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        listening = true;
        service.url = match[1]!;
        return;
      }
    } else service.logLines += 1;
    process.stderr.write(`[service] ${line}\n`);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);

  const deadline = performance.now() + START_TIMEOUT_MS;
  while (!listening) {
    if (service.exit)
      throw new Error(`the service exited with code ${String(service.exit.code)} on start-up`);
    if (performance.now() > deadline)
      throw new Error(`the service did not listen within ${START_TIMEOUT_MS / 1000} s`);
    if (signal.aborted) throw new Error('interrupted while the service was starting');
    await sleep(100);
  }
  if (!service.url.startsWith('http://127.0.0.1:'))
    throw new Error(`the service listens on ${service.url}, not on 127.0.0.1`);
  return service;
}

/** SIGTERM by PID, SIGKILL after STOP_TIMEOUT_MS; the exit code (null when killed). */
async function stopService(service: Service): Promise<number | null> {
  if (service.exit) return service.exit.code;
  try {
    process.kill(service.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  return waitExit(service.child, STOP_TIMEOUT_MS);
}

/** An embedded postmaster left behind by a killed service, stopped by the PID in its pid file. */
async function stopOrphanPostmaster(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 1) return;
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  console.error(`stopping the embedded PostgreSQL left running (pid ${pid})`);
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let waited = 0; waited < POSTMASTER_STOP_TIMEOUT_MS && alive(); waited += 200)
    await sleep(200);
  if (alive()) process.kill(pid, 'SIGKILL');
}

// ---------------------------------------------------------------- HTTP

async function api<T>(
  url: string,
  init: { method?: string; body?: string; contentType?: string } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    signal: AbortSignal.timeout(API_TIMEOUT_MS),
    ...(init.body === undefined
      ? {}
      : { body: init.body, headers: { 'content-type': init.contentType ?? 'application/json' } }),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text}`);
  return { status: response.status, body: JSON.parse(text) as T };
}

interface RunView {
  id: number;
  kind: string;
  model_version: string;
  trigger: string;
  status: string;
  rows: number | null;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  error: string | null;
}

async function listRuns(baseUrl: string): Promise<RunView[]> {
  const all: RunView[] = [];
  let before: number | null = null;
  for (let page = 0; page < MAX_RUN_PAGES; page++) {
    const query: string = before === null ? 'limit=500' : `limit=500&before=${before}`;
    const { body } = await api<{ runs: RunView[]; next_before: number | null }>(
      `${baseUrl}/v1/models/${MODEL}/runs?${query}`,
    );
    all.push(...body.runs);
    before = body.next_before;
    if (before === null) break;
  }
  return all.sort((a, b) => a.id - b.id);
}

interface IngestAnswer {
  accepted?: number;
  duplicates?: number;
  rejected_count?: number;
  rejected?: unknown[];
}

interface Outcome {
  /** Epoch ms at which the request was sent. */
  sentAtMs: number;
  /** Milliseconds since the traffic started. */
  offsetMs: number;
  latencyMs: number;
  /** HTTP status code, `error` or `timeout`. */
  status: string;
  records: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  detail: string;
}

function post(agent: http.Agent, target: URL, body: Buffer): Promise<Omit<Outcome, 'offsetMs'>> {
  const sentAtMs = Date.now();
  const started = performance.now();
  const outcome = (status: string, text: string): Omit<Outcome, 'offsetMs'> => {
    let answer: IngestAnswer = {};
    if (status === '200') {
      try {
        answer = JSON.parse(text) as IngestAnswer;
      } catch {
        status = 'bad-json';
      }
    }
    return {
      sentAtMs,
      latencyMs: performance.now() - started,
      status,
      records: 0,
      accepted: answer.accepted ?? 0,
      duplicates: answer.duplicates ?? 0,
      rejected: answer.rejected_count ?? answer.rejected?.length ?? 0,
      detail: status === '200' ? '' : text.slice(0, 300),
    };
  };
  return postNdjson(agent, target, body, REQUEST_TIMEOUT_MS).then(
    ({ status, text }) => outcome(String(status), text),
    (error: Error & { timedOut?: boolean }) =>
      outcome(error.timedOut === true ? 'timeout' : 'error', error.message),
  );
}

// ---------------------------------------------------------------- traffic

interface Manifest {
  task: string;
  features: FeatureSpec[];
  threshold?: number | undefined;
  onnx?: OnnxArtifact | null | undefined;
}

/**
 * `size` synthetic customers scored by the model itself, each as the tail of
 * an NDJSON record (`,"features":…}`): the soak only adds id and timestamp.
 */
async function scoredPool(size: number, manifest: Manifest, modelsDir: string): Promise<string[]> {
  if (!manifest.onnx) throw new Error(`${MANIFEST_FILE} has no ONNX artifact`);
  const sessions = new SessionCache({
    modelsDir,
    intraOpThreads: 1,
    logger: createLogger('warn'),
  });
  try {
    const loaded = await sessions.get(MODEL, VERSION, manifest.onnx);
    const rows = demoRows(size, TRAFFIC_SEED).map((row) => demoFeatures(row));
    const names = manifest.features.map((feature) => feature.name);
    const inputs = assembleInputs(loaded.planInputs(manifest.features), {
      rowCount: rows.length,
      value: (row, featureIndex) => rows[row]?.[names[featureIndex] ?? ''],
    });
    if (inputs.scorableRows !== size)
      throw new Error(`${size - inputs.scorableRows} synthetic rows are unscorable`);
    const scores = await loaded.score(inputs);
    const threshold = manifest.threshold ?? 0.5;
    return rows.map((features, i) => {
      const score = scores[i]!;
      const latency = 2 + (i % 17) * 0.25;
      return `,"features":${JSON.stringify(features)},"score":${score},"prediction":${score >= threshold ? 1 : 0},"latency_ms":${latency},"status":"success"}`;
    });
  } finally {
    await sessions.close();
  }
}

interface Traffic {
  outcomes: Outcome[];
  requestsPlanned: number;
  /** Requests sent (fewer than planned when interrupted). */
  requestsSent: number;
  /** Length of the traffic schedule actually run, ms. */
  scheduleMs: number;
  /** Ticks that had to wait for a free slot (MAX_IN_FLIGHT requests were pending). */
  lateTicks: number;
  /** Largest delay of a send behind its schedule, ms. */
  maxScheduleLagMs: number;
  /** Requests still unanswered when the drain timed out. */
  abandoned: number;
  startedAtMs: number;
}

async function runTraffic(
  baseUrl: string,
  options: Options,
  pool: readonly string[],
  signal: AbortSignal,
  onTick: (sent: number) => void,
): Promise<Traffic> {
  const target = new URL('/v1/predictions', baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
  const intervalMs = (options.batch * 1000) / options.rate;
  const requestsPlanned = Math.max(1, Math.round(options.durationMs / intervalMs));
  const tag = randomBytes(3).toString('hex');
  const outcomes: Outcome[] = [];
  const pending = new Set<Promise<void>>();
  let lateTicks = 0;
  let maxScheduleLagMs = 0;
  let sequence = 0;
  let requestsSent = 0;
  const startedAtMs = Date.now();
  const t0 = performance.now();

  try {
    for (let tick = 0; tick < requestsPlanned && !signal.aborted; tick++) {
      const dueMs = t0 + tick * intervalMs;
      await pause(dueMs - performance.now(), signal);
      if (signal.aborted) break;
      if (pending.size >= MAX_IN_FLIGHT) {
        lateTicks += 1;
        await within(Promise.race(pending), REQUEST_TIMEOUT_MS);
      }
      maxScheduleLagMs = Math.max(maxScheduleLagMs, performance.now() - dueMs);
      // Timestamps spread over the last interval, as a pod's buffer would hold them.
      const nowMs = Date.now();
      const lines: string[] = [];
      for (let i = 0; i < options.batch; i++) {
        const n = sequence++;
        const ts = new Date(nowMs - intervalMs + ((i + 1) * intervalMs) / options.batch);
        lines.push(
          `{"model":"${MODEL}","model_version":"${VERSION}","request_id":"soak-${tag}-${n}","timestamp":"${ts.toISOString()}"${pool[n % pool.length]!}`,
        );
      }
      const offsetMs = performance.now() - t0;
      const request = post(agent, target, Buffer.from(`${lines.join('\n')}\n`)).then((result) => {
        outcomes.push({ ...result, offsetMs, records: options.batch });
      });
      const tracked = request.finally(() => pending.delete(tracked));
      pending.add(tracked);
      requestsSent += 1;
      onTick(requestsSent);
    }
    await within(Promise.all(pending), DRAIN_TIMEOUT_MS);
    return {
      outcomes: [...outcomes].sort((a, b) => a.offsetMs - b.offsetMs),
      requestsPlanned,
      requestsSent,
      scheduleMs: requestsSent * intervalMs,
      lateTicks,
      maxScheduleLagMs,
      abandoned: pending.size,
      startedAtMs,
    };
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------- sampling

interface Sample {
  /** Milliseconds since the traffic started. */
  offsetMs: number;
  rssMiB: number;
  hwmMiB: number;
  /** From /metrics (prom-client default metrics); null when not exposed. */
  heapUsedMiB: number | null;
  externalMiB: number | null;
  runs: number | null;
  /** 1-minute load average of the machine. */
  load1: number;
}

function metricValue(text: string, name: string): number | null {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

async function takeSample(service: Service, offsetMs: number): Promise<Sample | null> {
  let rss: number;
  let hwm: number;
  try {
    rss = rssMiB(service.pid, 'VmRSS');
    hwm = rssMiB(service.pid, 'VmHWM');
  } catch {
    return null; // the service is gone
  }
  let heapUsedMiB: number | null = null;
  let externalMiB: number | null = null;
  let runs: number | null = null;
  try {
    const response = await fetch(`${service.url}/metrics`, {
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
    const text = await response.text();
    const heap = metricValue(text, 'nodejs_heap_size_used_bytes');
    const external = metricValue(text, 'nodejs_external_memory_bytes');
    heapUsedMiB = heap === null ? null : heap / MIB;
    externalMiB = external === null ? null : external / MIB;
  } catch {
    // counted as missing
  }
  try {
    runs = (await listRuns(service.url)).length;
  } catch {
    // counted as missing
  }
  const load1 = loadavg()[0] ?? Number.NaN;
  return { offsetMs, rssMiB: rss, hwmMiB: hwm, heapUsedMiB, externalMiB, runs, load1 };
}

/** Samples every SAMPLE_EVERY_MS from `t0` until `done()`; bounded by `maxSamples`. */
async function sampleLoop(
  service: Service,
  t0: number,
  maxSamples: number,
  done: () => boolean,
  samples: Sample[],
): Promise<void> {
  for (let i = 0; i < maxSamples && !done(); i++) {
    const waitMs = t0 + i * SAMPLE_EVERY_MS - performance.now();
    // Short naps so that the loop ends soon after the traffic does.
    for (let slept = 0; slept < waitMs && !done(); slept += 250)
      await sleep(Math.min(250, waitMs - slept));
    if (done()) break;
    const sample = await takeSample(service, performance.now() - t0);
    if (sample) samples.push(sample);
  }
}

/** Least-squares slope of RSS over time, MiB per minute. */
function rssSlope(samples: readonly Sample[]): number {
  if (samples.length < 2) return Number.NaN;
  const xs = samples.map((s) => s.offsetMs / 60_000);
  const ys = samples.map((s) => s.rssMiB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) ** 2;
  });
  return den > 0 ? num / den : Number.NaN;
}

// ---------------------------------------------------------------- report

interface CpuUse {
  wallSeconds: number;
  serviceSeconds: number;
  machineBusySeconds: number;
}

interface Report {
  ok: boolean;
  lines: string[];
}

function report(
  options: Options,
  traffic: Traffic,
  samples: readonly Sample[],
  idle: Sample | null,
  end: Sample | null,
  runs: readonly RunView[],
  extra: {
    stored: number | null;
    serviceLogLines: number;
    interrupted: boolean;
    cpu: CpuUse;
  },
): Report {
  const lines: string[] = [];
  const problems: string[] = [];
  const out = traffic.outcomes;
  const sent = out.reduce((sum, o) => sum + o.records, 0) + traffic.abandoned * options.batch;
  const accepted = out.reduce((sum, o) => sum + o.accepted, 0);
  const duplicates = out.reduce((sum, o) => sum + o.duplicates, 0);
  const rejected = out.reduce((sum, o) => sum + o.rejected, 0);
  const failedRequests = out.filter((o) => o.status !== '200');
  const failedRecords =
    failedRequests.reduce((sum, o) => sum + o.records, 0) + traffic.abandoned * options.batch;
  const byStatus = new Map<string, number>();
  for (const o of out) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
  if (traffic.abandoned > 0) byStatus.set('unanswered', traffic.abandoned);
  const latency = latencyStats(out.map((o) => o.latencyMs));

  // RSS: after the warm-up, at the end, peak.
  const afterWarmup = samples.filter((s) => s.offsetMs >= options.warmupMs);
  const start = afterWarmup[0] ?? samples.at(-1) ?? null;
  const peak = end?.hwmMiB ?? samples.at(-1)?.hwmMiB ?? Number.NaN;
  const trend = rssSlope(end ? [...afterWarmup, end] : afterWarmup);
  const steadyRss = afterWarmup.map((s) => s.rssMiB);
  const steadyHeap = afterWarmup.flatMap((s) => (s.heapUsedMiB === null ? [] : [s.heapUsedMiB]));

  // Runs: during the soak (all of them: nothing else triggers any).
  const runStatus = new Map<string, number>();
  const runKindStatus = new Map<string, number>();
  for (const run of runs) {
    runStatus.set(run.status, (runStatus.get(run.status) ?? 0) + 1);
    const key = `${run.kind} ${run.status}`;
    runKindStatus.set(key, (runKindStatus.get(key) ?? 0) + 1);
  }
  const statuses = [...runStatus].map(([status, n]) => `${status} ${n}`).join(', ') || 'none';
  const runSpans = runs.map((run) => ({
    kind: run.kind,
    from: Date.parse(run.started_at),
    to: Date.parse(run.finished_at),
  }));

  // Latency of requests that overlapped a check run, and of the others.
  const during: number[] = [];
  const outside: number[] = [];
  for (const o of out) {
    const overlaps = runSpans.some((r) => o.sentAtMs < r.to && o.sentAtMs + o.latencyMs > r.from);
    (overlaps ? during : outside).push(o.latencyMs);
  }
  const dur = latencyStats(during);
  const outs = latencyStats(outside);

  lines.push('');
  lines.push(
    `soak figures (${extra.interrupted ? 'INTERRUPTED, ' : ''}${formatSeconds(traffic.scheduleMs / 1000)} of traffic, ${fmtInt(options.rate)} records/s in batches of ${fmtInt(options.batch)})`,
  );
  lines.push(
    `  records: sent ${fmtInt(sent)}, accepted ${fmtInt(accepted)}, duplicates ${fmtInt(duplicates)}, rejected ${fmtInt(rejected)}, failed ${fmtInt(failedRecords)}` +
      (extra.stored === null ? '' : `; stored in PostgreSQL ${fmtInt(extra.stored)}`),
  );
  lines.push(
    `  requests: ${fmtInt(out.length)} of ${fmtInt(traffic.requestsPlanned)} planned; by status ${[
      ...byStatus,
    ]
      .map(([status, n]) => `${status}: ${fmtInt(n)}`)
      .join(
        ', ',
      )}; late ticks ${traffic.lateTicks}, max schedule lag ${fmt(traffic.maxScheduleLagMs)} ms`,
  );
  lines.push(
    `  ingest latency: p50 ${fmt(latency.p50)} ms, p99 ${fmt(latency.p99)} ms, max ${fmt(latency.max)} ms`,
  );
  lines.push(
    `    while a check ran (${fmtInt(during.length)} requests): p50 ${fmt(dur.p50)} ms, p99 ${fmt(dur.p99)} ms, max ${fmt(dur.max)} ms`,
  );
  lines.push(
    `    otherwise (${fmtInt(outside.length)} requests):      p50 ${fmt(outs.p50)} ms, p99 ${fmt(outs.p99)} ms, max ${fmt(outs.max)} ms`,
  );
  lines.push(
    `  service RSS: ${idle ? `${fmt(idle.rssMiB)} MiB idle after start-up, ` : ''}${fmt(start?.rssMiB ?? Number.NaN)} MiB at start (after ${formatSeconds(options.warmupMs / 1000)} warm-up), ${fmt(end?.rssMiB ?? Number.NaN)} MiB at end, peak ${fmt(peak)} MiB (VmHWM)`,
  );
  // Single samples swing with the GC; medians of a minute compare better.
  const median = (values: number[]): number => percentile(Float64Array.from(values).sort(), 50);
  const lastOffset = afterWarmup.at(-1)?.offsetMs ?? 0;
  const firstMinute = afterWarmup.filter((s) => s.offsetMs < options.warmupMs + 60_000);
  const lastMinute = afterWarmup.filter((s) => s.offsetMs > lastOffset - 60_000);
  if (steadyRss.length > 0)
    lines.push(
      `    after warm-up: min ${fmt(Math.min(...steadyRss))} / max ${fmt(Math.max(...steadyRss))} MiB over ${steadyRss.length} samples, ` +
        `median ${fmt(median(firstMinute.map((s) => s.rssMiB)))} MiB in its first minute and ${fmt(median(lastMinute.map((s) => s.rssMiB)))} MiB in the last, trend ${fmt(trend, 2)} MiB/min` +
        (steadyHeap.length > 0
          ? `; V8 heap used ${fmt(Math.min(...steadyHeap))}–${fmt(Math.max(...steadyHeap))} MiB`
          : ''),
    );
  lines.push(
    `  check runs: ${runs.length} (${[...runKindStatus].map(([key, n]) => `${key} ${n}`).join(', ') || 'none'}); duration p50 ${fmt(percentile(Float64Array.from(runs.map((r) => r.duration_ms)).sort(), 50), 0)} ms, max ${fmt(Math.max(...runs.map((r) => r.duration_ms)), 0)} ms`,
  );
  for (const run of runs.filter((r) => r.status === 'error'))
    lines.push(`    ${run.kind} run ${run.id} error: ${run.error ?? '?'}`);
  const seconds = extra.cpu.wallSeconds;
  const loads = samples.map((s) => s.load1);
  lines.push(
    `  CPU over the traffic: service ${fmt(extra.cpu.serviceSeconds)} s (${fmt((100 * extra.cpu.serviceSeconds) / seconds)} % of one core), ` +
      `machine busy ${fmt((100 * extra.cpu.machineBusySeconds) / (seconds * cpus().length))} % of ${cpus().length} cores, load average (1 min) up to ${fmt(Math.max(...loads), 2)}`,
  );
  lines.push(`  service log lines at warn or above: ${extra.serviceLogLines}`);

  // Minute by minute.
  lines.push('');
  lines.push('  minute  requests   p50 ms   p99 ms   max ms   RSS MiB   runs finished');
  const minutes = Math.ceil(traffic.scheduleMs / 60_000);
  for (let m = 0; m < minutes; m++) {
    const inMinute = out.filter((o) => Math.floor(o.offsetMs / 60_000) === m);
    const stats = latencyStats(inMinute.map((o) => o.latencyMs));
    const sample = [...samples].reverse().find((s) => s.offsetMs < (m + 1) * 60_000);
    const fromMs = traffic.startedAtMs + m * 60_000;
    const finished = runSpans.filter((r) => r.to >= fromMs && r.to < fromMs + 60_000).length;
    lines.push(
      `  ${String(m + 1).padStart(6)}  ${fmtInt(inMinute.length).padStart(8)}  ${fmt(stats.p50).padStart(7)}  ${fmt(stats.p99).padStart(7)}  ${fmt(stats.max).padStart(7)}  ${fmt(sample?.rssMiB ?? Number.NaN).padStart(8)}  ${String(finished).padStart(14)}`,
    );
  }

  for (const o of failedRequests.slice(0, 5))
    lines.push(`  failed request at ${fmt(o.offsetMs / 1000)} s: ${o.status} ${o.detail}`);

  if (accepted + duplicates !== sent)
    problems.push(
      `${fmtInt(sent - accepted - duplicates)} records lost (accepted + duplicates ≠ sent)`,
    );
  if (failedRequests.length > 0 || traffic.abandoned > 0)
    problems.push(`${failedRequests.length + traffic.abandoned} requests failed`);
  if (runs.length === 0) problems.push('no check run happened');
  if (extra.stored !== null && extra.stored !== accepted)
    problems.push(
      `PostgreSQL holds ${fmtInt(extra.stored)} rows, ${fmtInt(accepted)} were accepted`,
    );

  lines.push('');
  lines.push(
    `soak: ${extra.interrupted ? formatSeconds(traffic.scheduleMs / 1000) : options.durationText}, RSS ${fmt(start?.rssMiB ?? Number.NaN)} → ${fmt(end?.rssMiB ?? Number.NaN)} MiB (peak ${fmt(peak)}), p99 ${fmt(latency.p99)} ms, ${runs.length} runs (${statuses})`,
  );
  return { ok: problems.length === 0, lines: [...lines, ...problems.map((p) => `FAILED: ${p}`)] };
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const options = readOptions();
  const abort = new AbortController();
  const dir = mkdtempSync(path.join(tmpdir(), 'driftwatch-soak-'));
  // As root, the embedded PostgreSQL runs as `postgres`, which must reach its data folder.
  chmodSync(dir, 0o755);
  const database = options.serverUrl ? `soak_${randomBytes(4).toString('hex')}` : null;
  const dataDir = options.serverUrl ? null : path.join(dir, 'pg');
  let databaseCreated = false;
  let service: Service | null = null;
  let serviceExitCode: number | null | undefined;
  let interrupted = false;

  let cleaning: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      if (service && serviceExitCode === undefined) serviceExitCode = await stopService(service);
      if (dataDir) await stopOrphanPostmaster(dataDir).catch(() => undefined);
      if (database && databaseCreated && options.serverUrl) {
        await withClient(options.serverUrl, (client) =>
          client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
        ).catch((error: unknown) =>
          console.error(`could not drop database ${database}: ${message(error)}`),
        );
      }
      rmSync(dir, { recursive: true, force: true });
    })());

  let firstSignalMs = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!interrupted) {
      interrupted = true;
      firstSignalMs = performance.now();
      console.error(`\n${signal}: stopping; the figures so far follow (again to skip them)`);
      abort.abort();
      return;
    }
    // One Ctrl-C arrives twice: from the terminal and relayed by the tsx launcher.
    if (performance.now() - firstSignalMs < 2_000) return;
    console.error(`\n${signal}: cleaning up now`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const manifest = modelManifestSchema.parse(
      JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')),
    ) as Manifest;
    if (!manifest.onnx) throw new Error(`${MANIFEST_FILE} has no ONNX artifact`);
    const modelsDir = path.join(dir, 'models');
    const artifact = path.join(modelsDir, manifest.onnx.path);
    mkdirSync(path.dirname(artifact), { recursive: true });
    copyFileSync(path.join(ROOT, 'models', manifest.onnx.path), artifact);

    const configFile = path.join(dir, 'driftwatch.soak.yaml');
    writeFileSync(
      configFile,
      toYaml({
        server: { host: '127.0.0.1' },
        models: {
          directory: modelsDir, // the artifact only, no manifest: the soak registers the version
          settings: {
            [MODEL]: {
              checks: {
                drift: { schedule: DRIFT_SCHEDULE, window: CHECK_WINDOW, minSamples: 200 },
                parity: { schedule: PARITY_SCHEDULE, window: CHECK_WINDOW },
                performance: { enabled: false }, // no labels are sent
              },
            },
          },
        },
        logging: { level: 'warn' },
      }),
    );

    const poolSize = Math.min(100_000, Math.max(10_000, options.rate * 60));
    const pool = await scoredPool(poolSize, manifest, modelsDir);

    let serviceDbUrl: string | null = null;
    if (options.serverUrl && database) {
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(options.serverUrl).hostname))
        throw new Error('DATABASE_URL must point at 127.0.0.1 (the soak talks to nothing else)');
      await withClient(options.serverUrl, (client) => client.query(`CREATE DATABASE ${database}`));
      databaseCreated = true;
      serviceDbUrl = databaseUrlFor(options.serverUrl, database);
    }
    console.log(
      `driftwatch soak — ${options.durationText} at ${fmtInt(options.rate)} records/s (batches of ${fmtInt(options.batch)}), ` +
        `${database ? `database ${database} on ${new URL(options.serverUrl!).host}` : `embedded PostgreSQL in ${dataDir}`}, ` +
        `${cpus().length} CPUs on ${hostname()}`,
    );
    service = await startService(configFile, serviceDbUrl, dataDir, abort.signal, (s) => {
      service = s;
      s.child.once('exit', () => abort.abort());
    });
    const running: Service = service;
    console.log(`service pid ${running.pid} listening on ${running.url}`);

    // Register and import right after a drift slot, so that no drift run finds
    // the version without its reference.
    const phase = Date.now() % CHECK_PERIOD_MS;
    if (phase > 20_000 || phase < 500) await pause(CHECK_PERIOD_MS - phase + 1_000, abort.signal);
    if (abort.signal.aborted) throw new Error('interrupted before the traffic started');
    const { status: registered } = await api(
      `${running.url}/v1/models/${MODEL}/versions/${VERSION}`,
      {
        method: 'PUT',
        body: JSON.stringify({
          task: manifest.task,
          features: manifest.features,
          threshold: manifest.threshold,
          onnx: manifest.onnx,
        }),
      },
    );
    const { body: imported } = await api<{ rows: number; rejected_count: number }>(
      `${running.url}/v1/models/${MODEL}/versions/${VERSION}/reference`,
      { method: 'PUT', body: readFileSync(REFERENCE_FILE, 'utf8'), contentType: 'text/csv' },
    );
    if (imported.rejected_count > 0)
      throw new Error(`${imported.rejected_count} reference rows were rejected`);
    console.log(
      `registered ${MODEL} v${VERSION} (HTTP ${registered}), imported ${fmtInt(imported.rows)} reference rows; ` +
        `drift ${DRIFT_SCHEDULE} and parity ${PARITY_SCHEDULE} on a ${CHECK_WINDOW} window; ${fmtInt(pool.length)} distinct scored rows`,
    );
    const idle = await takeSample(running, 0);
    const cpuBefore = { service: processCpuSeconds(running.pid) ?? 0, machine: machineCpu() };

    // Traffic and sampling.
    const samples: Sample[] = [];
    let trafficDone = false;
    const t0 = performance.now();
    const maxSamples = Math.ceil(options.durationMs / SAMPLE_EVERY_MS) + 2;
    const sampler = sampleLoop(running, t0, maxSamples, () => trafficDone, samples);
    let lastReportMs = 0;
    const traffic = await runTraffic(running.url, options, pool, abort.signal, () => {
      const elapsed = performance.now() - t0;
      if (elapsed - lastReportMs < 60_000) return;
      lastReportMs = elapsed;
      const last = samples.at(-1);
      console.log(
        `  ${formatSeconds(elapsed / 1000)}: RSS ${fmt(last?.rssMiB ?? Number.NaN)} MiB, ${last?.runs ?? '?'} runs`,
      );
    }).finally(() => (trafficDone = true));
    await sampler;
    const cpu: CpuUse = {
      wallSeconds: (performance.now() - t0) / 1000,
      serviceSeconds: (processCpuSeconds(running.pid) ?? Number.NaN) - cpuBefore.service,
      machineBusySeconds: machineCpu().busySeconds - cpuBefore.machine.busySeconds,
    };

    const end = await takeSample(running, performance.now() - t0);
    const runs = await listRuns(running.url).catch((error: unknown) => {
      console.error(`could not list runs: ${message(error)}`);
      return [];
    });
    const stored =
      database && options.serverUrl
        ? await withClient(databaseUrlFor(options.serverUrl, database), async (client) => {
            const { rows } = await client.query<{ count: string }>(
              'SELECT count(*) AS count FROM predictions WHERE model = $1 AND model_version = $2',
              [MODEL, VERSION],
            );
            return Number(rows[0]?.count);
          }).catch(() => null)
        : null;
    const serviceLogLines = running.logLines;
    const crashed = running.exit;
    serviceExitCode = await stopService(running);

    const result = report(options, traffic, samples, idle, end, runs, {
      stored,
      serviceLogLines,
      interrupted,
      cpu,
    });
    for (const line of result.lines) console.log(line);
    if (crashed)
      console.log(
        `FAILED: the service exited during the soak (code ${String(crashed.code)}, signal ${String(crashed.signal)})`,
      );
    else if (serviceExitCode !== 0)
      console.log(`FAILED: the service exited with code ${String(serviceExitCode)} on SIGTERM`);
    if (interrupted) return 130;
    return result.ok && !crashed && serviceExitCode === 0 ? 0 : 1;
  } catch (error) {
    if (interrupted) return 130;
    throw error;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(
      `soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  },
);
