/**
 * Serving parity and challenger shadowing on the demo models, scored by the
 * real onnxruntime-node. Logged scores are made by the models' own TypeScript
 * predictors (scripts/), not by the scoring code under test.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModels, type DemoBuild } from '../../scripts/buildModels.js';
import { demoFeatures, demoRows, featureMatrix, type DemoRow } from '../../scripts/demoData.js';
import { LOGISTIC_COLUMNS, predictLogistic } from '../../scripts/trainLogistic.js';
import { predictBoostedTrees, TREE_COLUMNS } from '../../scripts/trainTrees.js';
import { metricValue } from '../helpers/metrics.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';

interface Attribution {
  hypothesis: string | null;
  features: string[];
  factor?: number;
  recognisedFactor?: string;
  value?: number | string;
  valueSource?: string;
  mapping?: Record<string, string>;
  share: number;
  sampleRows: number;
  mismatchingRows: number;
  hypothesesTried: number;
  elapsedMs: number;
  budgetExhausted: boolean;
}

interface RunView {
  id: number;
  status: string;
  error: string | null;
  summary: Record<string, unknown>;
}

const manifest = (version: string) =>
  JSON.parse(readFileSync(`models/demo-churn/${version}/model.json`, 'utf8')) as {
    task: string;
    threshold: number;
    features: unknown[];
    onnx: Record<string, unknown>;
  };

describe('serving parity', () => {
  let t: TestService;
  let build: DemoBuild;
  const rows = demoRows(2_000, 77);

  async function register(
    model: string,
    version: string,
    artifactOf: string,
    onnx: Record<string, unknown> = {},
  ) {
    const source = manifest(artifactOf);
    const response = await call(t.url, `/v1/models/${model}/versions/${version}`, {
      method: 'PUT',
      body: {
        task: source.task,
        threshold: source.threshold,
        features: source.features,
        onnx: { ...source.onnx, ...onnx },
      },
    });
    expect([200, 201]).toContain(response.status);
  }

  async function log(
    model: string,
    version: string,
    traffic: readonly DemoRow[],
    scores: ArrayLike<number>,
    edit?: (features: Record<string, unknown>, i: number) => void,
  ) {
    const now = Date.now();
    const records = traffic.map((row, i) => {
      const features: Record<string, unknown> = demoFeatures(row);
      edit?.(features, i);
      return {
        model,
        model_version: version,
        request_id: `${model}-${version}-${i}`,
        timestamp: new Date(now - 1000 - i * 100).toISOString(),
        features,
        score: scores[i],
      };
    });
    for (let i = 0; i < records.length; i += 1000) {
      const response = await call<{ rejected: unknown[] }>(t.url, '/v1/predictions', {
        raw: ndjson(records.slice(i, i + 1000)),
        contentType: 'application/x-ndjson',
      });
      expect(response.status).toBe(200);
      expect(response.body.rejected).toEqual([]);
    }
  }

  async function check(model: string, version: string, kind = 'parity'): Promise<RunView> {
    const response = await call<{ runs: RunView[] }>(
      t.url,
      `/v1/models/${model}/checks/${kind}/run?version=${version}`,
      { method: 'POST' },
    );
    expect(response.status).toBe(200);
    return response.body.runs[0]!;
  }

  const v1Scores = (traffic: readonly DemoRow[]) =>
    predictLogistic(build.logistic, featureMatrix(traffic, LOGISTIC_COLUMNS));
  const v2Scores = (traffic: readonly DemoRow[]) =>
    predictBoostedTrees(build.trees, featureMatrix(traffic, TREE_COLUMNS));

  beforeAll(async () => {
    build = await buildDemoModels();
    t = await startTestService({ env: { DRIFTWATCH_MODELS_DIR: 'models' } });
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it('finds no mismatch when the model itself produced the logged scores', async () => {
    await register('p-ok', '1', '1');
    await log('p-ok', '1', rows, v1Scores(rows));
    const run = await check('p-ok', '1');
    expect(run.status).toBe('ok');
    expect(run.summary.rowsChecked).toBe(2_000);
    expect(run.summary.mismatches).toBe(0);
    expect(run.summary.mismatchRatio).toBe(0);
    expect(run.summary.maxAbsDiff as number).toBeLessThan(1e-6);
    const metrics = (await call<string>(t.url, '/metrics')).body;
    expect(
      metricValue(metrics, 'driftwatch_parity_mismatch_ratio{model="p-ok",model_version="1"}'),
    ).toBe(0);
    expect(
      metricValue(metrics, 'driftwatch_parity_rows_checked_total{model="p-ok",model_version="1"}'),
    ).toBe(2_000);
  });

  it('flags the 5% of rows whose feature was scaled by 10 before scoring, naming them among the worst', async () => {
    await register('p-skew', '1', '1');
    const skewed = new Set<number>();
    for (let i = 0; i < rows.length; i += 20) skewed.add(i);
    const served = rows.map((row, i) =>
      skewed.has(i) ? { ...row, monthly_charges: row.monthly_charges * 10 } : row,
    );
    await log('p-skew', '1', rows, v1Scores(served));
    const run = await check('p-skew', '1');
    expect(run.status).toBe('degraded');
    const ratio = run.summary.mismatchRatio as number;
    expect(ratio).toBeGreaterThan(0.045);
    expect(ratio).toBeLessThanOrEqual(0.05);
    const worst = run.summary.worst as { requestId: string }[];
    expect(worst.length).toBeGreaterThan(0);
    for (const row of worst) expect(skewed.has(Number(row.requestId.split('-').at(-1)))).toBe(true);
    const diagnosis = run.summary.diagnosis as {
      reproducedBy: unknown[];
      message: string;
      attribution: Attribution;
    };
    expect(diagnosis.reproducedBy).toEqual([]);
    const a = diagnosis.attribution;
    expect(a.hypothesis).toBe('scaled');
    expect(a.features).toEqual(['monthly_charges']);
    expect(a.factor).toBe(10);
    expect(a.recognisedFactor).toBe('×10');
    expect(a.share).toBeGreaterThanOrEqual(0.9);
    expect(a.mismatchingRows).toBe(run.summary.mismatches);
    expect(a.sampleRows).toBe(Math.min(200, a.mismatchingRows));
    expect(a.budgetExhausted).toBe(false);
    expect(diagnosis.message).toMatch(
      new RegExp(
        `monthly_charges looks served ×10 \\(reproduces \\d+ % of ${a.mismatchingRows} mismatching rows\\)`,
      ),
    );
  });

  /** Logs v1's scores of `served` for the true rows and returns the run's attribution. */
  async function attribution(model: string, served: readonly DemoRow[]): Promise<Attribution> {
    await register(model, '1', '1');
    await log(model, '1', rows, v1Scores(served));
    const run = await check(model, '1');
    expect(run.status).toBe('degraded');
    return (run.summary.diagnosis as { attribution: Attribution }).attribution;
  }
  const everyTwentieth = (edit: (row: DemoRow) => DemoRow) =>
    rows.map((row, i) => (i % 20 === 0 ? edit(row) : row));

  it('names monthly_charges ×10 served for 10 % of rows, with k = 10', async () => {
    const a = await attribution(
      'p-attr-scale',
      rows.map((row, i) =>
        i % 10 === 0 ? { ...row, monthly_charges: row.monthly_charges * 10 } : row,
      ),
    );
    expect(a.hypothesis).toBe('scaled');
    expect(a.features).toEqual(['monthly_charges']);
    expect(a.factor).toBe(10);
    expect(a.mismatchingRows).toBeGreaterThan(150);
    expect(a.sampleRows).toBe(200);
    expect(a.share).toBeGreaterThanOrEqual(0.9);
  });

  it('names two numeric features the serving code swapped', async () => {
    const a = await attribution(
      'p-attr-swap',
      everyTwentieth((row) => ({
        ...row,
        tenure_months: row.support_calls,
        support_calls: row.tenure_months,
      })),
    );
    expect(a.hypothesis).toBe('swapped');
    expect(a.features).toEqual(['tenure_months', 'support_calls']);
    expect(a.share).toBeGreaterThanOrEqual(0.9);
  });

  it('names a feature served as 0', async () => {
    const a = await attribution(
      'p-attr-zero',
      everyTwentieth((row) => ({ ...row, total_charges: 0 })),
    );
    expect(a.hypothesis).toBe('constant');
    expect(a.features).toEqual(['total_charges']);
    expect(a.value).toBe(0);
    expect(a.valueSource).toBe('zero');
  });

  it('names a remapped category with its mapping', async () => {
    const swapped: Record<string, string> = {
      electronic_check: 'mailed_check',
      mailed_check: 'electronic_check',
    };
    const a = await attribution(
      'p-attr-remap',
      everyTwentieth((row) => ({
        ...row,
        payment_method: swapped[row.payment_method] ?? row.payment_method,
      })),
    );
    expect(a.hypothesis).toBe('remapped');
    expect(a.features).toEqual(['payment_method']);
    expect(a.mapping).toEqual(swapped);
  });

  it('attributes nothing when scores are off in no input-shaped way, and says so', async () => {
    // Noise on the score itself: no input change reproduces it.
    await register('p-attr-noise', '1', '1');
    const noisy = Float64Array.from(v1Scores(rows), (p, i) => (i % 20 === 0 ? p * 0.7 + 0.1 : p));
    await log('p-attr-noise', '1', rows, noisy);
    const run = await check('p-attr-noise', '1');
    expect(run.status).toBe('degraded');
    const diagnosis = run.summary.diagnosis as { attribution: Attribution; message: string };
    expect(diagnosis.attribution.hypothesis).toBeNull();
    expect(diagnosis.attribution.budgetExhausted).toBe(false);
    expect(diagnosis.attribution.share).toBeLessThan(0.9);
    expect(diagnosis.message).toMatch(/look for skew in the serving code/);
  });

  it('gives clean traffic no diagnosis and no attribution', async () => {
    await register('p-attr-clean', '1', '1');
    await log('p-attr-clean', '1', rows, v1Scores(rows));
    const run = await check('p-attr-clean', '1');
    expect(run.status).toBe('ok');
    expect(run.summary.diagnosis).toBeUndefined();
  });

  it('stops the search when the budget is spent on 10,000 mismatching rows, and says so', async () => {
    // The test config gives p-attr-budget a 10,000-row attribution sample and a 1 ms budget.
    await register('p-attr-budget', '1', '1');
    const many = demoRows(10_000, 78);
    const off = Float64Array.from(v1Scores(many), (p) => 1 - p);
    await log('p-attr-budget', '1', many, off);
    const run = await check('p-attr-budget', '1');
    expect(run.status).toBe('degraded');
    const a = (run.summary.diagnosis as { attribution: Attribution }).attribution;
    expect(a.mismatchingRows).toBe(run.summary.mismatches);
    expect(a.mismatchingRows).toBeGreaterThan(9_000);
    expect(a.sampleRows).toBe(a.mismatchingRows);
    expect(a.budgetExhausted).toBe(true);
    expect(a.hypothesis).toBeNull();
    // Stopped at the first check after the budget ran out (possibly before the
    // first batched run, building 10,000 altered rows can take a millisecond):
    // far fewer than the ~110 hypotheses a full search of this schema tries.
    expect(a.hypothesesTried).toBeLessThan(20);
    expect(a.elapsedMs).toBeGreaterThanOrEqual(1);
  });

  it('names version 1 when traffic scored by version 1 is logged as version 2', async () => {
    await register('p-swap', '1', '1');
    await register('p-swap', '2', '2');
    await log('p-swap', '2', rows, v1Scores(rows));
    const run = await check('p-swap', '2');
    expect(run.status).toBe('degraded');
    expect(run.summary.mismatchRatio as number).toBeGreaterThan(0.5);
    const diagnosis = run.summary.diagnosis as {
      reproducedBy: { version: string; share: number }[];
      message: string;
    };
    expect(diagnosis.reproducedBy[0]?.version).toBe('1');
    expect(diagnosis.message).toMatch(/logged as version 2 matches version 1/);
  });

  it('records an error with the reason when the model file does not match its sha256', async () => {
    await register('p-sha', '1', '1', { sha256: '0'.repeat(64) });
    await log('p-sha', '1', rows.slice(0, 50), v1Scores(rows.slice(0, 50)));
    const run = await check('p-sha', '1');
    expect(run.status).toBe('error');
    expect(run.error).toMatch(/sha256/);
    expect(run.error).toContain('0'.repeat(64));
  });

  it('counts rows with a missing feature as unscorable instead of scoring them as 0', async () => {
    await register('p-missing', '1', '1');
    const scores = v1Scores(rows);
    await log('p-missing', '1', rows, scores, (features, i) => {
      if (i % 10 === 3) delete features.tenure_months;
    });
    const run = await check('p-missing', '1');
    expect(run.summary.unscorableRows).toBe(200);
    expect(run.summary.unscorableByReason).toEqual({ 'missing_feature:tenure_months': 200 });
    expect(run.summary.rowsChecked).toBe(1_800);
    expect(run.summary.mismatches).toBe(0);
    expect(run.status).toBe('ok');
  });

  it('samples a large window evenly down to the configured size', async () => {
    // The test config samples p-sample at 500 rows.
    await register('p-sample', '1', '1');
    await log('p-sample', '1', rows, v1Scores(rows));
    const run = await check('p-sample', '1');
    const sampled = run.summary.sampledRows as number;
    expect(sampled).toBeGreaterThan(400);
    expect(sampled).toBeLessThan(600);
    expect(run.summary.mismatches).toBe(0);
    // The same window gives the same sample.
    const again = await check('p-sample', '1');
    expect(again.summary.sampledRows).toBe(sampled);
  });

  it('shadows the challenger: decision agreement, score differences and KS on the logged traffic', async () => {
    // The test config names version 2 as the challenger of p-shadow.
    await register('p-shadow', '1', '1');
    await register('p-shadow', '2', '2');
    const champion = v1Scores(rows);
    const challenger = v2Scores(rows);
    await log('p-shadow', '1', rows, champion);
    const run = await check('p-shadow', '1', 'shadow');
    expect(run.status).toBe('ok');
    let agree = 0;
    let absDiff = 0;
    for (let i = 0; i < rows.length; i += 1) {
      if (champion[i]! >= 0.5 === challenger[i]! >= 0.5) agree += 1;
      absDiff += Math.abs(champion[i]! - challenger[i]!);
    }
    expect(run.summary.challenger).toBe('2');
    expect(run.summary.comparedRows).toBe(2_000);
    expect(run.summary.agreement).toBeCloseTo(agree / rows.length, 9);
    expect(run.summary.meanAbsDiff as number).toBeCloseTo(absDiff / rows.length, 6);
    const metrics = (await call<string>(t.url, '/metrics')).body;
    expect(
      metricValue(
        metrics,
        'driftwatch_shadow_agreement_ratio{model="p-shadow",model_version="1",challenger="2"}',
      ),
    ).toBeCloseTo(agree / rows.length, 9);
  });
});
