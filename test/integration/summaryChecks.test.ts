/**
 * Drift checks on the minute summaries built at ingest (model "summ":
 * exactLimit 1000 in the test config, so these windows take the
 * `summaries` path), and compaction of closed minutes.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildReferenceProfile,
  evaluateDrift,
  SCORE_FEATURE,
  type DriftReport,
} from '../../src/drift/index.js';
import type { SketchApproximation } from '../../src/drift/types.js';
import type { RunView } from '../../src/core/run.js';
import { compactClosedMinutes } from '../../src/scheduler/compactionJob.js';
import { MinuteSummaryStore } from '../../src/storage/minuteSummaryStore.js';
import { createPool, type Pool } from '../../src/storage/pool.js';
import { churnRows, predictionRecords, referenceCsv, type ChurnRow } from '../helpers/churnData.js';
import { CHURN_DEFINITION, CHURN_FEATURES } from '../helpers/records.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';

const NAMES = ['tenure_months', 'monthly_charges', 'support_calls', 'plan', 'region'] as const;
const logger = pino({ level: 'silent' });

async function postAll(url: string, records: readonly Record<string, unknown>[], batch = 500) {
  for (let i = 0; i < records.length; i += batch) {
    const response = await call<{ accepted: number; rejected: unknown[] }>(url, '/v1/predictions', {
      raw: ndjson(records.slice(i, i + batch)),
      contentType: 'application/x-ndjson',
    });
    expect(response.status).toBe(200);
    expect(response.body.rejected).toEqual([]);
  }
}

async function putReference(url: string, version: string, rows: readonly ChurnRow[]) {
  const imported = await call(url, `/v1/models/summ/versions/${version}/reference`, {
    method: 'PUT',
    raw: referenceCsv(rows),
    contentType: 'text/csv',
  });
  expect(imported.status).toBe(200);
}

async function runDrift(url: string, version: string): Promise<RunView> {
  const response = await call<{ runs: RunView[] }>(
    url,
    `/v1/models/summ/checks/drift/run?version=${version}`,
    { method: 'POST' },
  );
  expect(response.status).toBe(200);
  return response.body.runs[0]!;
}

/** The exact path's report on the same rows. */
function exactReport(reference: readonly ChurnRow[], window: readonly ChurnRow[]): DriftReport {
  const columns = (rows: readonly ChurnRow[]) =>
    Object.fromEntries(NAMES.map((name) => [name, rows.map((r) => r[name])]));
  const profile = buildReferenceProfile(
    CHURN_FEATURES.map((f) => ({ name: f.name, type: f.type })),
    columns(reference),
    reference.map((r) => r.score),
  );
  return evaluateDrift({
    reference: profile,
    current: { features: columns(window), score: window.map((r) => r.score) },
  });
}

/**
 * The run agrees with the exact report: the same sizes, categorical numbers
 * equal, KS within the run's own bound, the exact p-value inside the
 * reported range, the same verdicts.
 */
function expectAgreement(view: RunView, exact: DriftReport): void {
  expect(view.path).toBe('summaries');
  const approximation = view.summary.approximation as SketchApproximation;
  const bounds = new Map(approximation.features.map((f) => [f.feature, f]));
  for (const feature of [...exact.features, exact.score!]) {
    const row = view.results!.find(
      (r) => r.feature === feature.feature && r.test === feature.decisive.test,
    )!;
    expect(row.n_current, feature.feature).toBe(feature.decisive.nCurrent);
    if (feature.kind === 'categorical') {
      // The same counts; the sums may add them in another order (last bits).
      const close = (a: number | null, b: number | null) =>
        expect(Math.abs(a! - b!), feature.feature).toBeLessThanOrEqual(1e-12 * Math.abs(b!));
      close(row.statistic, feature.decisive.statistic);
      close(row.p_value, feature.decisive.pValue);
    } else {
      const bound = bounds.get(feature.feature)!;
      expect(bound.ksErrorBound).toBeGreaterThan(0);
      expect(Math.abs(row.statistic! - feature.decisive.statistic!)).toBeLessThanOrEqual(
        bound.ksErrorBound!,
      );
      expect(feature.decisive.pValue!).toBeGreaterThanOrEqual(bound.pValueRange![0]);
      expect(feature.decisive.pValue!).toBeLessThanOrEqual(bound.pValueRange![1]);
    }
    expect(row.drifted, feature.feature).toBe(feature.drifted);
  }
}

/** Everything a run decided, for before/after comparisons. */
function decision(view: RunView) {
  return {
    status: view.status,
    path: view.path,
    rows: view.rows,
    approximation: view.summary.approximation,
    results: view.results,
  };
}

describe('drift checks on minute summaries', () => {
  let t: TestService;
  let pool: Pool;
  const reference = churnRows(4_000, 31);
  const window = churnRows(12_000, 32, { tenureSigma: 0.5, newRegionShare: 0.05 });
  const nowMs = Date.now();

  beforeAll(async () => {
    t = await startTestService();
    pool = createPool({ url: t.database.url, max: 4 });
    for (const version of ['1', '2']) {
      const created = await call(t.url, `/v1/models/summ/versions/${version}`, {
        method: 'PUT',
        body: CHURN_DEFINITION,
      });
      expect(created.status).toBe(201);
    }
    // Version 1 has its reference before ingest; version 2 gets one only afterwards.
    await putReference(t.url, '1', reference);
    for (const version of ['1', '2']) {
      await postAll(
        t.url,
        predictionRecords(window, {
          model: 'summ',
          version,
          idPrefix: `s${version}`,
          nowMs,
          spreadMs: 40 * 60_000,
        }),
      );
    }
  }, 180_000);

  afterAll(async () => {
    await pool?.end();
    await t?.close();
  });

  it('agrees with the exact path on the same rows within the reported bound', async () => {
    const view = await runDrift(t.url, '1');
    expect(view.rows).toBe(window.length);
    expect(view.status).toBe('drift');
    const exact = exactReport(reference, window);
    expectAgreement(view, exact);
    expect(
      view
        .results!.filter((r) => (r.test === 'ks' || r.test === 'chi_square') && r.drifted)
        .map((r) => r.feature)
        .sort(),
    ).toEqual(['region', 'tenure_months']);
    const minutes = view.summary.minutes as { minutesWithRows: number; partials: number };
    expect(minutes.minutesWithRows).toBeGreaterThanOrEqual(40);
    expect(minutes.partials).toBeGreaterThan(minutes.minutesWithRows);
    expect((view.summary.approximation as SketchApproximation).features.at(-1)!.feature).toBe(
      SCORE_FEATURE,
    );
  });

  it('serves a reference uploaded after ingest, and another one after that', async () => {
    await putReference(t.url, '2', reference);
    const first = await runDrift(t.url, '2');
    expectAgreement(first, exactReport(reference, window));
    // A reference shifted like the window: the same rows now show no tenure drift.
    const shifted = churnRows(4_000, 33, { tenureSigma: 0.5, newRegionShare: 0.05 });
    await putReference(t.url, '2', shifted);
    const second = await runDrift(t.url, '2');
    expectAgreement(second, exactReport(shifted, window));
    const tenure = (v: RunView) =>
      v.results!.find((r) => r.feature === 'tenure_months' && r.test === 'ks')!.drifted;
    expect([tenure(first), tenure(second)]).toEqual([true, false]);
  });

  it('compacts closed minutes exactly: the same summaries and the same check result', async () => {
    const store = new MinuteSummaryStore(pool);
    const summaries = async () =>
      (await call(t.url, '/v1/models/summ/versions/1/summaries?window=2h')).body;
    const partials = async () =>
      (
        await pool.query<{ n: number; minutes: number }>(
          `SELECT count(*)::int AS n, count(DISTINCT minute)::int AS minutes
             FROM minute_summaries WHERE model = 'summ' AND model_version = '1'`,
        )
      ).rows[0]!;
    const before = { summaries: await summaries(), run: await runDrift(t.url, '1') };
    const stored = await partials();
    expect(stored.n).toBeGreaterThan(stored.minutes);

    // Every minute closed: compaction's clock 10 minutes ahead.
    const result = await compactClosedMinutes({ store, logger, now: () => Date.now() + 600_000 });
    expect(result.failed).toBe(0);
    expect(result.minutes).toBeGreaterThan(0);
    expect(await partials()).toMatchObject({ n: stored.minutes, minutes: stored.minutes });

    const after = { summaries: await summaries(), run: await runDrift(t.url, '1') };
    // The endpoint's window ends with the current minute, which may have moved on.
    expect({ ...after.summaries, partials: 0, window: null }).toEqual({
      ...before.summaries,
      partials: 0,
      window: null,
    });
    expect(after.summaries.partials).toBe(stored.minutes);
    expect(decision(after.run)).toEqual(decision(before.run));
  });

  it('loses and doubles nothing when batches arrive while two compactors run', async () => {
    const late = churnRows(6_000, 34);
    // Timestamps in minutes that are already closed and hold partials.
    const records = predictionRecords(late, {
      model: 'summ',
      version: '2',
      idPrefix: 'late',
      nowMs,
      spreadMs: 40 * 60_000,
    });
    const second = createPool({ url: t.database.url, max: 2 });
    let ingesting = true;
    const compactor = async (store: MinuteSummaryStore) => {
      let passes = 0;
      // Bounded: at most 200 passes, and none after ingest ended.
      while (ingesting && passes < 200) {
        const result = await compactClosedMinutes({
          store,
          logger,
          now: () => Date.now() + 600_000,
        });
        expect(result.failed).toBe(0);
        passes += 1;
      }
      return passes;
    };
    try {
      const ingest = postAll(t.url, records, 250).finally(() => {
        ingesting = false;
      });
      const passes = await Promise.all([
        compactor(new MinuteSummaryStore(pool)),
        compactor(new MinuteSummaryStore(second)),
        ingest,
      ]);
      expect(passes[0] + passes[1]).toBeGreaterThan(2);
    } finally {
      await second.end();
    }
    const perMinute = await pool.query<{ minute: Date; summarised: string; raw: string }>(
      `SELECT s.minute, s.summarised::text, coalesce(r.raw, 0)::text AS raw
         FROM (SELECT minute, sum(rows) AS summarised FROM minute_summaries
                WHERE model = 'summ' AND model_version = '2' GROUP BY minute) s
         FULL JOIN (SELECT date_trunc('minute', ts) AS minute, count(*) AS raw FROM predictions
                     WHERE model = 'summ' AND model_version = '2' GROUP BY 1) r
           ON r.minute = s.minute`,
    );
    expect(perMinute.rows.length).toBeGreaterThanOrEqual(40);
    for (const row of perMinute.rows) expect(row.summarised, String(row.minute)).toBe(row.raw);
    // The categories too: the window's counts are the raw rows' counts.
    const summary = (await call(t.url, '/v1/models/summ/versions/2/summaries?window=2h')).body as {
      rows: number;
      categorical: Record<string, { counts: Record<string, number> }>;
    };
    expect(summary.rows).toBe(window.length + late.length);
    const plans: Record<string, number> = {};
    for (const r of [...window, ...late]) plans[r.plan] = (plans[r.plan] ?? 0) + 1;
    expect(summary.categorical.plan!.counts).toEqual(plans);
  });
});
