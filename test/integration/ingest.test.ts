import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';
import { metricValue } from '../helpers/metrics.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';

interface IngestBody {
  accepted: number;
  duplicates: number;
  rejected: { index: number; code: string; message: string }[];
  error?: { code: string; message: string };
}

describe('POST /v1/predictions', () => {
  let t: TestService;
  let db: pg.Pool;

  beforeAll(async () => {
    t = await startTestService({ env: { DRIFTWATCH_MAX_BODY_BYTES: String(1024 * 1024) } });
    db = new pg.Pool({ connectionString: t.database.url, max: 2 });
    expect(
      (await call(t.url, '/v1/models/churn/versions/1', { method: 'PUT', body: CHURN_DEFINITION }))
        .status,
    ).toBe(201);
    expect(
      (await call(t.url, '/v1/models/churn/versions/2', { method: 'PUT', body: CHURN_DEFINITION }))
        .status,
    ).toBe(201);
    expect(
      (
        await call(t.url, '/v1/models/lenient/versions/1', {
          method: 'PUT',
          body: CHURN_DEFINITION,
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await db.end();
    await t.close();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE predictions, prediction_keys, labels');
  });

  async function count(where = 'TRUE', params: unknown[] = []): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM predictions WHERE ${where}`,
      params,
    );
    return rows[0]!.n;
  }

  const post = (records: unknown[], options: { ndjson?: boolean; gzip?: boolean } = {}) =>
    call<IngestBody>(t.url, '/v1/predictions', {
      raw: options.ndjson ? ndjson(records) : JSON.stringify(records),
      contentType: options.ndjson ? 'application/x-ndjson' : 'application/json',
      gzip: options.gzip ?? false,
    });

  it('stores a JSON array of records with every field', async () => {
    const records = [
      churnRecord(1, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
      churnRecord(2),
    ];
    const response = await post(records);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ accepted: 2, duplicates: 0, rejected: [], rejected_count: 0 });
    const { rows } = await db.query(
      `SELECT request_id, ts, num_values, cat_values, missing_count, score, prediction, latency_ms, status, traceparent
         FROM predictions ORDER BY request_id`,
    );
    expect(rows).toHaveLength(2);
    const first = records[0] as ReturnType<typeof churnRecord> & {
      features: Record<string, unknown>;
    };
    expect(rows[0].request_id).toBe('req-1');
    expect(rows[0].ts.toISOString()).toBe(first.timestamp);
    expect(rows[0].num_values).toEqual([
      first.features.tenure_months,
      first.features.monthly_charges,
      first.features.support_calls,
    ]);
    expect(rows[0].cat_values).toEqual([first.features.plan, first.features.region]);
    expect(rows[0].missing_count).toBe(0);
    expect(rows[0].score).toBe(first.score);
    expect(rows[0].prediction).toBe(String(first.prediction));
    expect(rows[0].latency_ms).toBe(first.latency_ms);
    expect(rows[0].traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('stores record tags as jsonb and rejects each record with a bad tag alone', async () => {
    const records = [
      churnRecord(1, { tags: { pod: 'pod-7', country: 'DE', 'build.id': 'é🙂' } }),
      churnRecord(2, { tags: { pod: '' } }),
      churnRecord(3),
      churnRecord(4, { tags: { 'bad key': 'x' } }),
      churnRecord(5, {
        tags: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
      }),
      churnRecord(6, { tags: { pod: 'x'.repeat(257) } }),
      churnRecord(7, { tags: { pod: 'pod-8' } }),
    ];
    const response = await post(records, { ndjson: true });
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(3);
    expect(response.body.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'bad_value'],
      [3, 'bad_value'],
      [4, 'bad_value'],
      [5, 'too_long'],
    ]);
    expect(response.body.rejected[0]!.message).toBe('tags.pod: must not be empty');
    expect(response.body.rejected[1]!.message).toMatch(/key "bad key" is not a tag key/);
    expect(response.body.rejected[2]!.message).toMatch(/17 tags; at most 16/);
    const { rows } = await db.query<{ request_id: string; tags: unknown; pod: string | null }>(
      `SELECT request_id, tags, tags ->> 'pod' AS pod FROM predictions ORDER BY request_id`,
    );
    expect(rows).toEqual([
      {
        request_id: 'req-1',
        tags: { pod: 'pod-7', country: 'DE', 'build.id': 'é🙂' },
        pod: 'pod-7',
      },
      { request_id: 'req-3', tags: null, pod: null },
      { request_id: 'req-7', tags: { pod: 'pod-8' }, pod: 'pod-8' },
    ]);
  });

  it('stores NDJSON and gzip-encoded bodies the same way', async () => {
    const ndjsonResponse = await post([churnRecord(1), churnRecord(2)], { ndjson: true });
    expect(ndjsonResponse.body).toMatchObject({ accepted: 2, rejected: [] });
    const gzipJson = await post([churnRecord(3), churnRecord(4)], { gzip: true });
    expect(gzipJson.body).toMatchObject({ accepted: 2, rejected: [] });
    const gzipNdjson = await post([churnRecord(5)], { ndjson: true, gzip: true });
    expect(gzipNdjson.body).toMatchObject({ accepted: 1, rejected: [] });
    expect(await count()).toBe(5);
  });

  it('stores exactly the 963 good records of a 1,000-record batch and names each of the 37 bad ones', async () => {
    const badIndexes = new Set<number>();
    for (let k = 0; k < 37; k += 1) badIndexes.add((k * 27 + 5) % 1000);
    expect(badIndexes.size).toBe(37);
    const breakers: ((i: number) => Record<string, unknown>)[] = [
      (i) => churnRecord(i, { model: 'nope' }),
      (i) => churnRecord(i, { model_version: '9' }),
      (i) =>
        churnRecord(i, {
          features: { ...(churnRecord(i).features as object), tenure_months: 'ten' },
        }),
      (i) => churnRecord(i, { timestamp: 'yesterday' }),
      (i) =>
        churnRecord(i, { features: { ...(churnRecord(i).features as object), colour: 'red' } }),
      (i) => {
        const record = churnRecord(i);
        delete record.request_id;
        return record;
      },
      (i) => churnRecord(i, { score: 'high' }),
    ];
    const lines: string[] = [];
    for (let i = 0; i < 1000; i += 1) {
      if (badIndexes.has(i)) lines.push(JSON.stringify(breakers[i % breakers.length]!(i)));
      else lines.push(JSON.stringify(churnRecord(i)));
    }
    // One bad line is not JSON at all.
    const notJson = [...badIndexes][0]!;
    lines[notJson] = lines[notJson]!.replace('"features":{', '"features":{"x":NaN,');
    const response = await call<IngestBody>(t.url, '/v1/predictions', {
      raw: lines.join('\n'),
      contentType: 'application/x-ndjson',
    });
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(963);
    expect(response.body.duplicates).toBe(0);
    expect(response.body.rejected.map((r) => r.index).sort((a, b) => a - b)).toEqual(
      [...badIndexes].sort((a, b) => a - b),
    );
    for (const rejection of response.body.rejected) {
      expect(rejection.message.length).toBeGreaterThan(5);
    }
    expect(await count()).toBe(963);
    const stored = await db.query<{ request_id: string }>('SELECT request_id FROM predictions');
    const storedIds = new Set(stored.rows.map((row) => row.request_id));
    for (const index of badIndexes) expect(storedIds.has(`req-${index}`)).toBe(false);
  });

  it('counts a retried batch as duplicates and adds no rows', async () => {
    const records = Array.from({ length: 50 }, (_, i) => churnRecord(i));
    expect((await post(records)).body).toMatchObject({ accepted: 50, duplicates: 0 });
    const retry = await post(records);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 50, rejected: [] });
    expect(await count()).toBe(50);
  });

  it('keeps request ids unique per model even when a retry carries another timestamp', async () => {
    await post([churnRecord(1)]);
    const moved = churnRecord(1, {
      timestamp: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    });
    expect((await post([moved])).body).toMatchObject({ accepted: 0, duplicates: 1 });
    // The same id under another model is a different prediction.
    expect((await post([churnRecord(1, { model: 'lenient' })])).body).toMatchObject({
      accepted: 1,
    });
    expect(await count()).toBe(2);
  });

  it('keeps the first of two records with one request id in a batch', async () => {
    const response = await post([churnRecord(1, { score: 0.1 }), churnRecord(1, { score: 0.9 })]);
    expect(response.body).toMatchObject({ accepted: 1, duplicates: 1 });
    const { rows } = await db.query('SELECT score FROM predictions');
    expect(rows[0].score).toBe(0.1);
  });

  it('stores missing features as missing, never as 0, and counts them', async () => {
    const before = await call<string>(t.url, '/metrics');
    const missingBefore = metricValue(
      before.body,
      'driftwatch_ingest_missing_features_total{model="churn",model_version="1"}',
    );
    const record = churnRecord(1, { features: { tenure_months: 3, plan: null } });
    expect((await post([record])).body).toMatchObject({ accepted: 1 });
    const { rows } = await db.query(
      'SELECT num_values, cat_values, missing_count FROM predictions',
    );
    expect(rows[0].num_values).toEqual([3, null, null]);
    expect(rows[0].cat_values).toEqual([null, null]);
    expect(rows[0].missing_count).toBe(4);
    const after = await call<string>(t.url, '/metrics');
    expect(
      metricValue(
        after.body,
        'driftwatch_ingest_missing_features_total{model="churn",model_version="1"}',
      ),
    ).toBe(missingBefore + 4);
  });

  it('rejects unknown features by default and keeps them out but the record in with unknownFeatures: ignore', async () => {
    const extra = (model: string) =>
      churnRecord(7, {
        model,
        features: { ...(churnRecord(7).features as object), colour: 'red', size: 3 },
      });
    const strict = await post([extra('churn'), churnRecord(8)]);
    expect(strict.body.accepted).toBe(1);
    expect(strict.body.rejected).toEqual([
      { index: 0, code: 'unknown_feature', message: expect.stringContaining('"colour"') },
    ]);

    const lenient = await post([extra('lenient')]);
    expect(lenient.body).toMatchObject({ accepted: 1, rejected: [] });
    const metrics = await call<string>(t.url, '/metrics');
    expect(
      metricValue(
        metrics.body,
        'driftwatch_ingest_ignored_features_total{model="lenient",model_version="1"}',
      ),
    ).toBe(2);
  });

  it('creates the daily partition for back-filled records on demand', async () => {
    const old = churnRecord(1, { timestamp: new Date(Date.now() - 40 * 86_400_000).toISOString() });
    expect((await post([old])).body).toMatchObject({ accepted: 1 });
    const day = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const { rows } = await db.query('SELECT tableoid::regclass::text AS part FROM predictions');
    expect(rows[0].part).toBe(`predictions_p${day}`);
  });

  it('stores a label carried by a record', async () => {
    await post([churnRecord(1, { label: true }), churnRecord(2, { label: 0 })]);
    const { rows } = await db.query('SELECT request_id, label FROM labels ORDER BY request_id');
    expect(rows).toEqual([
      { request_id: 'req-1', label: 1 },
      { request_id: 'req-2', label: 0 },
    ]);
  });

  describe('bad records next to a good one', () => {
    const cases: [string, (i: number) => unknown, string][] = [
      ['an unknown model', (i) => churnRecord(i, { model: 'ghost' }), 'unknown_model'],
      ['an unknown version', (i) => churnRecord(i, { model_version: '7' }), 'unknown_version'],
      [
        'a numeric feature given as text',
        (i) => churnRecord(i, { features: { tenure_months: '12' } }),
        'wrong_type',
      ],
      [
        'a categorical feature given as an object',
        (i) => churnRecord(i, { features: { plan: { a: 1 } } }),
        'wrong_type',
      ],
      ['a score that overflows to Infinity', () => null, 'non_finite'],
      [
        'a missing model_version',
        (i) => ({ ...churnRecord(i), model_version: undefined }),
        'missing_field',
      ],
      [
        'a missing timestamp',
        (i) => ({ ...churnRecord(i), timestamp: undefined }),
        'missing_field',
      ],
      [
        'a missing features object',
        (i) => ({ ...churnRecord(i), features: undefined }),
        'missing_field',
      ],
      [
        'a timestamp without a zone',
        (i) => churnRecord(i, { timestamp: '2026-11-28T10:00:00' }),
        'bad_timestamp',
      ],
      [
        'a timestamp in milliseconds',
        (i) => churnRecord(i, { timestamp: Date.now() }),
        'bad_timestamp',
      ],
      [
        'a timestamp far in the future',
        (i) => churnRecord(i, { timestamp: new Date(Date.now() + 86_400_000).toISOString() }),
        'bad_timestamp',
      ],
      ['an unknown top-level field', (i) => churnRecord(i, { modle: 'churn' }), 'unknown_field'],
      ['an array instead of an object', () => [1, 2], 'not_an_object'],
      ['a negative latency', (i) => churnRecord(i, { latency_ms: -1 }), 'bad_value'],
    ];
    for (const [what, make, code] of cases) {
      it(`rejects ${what} with code ${code} and its index`, async () => {
        const bad = make(2);
        const badText =
          bad === null
            ? JSON.stringify(churnRecord(2)).replace(/"score":[^,]+/, '"score":1e999')
            : JSON.stringify(bad);
        const body = `[${JSON.stringify(churnRecord(1))},${badText},${JSON.stringify(churnRecord(3))}]`;
        const response = await call<IngestBody>(t.url, '/v1/predictions', { raw: body });
        expect(response.status).toBe(200);
        expect(response.body.accepted).toBe(2);
        expect(response.body.rejected).toHaveLength(1);
        expect(response.body.rejected[0]).toMatchObject({ index: 1, code });
        expect(await count()).toBe(2);
      });
    }
  });

  it('answers 400 with every rejection when no record is valid, and stores nothing', async () => {
    const response = await post([
      churnRecord(1, { model: 'ghost' }),
      churnRecord(2, { timestamp: 'x' }),
    ]);
    expect(response.status).toBe(400);
    expect(response.body.error?.code).toBe('validation_failed');
    expect(response.body.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'unknown_model'],
      [1, 'bad_timestamp'],
    ]);
    expect(await count()).toBe(0);
  });

  it('answers 400 for a body that cannot be parsed at all', async () => {
    for (const raw of ['[{"model": "churn"', '{"a": 1} trailing', '', 'hello', '[]']) {
      const response = await call<IngestBody>(t.url, '/v1/predictions', { raw });
      expect(response.status, raw).toBe(400);
      expect(response.body.error?.code, raw).toBe('body_unparseable');
    }
    const corruptGzip = await call<IngestBody>(t.url, '/v1/predictions', {
      raw: Buffer.from('not gzip at all'),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(corruptGzip.status).toBe(400);
    expect(await count()).toBe(0);
  });

  it('answers 413 for an oversize body, and for a small gzip body that inflates past the limit', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => churnRecord(i));
    const plain = ndjson(many);
    expect(plain.length).toBeGreaterThan(1024 * 1024);
    const response = await call<IngestBody>(t.url, '/v1/predictions', {
      raw: plain,
      contentType: 'application/x-ndjson',
    });
    expect(response.status).toBe(413);
    expect(response.body.error?.code).toBe('body_too_large');

    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, ' '));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const inflated = await call<IngestBody>(t.url, '/v1/predictions', {
      raw: bomb,
      contentType: 'application/x-ndjson',
      headers: { 'content-encoding': 'gzip' },
    });
    expect(inflated.status).toBe(413);
    expect(inflated.body.error?.message).toContain('decompressed');
    expect(await count()).toBe(0);
  });

  it('answers 415 for an unsupported content type or encoding', async () => {
    const text = await call<IngestBody>(t.url, '/v1/predictions', {
      raw: JSON.stringify([churnRecord(1)]),
      contentType: 'text/plain',
    });
    expect(text.status).toBe(415);
    const none = await fetch(`${t.url}/v1/predictions`, {
      method: 'POST',
      body: new Uint8Array(Buffer.from('[]')),
    });
    expect(none.status).toBe(415);
    const brotli = await call<IngestBody>(t.url, '/v1/predictions', {
      raw: JSON.stringify([churnRecord(1)]),
      headers: { 'content-encoding': 'br' },
    });
    expect(brotli.status).toBe(415);
    expect(await count()).toBe(0);
  });

  it('counts stored predictions per model version and status in /metrics', async () => {
    const before = await call<string>(t.url, '/metrics');
    const key = 'driftwatch_predictions_total{model="churn",model_version="2",status="error"}';
    const start = metricValue(before.body, key);
    await post([
      churnRecord(1, { model_version: '2', status: 'error' }),
      churnRecord(2, { model_version: '2', status: 'error' }),
    ]);
    await post([churnRecord(1, { model_version: '2', status: 'error' })]); // duplicate: not counted again
    const after = await call<string>(t.url, '/metrics');
    expect(metricValue(after.body, key)).toBe(start + 2);
    // A status outside the known set is counted as "other", keeping label values bounded.
    await post([churnRecord(3, { model_version: '2', status: 'weird-' + 'x'.repeat(20) })]);
    const later = await call<string>(t.url, '/metrics');
    expect(
      metricValue(
        later.body,
        'driftwatch_predictions_total{model="churn",model_version="2",status="other"}',
      ),
    ).toBe(1);
  });
});

describe('prediction histograms', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService();
    await call(t.url, '/v1/models/churn/versions/1', { method: 'PUT', body: CHURN_DEFINITION });
  });
  afterAll(async () => {
    await t.close();
  });

  it('observes logged latency and score of stored records once, not of duplicates', async () => {
    const records = [
      churnRecord(1, { latency_ms: 3, score: 0.15 }),
      churnRecord(2, { latency_ms: 40, score: 0.95 }),
      churnRecord(3, { latency_ms: null, score: null }),
    ];
    await call(t.url, '/v1/predictions', { body: records });
    await call(t.url, '/v1/predictions', { body: records }); // duplicates
    const metrics = (await call<string>(t.url, '/metrics')).body;
    const labels = 'model="churn",model_version="1"';
    expect(metricValue(metrics, `driftwatch_prediction_latency_seconds_count{${labels}}`)).toBe(2);
    expect(
      metricValue(metrics, `driftwatch_prediction_latency_seconds_bucket{le="0.005",${labels}}`),
    ).toBe(1);
    expect(
      metricValue(metrics, `driftwatch_prediction_latency_seconds_sum{${labels}}`),
    ).toBeCloseTo(0.043, 9);
    expect(metricValue(metrics, `driftwatch_prediction_score_bucket{le="0.2",${labels}}`)).toBe(1);
    expect(metricValue(metrics, `driftwatch_prediction_score_count{${labels}}`)).toBe(2);
  });
});
