import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { buildReferenceProfile, evaluateDrift } from '../../src/drift/index.js';
import { startService } from '../../src/main.js';
import { ReferenceStore } from '../../src/storage/referenceStore.js';
import { createPool } from '../../src/storage/pool.js';
import { churnRows, predictionRecords, referenceCsv, type ChurnRow } from '../helpers/churnData.js';
import { runCli } from '../helpers/cli.js';
import { CHURN_DEFINITION } from '../helpers/records.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';
import { metricValue } from '../helpers/metrics.js';
import { until } from '../helpers/until.js';

interface ResultView {
  feature: string;
  test: string;
  status: string;
  statistic: number | null;
  adjusted_p_value: number | null;
  effect_size: number | null;
  drifted: boolean;
}

interface RunView {
  id: number;
  model: string;
  model_version: string;
  kind: string;
  status: string;
  path: string | null;
  rows: number | null;
  error: string | null;
  summary: Record<string, unknown>;
  results?: ResultView[];
}

const HOUR_MS = 3_600_000;

async function postAll(url: string, records: readonly Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < records.length; i += 1000) {
    const response = await call<{ accepted: number; rejected: unknown[] }>(url, '/v1/predictions', {
      raw: ndjson(records.slice(i, i + 1000)),
      contentType: 'application/x-ndjson',
    });
    expect(response.status).toBe(200);
    expect(response.body.rejected).toEqual([]);
  }
}

async function register(
  url: string,
  model: string,
  version: string,
  reference?: readonly ChurnRow[],
): Promise<void> {
  const created = await call(url, `/v1/models/${model}/versions/${version}`, {
    method: 'PUT',
    body: CHURN_DEFINITION,
  });
  expect([200, 201]).toContain(created.status);
  if (reference) {
    const imported = await call(url, `/v1/models/${model}/versions/${version}/reference`, {
      method: 'PUT',
      raw: referenceCsv(reference),
      contentType: 'text/csv',
    });
    expect(imported.status).toBe(200);
  }
}

async function runCheck(
  url: string,
  model: string,
  query: string,
  kind = 'drift',
): Promise<RunView> {
  const response = await call<{ runs: RunView[] }>(
    url,
    `/v1/models/${model}/checks/${kind}/run?${query}`,
    { method: 'POST' },
  );
  expect(response.status).toBe(200);
  expect(response.body.runs).toHaveLength(1);
  return response.body.runs[0]!;
}

function driftedFeatures(view: RunView): string[] {
  return (view.results ?? [])
    .filter((r) => (r.test === 'ks' || r.test === 'chi_square') && r.drifted)
    .map((r) => r.feature)
    .sort();
}

describe('drift checks', () => {
  let t: TestService;
  const reference = churnRows(5_000, 1);

  beforeAll(async () => {
    t = await startTestService();
    const now = Date.now();
    for (const version of ['1', '2', '3']) await register(t.url, 'churn', version, reference);
    await postAll(
      t.url,
      predictionRecords(churnRows(2_000, 2), {
        model: 'churn',
        version: '1',
        idPrefix: 'v1',
        nowMs: now,
        spreadMs: 50 * 60_000,
      }),
    );
    await postAll(
      t.url,
      predictionRecords(churnRows(2_000, 3, { tenureSigma: 0.5, newRegionShare: 0.1 }), {
        model: 'churn',
        version: '2',
        idPrefix: 'v2',
        nowMs: now,
        spreadMs: 50 * 60_000,
      }),
    );
    await postAll(
      t.url,
      predictionRecords(churnRows(50, 4), {
        model: 'churn',
        version: '3',
        idPrefix: 'v3',
        nowMs: now,
        spreadMs: 60_000,
      }),
    );
    await register(t.url, 'noref', '1');
  }, 120_000);

  afterAll(async () => {
    await t.close();
  });

  it('finds no drift in a window drawn from the reference distribution', async () => {
    const view = await runCheck(t.url, 'churn', 'version=1');
    expect(view.status).toBe('ok');
    expect(view.path).toBe('exact');
    expect(view.rows).toBe(2_000);
    expect(driftedFeatures(view)).toEqual([]);
    // Every feature, the score and the data-quality rows are stored.
    const tests = new Set((view.results ?? []).map((r) => `${r.feature}/${r.test}`));
    for (const expected of [
      'tenure_months/ks',
      'tenure_months/wasserstein',
      'tenure_months/psi',
      'plan/chi_square',
      'region/jensen_shannon',
      '__score__/ks',
      'region/unseen_categories',
      'tenure_months/out_of_range',
      'plan/missing_rate',
    ]) {
      expect(tests.has(expected), expected).toBe(true);
    }
  });

  it('names exactly the shifted numeric feature and the categorical feature with a new category', async () => {
    const view = await runCheck(t.url, 'churn', 'version=2');
    expect(view.status).toBe('drift');
    expect(driftedFeatures(view)).toEqual(['region', 'tenure_months']);
    expect(view.summary.driftedFeatures).toEqual(
      expect.arrayContaining(['region', 'tenure_months']),
    );
    const unseen = view.results!.find(
      (r) => r.feature === 'region' && r.test === 'unseen_categories',
    )!;
    expect(unseen.statistic).toBeGreaterThan(0.05);
    expect(unseen.drifted).toBe(true);
  });

  it('says insufficient_data when the window is too small', async () => {
    const view = await runCheck(t.url, 'churn', 'version=3');
    expect(view.status).toBe('insufficient_data');
    expect(driftedFeatures(view)).toEqual([]);
  });

  it('records an error run with its reason when the check cannot run', async () => {
    const view = await runCheck(t.url, 'noref', 'version=1');
    expect(view.status).toBe('error');
    expect(view.error).toMatch(/no reference data/);
  });

  it('checks every version with traffic when no version is named', async () => {
    const response = await call<{ runs: RunView[] }>(t.url, '/v1/models/churn/checks/drift/run', {
      method: 'POST',
    });
    expect(response.status).toBe(200);
    expect(response.body.runs.map((r) => r.model_version).sort()).toEqual(['1', '2', '3']);
  });

  it('serves runs newest first with pagination, and one run with its results', async () => {
    const first = await call<{ runs: RunView[]; next_before: number | null }>(
      t.url,
      '/v1/models/churn/runs?kind=drift&limit=2',
    );
    expect(first.status).toBe(200);
    expect(first.body.runs).toHaveLength(2);
    expect(first.body.runs[0]!.id).toBeGreaterThan(first.body.runs[1]!.id);
    expect(first.body.next_before).toBe(first.body.runs[1]!.id);
    const next = await call<{ runs: RunView[] }>(
      t.url,
      `/v1/models/churn/runs?kind=drift&limit=2&before=${first.body.next_before}`,
    );
    expect(next.body.runs.every((r) => r.id < first.body.runs[1]!.id)).toBe(true);

    const one = await call<RunView>(t.url, `/v1/runs/${first.body.runs[0]!.id}`);
    expect(one.status).toBe(200);
    expect(one.body.results!.length).toBeGreaterThan(10);
    expect((await call(t.url, '/v1/runs/999999')).status).toBe(404);
    expect((await call(t.url, '/v1/models/churn/runs?kind=nonsense')).status).toBe(400);
    expect((await call(t.url, '/v1/models/churn/checks/tea/run', { method: 'POST' })).status).toBe(
      404,
    );
  });

  it('exports the latest run as gauges', async () => {
    await runCheck(t.url, 'churn', 'version=2');
    const metrics = (await call<string>(t.url, '/metrics')).body;
    const labels = (feature: string) => `{model="churn",model_version="2",feature="${feature}"}`;
    expect(metricValue(metrics, `driftwatch_feature_drifted${labels('tenure_months')}`)).toBe(1);
    expect(metricValue(metrics, `driftwatch_feature_drifted${labels('plan')}`)).toBe(0);
    expect(
      metricValue(metrics, `driftwatch_feature_drift_score${labels('tenure_months')}`),
    ).toBeGreaterThan(0.1);
    expect(
      metricValue(metrics, `driftwatch_feature_unseen_category_ratio${labels('region')}`),
    ).toBeGreaterThan(0.05);
    expect(metrics).toContain(
      'driftwatch_dataset_drift_share{model="churn",model_version="2"} 0.4',
    );
    expect(
      metricValue(
        metrics,
        'driftwatch_check_last_success_timestamp_seconds{model="churn",model_version="2",kind="drift"}',
      ),
    ).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(metrics).toMatch(
      /driftwatch_check_runs_total\{model="noref",kind="drift",status="error"\} [1-9]/,
    );
  });

  it('gates a pipeline with the CLI exit code: 0 no drift, 1 drift, 2 error, 3 insufficient data', async () => {
    const cli = (args: string[]) => runCli(['check', 'run', '--url', t.url, ...args]);
    const ok = await cli(['--model', 'churn', '--version', '1']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/status OK/);
    expect(ok.stdout).toContain('tenure_months');
    const drift = await cli(['--model', 'churn', '--version', '2']);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/tenure_months\s+ks.*DRIFT/);
    const error = await cli(['--model', 'noref', '--version', '1']);
    expect(error.code).toBe(2);
    expect(error.stdout).toContain('no reference data');
    // 50 rows: a pipeline with (almost) no traffic must not pass silently.
    const thin = await cli(['--model', 'churn', '--version', '3']);
    expect(thin.code).toBe(3);
    expect(thin.stdout).toMatch(/status INSUFFICIENT_DATA/);
  });

  it('restores the gauges from the database after a restart', async () => {
    const config = loadConfig({
      file: 'test/fixtures/driftwatch.test.yaml',
      env: { DATABASE_URL: t.database.url, DRIFTWATCH_PORT: '0' },
    });
    const second = await startService(config, { logger: pino({ level: 'silent' }) });
    try {
      const metrics = (await call<string>(second.url, '/metrics')).body;
      expect(
        metricValue(
          metrics,
          'driftwatch_feature_drifted{model="churn",model_version="2",feature="tenure_months"}',
        ),
      ).toBe(1);
      expect(
        metricValue(
          metrics,
          'driftwatch_feature_drifted{model="churn",model_version="1",feature="tenure_months"}',
        ),
      ).toBe(0);
      expect(
        metricValue(
          metrics,
          'driftwatch_check_last_success_timestamp_seconds{model="churn",model_version="1",kind="drift"}',
        ),
      ).toBeGreaterThan(0);
      // No run happened in the new process: the counters start from zero.
      expect(metrics).not.toMatch(/driftwatch_check_runs_total\{/);
    } finally {
      await second.close();
    }
  });
});

describe('the exact path', () => {
  let t: TestService;
  const reference = churnRows(5_000, 21);

  beforeAll(async () => {
    t = await startTestService();
  }, 120_000);

  afterAll(async () => {
    await t.close();
  });

  it('gives the same results as evaluateDrift on the raw rows, missing values included', async () => {
    await register(t.url, 'gaps', '1', reference);
    const window = churnRows(1_500, 22, { tenureSigma: 0.3, newRegionShare: 0.05 });
    const records = predictionRecords(window, {
      model: 'gaps',
      version: '1',
      idPrefix: 'g',
      nowMs: Date.now(),
      spreadMs: 30 * 60_000,
    });
    // Missing values in a numeric feature, a categorical one and the score.
    const tenure: (number | null)[] = [];
    const region: (string | null)[] = [];
    const score: (number | null)[] = [];
    records.forEach((record, i) => {
      const features = record.features as Record<string, unknown>;
      const row = window[i]!;
      tenure.push(i % 7 === 0 ? null : row.tenure_months);
      region.push(i % 11 === 0 ? null : row.region);
      score.push(i % 13 === 0 ? null : row.score);
      if (i % 7 === 0) features.tenure_months = null;
      if (i % 11 === 0) features.region = null;
      if (i % 13 === 0) delete record.score;
    });
    await postAll(t.url, records);

    const view = await runCheck(t.url, 'gaps', 'version=1');
    expect(view.path).toBe('exact');
    expect(view.rows).toBe(1_500);

    const pool = createPool({ url: t.database.url, max: 1 });
    try {
      const profile = (await new ReferenceStore(pool).load('gaps', '1'))!;
      const expected = evaluateDrift({
        reference: profile,
        current: {
          features: {
            tenure_months: tenure,
            monthly_charges: window.map((r) => r.monthly_charges),
            support_calls: window.map((r) => r.support_calls),
            plan: window.map((r) => r.plan),
            region,
          },
          score,
        },
      });
      const results = (view.results ?? []) as unknown as Record<string, unknown>[];
      expect(results).toHaveLength(expected.results.length);
      expected.results.forEach((want, i) => {
        const got = results[i]!;
        const label = `${want.feature}/${want.test}`;
        expect([got.feature, got.test, got.status, got.drifted], label).toEqual([
          want.feature,
          want.test,
          want.status,
          want.drifted,
        ]);
        expect([got.n_current, got.missing_current], label).toEqual([
          want.nCurrent,
          want.missingCurrent,
        ]);
        for (const [stored, computed] of [
          [got.statistic, want.statistic],
          [got.p_value, want.pValue],
          [got.adjusted_p_value, want.adjustedPValue],
          [got.effect_size, want.effectSize],
        ] as const) {
          // A statistic that is not finite is stored as NULL.
          if (computed === null || !Number.isFinite(computed)) expect(stored, label).toBeNull();
          else expect(stored as number, label).toBeCloseTo(computed, 12);
        }
      });
      const missing = (feature: string) =>
        results.find((r) => r.feature === feature && r.test === 'missing_rate')!;
      expect(missing('tenure_months').missing_current).toBe(Math.ceil(1_500 / 7));
      expect(missing('region').missing_current).toBe(Math.ceil(1_500 / 11));
      expect(missing('__score__').missing_current).toBe(Math.ceil(1_500 / 13));
    } finally {
      await pool.end();
    }
  });

  it('uses a reference replaced behind its back (by another process) at the next check', async () => {
    await register(t.url, 'swap', '1', reference);
    await postAll(
      t.url,
      predictionRecords(churnRows(1_000, 23), {
        model: 'swap',
        version: '1',
        idPrefix: 's',
        nowMs: Date.now(),
        spreadMs: 30 * 60_000,
      }),
    );
    const nReference = (view: RunView) =>
      view.results!.find((r) => r.feature === 'tenure_months' && r.test === 'ks') as unknown as {
        n_reference: number;
        drifted: boolean;
      };
    const first = await runCheck(t.url, 'swap', 'version=1');
    expect(nReference(first)).toMatchObject({ n_reference: 5_000, drifted: false });
    // Cached now; a second check reads the same reference.
    const second = await runCheck(t.url, 'swap', 'version=1');
    expect(nReference(second).n_reference).toBe(5_000);

    // Another process (a second replica, an operator's script) replaces it.
    const shifted = churnRows(3_000, 24, { tenureSigma: 2 });
    const pool = createPool({ url: t.database.url, max: 1 });
    try {
      const columns: Record<string, (number | string)[]> = {};
      for (const name of [
        'tenure_months',
        'monthly_charges',
        'support_calls',
        'plan',
        'region',
      ] as const) {
        columns[name] = shifted.map((row) => row[name]);
      }
      await new ReferenceStore(pool).replace(
        'swap',
        '1',
        buildReferenceProfile(
          CHURN_DEFINITION.features.map((f) => ({ name: f.name, type: f.type })),
          columns,
          shifted.map((r) => r.score),
        ),
      );
    } finally {
      await pool.end();
    }
    const third = await runCheck(t.url, 'swap', 'version=1');
    expect(nReference(third)).toMatchObject({ n_reference: 3_000, drifted: true });
  });
});

describe('the approximate path for large windows of rows without minute summaries', () => {
  let t: TestService;
  const reference = churnRows(20_000, 11);
  const window = churnRows(30_000, 12, { tenureSigma: 0.05 });

  beforeAll(async () => {
    t = await startTestService();
    await register(t.url, 'approx', '1', reference);
    // Spread over three hours so that whole hours are summarised and cached.
    await postAll(
      t.url,
      predictionRecords(window, {
        model: 'approx',
        version: '1',
        idPrefix: 'a',
        nowMs: Date.now(),
        spreadMs: 3 * HOUR_MS + 600_000,
      }),
    );
    // As rows ingested before minute summaries existed (sql/005): this path
    // serves only those now; with summaries the window takes `summaries`.
    const db = new pg.Client({ connectionString: t.database.url });
    await db.connect();
    try {
      await db.query("DELETE FROM minute_summaries WHERE model = 'approx'");
    } finally {
      await db.end();
    }
  }, 180_000);

  afterAll(async () => {
    await t.close();
  });

  it('agrees with the exact computation within the reported bound, and reuses cached hours', async () => {
    const view = await runCheck(t.url, 'approx', 'version=1');
    expect(view.path).toBe('approximate');
    expect(view.rows).toBe(30_000);
    const approximation = view.summary.approximation as { ksErrorBound: number };
    expect(approximation.ksErrorBound).toBeGreaterThan(0);
    expect(approximation.ksErrorBound).toBeLessThan(0.01);

    // The exact answer on the same values, computed here from the raw rows.
    const pool = createPool({ url: t.database.url, max: 1 });
    try {
      const profile = (await new ReferenceStore(pool).load('approx', '1'))!;
      const columns: Record<string, (number | string)[]> = {};
      for (const name of [
        'tenure_months',
        'monthly_charges',
        'support_calls',
        'plan',
        'region',
      ] as const) {
        columns[name] = window.map((row) => row[name]);
      }
      const exact = evaluateDrift({
        reference: profile,
        current: { features: columns, score: window.map((r) => r.score) },
      });
      for (const feature of exact.features) {
        const approximate = view.results!.find(
          (r) => r.feature === feature.feature && r.test === feature.decisive.test,
        )!;
        const bound = feature.kind === 'numeric' ? approximation.ksErrorBound : 1e-12;
        expect(
          Math.abs(approximate.statistic! - feature.decisive.statistic!),
          feature.feature,
        ).toBeLessThanOrEqual(bound + 1e-12);
        expect(approximate.drifted, feature.feature).toBe(feature.drifted);
      }

      const cached = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM window_summaries',
      );
      expect(cached.rows[0]!.n).toBeGreaterThanOrEqual(2);
      const again = await runCheck(t.url, 'approx', 'version=1');
      const ks = (v: RunView) =>
        v.results!.find((r) => r.feature === 'tenure_months' && r.test === 'ks')!.statistic;
      expect(ks(again)).toBeCloseTo(ks(view)!, 3);
    } finally {
      await pool.end();
    }
  });
});

describe('scheduled checks', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t.close();
  });

  it('records a failing check as an error run and runs the next slot normally', async () => {
    // Model "scheduled" checks every second (test config); without a reference its runs fail.
    await register(t.url, 'scheduled', '1');
    await postAll(
      t.url,
      predictionRecords(churnRows(300, 21), {
        model: 'scheduled',
        version: '1',
        idPrefix: 's',
        nowMs: Date.now(),
        spreadMs: 60_000,
      }),
    );
    const db = new pg.Client({ connectionString: t.database.url });
    await db.connect();
    try {
      const statuses = async () =>
        (
          await db.query<{ status: string; trigger: string }>(
            "SELECT status, trigger FROM check_runs WHERE model = 'scheduled' ORDER BY id",
          )
        ).rows;
      await until(
        async () => (await statuses()).some((r) => r.status === 'error'),
        'a scheduled run that fails for want of a reference',
        90_000,
        100,
      );
      expect((await statuses()).every((r) => r.trigger === 'schedule')).toBe(true);
      const imported = await call(t.url, '/v1/models/scheduled/versions/1/reference', {
        method: 'PUT',
        raw: referenceCsv(churnRows(1_000, 22)),
        contentType: 'text/csv',
      });
      expect(imported.status).toBe(200);
      await until(
        async () => (await statuses()).some((r) => r.status === 'ok'),
        'a scheduled run that succeeds once the reference is there',
        30_000,
        100,
      );
      const errors = await db.query<{ error: string }>(
        "SELECT error FROM check_runs WHERE model = 'scheduled' AND status = 'error'",
      );
      expect(errors.rows[0]!.error).toMatch(/no reference data/);
    } finally {
      await db.end();
    }
  });
});
