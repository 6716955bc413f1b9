/**
 * Drift runs through the service's API, end to end —
 * `POST /v1/models/bench/checks/drift/run?version=…&window=…` — with the CPU
 * each used (service, PostgreSQL, everything else) and the run's own view:
 * its path (`exact`, `approximate`, `summaries`…), rows and duration.
 */
import { performance } from 'node:perf_hooks';
import { BENCH_MODEL } from '../checkData.js';
import { cpuBetween, othersCpu, snapshotCpu, type RunningService } from '../lib/index.js';

export interface ResultView {
  feature: string;
  test: string;
  statistic: number | null;
  drifted: boolean;
}

export interface RunView {
  status: string;
  path: string | null;
  rows: number | null;
  duration_ms: number;
  error: string | null;
  summary: { driftedFeatures?: string[]; approximation?: { ksErrorBound?: number } };
  results?: ResultView[];
}

export interface HttpRun {
  wallMs: number;
  view: RunView;
  serviceCpu: number;
  postgresCpu: number;
  othersCpu: number;
}

export async function runDriftCheck(
  service: RunningService,
  database: string,
  version: string,
  window: string,
): Promise<HttpRun> {
  const before = snapshotCpu(database, [service.pid]);
  const started = performance.now();
  const response = await fetch(
    `${service.url}/v1/models/${BENCH_MODEL}/checks/drift/run?version=${encodeURIComponent(version)}&window=${window}`,
    { method: 'POST' },
  );
  const text = await response.text();
  const wallMs = performance.now() - started;
  const cpu = cpuBetween(before, snapshotCpu(database, [service.pid]));
  if (!response.ok) throw new Error(`the drift run failed: ${response.status} ${text}`);
  const view = (JSON.parse(text) as { runs: RunView[] }).runs[0];
  if (!view) throw new Error('the drift run returned no run');
  if (view.status === 'error') throw new Error(`the drift run ended in error: ${view.error}`);
  return {
    wallMs,
    view,
    serviceCpu: cpu.byPid.get(service.pid) ?? 0,
    postgresCpu: cpu.postgres,
    othersCpu: othersCpu(cpu),
  };
}

/** The fastest of the warm runs (all but the first), or the first when it is alone. */
export function bestWarm(runs: readonly HttpRun[]): HttpRun {
  const warm = runs.length > 1 ? runs.slice(1) : runs;
  return warm.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
}

/** KS statistics of a run's results, by feature. */
export function ksStatistics(results: readonly ResultView[] | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of results ?? [])
    if (r.test === 'ks' && r.statistic !== null) out.set(r.feature, r.statistic);
  return out;
}
