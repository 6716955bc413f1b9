/**
 * Scale-out: three driftwatch replicas (three services in this process, each
 * with its own pools, HTTP server and scheduler) on ONE database, as behind a
 * load balancer.
 *
 * - Interleaved batches go round-robin to the replicas, concurrently; a third
 *   of them is retried on another replica, as a load balancer routes a retry
 *   (half of those retries race the original, half follow its answer). The
 *   table ends with exactly one row per record.
 * - A drift check run through one replica decides exactly what a single
 *   replica decides on a second database that received each record once.
 *   On the minute-summary path (exactLimit lowered below the window) the
 *   fleet's partials differ from the single replica's, so its sketches do:
 *   the decision is the same, categorical numbers equal, KS statistics
 *   within the two runs' bounds of each other.
 * - The minute summaries built at ingest equal those of the single replica:
 *   counts, min, max and categories exactly, sums to rounding, quantiles
 *   within the sketch's bound of the stored values' exact ranks.
 * - A per-second drift schedule runs each slot at most once across the three.
 *   In one process the three share one lease owner name (hostname:pid), so
 *   which replica ran a slot is read from each replica's own run counter;
 *   the lease itself rests on the (job, slot) key and the per-job lock.
 *
 * Waits are bounded polls (test/helpers/until.ts), never fixed sleeps.
 */
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startService, type RunningService } from '../../src/main.js';
import { churnRows, predictionRecords, referenceCsv } from '../helpers/churnData.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { CHURN_DEFINITION } from '../helpers/records.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';
import { until } from '../helpers/until.js';
import { createPool } from '../../src/storage/pool.js';
import type { RunView } from '../../src/core/run.js';
import { DriftCheck, type DriftCheckOutcome } from '../../src/checks/driftCheck.js';
import { MinuteWindows } from '../../src/checks/minuteWindow.js';
import { WindowSummaries } from '../../src/checks/windowSummaries.js';
import { modelCheckSettings } from '../../src/config/schema.js';
import type { SketchApproximation } from '../../src/drift/types.js';
import { MinuteSummaryStore } from '../../src/storage/minuteSummaryStore.js';
import { ReferenceStore } from '../../src/storage/referenceStore.js';
import { SummaryStore } from '../../src/storage/summaryStore.js';
import type { MinuteSummaryReport, NumericReport } from '../../src/drift/minute/report.js';

const REPLICAS = 3;
const BATCHES = 60;
const BATCH_SIZE = 200;
const RECORDS = BATCHES * BATCH_SIZE;
/** Batches in flight at once across the replicas (each may carry a racing retry). */
const SENDERS = 6;
/** How long the per-second schedule is watched, at least. */
const OBSERVE_MS = 4_500;

interface IngestBody {
  accepted: number;
  duplicates: number;
  rejected: unknown[];
}

/** The summaries endpoint's answer: the merged report and the minutes it covers. */
type SummaryWindow = MinuteSummaryReport & { minutes: { minute: string; rows: number }[] };

/** Counts, min and max exactly; sums to 12 significant digits (added in another order). */
function exactNumeric(n: NumericReport) {
  return {
    count: n.count,
    missing: n.missing,
    min: n.min,
    max: n.max,
    sum: Number(n.sum.toPrecision(12)),
    sum_squares: Number(n.sum_squares.toPrecision(12)),
  };
}

/** What a batch is sent as: once, retried after its answer, or retried while in flight. */
type Delivery = 'once' | 'retry-after' | 'retry-racing';

function deliveryOf(batch: number): Delivery {
  if (batch % 6 === 0) return 'retry-racing';
  if (batch % 6 === 3) return 'retry-after';
  return 'once';
}

async function post(url: string, body: string): Promise<IngestBody> {
  const response = await call<IngestBody>(url, '/v1/predictions', {
    raw: body,
    contentType: 'application/x-ndjson',
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.rejected).toEqual([]);
  return response.body;
}

/** Runs `work(0..count-1)` on `workers` concurrent loops, in index order. */
async function inParallel(
  count: number,
  workers: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

async function register(url: string, model: string, reference: string): Promise<void> {
  const created = await call(url, `/v1/models/${model}/versions/1`, {
    method: 'PUT',
    body: CHURN_DEFINITION,
  });
  expect(created.status).toBe(201);
  const imported = await call(url, `/v1/models/${model}/versions/1/reference`, {
    method: 'PUT',
    raw: reference,
    contentType: 'text/csv',
  });
  expect(imported.status).toBe(200);
}

async function runDrift(url: string): Promise<RunView> {
  const response = await call<{ runs: RunView[] }>(
    url,
    '/v1/models/churn/checks/drift/run?version=1',
    { method: 'POST' },
  );
  expect(response.status).toBe(200);
  expect(response.body.runs).toHaveLength(1);
  return response.body.runs[0]!;
}

/**
 * The decision of a run, statistics to 12 significant digits: the rows are
 * the same, but their physical order differs between the two databases, and
 * a floating-point sum may depend on it in the last bits.
 */
function decision(view: RunView) {
  const round = (value: number | null) => (value === null ? null : Number(value.toPrecision(12)));
  return {
    status: view.status,
    path: view.path,
    rows: view.rows,
    driftedFeatures: view.summary.driftedFeatures,
    results: (view.results ?? [])
      .map((r) => ({
        feature: r.feature,
        test: r.test,
        status: r.status,
        drifted: r.drifted,
        statistic: round(r.statistic),
        p_value: round(r.p_value),
        adjusted_p_value: round(r.adjusted_p_value),
        effect_size: round(r.effect_size),
        n_reference: r.n_reference,
        n_current: r.n_current,
        missing_current: r.missing_current,
      }))
      .sort((a, b) => `${a.feature}/${a.test}`.localeCompare(`${b.feature}/${b.test}`)),
  };
}

/** Sum of one replica's `driftwatch_check_runs_total` samples for drift runs of `model`. */
function driftRunsCounted(metrics: string, model: string): number {
  const prefix = `driftwatch_check_runs_total{model="${model}",kind="drift",`;
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('three replicas on one database', () => {
  let shared: TestDatabase;
  let db: pg.Pool;
  const replicas: RunningService[] = [];
  let single: TestService;
  const reference = referenceCsv(churnRows(5_000, 1));
  // A drifted window: tenure shifted by half a standard deviation, 10 % of
  // regions unseen in the reference.
  const records = predictionRecords(
    churnRows(RECORDS, 7, { tenureSigma: 0.5, newRegionShare: 0.1 }),
    {
      model: 'churn',
      version: '1',
      idPrefix: 'r',
      nowMs: Date.now(),
      spreadMs: 50 * 60_000,
    },
  );
  const bodies = Array.from({ length: BATCHES }, (_, b) =>
    ndjson(records.slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE)),
  );

  function startReplica(): Promise<RunningService> {
    const config = loadConfig({
      file: 'test/fixtures/driftwatch.test.yaml',
      env: { DATABASE_URL: shared.url, DRIFTWATCH_PORT: '0' },
    });
    return startService(config, {
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
  }

  beforeAll(async () => {
    shared = await createTestDatabase();
    db = new pg.Pool({ connectionString: shared.url, max: 2 });
    // The first replica migrates and registers the models, so the others
    // schedule model "scheduled" (drift every second) from their start; the
    // other two then start together.
    replicas.push(await startReplica());
    await register(replicas[0]!.url, 'churn', reference);
    await register(replicas[0]!.url, 'scheduled', referenceCsv(churnRows(500, 2)));
    replicas.push(...(await Promise.all([startReplica(), startReplica()])));
    single = await startTestService();
    await register(single.url, 'churn', reference);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await db?.end();
    await shared?.drop();
    await single?.close();
  });

  it('stores exactly one row per record when batches and their retries spread over the replicas', async () => {
    const answers: { batch: number; delivery: Delivery; bodies: IngestBody[] }[] = [];
    await inParallel(BATCHES, SENDERS, async (batch) => {
      const first = replicas[batch % REPLICAS]!.url;
      const retry = replicas[(batch + 1) % REPLICAS]!.url;
      const body = bodies[batch]!;
      const delivery = deliveryOf(batch);
      let got: IngestBody[];
      if (delivery === 'once') got = [await post(first, body)];
      else if (delivery === 'retry-after') got = [await post(first, body), await post(retry, body)];
      else got = await Promise.all([post(first, body), post(retry, body)]);
      answers.push({ batch, delivery, bodies: got });
    });

    expect(answers).toHaveLength(BATCHES);
    for (const { batch, delivery, bodies: got } of answers) {
      const accepted = got.map((g) => g.accepted);
      const duplicates = got.map((g) => g.duplicates);
      if (delivery === 'once')
        expect([accepted, duplicates], `batch ${batch}`).toEqual([[200], [0]]);
      if (delivery === 'retry-after') {
        expect([accepted, duplicates], `batch ${batch}`).toEqual([
          [200, 0],
          [0, 200],
        ]);
      }
      if (delivery === 'retry-racing') {
        // Whichever commits first stores the batch; the other finds every id stored.
        expect(
          [...accepted].sort((a, b) => a - b),
          `batch ${batch}`,
        ).toEqual([0, 200]);
        expect(
          [...duplicates].sort((a, b) => a - b),
          `batch ${batch}`,
        ).toEqual([0, 200]);
      }
    }
    expect(answers.filter((a) => a.delivery !== 'once')).toHaveLength(BATCHES / 3);

    const { rows } = await db.query<{ rows: number; ids: number; keys: number }>(
      `SELECT (SELECT count(*) FROM predictions)::int AS rows,
              (SELECT count(DISTINCT request_id) FROM predictions)::int AS ids,
              (SELECT count(*) FROM prediction_keys)::int AS keys`,
    );
    expect(rows[0]).toEqual({ rows: RECORDS, ids: RECORDS, keys: RECORDS });
  });

  it('decides drift as one replica that received each record once', async () => {
    await inParallel(BATCHES, 2, async (batch) => {
      expect(await post(single.url, bodies[batch]!)).toMatchObject({
        accepted: BATCH_SIZE,
        duplicates: 0,
      });
    });

    const fleetRun = await runDrift(replicas[1]!.url);
    const singleRun = await runDrift(single.url);
    expect(singleRun.status).toBe('drift');
    expect(singleRun.rows).toBe(RECORDS);
    expect(decision(fleetRun)).toEqual(decision(singleRun));
    const drifted = (view: RunView) =>
      (view.results ?? [])
        .filter((r) => (r.test === 'ks' || r.test === 'chi_square') && r.drifted)
        .map((r) => r.feature)
        .sort();
    expect(drifted(fleetRun)).toEqual(['region', 'tenure_months']);

    // The run is the fleet's: another replica serves it as stored.
    const served = await call<RunView>(replicas[2]!.url, `/v1/runs/${fleetRun.id}`);
    expect(served.status).toBe(200);
    expect(decision(served.body)).toEqual(decision(fleetRun));
  });

  it('builds the same minute summaries as one replica that received each record once', async () => {
    // Runs after the drift test, which sent every record once to `single`.
    const window = async (url: string) => {
      const response = await call<SummaryWindow>(
        url,
        '/v1/models/churn/versions/1/summaries?window=2h',
      );
      expect(response.status).toBe(200);
      return response.body;
    };
    const fleet = await window(replicas[2]!.url);
    const one = await window(single.url);
    expect(fleet.rows).toBe(RECORDS);
    expect(one.rows).toBe(RECORDS);
    expect(fleet.minutes).toEqual(one.minutes);
    // Partials differ (batches split differently across minutes and
    // transactions), so sums agree to rounding; everything else exactly.
    const exact = (view: SummaryWindow) => ({
      score: exactNumeric(view.score),
      numeric: Object.fromEntries(
        Object.entries(view.numeric).map(([name, n]) => [name, exactNumeric(n)]),
      ),
      categorical: view.categorical,
    });
    expect(exact(fleet)).toEqual(exact(one));
    // Quantiles: each within its own bound of the exact ranks of the stored values.
    const { rows } = await db.query<{ v: number }>(
      'SELECT num_values[1] AS v FROM predictions ORDER BY 1',
    );
    const values = rows.map((r) => r.v);
    for (const view of [fleet, one]) {
      const tenure = view.numeric.tenure_months!;
      for (const [name, y] of Object.entries(tenure.quantiles!)) {
        const q = Number(name.slice(1)) / 100;
        const atMost = values.filter((v) => v <= y).length / values.length;
        const below = values.filter((v) => v < y).length / values.length;
        expect(atMost, name).toBeGreaterThanOrEqual(q - tenure.rank_error_bound - 1e-12);
        expect(below, name).toBeLessThanOrEqual(q + tenure.rank_error_bound + 1e-12);
      }
    }
  });

  it('decides drift on the minute summaries as one replica that received each record once', async () => {
    // Runs after the drift test, which sent every record once to `single`.
    const config = loadConfig({
      file: 'test/fixtures/driftwatch.test.yaml',
      env: { DATABASE_URL: shared.url },
    });
    const evaluate = async (url: string, service: RunningService): Promise<DriftCheckOutcome> => {
      const pool = createPool({ url, max: 2 });
      try {
        const references = new ReferenceStore(pool);
        const check = new DriftCheck(
          pool,
          references,
          new WindowSummaries(pool, new SummaryStore(pool), references),
          new MinuteWindows(new MinuteSummaryStore(pool)),
        );
        const version = (await service.registry.get('churn', '1'))!;
        const settings = modelCheckSettings(config, 'churn').drift;
        const endMs = Date.now();
        return await check.evaluate(
          version,
          { ...settings, exactLimit: 1_000 },
          { startMs: endMs - 2 * 3_600_000, endMs },
        );
      } finally {
        await pool.end();
      }
    };
    const fleet = await evaluate(shared.url, replicas[0]!);
    const one = await evaluate(single.database.url, single.service);
    for (const outcome of [fleet, one]) {
      expect(outcome.path).toBe('summaries');
      expect(outcome.rows).toBe(RECORDS);
    }
    expect(fleet.report.status).toBe('drift');
    // The run's decisions: each feature's verdict, and the rows it rests on
    // (KS within its bound, counts exact). PSI and Wasserstein rows are
    // effect sizes read off each replica's own sketch — an equally valid but
    // different compaction of the same values — so their own threshold flag
    // may differ near its threshold (a PSI of 0.25 ± sketch error); they are
    // compared by their counts only.
    const DECIDING = new Set(['ks', 'chi_square', 'missing_rate']);
    const decided = (outcome: DriftCheckOutcome) => ({
      features: outcome.report.features.map((f) => [f.feature, f.status, f.drifted]),
      rows: outcome.report.results.map((r) => ({
        feature: r.feature,
        test: r.test,
        ...(DECIDING.has(r.test) ? { drifted: r.drifted } : {}),
        nCurrent: r.nCurrent,
        missingCurrent: r.missingCurrent,
      })),
    });
    expect(decided(fleet)).toEqual(decided(one));
    const bound = (outcome: DriftCheckOutcome, feature: string) =>
      (outcome.report.approximation as SketchApproximation).features.find(
        (f) => f.feature === feature,
      )!.ksErrorBound!;
    for (const [i, row] of fleet.report.results.entries()) {
      const other = one.report.results[i]!;
      if (row.test === 'ks') {
        expect(Math.abs(row.statistic! - other.statistic!), row.feature).toBeLessThanOrEqual(
          bound(fleet, row.feature) + bound(one, row.feature),
        );
      } else if (row.test === 'chi_square' || row.test === 'missing_rate') {
        // From exact counts: equal but for the order of additions.
        expect(row.statistic!, row.feature).toBeCloseTo(other.statistic!, 9);
      }
    }
    expect(
      fleet.report.features
        .filter((f) => f.drifted)
        .map((f) => f.feature)
        .sort(),
    ).toEqual(['region', 'tenure_months']);
  });

  it('runs each slot of a per-second schedule at most once across the replicas', async () => {
    for (const replica of replicas) {
      // Each replica has the job (its missed-slot series start at 0 when it is added).
      const metrics = (await call<string>(replica.url, '/metrics')).body;
      expect(metrics).toContain(
        'driftwatch_check_slots_missed_total{model="scheduled",kind="drift"',
      );
    }
    const startedMs = Date.now();
    const slotsSince = async (ms: number): Promise<number> => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM scheduler_slots WHERE job = 'drift:scheduled' AND slot >= $1`,
        [new Date(ms)],
      );
      return rows[0]!.n;
    };
    await until(
      async () => Date.now() - startedMs >= OBSERVE_MS && (await slotsSince(startedMs)) >= 3,
      'a few seconds of the per-second schedule',
      20_000,
      100,
    );
    // Stop every schedule and wait for runs in flight, so claims and runs are final.
    await Promise.all(
      replicas.map((replica) => {
        expect(replica.scheduler).not.toBeNull();
        return replica.scheduler!.stop({ timeoutMs: 10_000 });
      }),
    );

    const claims = (
      await db.query<{ slot: Date; claimed_at: Date; finished_at: Date | null }>(
        `SELECT slot, claimed_at, finished_at FROM scheduler_slots
          WHERE job = 'drift:scheduled' ORDER BY slot`,
      )
    ).rows;
    const runs = (
      await db.query<{ window_end: Date; trigger: string; status: string }>(
        `SELECT window_end, trigger, status FROM check_runs
          WHERE model = 'scheduled' AND kind = 'drift' ORDER BY window_end`,
      )
    ).rows;

    expect(claims.every((claim) => claim.finished_at !== null)).toBe(true);
    expect(runs.every((run) => run.trigger === 'schedule')).toBe(true);
    // No traffic for this model: each run says so, none fails.
    expect(new Set(runs.map((run) => run.status))).toEqual(new Set(['insufficient_data']));

    // Each run belongs to the slot claimed last before it started (a run's
    // window ends when it starts); no slot may own two runs.
    const runsPerSlot = new Map<number, number>();
    for (const run of runs) {
      const owner = claims.findLast((claim) => claim.claimed_at <= run.window_end);
      expect(owner, `run at ${run.window_end.toISOString()}`).toBeDefined();
      expect(run.window_end.getTime()).toBeLessThanOrEqual(owner!.finished_at!.getTime());
      const slot = owner!.slot.getTime();
      runsPerSlot.set(slot, (runsPerSlot.get(slot) ?? 0) + 1);
    }
    expect([...runsPerSlot.values()].filter((count) => count > 1)).toEqual([]);
    // ...and every claimed slot ran: as many runs as claims.
    expect(runs).toHaveLength(claims.length);
    expect(
      claims.filter((claim) => claim.slot.getTime() >= startedMs).length,
    ).toBeGreaterThanOrEqual(3);

    // What each replica ran, by its own counter, adds up to the stored runs.
    const perReplica = await Promise.all(
      replicas.map(async (replica) =>
        driftRunsCounted((await call<string>(replica.url, '/metrics')).body, 'scheduled'),
      ),
    );
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(runs.length);
  });
});
