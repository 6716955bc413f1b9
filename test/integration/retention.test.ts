/**
 * Retention drops whole daily partitions older than the retention age and
 * deletes the request-id keys of their rows, so that an old request id can be
 * stored again while newer ones stay unique.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRow, type ValidRow } from '../../src/ingest/validateRecord.js';
import { parseEnvelope } from '../../src/ingest/recordEnvelope.js';
import { migrate } from '../../src/storage/migrations.js';
import { dayOf, PartitionManager, partitionName } from '../../src/storage/partitions.js';
import { createPool, type Pool } from '../../src/storage/pool.js';
import { PredictionStore } from '../../src/storage/predictionStore.js';
import { applyRetention } from '../../src/storage/retention.js';
import { MinuteSummaryStore } from '../../src/storage/minuteSummaryStore.js';
import { retentionJob } from '../../src/scheduler/retentionJob.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { CHURN_FEATURES, churnRecord } from '../helpers/records.js';

const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 0, 31, 12);
const RETENTION_DAYS = 30;

function rowsOf(records: Record<string, unknown>[]): ValidRow[] {
  return records.map((record, index) => {
    const envelope = parseEnvelope({ index, text: JSON.stringify(record) });
    if (!envelope.ok) throw new Error(envelope.rejection.message);
    const row = buildRow(index, envelope.value, {
      features: CHURN_FEATURES,
      settings: { unknownFeatures: 'reject' },
      bounds: { nowMs: NOW_MS, maxFutureMs: 3_600_000, maxAgeMs: 365 * DAY_MS },
    });
    if (!row.ok) throw new Error(row.rejection.message);
    return row.value;
  });
}

/** Records `from`..`to`-1 of model churn, all `daysAgo` days before NOW_MS. */
const records = (from: number, to: number, daysAgo: number, model = 'churn') =>
  Array.from({ length: to - from }, (_, i) =>
    churnRecord(from + i, { model, timestamp: new Date(NOW_MS - daysAgo * DAY_MS).toISOString() }),
  );

describe('applyRetention', () => {
  let database: TestDatabase;
  let pool: Pool;
  let partitions: PartitionManager;
  let store: PredictionStore;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ url: database.url, max: 2 });
    await migrate(pool);
    partitions = new PartitionManager(pool);
    store = new PredictionStore(pool, partitions);
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await pool?.end();
    await database?.drop();
  });

  async function keysOf(model: string): Promise<string[]> {
    const { rows } = await admin.query<{ request_id: string }>(
      'SELECT request_id FROM prediction_keys WHERE model = $1 ORDER BY request_id',
      [model],
    );
    return rows.map((row) => row.request_id);
  }

  it('drops expired partitions with their keys, keeps newer rows, and accepts an old id again', async () => {
    // Two expired days (40 and 31 days ago), one day just inside retention
    // (29 days ago) and today; a second model shares request ids.
    await store.write(rowsOf(records(0, 20, 40)));
    await store.write(rowsOf(records(20, 30, 31)));
    await store.write(rowsOf(records(30, 40, 29)));
    await store.write(rowsOf(records(40, 50, 0)));
    await store.write(rowsOf(records(0, 5, 29, 'lenient')));

    const result = await applyRetention(pool, partitions, NOW_MS, RETENTION_DAYS);

    expect(result.droppedPartitions).toEqual([
      partitionName(dayOf(NOW_MS - 40 * DAY_MS)),
      partitionName(dayOf(NOW_MS - 31 * DAY_MS)),
    ]);
    expect(result.deletedKeys).toBe(30);
    const { rows } = await admin.query<{ model: string; n: number }>(
      'SELECT model, count(*)::int AS n FROM predictions GROUP BY model ORDER BY model',
    );
    expect(rows).toEqual([
      { model: 'churn', n: 20 },
      { model: 'lenient', n: 5 },
    ]);
    const churnKeys = await keysOf('churn');
    expect(churnKeys).toHaveLength(20);
    expect(churnKeys).not.toContain('req-0');
    expect(churnKeys).toContain('req-30');
    // The same ids under the other model are that model's, and stay.
    expect(await keysOf('lenient')).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);

    // An id whose prediction retention removed is stored again; a newer one is still a duplicate.
    const retried = await store.write(
      rowsOf([...records(0, 1, 1), ...records(30, 31, 1), ...records(0, 1, 1, 'lenient')]),
    );
    expect(retried).toMatchObject({ inserted: 1, duplicates: 2 });

    // Nothing left to drop: a second run is a no-op.
    expect(await applyRetention(pool, partitions, NOW_MS, RETENTION_DAYS)).toEqual({
      droppedPartitions: [],
      deletedKeys: 0,
    });
  });
});

describe('the retention job and minute summaries', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ url: database.url, max: 2 });
    await migrate(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('deletes the minute summaries older than retention.summariesDays and keeps the rest', async () => {
    const store = new MinuteSummaryStore(pool);
    const minute = (daysAgo: number) => Math.floor((NOW_MS - daysAgo * DAY_MS) / 60_000) * 60_000;
    const client = await pool.connect();
    try {
      await store.insert(
        client,
        [401, 400.5, 399, 0].map((daysAgo) => ({
          model: 'churn',
          version: '1',
          minuteMs: minute(daysAgo),
          summary: { daysAgo },
        })),
      );
    } finally {
      client.release();
    }
    const job = retentionJob({
      retention: { schedule: '23 * * * *', predictionsDays: 30, summariesDays: 400 },
      pool,
      partitions: new PartitionManager(pool),
      coordinator: { pruneSlots: () => Promise.resolve(0) },
      metrics: new Metrics(),
      logger: createLogger('silent'),
      now: () => NOW_MS,
    });
    await job.run(new Date(NOW_MS));
    const kept = await store.load('churn', '1', 0, NOW_MS + DAY_MS);
    expect(kept.map((entry) => entry.summary)).toEqual([{ daysAgo: 399 }, { daysAgo: 0 }]);
  });
});
