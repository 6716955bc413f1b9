/**
 * The performance check on a labelled window, against scikit-learn's values
 * (test/fixtures/performance, made by generate.py with Debian's python3-sklearn).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue } from '../helpers/metrics.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';

interface ClassificationCase {
  name: string;
  labels: number[];
  scores: number[];
  rocAuc: number | null;
  atThreshold: { threshold: number; precision: number; recall: number; accuracy: number }[];
}

interface RegressionCase {
  name: string;
  actual: number[];
  predicted: number[];
  mae: number;
  rmse: number;
}

const classification = (
  JSON.parse(readFileSync('test/fixtures/performance/classification.json', 'utf8')) as {
    cases: ClassificationCase[];
  }
).cases;
const regression = (
  JSON.parse(readFileSync('test/fixtures/performance/regression.json', 'utf8')) as {
    cases: RegressionCase[];
  }
).cases;

function fixture<T extends { name: string }>(cases: T[], name: string): T {
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`no fixture case "${name}"`);
  return found;
}

interface RunView {
  status: string;
  rows: number;
  summary: { labelledRows: number; metrics: Record<string, number>; breaches: string[] };
  results: { test: string; statistic: number | null; drifted: boolean }[];
}

describe('performance checks', () => {
  let t: TestService;

  async function loadWindow(
    model: string,
    version: string,
    task: string,
    threshold: number,
    scores: number[],
    labels: number[],
  ) {
    const definition = { task, threshold, features: [{ name: 'x', type: 'numeric' }] };
    expect([200, 201]).toContain(
      (
        await call(t.url, `/v1/models/${model}/versions/${version}`, {
          method: 'PUT',
          body: definition,
        })
      ).status,
    );
    const now = Date.now();
    const records = scores.map((score, i) => ({
      model,
      model_version: version,
      request_id: `${version}-${i}`,
      timestamp: new Date(now - 1000 - i).toISOString(),
      features: { x: i },
      score,
    }));
    for (let i = 0; i < records.length; i += 1000) {
      const response = await call(t.url, '/v1/predictions', {
        raw: ndjson(records.slice(i, i + 1000)),
        contentType: 'application/x-ndjson',
      });
      expect(response.status).toBe(200);
    }
    // Labels arrive later and separately, joined by request id; one unlabelled prediction stays out.
    const labelled = labels.map((label, i) => ({ model, request_id: `${version}-${i}`, label }));
    for (let i = 0; i < labelled.length; i += 1000) {
      const response = await call(t.url, '/v1/labels', { body: labelled.slice(i, i + 1000) });
      expect(response.status).toBe(200);
    }
  }

  async function runPerformance(model: string, version: string): Promise<RunView> {
    const response = await call<{ runs: RunView[] }>(
      t.url,
      `/v1/models/${model}/checks/performance/run?version=${version}`,
      {
        method: 'POST',
      },
    );
    expect(response.status).toBe(200);
    return response.body.runs[0]!;
  }

  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t.close();
  });

  for (const [name, thresholdIndex] of [
    ['heavy ties (1 decimal) n=400', 0],
    ['heavy ties (1 decimal) n=3000', 1],
    ['informative sep=3.0 n=500', 0],
  ] as const) {
    it(`equals scikit-learn on "${name}" at threshold index ${thresholdIndex}`, async () => {
      const data = fixture(classification, name);
      const expected = data.atThreshold[thresholdIndex]!;
      const version = `${name.length}-${thresholdIndex}`;
      await loadWindow(
        'clf',
        version,
        'binary_classification',
        expected.threshold,
        data.scores,
        data.labels,
      );
      const view = await runPerformance('clf', version);
      expect(view.summary.labelledRows).toBe(data.labels.length);
      expect(view.summary.metrics.auc).toBeCloseTo(data.rocAuc!, 12);
      expect(view.summary.metrics.precision).toBeCloseTo(expected.precision, 12);
      expect(view.summary.metrics.recall).toBeCloseTo(expected.recall, 12);
      expect(view.summary.metrics.accuracy).toBeCloseTo(expected.accuracy, 12);
      // The default floor is AUC 0.85, the article's deployment gate.
      expect(view.status).toBe(data.rocAuc! >= 0.85 ? 'ok' : 'degraded');
      const metrics = (await call<string>(t.url, '/metrics')).body;
      expect(
        metricValue(metrics, `driftwatch_model_auc{model="clf",model_version="${version}"}`),
      ).toBeCloseTo(data.rocAuc!, 12);
      expect(
        metricValue(
          metrics,
          `driftwatch_model_labelled_rows{model="clf",model_version="${version}"}`,
        ),
      ).toBe(data.labels.length);
    });
  }

  it('equals scikit-learn MAE and RMSE for a regressor', async () => {
    const data = fixture(regression, 'gaussian noise n=500');
    await loadWindow('reg', '1', 'regression', 0.5, data.predicted, data.actual);
    const view = await runPerformance('reg', '1');
    expect(view.status).toBe('ok');
    expect(view.summary.metrics.mae).toBeCloseTo(data.mae, 12);
    expect(view.summary.metrics.rmse).toBeCloseTo(data.rmse, 12);
  });

  it('says insufficient_data below the minimum of labelled rows', async () => {
    const data = fixture(classification, 'random uniform n=20');
    await loadWindow('clf', 'small', 'binary_classification', 0.5, data.scores, data.labels);
    const view = await runPerformance('clf', 'small');
    expect(view.status).toBe('insufficient_data');
    expect(view.summary.labelledRows).toBe(20);
  });
});
