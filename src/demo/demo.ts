/**
 * `driftwatch demo`: the whole loop on one machine in a few minutes. It starts
 * the embedded database and the service, imports the demo model's reference,
 * runs a simulated serving pod that scores synthetic traffic with the demo
 * model (the real onnxruntime path) and ships it with the client, injects
 * drift and then a serving skew, and lets the scheduler check every 10 s.
 * At the end it runs a drift and a parity check on demand and prints a
 * summary of every run.
 *
 * Phases, by the elapsed share of the traffic duration:
 *   [0, ⅓)  normal traffic, as in the reference;
 *   [⅓, ⅔)  drift: tenure_months shifts +1 SD and 15 % of customers pay with
 *           a payment method the model never saw;
 *   [⅔, 1]  drift + serving skew: for 10 % of rows the pod's feature pipeline
 *           multiplies monthly_charges by 10 before scoring, while the log
 *           carries the true features, so the logged score is not what the
 *           model gives for the logged features (a parity failure).
 *
 * Output for people goes through `print`; the service logs through pino.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogShipper, type LogShipper } from '../client/logShipper.js';
import { configSchema, type Config } from '../config/schema.js';
import type { StoredModelVersion } from '../core/model.js';
import type { CheckKind, RunView } from '../core/run.js';
import { startService, type RunningService } from '../main.js';
import {
  assembleInputs,
  SessionCache,
  type FeatureRows,
  type LoadedModel,
} from '../scoring/index.js';
import { createLogger } from '../telemetry/logger.js';
import { demoFeatures, demoRows, UNSEEN_PAYMENT_METHOD, type DemoShift } from './demoData.js';
import { LabelFeed } from './labelFeed.js';

import { DEMO_MODEL, DEMO_VERSION, SKEW_FACTOR, STALE_POD } from './scenario.js';
import {
  describeRun,
  segmentOnlyDrift,
  summaryLines,
  type DemoOutcome,
  type DemoRunCount,
} from './demoReport.js';

export { DEMO_MODEL, DEMO_VERSION } from './scenario.js';
export {
  estimatedAuc,
  segmentOnlyDrift,
  skewNamed,
  summaryLines,
  type DemoOutcome,
  type DemoRunCount,
} from './demoReport.js';
/** Removed and recreated at each run when no data folder is given. */
export const DEFAULT_DEMO_DATA_DIR = '.driftwatch/demo-pg';

/** Cadence of the simulated pod: TICK_MS apart, ROWS_PER_TICK predictions each (80/s). */
const TICK_MS = 250;
const ROWS_PER_TICK = 20;
const POLL_MS = 2_000;
const DRIFT_SHIFT: DemoShift = {
  feature: 'tenure_months',
  sigma: 1,
  unseenPaymentShare: 0.15,
};
const SKEW_SHARE = 0.1;
/** Outcomes reach driftwatch this long after their predictions (weeks, for a real churn model). */
const LABEL_DELAY_MS = 20_000;
/**
 * The serving pod of a row, tagged `pod` on each record, by row position out
 * of 20 (rotated each tick): pod-a 40 %, pod-b 30 %, pod-c 25 %, and the
 * stale pod 5 % (see STALE_POD).
 */
function podOf(tick: number, row: number): string {
  // Rotated by tick: the rows of one position share a seeded draw order, so
  // a pod must not always get the same position.
  const slot = (row + 13 * tick) % 20;
  return slot === 0 ? STALE_POD : slot <= 5 ? 'pod-c' : slot <= 11 ? 'pod-b' : 'pod-a';
}

export type DemoPhase = 'normal' | 'drift' | 'drift+skew';

export interface DemoOptions {
  /** Length of the simulated traffic (start-up and the final checks come on top). */
  durationSeconds: number;
  /** HTTP port of the service; 0 picks a free one. */
  port: number;
  /** Embedded PostgreSQL folder: must be new or empty. Default {@link DEFAULT_DEMO_DATA_DIR}, wiped first. */
  dataDir?: string | undefined;
  /** Folder of model manifests (default `models`). */
  modelsDir?: string | undefined;
  /** One line for people. */
  print: (line: string) => void;
  /** pino level of the service's own logs (default `warn`). */
  logLevel?: string | undefined;
  /** Ends the traffic early; the final checks and the summary still run. */
  signal?: AbortSignal | undefined;
  /**
   * After the summary, keep the service (and its web UI) up until this
   * signal aborts, so the printed links stay open.
   */
  keepServingUntil?: AbortSignal | undefined;
}

/** Phase of the traffic at `fraction` (0–1) of the duration. */
export function phaseAt(fraction: number): DemoPhase {
  if (fraction < 1 / 3) return 'normal';
  if (fraction < 2 / 3) return 'drift';
  return 'drift+skew';
}

/** The demo's configuration: built-in defaults, the embedded database, checks every 10 s. */
export function demoConfig(options: {
  port: number;
  dataDir: string;
  modelsDir: string;
  logLevel: string;
}): Config {
  return configSchema.parse({
    server: { host: '127.0.0.1', port: options.port },
    database: { dataDir: options.dataDir, poolSize: 5 },
    models: {
      directory: options.modelsDir,
      settings: {
        [DEMO_MODEL]: {
          checks: {
            // Six-field cron: every 10 seconds. A one-minute window shows the
            // phases change within a few runs.
            drift: { schedule: '*/10 * * * * *', window: '1m', minSamples: 100 },
            parity: { schedule: '*/10 * * * * *', window: '1m', sampleSize: 2_000 },
            // Labels arrive LABEL_DELAY_MS late: the first runs can only
            // estimate; later ones set the realised metrics beside. The floor
            // sits under the demo model's held-out AUC (0.81).
            performance: {
              schedule: '*/10 * * * * *',
              window: '1m',
              minLabels: 200,
              floors: { auc: 0.7 },
            },
          },
          // Drift and performance per serving pod (four pods: all of them fit in the top 5).
          segments: [{ by: 'tag:pod', top: 5 }],
        },
      },
    },
    logging: { level: options.logLevel },
  });
}

function clock(startMs: number): string {
  const seconds = Math.floor((Date.now() - startMs) / 1000);
  return `[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}]`;
}

async function prepareDataDir(dataDir: string | undefined): Promise<string> {
  if (dataDir === undefined) {
    // The default folder belongs to the demo: start from nothing each time.
    await rm(DEFAULT_DEMO_DATA_DIR, { recursive: true, force: true });
    return DEFAULT_DEMO_DATA_DIR;
  }
  if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
    throw new Error(
      `--data-dir ${dataDir} is not empty: the demo needs a new or empty folder (it starts from a fresh database)`,
    );
  }
  return dataDir;
}

async function api<T>(
  url: string,
  init: { method?: string; body?: string; contentType?: string } = {},
): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: init.body, headers: { 'content-type': init.contentType ?? 'application/json' } }),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

/** The simulated serving pod: scores with the demo model and ships each prediction. */
class ServingPod {
  private tick = 0;
  logged = 0;

  constructor(
    private readonly loaded: LoadedModel,
    private readonly version: StoredModelVersion,
    private readonly shipper: LogShipper,
    /** Where each prediction's outcome waits until it is due. */
    private readonly labels: LabelFeed,
  ) {}

  async serve(phase: DemoPhase): Promise<void> {
    this.tick += 1;
    const shift = phase === 'normal' ? {} : DRIFT_SHIFT;
    const rows = demoRows(ROWS_PER_TICK, 10_000 + this.tick, shift);
    // The stale pod's cache serves support_calls = 0: the model sees it and the log says it.
    const logged = rows.map((row, i) =>
      podOf(this.tick, i) === STALE_POD
        ? { ...demoFeatures(row), support_calls: 0 }
        : demoFeatures(row),
    );
    // What the model is fed: with the skew, a units bug in the pod's
    // pipeline for one row in ten.
    const fed = logged.map((features, i) =>
      phase === 'drift+skew' && i % Math.round(1 / SKEW_SHARE) === 0
        ? { ...features, monthly_charges: Number(features.monthly_charges) * SKEW_FACTOR }
        : features,
    );
    const names = this.version.features.map((feature) => feature.name);
    const featureRows: FeatureRows = {
      rowCount: fed.length,
      value: (row, featureIndex) => fed[row]?.[names[featureIndex] ?? ''],
    };
    const startedMs = performance.now();
    const plan = this.loaded.planInputs(this.version.features);
    const inputs = assembleInputs(plan, featureRows);
    const scores = await this.loaded.score(inputs);
    const latencyMs = (performance.now() - startedMs) / fed.length;
    const nowMs = Date.now();
    const timestamp = new Date(nowMs).toISOString();
    inputs.rowIndex.forEach((row, i) => {
      const score = scores[i]!;
      const requestId = `demo-${this.tick}-${row}`;
      this.labels.add(requestId, rows[row]!.churned, nowMs);
      this.shipper.log({
        model: DEMO_MODEL,
        model_version: DEMO_VERSION,
        request_id: requestId,
        timestamp,
        features: logged[row],
        score,
        tags: { pod: podOf(this.tick, row) },
        prediction: score >= 0.5 ? 1 : 0,
        latency_ms: Math.round(latencyMs * 1000) / 1000,
      });
      this.logged += 1;
    });
  }
}

/** The newest drift run's segment-only drift, looking back over the drift runs that found one. */
async function firstSegmentOnlyDrift(baseUrl: string, runs: RunView[]): Promise<string | null> {
  const drifted = runs.filter((run) => run.kind === 'drift' && run.status === 'drift').reverse();
  for (const run of drifted.slice(0, 5)) {
    const found = segmentOnlyDrift(await api<RunView>(`${baseUrl}/v1/runs/${run.id}`));
    if (found) return `${found} (drift run ${run.id})`;
  }
  return null;
}

async function listRuns(baseUrl: string): Promise<RunView[]> {
  const all: RunView[] = [];
  let before: number | null = null;
  do {
    const query: string = before === null ? 'limit=500' : `limit=500&before=${before}`;
    const page: { runs: RunView[]; next_before: number | null } = await api(
      `${baseUrl}/v1/models/${DEMO_MODEL}/runs?${query}`,
    );
    all.push(...page.runs);
    before = page.next_before;
  } while (before !== null);
  return all.sort((a, b) => a.id - b.id);
}

/**
 * Runs the demo from start to summary and stops everything it started.
 * Throws when the service cannot start; the verdicts are in the outcome.
 */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const { print } = options;
  const startMs = Date.now();
  const say = (line: string): void => print(`${clock(startMs)} ${line}`);
  const modelsDir = options.modelsDir ?? 'models';
  const dataDir = await prepareDataDir(options.dataDir);
  const config = demoConfig({
    port: options.port,
    dataDir,
    modelsDir,
    logLevel: options.logLevel ?? 'warn',
  });

  say(`starting the embedded PostgreSQL in ${path.resolve(dataDir)} and the service…`);
  const service: RunningService = await startService(config, {
    logger: createLogger(config.logging.level, { format: config.logging.format }),
  });
  const baseUrl = service.url;
  const sessions = new SessionCache({
    modelsDir,
    intraOpThreads: 1,
    logger: service.logger.child({ component: 'demo-pod' }),
  });
  let shipper: LogShipper | undefined;
  try {
    say(`driftwatch is listening on ${baseUrl}`);
    say(`  web UI:   ${baseUrl}/   (models, run history, each run's distributions)`);
    say(`  metrics:  ${baseUrl}/metrics   (driftwatch_* series; try grep drift)`);
    say(`  API:      ${baseUrl}/openapi.json, runs at ${baseUrl}/v1/models/${DEMO_MODEL}/runs`);

    const version = await service.registry.get(DEMO_MODEL, DEMO_VERSION);
    if (!version?.onnx) {
      throw new Error(
        `model ${DEMO_MODEL} version ${DEMO_VERSION} with an ONNX artifact is not in ${modelsDir}/`,
      );
    }
    const versions = (await service.registry.list())
      .filter((v) => v.model === DEMO_MODEL)
      .map((v) => v.version);
    say(`registered from ${modelsDir}/: ${DEMO_MODEL} versions ${versions.join(', ')}`);

    // The training rows are the reference of every version (docs/models.md);
    // a scheduled run before traffic arrives checks the newest version, which
    // then says insufficient_data rather than failing for want of a reference.
    const referenceFile = path.join(modelsDir, DEMO_MODEL, 'reference.csv');
    const reference = await readFile(referenceFile, 'utf8');
    for (const v of versions) {
      const target = `/v1/models/${DEMO_MODEL}/versions/${encodeURIComponent(v)}/reference`;
      const imported = await api<{ rows?: number }>(`${baseUrl}${target}`, {
        method: 'PUT',
        body: reference,
        contentType: 'text/csv',
      });
      say(`imported ${imported.rows ?? 0} reference rows from ${referenceFile} (PUT ${target})`);
    }

    const loaded = await sessions.get(DEMO_MODEL, DEMO_VERSION, version.onnx);
    shipper = createLogShipper({ url: baseUrl, batchSize: 500, flushIntervalMs: 500 });
    const labels = new LabelFeed(LABEL_DELAY_MS);
    const pod = new ServingPod(loaded, version, shipper, labels);
    let labelsSent = 0;
    const sendDueLabels = async (): Promise<void> => {
      const due = labels.due(Date.now());
      if (due.length === 0) return;
      await api(`${baseUrl}/v1/labels`, {
        method: 'POST',
        body: JSON.stringify(due.map((label) => ({ model: DEMO_MODEL, ...label }))),
      });
      labelsSent += due.length;
    };
    const durationMs = options.durationSeconds * 1000;
    say(
      `serving pod: scoring ${(ROWS_PER_TICK * 1000) / TICK_MS} predictions/s with ${DEMO_MODEL} v${DEMO_VERSION} (onnxruntime) and shipping them with driftwatch/client, for ${options.durationSeconds}s`,
    );
    say(
      `checks: drift, parity and performance every 10 s on a 1-minute window (first runs may lack data)`,
    );
    say(
      `labels: each prediction's outcome reaches POST /v1/labels ${LABEL_DELAY_MS / 1000} s late; until then the performance runs estimate AUC from the scores alone`,
    );
    say(
      `serving pods: pod-a 40 %, pod-b 30 %, pod-c 25 %, ${STALE_POD} 5 % of the traffic (tag pod, segments by tag:pod); ${STALE_POD}'s stale feature cache serves support_calls = 0 throughout — too little traffic to move the whole window`,
    );

    // Scheduled runs are reported as they land, through the API.
    const seen = new Set<number>();
    let trafficDone = false;
    const reportNewRuns = async (): Promise<void> => {
      for (const run of await listRuns(baseUrl)) {
        if (seen.has(run.id)) continue;
        seen.add(run.id);
        const detailed =
          run.kind === 'drift' && run.status === 'drift'
            ? await api<RunView>(`${baseUrl}/v1/runs/${run.id}`)
            : run;
        say(describeRun(detailed, baseUrl));
      }
    };
    const watcher = (async () => {
      while (!trafficDone) {
        await sleep(POLL_MS);
        await reportNewRuns().catch((error: unknown) =>
          say(`could not list runs: ${error instanceof Error ? error.message : String(error)}`),
        );
      }
    })();

    const trafficStartMs = Date.now();
    let phase: DemoPhase | undefined;
    let failures = 0;
    try {
      for (;;) {
        const elapsedMs = Date.now() - trafficStartMs;
        if (elapsedMs >= durationMs || options.signal?.aborted) break;
        const current = phaseAt(elapsedMs / durationMs);
        if (current !== phase) {
          phase = current;
          if (current === 'normal') say('phase normal: traffic looks like the reference');
          else if (current === 'drift')
            say(
              `phase drift: tenure_months shifts +1 SD, new payment method '${UNSEEN_PAYMENT_METHOD}' for 15 % of customers`,
            );
          else
            say(
              `phase drift + serving skew: the pod multiplies monthly_charges by ${SKEW_FACTOR} before scoring for ${SKEW_SHARE * 100} % of rows, the log keeps the true value`,
            );
        }
        try {
          await pod.serve(current);
          await sendDueLabels();
        } catch (error) {
          failures += 1;
          if (failures <= 3)
            say(
              `serving pod: scoring failed: ${error instanceof Error ? error.message : String(error)}`,
            );
        }
        await sleep(Math.max(0, TICK_MS - ((Date.now() - trafficStartMs) % TICK_MS)));
      }
    } finally {
      trafficDone = true;
      await watcher;
    }

    const flushed = await shipper.flush({ timeoutMs: 15_000 });
    const stats = shipper.stats();
    say(
      `traffic over: ${pod.logged} predictions logged, ${stats.sent} stored${flushed ? '' : ` (${stats.buffered} still buffered)`}, ${stats.dropped.rejected + stats.dropped.overflow} dropped`,
    );
    await reportNewRuns().catch(() => undefined);

    say(`labels: ${labelsSent} outcomes posted so far, ${labels.size} still on their way`);
    say('final checks on demand (POST /v1/models/demo-churn/checks/<kind>/run):');
    const final: Partial<Record<CheckKind, RunView>> = {};
    for (const kind of ['drift', 'parity', 'performance'] as const) {
      const body = await api<{ runs: RunView[] }>(
        `${baseUrl}/v1/models/${DEMO_MODEL}/checks/${kind}/run?version=${DEMO_VERSION}`,
        { method: 'POST' },
      );
      const run = body.runs[0];
      if (run) {
        seen.add(run.id);
        final[kind] = run;
        say(`  ${describeRun(run, baseUrl)}`);
      }
    }

    const runs = await listRuns(baseUrl);
    const counts = new Map<string, DemoRunCount>();
    for (const run of runs) {
      const key = `${run.kind}/${run.status}`;
      const entry = counts.get(key) ?? { kind: run.kind, status: run.status, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    const runCounts = [...counts.values()].sort(
      (a, b) => a.kind.localeCompare(b.kind) || a.status.localeCompare(b.status),
    );
    const outcome: DemoOutcome = {
      url: baseUrl,
      predictionsShipped: stats.sent,
      runCounts,
      driftDetected: runs.some((run) => run.kind === 'drift' && run.status === 'drift'),
      parityDegraded: runs.some((run) => run.kind === 'parity' && run.status === 'degraded'),
      finalDrift: final.drift,
      finalParity: final.parity,
      finalPerformance: final.performance,
      segmentOnlyDrift: runs.some((run) => run.kind === 'drift')
        ? await firstSegmentOnlyDrift(baseUrl, runs)
        : null,
    };
    for (const line of summaryLines(outcome)) print(line);
    const keep = options.keepServingUntil;
    if (keep && !keep.aborted) {
      print('');
      print(`the service stays up for the web UI at ${baseUrl}/ — Ctrl-C stops it`);
      await new Promise((resolve) => keep.addEventListener('abort', resolve, { once: true }));
    }
    return outcome;
  } finally {
    await shipper?.close({ timeoutMs: 2_000 });
    await sessions.close();
    await service.close();
  }
}
