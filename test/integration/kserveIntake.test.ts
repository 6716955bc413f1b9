/**
 * POST /v1/intake/kserve with events as KServe's payload logger sends them
 * (test/fixtures/kserve, README there), on a real PostgreSQL: pairing in
 * either order, batched instances, retries, expiry of the unpaired, V1 and
 * V2 bodies, BYTES inputs, rejections with their reason.
 */
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startService } from '../../src/main.js';
import { kserveFixture, postFixture, withId, type IntakeBody } from '../helpers/kserveFixtures.js';
import { metricValue } from '../helpers/metrics.js';
import { call, startTestService, type TestService } from '../helpers/service.js';

/** Just after the fixtures' times (April 2021, as in KServe's example). */
const START_MS = Date.parse('2021-04-10T00:30:00Z');

const IRIS = {
  task: 'regression',
  features: [
    { name: 'sepal_length', type: 'numeric' },
    { name: 'sepal_width', type: 'numeric' },
    { name: 'petal_length', type: 'numeric' },
    { name: 'petal_width', type: 'numeric' },
  ],
};

const PLANS = {
  task: 'binary_classification',
  features: [
    { name: 'tenure_months', type: 'numeric' },
    { name: 'plan', type: 'categorical' },
  ],
};

interface StoredRow {
  request_id: string;
  ts: Date;
  num_values: (number | null)[];
  cat_values: (string | null)[];
  score: number | null;
  latency_ms: number | null;
  traceparent: string | null;
}

describe('POST /v1/intake/kserve', () => {
  let t: TestService;
  let db: pg.Pool;
  let nowMs = START_MS;

  beforeAll(async () => {
    t = await startTestService({
      configFile: 'test/fixtures/kserve/driftwatch.kserve.yaml',
      env: { DRIFTWATCH_MAX_BODY_BYTES: String(64 * 1024) },
      now: () => nowMs,
    });
    db = new pg.Pool({ connectionString: t.database.url, max: 2 });
    for (const [path, body] of [
      ['/v1/models/iris/versions/1', IRIS],
      ['/v1/models/plans/versions/1', PLANS],
    ] as const) {
      expect((await call(t.url, path, { method: 'PUT', body })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await db.end();
    await t.close();
  });

  beforeEach(async () => {
    nowMs = START_MS;
    await db.query('TRUNCATE predictions, prediction_keys, kserve_pending');
  });

  async function stored(model: string): Promise<StoredRow[]> {
    const { rows } = await db.query<StoredRow>(
      `SELECT request_id, ts, num_values, cat_values, score, latency_ms, traceparent
         FROM predictions WHERE model = $1 ORDER BY request_id`,
      [model],
    );
    return rows;
  }

  it('joins a V1 request and its later response into one record per instance', async () => {
    const request = await postFixture(t.url, kserveFixture('v1-iris.request'));
    expect(request.status).toBe(200);
    expect(request.body).toMatchObject({ events: 1, pending: 1, joined: 0, accepted: 0 });
    expect(await stored('iris')).toEqual([]);

    const response = await postFixture(t.url, kserveFixture('v1-iris.response'));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      events: 1,
      pending: 0,
      joined: 1,
      accepted: 2,
      duplicates: 0,
      rejected: [],
      rejected_count: 0,
    });
    const rows = await stored('iris');
    expect(rows.map((row) => row.request_id)).toEqual([
      '0009174a-24a8-4603-b098-09c8799950e9/0',
      '0009174a-24a8-4603-b098-09c8799950e9/1',
    ]);
    expect(rows[0]!.num_values).toEqual([6.8, 2.8, 4.8, 1.4]);
    expect(rows[1]!.num_values).toEqual([6.0, 3.4, 4.5, 1.6]);
    expect(rows.map((row) => row.score)).toEqual([1, 1]);
    // Ce-Time of the request; latency from the two Ce-Times (…26.0789529 → …26.080736102).
    expect(rows[0]!.ts.toISOString()).toBe('2021-04-10T00:23:26.078Z');
    expect(rows[0]!.latency_ms).toBeCloseTo(1.783202, 9);
    expect(rows[0]!.traceparent).toBe('00-90bdf848647d50283394155d2df58f19-84dacdfdf07cadfc-00');
  });

  it('joins a V2 response that arrives before its request, decoding one-hot columns', async () => {
    const response = await postFixture(t.url, kserveFixture('v2-churn.response'));
    expect(response.body).toMatchObject({ pending: 1, accepted: 0 });
    const request = await postFixture(t.url, kserveFixture('v2-churn.request'));
    expect(request.status).toBe(200);
    expect(request.body).toMatchObject({ pending: 0, joined: 1, accepted: 3, rejected_count: 0 });

    const rows = await stored('demo-churn');
    expect(rows).toHaveLength(3);
    // Layout: numeric features in schema order, then contract, payment_method.
    expect(rows[0]!.num_values).toEqual([12, 70.35, 1, 844.2]);
    expect(rows[0]!.cat_values).toEqual(['month-to-month', 'electronic_check']);
    expect(rows[1]!.cat_values).toEqual(['two-year', 'credit_card']);
    // All-zero one-hot: the encoder's unknown category, stored as missing.
    expect(rows[2]!.cat_values).toEqual(['month-to-month', null]);
    // probabilities column 1 (the manifest's outputName and scoreColumn).
    expect(rows.map((row) => row.score)).toEqual([0.25, 0.125, 0.9375]);
    expect(rows[0]!.latency_ms).toBeCloseTo(12.5, 6);
  });

  it('counts a retried event as duplicates, never twice', async () => {
    await postFixture(t.url, kserveFixture('v1-iris.request'));
    await postFixture(t.url, kserveFixture('v1-iris.response'));
    for (const name of ['v1-iris.request', 'v1-iris.response']) {
      const retry = await postFixture(t.url, kserveFixture(name));
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ pending: 0, joined: 0, accepted: 0, duplicates: 2 });
    }
    expect(await stored('iris')).toHaveLength(2);
  });

  it('maps BYTES inputs named after features to a categorical feature', async () => {
    await postFixture(t.url, kserveFixture('v2-plans-bytes.request'));
    const response = await postFixture(t.url, kserveFixture('v2-plans-bytes.response'));
    expect(response.body).toMatchObject({ joined: 1, accepted: 2 });
    const rows = await stored('plans');
    expect(rows.map((row) => [row.num_values, row.cat_values, row.score])).toEqual([
      [[7], ['basic'], 0.2],
      [[30], ['pro'], 0.7],
    ]);
  });

  it('rejects a tensor whose shape does not match its data, with the reason', async () => {
    const response = await postFixture(t.url, kserveFixture('v2-malformed-shape.request'));
    expect(response.status).toBe(400);
    expect(response.body.error?.code).toBe('validation_failed');
    expect(response.body.rejected).toEqual([
      {
        index: 0,
        code: 'bad_value',
        message: 'request: inputs[0] "input-0": shape [2,4] needs 8 values but data holds 7',
      },
    ]);
    const { rows } = await db.query('SELECT * FROM kserve_pending');
    expect(rows).toEqual([]);
  });

  it('expires an unpaired request after intake.pendingSeconds and counts it', async () => {
    const metricsBefore = await call<string>(t.url, '/metrics');
    const series = 'driftwatch_intake_pending_expired_total{source="kserve",half="request"}';
    const before = metricValue(metricsBefore.body, series);
    const lonely = withId(kserveFixture('v1-iris.request'), 'lonely-1');
    expect((await postFixture(t.url, lonely)).body).toMatchObject({ pending: 1 });

    nowMs = START_MS + 299_000;
    await t.service.scheduler!.runNow('intake-expiry');
    expect((await db.query('SELECT 1 FROM kserve_pending')).rowCount).toBe(1);

    nowMs = START_MS + 301_000;
    const outcome = await t.service.scheduler!.runNow('intake-expiry');
    expect(outcome?.ok).toBe(true);
    expect((await db.query('SELECT 1 FROM kserve_pending')).rowCount).toBe(0);
    const after = metricValue((await call<string>(t.url, '/metrics')).body, series);
    expect(after - before).toBe(1);

    // A response coming after the expiry waits alone: nothing is stored from a half.
    const late = withId(kserveFixture('v1-iris.response'), 'lonely-1');
    expect((await postFixture(t.url, late)).body).toMatchObject({ pending: 1, accepted: 0 });
    expect(await stored('iris')).toEqual([]);
  });

  it('takes structured events and a structured batch holding both halves', async () => {
    const single = await postFixture(t.url, kserveFixture('structured-v1.request'));
    expect(single.status).toBe(200);
    expect(single.body).toMatchObject({ events: 1, pending: 1 });

    const batch = await postFixture(t.url, kserveFixture('batch-v1'));
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({ events: 2, pending: 1, joined: 1, accepted: 1 });
    const rows = await stored('iris');
    expect(rows.map((row) => [row.request_id, row.num_values, row.score])).toEqual([
      ['7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b/0', [5.1, 3.5, 1.4, 0.2], 0],
    ]);
    expect(rows[0]!.latency_ms).toBeCloseTo(1.5, 6);
  });

  it('pairs each request with its response exactly once when both arrive at once', async () => {
    const request = kserveFixture('v1-iris.request');
    const response = kserveFixture('v1-iris.response');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => [
        postFixture(t.url, withId(request, `race-${i}`)),
        postFixture(t.url, withId(response, `race-${i}`)),
      ]).flat(),
    );
    expect(results.every((result) => result.status === 200)).toBe(true);
    const bodies = results.map((result) => result.body);
    expect(bodies.reduce((sum, body) => sum + body.joined, 0)).toBe(12);
    expect(bodies.reduce((sum, body) => sum + body.pending, 0)).toBe(12);
    expect(bodies.reduce((sum, body) => sum + body.accepted, 0)).toBe(24);
    expect(await stored('iris')).toHaveLength(24);
  });

  it('joins halves that reach two replicas of one database, in either order', async () => {
    const config = loadConfig({
      file: 'test/fixtures/kserve/driftwatch.kserve.yaml',
      env: { DATABASE_URL: t.database.url, DRIFTWATCH_PORT: '0' },
    });
    const other = await startService(config, {
      logger: pino({ level: 'silent' }),
      now: () => nowMs,
    });
    try {
      const request = kserveFixture('v1-iris.request');
      const response = kserveFixture('v1-iris.response');
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const [first, second] = i % 2 === 0 ? [t.url, other.url] : [other.url, t.url];
          return [
            postFixture(first, withId(request, `two-${i}`)),
            postFixture(second, withId(response, `two-${i}`)),
          ];
        }).flat(),
      );
      expect(results.map((result) => result.status)).toEqual(new Array(16).fill(200));
      expect(results.reduce((sum, result) => sum + result.body.joined, 0)).toBe(8);
      expect(await stored('iris')).toHaveLength(16);
    } finally {
      await other.close();
    }
  });

  it('summarises a pair once under raw sampling, however often and wherever its events come again', async () => {
    // Sampled-out records have no per-record key: only the pair's joined mark
    // keeps a retried event, or the same event on two replicas at once, from
    // summarising them twice.
    const sampledConfig = loadConfig({
      file: 'test/fixtures/kserve/driftwatch.kserve.yaml',
      env: {
        DATABASE_URL: t.database.url,
        DRIFTWATCH_PORT: '0',
        DRIFTWATCH_RAW_FIXED_FRACTION: '0.0009765625',
      },
    });
    const replicas = await Promise.all(
      [0, 1].map(() =>
        startService(sampledConfig, { logger: pino({ level: 'silent' }), now: () => nowMs }),
      ),
    );
    const summarised = async (): Promise<number> => {
      const { rows } = await db.query<{ n: number }>(
        "SELECT coalesce(sum((summary->>'rows')::int), 0)::int AS n FROM minute_summaries WHERE model = 'iris'",
      );
      return rows[0]!.n;
    };
    try {
      await db.query('TRUNCATE minute_summaries');
      const [a, b] = replicas.map((replica) => replica.url) as [string, string];
      const request = kserveFixture('v1-iris.request');
      const response = kserveFixture('v1-iris.response');
      // Sequential retries of both halves after the pair joined.
      await postFixture(a, withId(request, 'sampled-1'));
      expect((await postFixture(b, withId(response, 'sampled-1'))).body.joined).toBe(1);
      for (const url of [a, b]) {
        for (const half of [request, response]) {
          const retry = await postFixture(url, withId(half, 'sampled-1'));
          expect(retry.body).toMatchObject({ accepted: 0, duplicates: 2 });
        }
      }
      // The completing half sent to both replicas at once, for several pairs.
      for (let i = 0; i < 6; i++) await postFixture(a, withId(request, `sampled-race-${i}`));
      const raced = await Promise.all(
        Array.from({ length: 6 }, (_, i) => [
          postFixture(a, withId(response, `sampled-race-${i}`)),
          postFixture(b, withId(response, `sampled-race-${i}`)),
        ]).flat(),
      );
      expect(raced.map((result) => result.status)).toEqual(new Array(12).fill(200));
      const bodies = raced.map((result) => result.body);
      expect(bodies.reduce((sum, body) => sum + body.accepted, 0)).toBe(12);
      expect(bodies.reduce((sum, body) => sum + body.duplicates, 0)).toBe(12);
      // 7 pairs of 2 instances, each summarised exactly once.
      expect(await summarised()).toBe(14);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('rejects a pair from an InferenceService with no intake.kserve entry and no model id', async () => {
    const headers = { 'Ce-Inferenceservicename': 'unknown-isvc', 'Ce-Id': 'u-1' };
    await postFixture(t.url, kserveFixture('v1-iris.request'), { headers });
    const response = await postFixture(t.url, kserveFixture('v1-iris.response'), { headers });
    expect(response.status).toBe(400);
    expect(response.body.rejected[0]).toMatchObject({ index: 0, code: 'unknown_model' });
    expect(response.body.rejected[0]!.message).toContain('unknown-isvc');
    // Sent again, the pair is refused again, and counted as no new join.
    const again = await postFixture(t.url, kserveFixture('v1-iris.response'), { headers });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ pending: 0, joined: 0, rejected_count: 1 });

    // A long name is cut in the listed message, as on POST /v1/predictions.
    const long = { 'Ce-Inferenceservicename': `unknown-${'x'.repeat(400)}`, 'Ce-Id': 'u-2' };
    await postFixture(t.url, kserveFixture('v1-iris.request'), { headers: long });
    const cut = await postFixture(t.url, kserveFixture('v1-iris.response'), { headers: long });
    expect(cut.body.rejected[0]!.message).toHaveLength(301);
    expect(cut.body.rejected[0]!.message.endsWith('…')).toBe(true);
  });

  it('takes the model from Ce-Modelid and the version from Ce-Modelversion', async () => {
    const headers = {
      'Ce-Inferenceservicename': 'seldon-iris',
      'Ce-Modelid': 'iris',
      'Ce-Modelversion': '1',
      'Ce-Id': 'm-1',
    };
    await postFixture(t.url, kserveFixture('v2-plans-bytes.response'), { headers });
    // The iris version has no ONNX and this service no columns: a 1-column
    // tensor per feature is needed, which this request is not.
    const response = await postFixture(t.url, kserveFixture('v1-iris.request'), { headers });
    expect(response.status).toBe(400);
    expect(response.body.rejected[0]!.message).toMatch(/declares no input columns/);
  });

  it('refuses a body over ingest.maxBodyBytes and a request without a CloudEvent', async () => {
    const fixture = kserveFixture('v1-iris.request');
    const big = JSON.stringify({ instances: Array.from({ length: 10_000 }, () => [1, 2, 3, 4]) });
    const tooLarge = await postFixture(t.url, fixture, { body: big });
    expect(tooLarge.status).toBe(413);

    const plain = await call<IntakeBody>(t.url, '/v1/intake/kserve', {
      body: { instances: [[1, 2, 3, 4]] },
    });
    expect(plain.status).toBe(400);
    expect(plain.body.rejected[0]).toMatchObject({ index: 0, code: 'missing_field' });
  });
});
