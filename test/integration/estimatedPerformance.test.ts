/**
 * Label-free performance estimation through the running service: a
 * reference with `score` and `label` columns calibrates the estimate; a
 * window without labels gets estimated metrics with a band, decided against
 * the floors; once labels arrive, the realised metrics stand beside the
 * estimate. Data from a known logistic model with overconfident scores
 * (calibration has something to correct) and a covariate shift in the window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/stats/index.js';
import { metricValue } from '../helpers/metrics.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';

interface Row {
  x1: number;
  x2: number;
  score: number;
  label: 0 | 1;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** True log-odds 1.2·x1 − 0.8·x2 − 0.3; the logged score doubles them (overconfident). */
function rows(n: number, seed: number, x1Shift = 0): Row[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => {
    const x1 = random.normal() + x1Shift;
    const x2 = random.normal();
    const logit = 1.2 * x1 - 0.8 * x2 - 0.3;
    const label = random.next() < sigmoid(logit) ? 1 : 0;
    return { x1, x2, score: sigmoid(2 * logit), label };
  });
}

/** The serving pod of window row i: 80 % pod-a, 15 % pod-b, 5 % pod-c. */
const podOf = (i: number): string => (i % 20 === 0 ? 'pod-c' : i % 20 <= 3 ? 'pod-b' : 'pod-a');

const SEGMENT_CONFIG = `
    cbpe:
      segments:
        - by: tag:pod
          top: 3
    cbpecap:
      checks:
        performance:
          estimate:
            maxRows: 1000
`;

interface MetricSummary {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  realised: number | null;
  floor: number | null;
}

interface PerformanceRun {
  status: string;
  summary: {
    decidedBy: string | null;
    labelledRows: number;
    metrics: Record<string, number>;
    estimated: {
      status: string;
      reason?: string;
      rows: number;
      windowRows: number;
      readFraction: number;
      breaches: string[];
      metrics: Record<string, MetricSummary>;
      calibration: { rows: number; expectedCalibrationError: number };
      segments?: {
        segment: string;
        value: string;
        rows: number;
        metrics: Record<string, MetricSummary>;
      }[];
    };
  };
  results: { feature: string; test: string; statistic: number | null; drifted: boolean }[];
}

describe('estimated performance (CBPE) in the performance check', () => {
  let t: TestService;
  const reference = rows(6000, 11);
  const window = rows(3000, 12, 0.7);

  async function register(model: string): Promise<void> {
    const response = await call(t.url, `/v1/models/${model}/versions/1`, {
      method: 'PUT',
      body: {
        task: 'binary_classification',
        threshold: 0.5,
        features: [
          { name: 'x1', type: 'numeric' },
          { name: 'x2', type: 'numeric' },
        ],
      },
    });
    expect(response.status).toBe(201);
  }

  async function uploadReference(model: string, csv: string) {
    return call<{
      rows: number;
      rejected: { index: number; message: string }[];
      ignored_labels: number;
    }>(t.url, `/v1/models/${model}/versions/1/reference`, {
      method: 'PUT',
      raw: csv,
      contentType: 'text/csv',
    });
  }

  async function ship(model: string, data: Row[]): Promise<void> {
    const now = Date.now();
    const records = data.map((row, i) => ({
      model,
      model_version: '1',
      request_id: `r-${i}`,
      timestamp: new Date(now - 1000 - i).toISOString(),
      features: { x1: row.x1, x2: row.x2 },
      score: row.score,
      tags: { pod: podOf(i) },
    }));
    const response = await call(t.url, '/v1/predictions', {
      raw: ndjson(records),
      contentType: 'application/x-ndjson',
    });
    expect(response.status).toBe(200);
  }

  async function runPerformance(model: string): Promise<PerformanceRun> {
    const response = await call<{ runs: PerformanceRun[] }>(
      t.url,
      `/v1/models/${model}/checks/performance/run`,
      { method: 'POST' },
    );
    expect(response.status).toBe(200);
    return response.body.runs[0]!;
  }

  const csv = (data: Row[], withLabel = true): string =>
    [
      withLabel ? 'x1,x2,score,label' : 'x1,x2,score',
      ...data.map((r) => [r.x1, r.x2, r.score, ...(withLabel ? [r.label] : [])].join(',')),
    ].join('\n') + '\n';

  beforeAll(async () => {
    t = await startTestService({ modelSettings: SEGMENT_CONFIG });
    await register('cbpe');
    expect((await uploadReference('cbpe', csv(reference))).status).toBe(200);
    await ship('cbpe', window);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('calibrates on the labelled reference and reports how far the raw scores are from calibrated', async () => {
    const response = await call<{
      calibration: {
        rows: number;
        positives: number;
        expected_calibration_error: number;
        reliability: unknown[];
      };
    }>(t.url, '/v1/models/cbpe/versions/1/reference');
    expect(response.status).toBe(200);
    const { calibration } = response.body;
    expect(calibration.rows).toBe(reference.length);
    expect(calibration.positives).toBe(reference.filter((r) => r.label === 1).length);
    // Doubled log-odds push scores towards 0 and 1: clearly miscalibrated.
    expect(calibration.expected_calibration_error).toBeGreaterThan(0.05);
    expect(calibration.reliability).toHaveLength(10);
  });

  it('estimates the window before any label arrives, and decides on the band against the floor', async () => {
    const run = await runPerformance('cbpe');
    expect(run.summary.labelledRows).toBe(0);
    expect(run.summary.decidedBy).toBe('estimate');
    const { estimated } = run.summary;
    expect(estimated.rows).toBe(window.length);
    expect(estimated.windowRows).toBe(window.length);
    expect(estimated.readFraction).toBe(1);
    const auc = estimated.metrics.roc_auc!;
    expect(auc.realised).toBeNull();
    // The default floor (AUC ≥ 0.85) is above what this model can do (≈ 0.8):
    // the whole band is below it, so the run is degraded without a label.
    expect(auc.floor).toBe(0.85);
    expect(auc.upper!).toBeLessThan(0.85);
    expect(run.status).toBe('degraded');
    expect(estimated.breaches.join(' ')).toContain('roc_auc');
    const row = run.results.find((r) => r.test === 'estimated_roc_auc')!;
    expect(row.statistic).toBeCloseTo(auc.estimate!, 12);
    expect(row.drifted).toBe(true);
    const metrics = (await call<string>(t.url, '/metrics')).body;
    expect(
      metricValue(
        metrics,
        'driftwatch_model_estimated_performance{model="cbpe",model_version="1",metric="roc_auc"}',
      ),
    ).toBeCloseTo(auc.estimate!, 9);
    expect(
      metricValue(
        metrics,
        'driftwatch_model_estimated_performance_upper{model="cbpe",model_version="1",metric="roc_auc"}',
      ),
    ).toBeCloseTo(auc.upper!, 9);
  });

  it('sets the realised metrics beside the estimate once labels arrive, within the band under covariate shift', async () => {
    const labels = window.map((row, i) => ({
      model: 'cbpe',
      request_id: `r-${i}`,
      label: row.label,
    }));
    expect((await call(t.url, '/v1/labels', { body: labels })).status).toBe(200);
    const run = await runPerformance('cbpe');
    expect(run.summary.decidedBy).toBe('labels');
    expect(run.summary.labelledRows).toBe(window.length);
    const { metrics: estimated } = run.summary.estimated;
    expect(estimated.roc_auc!.realised).toBe(run.summary.metrics.auc);
    expect(estimated.accuracy!.realised).toBe(run.summary.metrics.accuracy);
    for (const name of ['accuracy', 'roc_auc', 'precision', 'recall', 'f1']) {
      const metric = estimated[name]!;
      expect(metric.realised, name).not.toBeNull();
      expect(metric.realised!, name).toBeGreaterThanOrEqual(metric.lower!);
      expect(metric.realised!, name).toBeLessThanOrEqual(metric.upper!);
    }
    const metrics = (await call<string>(t.url, '/metrics')).body;
    const labels1 = '{model="cbpe",model_version="1"}';
    expect(metricValue(metrics, `driftwatch_model_auc${labels1}`)).toBeCloseTo(
      run.summary.metrics.auc!,
      9,
    );
    expect(metricValue(metrics, `driftwatch_model_calibration_error${labels1}`)).toBeCloseTo(
      run.summary.estimated.calibration.expectedCalibrationError,
      9,
    );
  });

  it('estimates each segment with a band at its own size, the realised value beside it, one gauge series per segment', async () => {
    const run = await runPerformance('cbpe');
    const segments = run.summary.estimated.segments ?? [];
    expect(segments.map((s) => s.segment)).toEqual([
      'tag:pod=pod-a',
      'tag:pod=pod-b',
      'tag:pod=pod-c',
    ]);
    expect(segments.map((s) => s.rows)).toEqual(
      ['pod-a', 'pod-b', 'pod-c'].map((pod) => window.filter((_, i) => podOf(i) === pod).length),
    );
    const whole = run.summary.estimated.metrics.roc_auc!;
    const width = (m: MetricSummary) => m.upper! - m.lower!;
    const small = segments[2]!.metrics.roc_auc!;
    // 5 % of the rows: a band about √20 times as wide as the whole window's.
    expect(width(small)).toBeGreaterThan(2.5 * width(whole));
    for (const segment of segments) {
      const auc = segment.metrics.roc_auc!;
      // Labels arrived (previous test): each pod's realised AUC beside its estimate, inside its band.
      expect(auc.realised, segment.segment).not.toBeNull();
      expect(auc.realised!, segment.segment).toBeGreaterThanOrEqual(auc.lower!);
      expect(auc.realised!, segment.segment).toBeLessThanOrEqual(auc.upper!);
    }
    const metrics = (await call<string>(t.url, '/metrics')).body;
    expect(
      metricValue(
        metrics,
        'driftwatch_segment_estimated_performance{model="cbpe",model_version="1",segment_by="tag:pod",segment="pod-c",metric="roc_auc"}',
      ),
    ).toBeCloseTo(small.estimate!, 9);
    expect(metrics.match(/^driftwatch_segment_estimated_performance\{/gm)).toHaveLength(3 * 5);
  });

  it('reads a hash sample of about estimate.maxRows scores from a larger window, says so, and reads the same rows again', async () => {
    await register('cbpecap');
    expect((await uploadReference('cbpecap', csv(reference))).status).toBe(200);
    await ship('cbpecap', window);
    const run = await runPerformance('cbpecap');
    const { estimated } = run.summary;
    expect(estimated.windowRows).toBe(window.length);
    expect(estimated.readFraction).toBeCloseTo(1000 / window.length, 12);
    // A hash cut keeps each row with probability 1/3: 1000 ± a few binomial sd (≈ 26).
    expect(estimated.rows).toBeGreaterThan(850);
    expect(estimated.rows).toBeLessThan(1150);
    // The band is at the sample's size: wider than the whole window's (model cbpe, same rows).
    const whole = (await runPerformance('cbpe')).summary.estimated.metrics.roc_auc!;
    const sampled = estimated.metrics.roc_auc!;
    expect(sampled.upper! - sampled.lower!).toBeGreaterThan(whole.upper! - whole.lower!);
    // Deterministic: the same rows, so the same estimate.
    const again = (await runPerformance('cbpecap')).summary.estimated;
    expect(again.rows).toBe(estimated.rows);
    expect(again.metrics.roc_auc!.estimate).toBe(sampled.estimate);
  });

  it('says why there is no estimate when the reference has no labels, and keeps the old verdict', async () => {
    await register('nolabels');
    expect((await uploadReference('nolabels', csv(reference, false))).status).toBe(200);
    await ship('nolabels', window.slice(0, 500));
    const run = await runPerformance('nolabels');
    expect(run.status).toBe('insufficient_data');
    expect(run.summary.decidedBy).toBeNull();
    expect(run.summary.estimated).toEqual({
      status: 'not_estimated',
      reason: 'no_labelled_reference',
    });
  });

  it('keeps a reference row whose label is not 0 or 1, out of the calibration set, and counts it', async () => {
    await register('badlabel');
    const text = csv(reference.slice(0, 200)).replace(/,1\n/, ',yes\n');
    const response = await uploadReference('badlabel', text);
    expect(response.status).toBe(200);
    expect(response.body.rows).toBe(200);
    expect(response.body.rejected).toEqual([]);
    expect(response.body.ignored_labels).toBe(1);
    const summary = await call<{ calibration: { rows: number } }>(
      t.url,
      '/v1/models/badlabel/versions/1/reference',
    );
    expect(summary.body.calibration.rows).toBe(199);
  });
});
