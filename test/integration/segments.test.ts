/**
 * Segments through the running service: tags and categorical features slice
 * the drift run, a shift confined to one segment is found there and not in
 * the whole window, and the cardinality of results, summary and metric
 * series stays at top + 1 per `by` however many distinct values arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churnRows, predictionRecords, referenceCsv } from '../helpers/churnData.js';
import { CHURN_DEFINITION } from '../helpers/records.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';
import { metricValue } from '../helpers/metrics.js';

interface ResultView {
  feature: string;
  test: string;
  status: string;
  drifted: boolean;
  segment: string | null;
}

interface SegmentLine {
  by: string;
  value: string;
  segment: string;
  rows: number;
  readRows?: number;
  reference: 'slice' | 'whole';
  status: string;
  driftedFeatures: string[];
}

interface RunView {
  id: number;
  status: string;
  error: string | null;
  summary: Record<string, unknown> & { segments?: SegmentLine[] };
  results?: ResultView[];
}

const SEGMENT_CONFIG = `
    seg:
      segments:
        - by: tag:pod
          top: 10
        - by: region
          top: 2
    segcap:
      segments:
        - by: tag:user
          top: 5
    segread:
      checks:
        drift:
          exactLimit: 1000
      segments:
        - by: tag:pod
    segnum:
      segments:
        - by: tenure_months
    segunknown:
      segments:
        - by: colour
`;

async function postAll(url: string, records: readonly Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < records.length; i += 2000) {
    const response = await call<{ accepted: number; rejected: unknown[] }>(url, '/v1/predictions', {
      raw: ndjson(records.slice(i, i + 2000)),
      contentType: 'application/x-ndjson',
    });
    expect(response.status).toBe(200);
    expect(response.body.rejected).toEqual([]);
  }
}

async function register(url: string, model: string): Promise<void> {
  const created = await call(url, `/v1/models/${model}/versions/1`, {
    method: 'PUT',
    body: CHURN_DEFINITION,
  });
  expect(created.status).toBe(201);
  const imported = await call(url, `/v1/models/${model}/versions/1/reference`, {
    method: 'PUT',
    raw: referenceCsv(churnRows(5_000, 1)),
    contentType: 'text/csv',
  });
  expect(imported.status).toBe(200);
}

async function runDrift(url: string, model: string, window = '1h'): Promise<RunView> {
  const response = await call<{ runs: RunView[] }>(
    url,
    `/v1/models/${model}/checks/drift/run?version=1&window=${window}`,
    { method: 'POST' },
  );
  expect(response.status).toBe(200);
  return response.body.runs[0]!;
}

function decisive(results: readonly ResultView[]): ResultView[] {
  return results.filter((r) => r.test === 'ks' || r.test === 'chi_square');
}

/** Sample lines of one metric for one model, as label strings. */
function seriesOf(metrics: string, name: string, model: string): string[] {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(`model="${model}"`));
}

describe('segments', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ modelSettings: SEGMENT_CONFIG });
    for (const model of ['seg', 'segcap', 'segread', 'segnum', 'segunknown']) {
      await register(t.url, model);
    }
  });

  afterAll(async () => {
    await t.close();
  });

  it('finds a shift confined to one pod (5 % of traffic) in that segment and not in the whole window', async () => {
    const now = Date.now();
    // 6,000 rows over 10 pods: pod-3 carries 5 % of them, with tenure shifted by 1.5 sd.
    const plain = churnRows(5_700, 11);
    const shifted = churnRows(300, 12, { tenureSigma: 1.5 });
    const records = predictionRecords([...plain, ...shifted], {
      model: 'seg',
      version: '1',
      idPrefix: 'seg',
      nowMs: now,
      spreadMs: 50 * 60_000,
    }).map((record, i) => ({
      ...record,
      tags: {
        pod: i >= plain.length ? 'pod-3' : `pod-${[0, 1, 2, 4, 5, 6, 7, 8, 9][i % 9]}`,
      },
    }));
    await postAll(t.url, records);

    const run = await runDrift(t.url, 'seg');
    expect(run.error).toBeNull();
    const results = run.results ?? [];
    const whole = results.filter((r) => r.segment === null);
    // The whole window: no feature drifted (the shifted 5 % moves KS D below the minimum effect).
    expect(decisive(whole).filter((r) => r.drifted)).toEqual([]);
    expect(run.summary.driftedFeatures).toEqual([]);
    // …but the run is `drift`, because of one segment.
    expect(run.status).toBe('drift');
    const segments = run.summary.segments ?? [];
    const drifted = segments.filter((s) => s.status === 'drift');
    expect(drifted.map((s) => [s.segment, s.rows, s.driftedFeatures])).toEqual([
      ['tag:pod=pod-3', 300, ['tenure_months']],
    ]);
    // Every pod is a segment (10 values, top 10: no __other__); region: eu, us, then __other__ (apac).
    expect(
      segments
        .filter((s) => s.by === 'tag:pod')
        .map((s) => s.value)
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `pod-${i}`).sort());
    expect(segments.filter((s) => s.by === 'region').map((s) => s.value)).toEqual(
      expect.arrayContaining(['eu', 'us', '__other__']),
    );
    expect(segments.filter((s) => s.by === 'region')).toHaveLength(3);
    // Tag segments against the whole reference (it has no tags); region's against its slices.
    expect(new Set(segments.filter((s) => s.by === 'tag:pod').map((s) => s.reference))).toEqual(
      new Set(['whole']),
    );
    expect(new Set(segments.filter((s) => s.by === 'region').map((s) => s.reference))).toEqual(
      new Set(['slice']),
    );
    // 10 pod segments × 5 features, 3 region segments × 4 (region itself is not tested there).
    expect(run.summary.segmentFamilySize).toBe(10 * 5 + 3 * 4);
    expect(run.summary.segmentRows).toBe('all');
    const podRows = decisive(results.filter((r) => r.segment === 'tag:pod=pod-3'));
    expect(podRows.find((r) => r.feature === 'tenure_months')).toMatchObject({
      test: 'ks',
      drifted: true,
      status: 'drift',
    });

    // Stored and served again the same way.
    const again = await call<RunView>(t.url, `/v1/runs/${run.id}`);
    expect(again.body.results).toEqual(run.results);

    const metrics = (await call<string>(t.url, '/metrics')).body;
    const labels = 'model="seg",model_version="1",segment_by="tag:pod"';
    expect(
      metricValue(
        metrics,
        `driftwatch_segment_feature_drifted{${labels},segment="pod-3",feature="tenure_months"}`,
      ),
    ).toBe(1);
    expect(
      metricValue(metrics, `driftwatch_segment_drift_share{${labels},segment="pod-3"}`),
    ).toBeCloseTo(0.2, 12);
    expect(metricValue(metrics, `driftwatch_segment_rows{${labels},segment="pod-3"}`)).toBe(300);
    expect(
      metricValue(
        metrics,
        'driftwatch_feature_drifted{model="seg",model_version="1",feature="tenure_months"}',
      ),
    ).toBe(0);

    // Realised performance per segment: labels agree with the decision
    // everywhere but on pod-3, where they are flipped.
    const truth = records.map((record) => {
      const decided = ((record as Record<string, unknown>).score as number) >= 0.5 ? 1 : 0;
      return {
        model: 'seg',
        request_id: (record as Record<string, unknown>).request_id as string,
        label: record.tags.pod === 'pod-3' ? 1 - decided : decided,
      };
    });
    for (let i = 0; i < truth.length; i += 2000) {
      expect((await call(t.url, '/v1/labels', { body: truth.slice(i, i + 2000) })).status).toBe(
        200,
      );
    }
    const performance = await call<{ runs: RunView[] }>(
      t.url,
      '/v1/models/seg/checks/performance/run?version=1&window=1h',
      { method: 'POST' },
    );
    expect(performance.status).toBe(200);
    const perSegment = performance.body.runs[0]!.summary.segments as unknown as {
      segment: string;
      labelledRows: number;
      metrics: { accuracy?: number };
    }[];
    const pods = perSegment.filter((s) => s.segment.startsWith('tag:pod='));
    expect(pods).toHaveLength(10);
    for (const pod of pods) {
      expect(pod.metrics.accuracy, pod.segment).toBe(pod.segment === 'tag:pod=pod-3' ? 0 : 1);
    }
    expect(pods.find((s) => s.segment === 'tag:pod=pod-3')!.labelledRows).toBe(300);
    expect(perSegment.filter((s) => s.segment.startsWith('region='))).toHaveLength(3);
  });

  it('keeps results, summary and metric series at top + 1 with 10,000 distinct tag values; a segment that leaves the top loses its series', async () => {
    const now = Date.now();
    const rows = churnRows(13_000, 21);
    const records = predictionRecords(rows, {
      model: 'segcap',
      version: '1',
      idPrefix: 'cap',
      nowMs: now,
      spreadMs: 1,
    }).map((record, i) => {
      // 10,000 users seen once and five heavy users, all in the last 4 minutes;
      // five heavier users 30–50 minutes ago, in the hour's window only.
      if (i < 10_000) return { ...record, tags: { user: `u-${i}` } };
      if (i < 11_000) {
        return { ...record, tags: { user: `recent-${i % 5}` } };
      }
      return {
        ...record,
        timestamp: new Date(now - 30 * 60_000 - (i % 1000) * 1000).toISOString(),
        tags: { user: `old-${i % 5}` },
      };
    });
    await postAll(t.url, records);

    const hour = await runDrift(t.url, 'segcap', '1h');
    expect(hour.error).toBeNull();
    const hourSegments = hour.summary.segments ?? [];
    expect(hourSegments.map((s) => s.value)).toEqual([
      'old-0',
      'old-1',
      'old-2',
      'old-3',
      'old-4',
      '__other__',
    ]);
    expect(hourSegments.map((s) => s.rows)).toEqual([400, 400, 400, 400, 400, 11_000]);
    const hourLabels = new Set((hour.results ?? []).map((r) => r.segment));
    expect(hourLabels.size).toBeLessThanOrEqual(5 + 1 + 1); // + the whole window (null)
    let metrics = (await call<string>(t.url, '/metrics')).body;
    expect(seriesOf(metrics, 'driftwatch_segment_rows', 'segcap')).toHaveLength(6);
    expect(
      seriesOf(metrics, 'driftwatch_segment_feature_drifted', 'segcap').length,
    ).toBeLessThanOrEqual(6 * 5);
    expect(metrics).toContain('segment="old-0"');

    // The last 5 minutes: the old users are gone, the recent ones take the top.
    const recent = await runDrift(t.url, 'segcap', '5m');
    const recentSegments = recent.summary.segments ?? [];
    expect(recentSegments.map((s) => s.value)).toEqual([
      'recent-0',
      'recent-1',
      'recent-2',
      'recent-3',
      'recent-4',
      '__other__',
    ]);
    expect(recentSegments.at(-1)!.rows).toBe(10_000);
    metrics = (await call<string>(t.url, '/metrics')).body;
    const series = seriesOf(metrics, 'driftwatch_segment_rows', 'segcap');
    expect(series).toHaveLength(6);
    expect(series.some((line) => line.includes('segment="old-'))).toBe(false);
    expect(
      seriesOf(metrics, 'driftwatch_segment_feature_drifted', 'segcap').some((line) =>
        line.includes('segment="old-'),
      ),
    ).toBe(false);
  });

  it('reads the raw sample of a sampled window and says so', async () => {
    const sampled = await startTestService({
      modelSettings: SEGMENT_CONFIG,
      env: { DRIFTWATCH_RAW_FIXED_FRACTION: '0.25' },
    });
    try {
      await register(sampled.url, 'seg');
      const records = predictionRecords(churnRows(4_000, 31), {
        model: 'seg',
        version: '1',
        idPrefix: 'sampled',
        nowMs: Date.now(),
        spreadMs: 20 * 60_000,
      }).map((record, i) => ({ ...record, tags: { pod: `pod-${i % 2}` } }));
      await postAll(sampled.url, records);
      const run = await runDrift(sampled.url, 'seg');
      expect(run.error).toBeNull();
      // The whole window from the minute summaries (every record)…
      expect(run.summary.path).toBe('summaries');
      // …the segments from the raw rows kept: about a quarter.
      expect(run.summary.segmentRows).toBe('sample');
      expect(run.summary.sampleFraction).toBe(0.25);
      const pods = (run.summary.segments ?? []).filter((s) => s.by === 'tag:pod');
      const read = pods.reduce((sum, s) => sum + s.rows, 0);
      expect(read).toBeGreaterThan(700);
      expect(read).toBeLessThan(1_300);
    } finally {
      await sampled.close();
    }
  });

  it('reads a hash sample of about exactLimit rows for the segments of a larger window', async () => {
    const records = predictionRecords(churnRows(4_000, 41), {
      model: 'segread',
      version: '1',
      idPrefix: 'read',
      nowMs: Date.now(),
      spreadMs: 20 * 60_000,
    }).map((record, i) => ({ ...record, tags: { pod: `pod-${i % 2}` } }));
    await postAll(t.url, records);
    const run = await runDrift(t.url, 'segread');
    expect(run.error).toBeNull();
    expect(run.summary.segmentRows).toBe('sample');
    expect(run.summary.segmentReadFraction).toBe(0.25);
    expect(run.summary.sampleFraction).toBeUndefined();
    // Tested on the sample; the segments' sizes are the window's own counts.
    const segments = run.summary.segments ?? [];
    const read = segments.reduce((sum, s) => sum + s.readRows!, 0);
    expect(read).toBeGreaterThan(700);
    expect(read).toBeLessThan(1_300);
    expect(segments.reduce((sum, s) => sum + s.rows, 0)).toBe(4_000);
  });

  it('skips a segment that names a numeric or unknown feature, says why, and runs the rest', async () => {
    const numeric = await runDrift(t.url, 'segnum');
    expect(numeric.error).toBeNull();
    expect(numeric.status).not.toBe('error');
    expect(numeric.summary.segmentErrors).toEqual([
      expect.stringMatching(
        /segments: by "tenure_months" is a numeric feature of segnum version 1/,
      ),
    ]);
    const unknown = await runDrift(t.url, 'segunknown');
    expect(unknown.status).not.toBe('error');
    expect(unknown.summary.segmentErrors).toEqual([
      expect.stringMatching(/segments: by "colour" is not a feature of segunknown version 1/),
    ]);
  });
});
