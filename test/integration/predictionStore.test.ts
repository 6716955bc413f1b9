/**
 * PredictionStore.write against real PostgreSQL: exactly-once per (model,
 * request_id) also when two transactions race with the same ids, labels
 * carried by fresh rows, and values stored bit for bit.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildRow, type ValidRow } from '../../src/ingest/validateRecord.js';
import { parseEnvelope } from '../../src/ingest/recordEnvelope.js';
import { migrate } from '../../src/storage/migrations.js';
import { PartitionManager } from '../../src/storage/partitions.js';
import { createPool, type Pool } from '../../src/storage/pool.js';
import { PredictionStore } from '../../src/storage/predictionStore.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { CHURN_FEATURES, churnRecord } from '../helpers/records.js';
import { until } from '../helpers/until.js';

const NOW_MS = Date.now();
const DAY_MS = 86_400_000;
const HOLD_LOCK = 4242;

// JSON.stringify writes -0 as 0; records put this placeholder where -0 belongs.
const MINUS_ZERO = 1234.5678;

function rowsOf(records: Record<string, unknown>[]): ValidRow[] {
  return records.map((record, index) => {
    const text = JSON.stringify(record).replaceAll(String(MINUS_ZERO), '-0');
    const envelope = parseEnvelope({ index, text });
    if (!envelope.ok) throw new Error(envelope.rejection.message);
    const row = buildRow(index, envelope.value, {
      features: CHURN_FEATURES,
      settings: { unknownFeatures: 'reject' },
      bounds: { nowMs: NOW_MS, maxFutureMs: 3_600_000, maxAgeMs: 90 * DAY_MS },
    });
    if (!row.ok) throw new Error(row.rejection.message);
    return row.value;
  });
}

const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => churnRecord(from + i, {}, NOW_MS));

describe('PredictionStore.write', () => {
  let database: TestDatabase;
  let pool: Pool;
  let store: PredictionStore;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ url: database.url, max: 4 });
    await migrate(pool);
    store = new PredictionStore(pool, new PartitionManager(pool));
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await pool?.end();
    await database?.drop();
  });

  beforeEach(async () => {
    await admin.query('TRUNCATE predictions, prediction_keys, labels');
  });

  async function count(table: string): Promise<number> {
    const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    return rows[0]!.n;
  }

  it('stores fresh rows, counts repeats in the batch and stored ids as duplicates', async () => {
    const first = await store.write(rowsOf([...ids(0, 10), churnRecord(3, { score: 0.99 })]));
    expect(first).toMatchObject({ inserted: 10, duplicates: 1 });
    expect(first.byStatus).toEqual([
      { model: 'churn', modelVersion: '1', status: 'success', count: 10 },
    ]);
    const { rows } = await admin.query<{ score: number }>(
      "SELECT score FROM predictions WHERE request_id = 'req-3'",
    );
    expect(rows).toEqual([{ score: churnRecord(3).score }]); // the first occurrence won

    const second = await store.write(rowsOf(ids(5, 15)));
    expect(second).toMatchObject({ inserted: 5, duplicates: 5 });
    expect(await count('predictions')).toBe(15);
    expect(await count('prediction_keys')).toBe(15);
  });

  it('counts fresh rows by model, version and status', async () => {
    const result = await store.write(
      rowsOf([
        churnRecord(1, { status: 'error' }),
        churnRecord(2, { status: 'error' }),
        churnRecord(3, { model_version: '2' }),
        churnRecord(1, { status: 'timeout' }), // duplicate: not counted
      ]),
    );
    expect(result.byStatus).toEqual([
      { model: 'churn', modelVersion: '1', status: 'error', count: 2 },
      { model: 'churn', modelVersion: '2', status: 'success', count: 1 },
    ]);
  });

  it('stores the labels of fresh rows only, keeping -0 and a label sent earlier', async () => {
    await admin.query(
      "INSERT INTO labels (model, request_id, label) VALUES ('churn', 'req-2', 0.5)",
    );
    const labelled = churnRecord(1, { label: MINUS_ZERO });
    await store.write(rowsOf([labelled, churnRecord(2, { label: true })]));
    await store.write(rowsOf([churnRecord(1, { label: 1 }), churnRecord(3)]));
    const { rows } = await admin.query<{ request_id: string; label: number; ts: Date }>(
      'SELECT request_id, label, ts FROM labels ORDER BY request_id',
    );
    expect(rows.map((row) => [row.request_id, row.label])).toEqual([
      ['req-1', -0],
      ['req-2', 0.5],
    ]);
    expect(Object.is(rows[0]!.label, -0)).toBe(true);
    expect(rows[0]!.ts.toISOString()).toBe(labelled.timestamp); // the prediction's time
  });

  it('stores -0, subnormals, the largest double and tricky text exactly', async () => {
    const record = churnRecord(1, {
      request_id: 'tab\there "quoted" {x} \\N 日本語 🙂',
      features: {
        tenure_months: MINUS_ZERO,
        monthly_charges: 5e-324,
        support_calls: 1.7976931348623157e308,
        plan: 'NULL',
        region: '',
      },
      score: MINUS_ZERO,
      prediction: 'a\nb',
    });
    await store.write(rowsOf([record]));
    const { rows } = await admin.query(
      'SELECT request_id, num_values, cat_values, score, prediction FROM predictions',
    );
    expect(rows[0].request_id).toBe(record.request_id);
    expect(Object.is(rows[0].num_values[0], -0)).toBe(true);
    expect(rows[0].num_values.slice(1)).toEqual([5e-324, 1.7976931348623157e308]);
    expect(rows[0].cat_values).toEqual(['NULL', '']);
    expect(Object.is(rows[0].score, -0)).toBe(true);
    expect(rows[0].prediction).toBe('a\nb');
  });

  it('keeps one row per id when two requests race with the same ids', async () => {
    // Hold the first transaction open after its key COPY (a trigger on
    // predictions waits for an advisory lock the test holds), so that the
    // second one's lookup misses those keys and its key COPY must wait, then
    // fail with unique_violation once the first commits.
    await admin.query(`
      CREATE FUNCTION hold_copy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_lock_shared(${HOLD_LOCK}); PERFORM pg_advisory_unlock_shared(${HOLD_LOCK}); RETURN NULL; END $$;
      CREATE TRIGGER hold_copy AFTER INSERT ON predictions
        FOR EACH STATEMENT EXECUTE FUNCTION hold_copy();`);
    await admin.query('SELECT pg_advisory_lock($1)', [HOLD_LOCK]);
    try {
      const first = store.write(rowsOf(ids(0, 100)));
      await until(async () => (await waiting('advisory')) === 1, 'the first write to wait');
      const secondAttempts: number[] = [];
      const second = store.write(rowsOf(ids(50, 150)), () => {
        secondAttempts.push(Date.now());
        return Promise.resolve();
      });
      await until(
        async () => (await waiting('transactionid')) === 1,
        'the second write to wait on the first',
      );
      await admin.query('SELECT pg_advisory_unlock($1)', [HOLD_LOCK]);
      const [a, b] = await Promise.all([first, second]);
      expect(a).toMatchObject({ inserted: 100, duplicates: 0 });
      expect(b).toMatchObject({ inserted: 50, duplicates: 50 });
      expect(secondAttempts).toHaveLength(2); // rolled back once, then retried
    } finally {
      await admin.query('SELECT pg_advisory_unlock_all()');
      await admin.query('DROP TRIGGER IF EXISTS hold_copy ON predictions');
      await admin.query('DROP FUNCTION IF EXISTS hold_copy()');
    }
    expect(await count('predictions')).toBe(150);
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(DISTINCT request_id)::int AS n FROM predictions',
    );
    expect(rows[0]!.n).toBe(150);
  });

  it('gives up after a second unique_violation and keeps nothing of the batch', async () => {
    await admin.query(`
      CREATE FUNCTION always_taken() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE unique_violation USING MESSAGE = 'taken'; END $$;
      CREATE TRIGGER always_taken BEFORE INSERT ON prediction_keys
        FOR EACH ROW EXECUTE FUNCTION always_taken();`);
    let attempts = 0;
    try {
      await expect(
        store.write(rowsOf(ids(0, 10)), () => {
          attempts += 1;
          return Promise.resolve();
        }),
      ).rejects.toMatchObject({ code: '23505' });
    } finally {
      await admin.query('DROP TRIGGER always_taken ON prediction_keys');
      await admin.query('DROP FUNCTION always_taken()');
    }
    expect(attempts).toBe(2);
    expect(await count('predictions')).toBe(0);
    expect(await count('prediction_keys')).toBe(0);
  });

  async function waiting(lockType: string): Promise<number> {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid)
        WHERE NOT l.granted AND l.locktype = $1 AND a.datname = current_database()`,
      [lockType],
    );
    return rows[0]!.n;
  }
});
