import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHURN_DEFINITION } from '../helpers/records.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';

interface LabelRow {
  request_id: string;
  label: number;
  ts: Date | null;
}

interface LabelResponse {
  accepted: number;
  rejected: { index: number; code: string; message: string }[];
  error?: { code: string; message: string };
}

describe('POST /v1/labels', () => {
  let test: TestService;
  let db: pg.Client;

  beforeAll(async () => {
    test = await startTestService();
    db = new pg.Client({ connectionString: test.database.url });
    await db.connect();
    const registered = await call(test.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(registered.status).toBe(201);
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
  });

  async function labelsOf(requestIds: string[]): Promise<LabelRow[]> {
    const { rows } = await db.query<LabelRow>(
      `SELECT request_id, label, ts FROM labels
        WHERE model = 'churn' AND request_id = ANY($1::text[]) ORDER BY request_id`,
      [requestIds],
    );
    return rows;
  }

  function postLabels(body: unknown, contentType = 'application/json') {
    return call<LabelResponse>(test.url, '/v1/labels', {
      raw: typeof body === 'string' ? body : JSON.stringify(body),
      contentType,
    });
  }

  it('stores labels sent as a JSON array, for request ids never seen', async () => {
    const response = await postLabels([
      { model: 'churn', request_id: 'json-1', label: 1 },
      { model: 'churn', request_id: 'json-2', label: 0.25 },
    ]);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ accepted: 2, rejected: [], rejected_count: 0 });
    expect(await labelsOf(['json-1', 'json-2'])).toEqual([
      { request_id: 'json-1', label: 1, ts: null },
      { request_id: 'json-2', label: 0.25, ts: null },
    ]);
    const predictions = await db.query('SELECT 1 FROM prediction_keys');
    expect(predictions.rowCount).toBe(0);
  });

  it('stores labels sent as NDJSON', async () => {
    const body = ndjson([
      { model: 'churn', request_id: 'nd-1', label: 0 },
      { model: 'churn', request_id: 'nd-2', label: 1 },
    ]);
    const response = await postLabels(body, 'application/x-ndjson');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ accepted: 2, rejected: [], rejected_count: 0 });
    expect((await labelsOf(['nd-1', 'nd-2'])).map((row) => row.label)).toEqual([0, 1]);
  });

  it('stores boolean labels as 1 and 0', async () => {
    const response = await postLabels([
      { model: 'churn', request_id: 'bool-true', label: true },
      { model: 'churn', request_id: 'bool-false', label: false },
    ]);
    expect(response.status).toBe(200);
    expect(await labelsOf(['bool-false', 'bool-true'])).toEqual([
      { request_id: 'bool-false', label: 0, ts: null },
      { request_id: 'bool-true', label: 1, ts: null },
    ]);
  });

  it('stores the label timestamp when one is given', async () => {
    const timestamp = new Date(Date.now() - 60_000);
    timestamp.setUTCMilliseconds(0);
    const response = await postLabels([
      { model: 'churn', request_id: 'timed', label: 1, timestamp: timestamp.toISOString() },
    ]);
    expect(response.status).toBe(200);
    const [row] = await labelsOf(['timed']);
    expect(row!.ts?.getTime()).toBe(timestamp.getTime());
  });

  it('replaces an earlier label of the same request id with a later one', async () => {
    await postLabels([{ model: 'churn', request_id: 'relabelled', label: 0 }]);
    expect((await labelsOf(['relabelled']))[0]!.label).toBe(0);
    const response = await postLabels([{ model: 'churn', request_id: 'relabelled', label: 1 }]);
    expect(response.body).toEqual({ accepted: 1, rejected: [], rejected_count: 0 });
    expect(await labelsOf(['relabelled'])).toEqual([
      { request_id: 'relabelled', label: 1, ts: null },
    ]);
  });

  it('keeps the last label of a request id that appears twice in one batch', async () => {
    const response = await postLabels([
      { model: 'churn', request_id: 'twice', label: 1 },
      { model: 'churn', request_id: 'twice', label: 0 },
    ]);
    expect(response.status).toBe(200);
    expect(await labelsOf(['twice'])).toEqual([{ request_id: 'twice', label: 0, ts: null }]);
  });

  it('rejects bad entries by index and stores the valid ones of the same batch', async () => {
    const response = await postLabels([
      { model: 'churn', request_id: 'mixed-ok-0', label: 1 },
      { model: 'no-such-model', request_id: 'mixed-bad-1', label: 1 },
      { model: 'churn', request_id: 'mixed-bad-2', label: 'yes' },
      { model: 'churn', label: 1 },
      { model: 'churn', request_id: 'mixed-bad-4', label: 1, score: 0.5 },
      { model: 'churn', request_id: 'mixed-ok-5', label: 0 },
    ]);
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(2);
    expect(response.body.rejected.map(({ index, code }) => ({ index, code }))).toEqual([
      { index: 1, code: 'unknown_model' },
      { index: 2, code: 'wrong_type' },
      { index: 3, code: 'missing_field' },
      { index: 4, code: 'unknown_field' },
    ]);
    expect(response.body.rejected[0]!.message).toBe('model no-such-model is not registered');
    expect(response.body.rejected[2]!.message).toMatch(/^missing required field "request_id"/);
    const stored = await db.query<{ request_id: string }>(
      `SELECT request_id FROM labels WHERE request_id LIKE 'mixed-%' ORDER BY request_id`,
    );
    expect(stored.rows.map((row) => row.request_id)).toEqual(['mixed-ok-0', 'mixed-ok-5']);
  });

  it('rejects a line that is not JSON by its NDJSON index', async () => {
    const body = '{"model":"churn","request_id":"nd-ok","label":1}\n\n{"model":"churn",\n';
    const response = await postLabels(body, 'application/x-ndjson');
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(1);
    expect(response.body.rejected).toMatchObject([{ index: 1, code: 'invalid_json' }]);
  });

  it('refuses a batch with no valid label with 400 and lists every rejection', async () => {
    const response = await postLabels([
      { model: 'no-such-model', request_id: 'all-bad-0', label: 1 },
      { model: 'churn', request_id: 'all-bad-1', label: null },
    ]);
    expect(response.status).toBe(400);
    expect(response.body.error?.code).toBe('validation_failed');
    expect(response.body.accepted).toBe(0);
    expect(response.body.rejected.map(({ index, code }) => ({ index, code }))).toEqual([
      { index: 0, code: 'unknown_model' },
      { index: 1, code: 'wrong_type' },
    ]);
    expect(await labelsOf(['all-bad-0', 'all-bad-1'])).toEqual([]);
  });

  it('refuses an empty batch with 400', async () => {
    const response = await postLabels([]);
    expect(response.status).toBe(400);
    expect(response.body.error?.code).toBe('body_unparseable');
  });

  it('refuses a body that is not an array with 400', async () => {
    const response = await postLabels('[{"model":"churn"', 'application/json');
    expect(response.status).toBe(400);
    expect(response.body.error?.code).toBe('body_unparseable');
  });

  it('refuses text/plain with 415', async () => {
    const response = await postLabels(
      JSON.stringify([{ model: 'churn', request_id: 'plain', label: 1 }]),
      'text/plain',
    );
    expect(response.status).toBe(415);
    expect(response.body.error?.code).toBe('unsupported_media_type');
    expect(await labelsOf(['plain'])).toEqual([]);
  });
});
