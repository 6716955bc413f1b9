/**
 * The raw sample (docs/scaling.md, "Raw sample") and batch idempotency keys,
 * on real PostgreSQL:
 *
 * - two replicas on one database, and a third service on a database of its
 *   own, all at a fixed fraction of 1/4, keep exactly the same request ids,
 *   and a retry keeps no more;
 * - the kept sample is unbiased: its mean tenure is within 3 standard errors
 *   of the full mean, which the minute summaries (every record) know;
 * - an `Idempotency-Key` repeat — sequential, concurrent, on another replica —
 *   adds nothing to the minute summaries or the raw rows;
 * - without a key, a retry counts its sampled-out records again, and the
 *   answer says how many (`unkeyed_sampled`);
 * - runs say which sample their window held (`sampleFraction`);
 * - below the rate every row is kept; above it the recomputed fraction is
 *   what a replica then samples at.
 */
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { rawSampleFraction } from '../../src/core/rawSampleFraction.js';
import { inRawSample } from '../../src/core/sampleHash.js';
import { startService, type RunningService } from '../../src/main.js';
import { createPool, type Pool } from '../../src/storage/pool.js';
import { RawSamplingStore } from '../../src/storage/rawSamplingStore.js';
import { configSchema } from '../../src/config/schema.js';
import { RawSampler } from '../../src/ingest/rawSampler.js';
import { retentionJob } from '../../src/scheduler/retentionJob.js';
import { PartitionManager } from '../../src/storage/partitions.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { demoFeatures, demoRows } from '../../scripts/demoData.js';
import { churnRows, predictionRecords } from '../helpers/churnData.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { CHURN_DEFINITION } from '../helpers/records.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';
import type { RunView } from '../../src/core/run.js';

const FRACTION = 0.25;
const RECORDS = 8_000;
const BATCH = 500;

interface IngestAnswer {
  accepted: number;
  duplicates: number;
  rejected: unknown[];
  rejected_count: number;
  sampled_out?: number;
  unkeyed_sampled?: number;
  replay?: { accepted: number; duplicates: number; sampled_out: number; received_at: string };
}

async function post(url: string, body: string, key?: string) {
  return call<IngestAnswer>(url, '/v1/predictions', {
    raw: body,
    contentType: 'application/x-ndjson',
    ...(key === undefined ? {} : { headers: { 'idempotency-key': key } }),
  });
}

async function postOk(url: string, body: string, key?: string): Promise<IngestAnswer> {
  const response = await post(url, body, key);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function register(url: string): Promise<void> {
  const created = await call(url, '/v1/models/churn/versions/1', {
    method: 'PUT',
    body: CHURN_DEFINITION,
  });
  expect(created.status).toBe(201);
}

/** Records counted in the minute summaries, and raw rows stored. */
async function counts(db: pg.Pool): Promise<{ summarised: number; raw: number; keys: number }> {
  const { rows } = await db.query<{ summarised: number; raw: number; keys: number }>(
    `SELECT (SELECT coalesce(sum((summary->>'rows')::int), 0)::int FROM minute_summaries) AS summarised,
            (SELECT count(*)::int FROM predictions) AS raw,
            (SELECT count(*)::int FROM prediction_keys) AS keys`,
  );
  return rows[0]!;
}

async function storedIds(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ request_id: string }>(
    'SELECT request_id FROM predictions ORDER BY request_id',
  );
  return rows.map((row) => row.request_id);
}

function startReplica(url: string, env: Record<string, string>): Promise<RunningService> {
  const config = loadConfig({
    file: 'test/fixtures/driftwatch.test.yaml',
    env: { DATABASE_URL: url, DRIFTWATCH_PORT: '0', ...env },
  });
  return startService(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
}

describe('a raw sample at a fixed fraction on two replicas', () => {
  let shared: TestDatabase;
  let db: pg.Pool;
  let a: RunningService;
  let b: RunningService;
  let alone: TestService;
  let aloneDb: pg.Pool;
  const env = { DRIFTWATCH_RAW_FIXED_FRACTION: String(FRACTION) };
  const records = predictionRecords(churnRows(RECORDS, 11), {
    model: 'churn',
    version: '1',
    idPrefix: 's',
    nowMs: Date.now(),
    spreadMs: 30 * 60_000,
  });
  const bodies = Array.from({ length: RECORDS / BATCH }, (_, i) =>
    ndjson(records.slice(i * BATCH, (i + 1) * BATCH)),
  );
  const expectedIds = records
    .map((record) => record.request_id as string)
    .filter((id) => inRawSample('churn', id, FRACTION))
    .sort();

  beforeAll(async () => {
    shared = await createTestDatabase();
    db = new pg.Pool({ connectionString: shared.url, max: 2 });
    a = await startReplica(shared.url, env);
    b = await startReplica(shared.url, env);
    await register(a.url);
    alone = await startTestService({ env });
    aloneDb = new pg.Pool({ connectionString: alone.database.url, max: 2 });
    await register(alone.url);
    // Batches alternate between the replicas, each with its key; every third
    // is retried on the other replica with the same key (a replay). The
    // separate service gets each batch, and every third again WITHOUT a key:
    // the per-record keys of its kept rows deduplicate those.
    for (const [i, body] of bodies.entries()) {
      await postOk(i % 2 === 0 ? a.url : b.url, body, `batch-${i}`);
      if (i % 3 === 0) await postOk(i % 2 === 0 ? b.url : a.url, body, `batch-${i}`);
      await postOk(alone.url, body);
      if (i % 3 === 0) await postOk(alone.url, body);
    }
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await aloneDb?.end();
    await Promise.all([a?.close(), b?.close()]);
    await shared?.drop();
    await alone?.close();
  });

  it('keeps the same request ids on every replica and on a separately started service', async () => {
    const ids = await storedIds(db);
    expect(ids).toEqual(expectedIds);
    expect(await storedIds(aloneDb)).toEqual(expectedIds);
    // About a quarter: within 4 binomial standard deviations.
    const sd = Math.sqrt(RECORDS * FRACTION * (1 - FRACTION));
    expect(Math.abs(ids.length - RECORDS * FRACTION)).toBeLessThan(4 * sd);
    // Every record is summarised, kept or not; only kept rows have keys.
    expect(await counts(db)).toEqual({
      summarised: RECORDS,
      raw: expectedIds.length,
      keys: expectedIds.length,
    });
  });

  it('keeps an unbiased sample: its mean within 3 standard errors of the full mean', async () => {
    const summary = await call<{ rows: number; numeric: Record<string, { mean: number }> }>(
      a.url,
      '/v1/models/churn/versions/1/summaries?window=2h',
    );
    expect(summary.body.rows).toBe(RECORDS);
    const fullMean = summary.body.numeric.tenure_months!.mean;
    const { rows } = await db.query<{ mean: number; sd: number; n: number }>(
      `SELECT avg(num_values[1]) AS mean, stddev_samp(num_values[1]) AS sd, count(*)::int AS n
         FROM predictions`,
    );
    const sample = rows[0]!;
    const standardError = sample.sd / Math.sqrt(sample.n);
    expect(Math.abs(sample.mean - fullMean)).toBeLessThan(3 * standardError);
  });

  it('answers a repeated Idempotency-Key from the stored batch, on either replica, and stores nothing', async () => {
    const before = await counts(db);
    const first = await postOk(b.url, bodies[0]!, 'batch-0');
    expect(first).toMatchObject({ accepted: 0, duplicates: BATCH, rejected_count: 0 });
    expect(first.replay).toMatchObject({ accepted: BATCH, duplicates: 0 });
    expect(first.replay!.sampled_out).toBe(
      BATCH - expectedIds.filter((id) => Number(id.slice(2)) < BATCH).length,
    );
    const again = await postOk(a.url, bodies[0]!, 'batch-0');
    expect(again.replay).toEqual(first.replay);
    expect(await counts(db)).toEqual(before);
  });

  it('stores a batch once when its key is sent to both replicas at the same time', async () => {
    const fresh = predictionRecords(churnRows(400, 12), {
      model: 'churn',
      version: '1',
      idPrefix: 'c',
      nowMs: Date.now(),
      spreadMs: 10 * 60_000,
    });
    const before = await counts(db);
    for (let round = 0; round < 3; round += 1) {
      const body = ndjson(fresh.slice(round * 100, (round + 1) * 100));
      const answers = await Promise.all(
        [a, b, a, b].map((replica) => postOk(replica.url, body, `race-${round}`)),
      );
      expect(answers.map((answer) => answer.accepted).sort()).toEqual([0, 0, 0, 100]);
      expect(answers.filter((answer) => answer.replay !== undefined)).toHaveLength(3);
    }
    const after = await counts(db);
    expect(after.summarised - before.summarised).toBe(300);
    const kept = fresh
      .slice(0, 300)
      .filter((record) => inRawSample('churn', record.request_id as string, FRACTION)).length;
    expect(after.raw - before.raw).toBe(kept);
  });

  it('counts the sampled-out records of a retry without a key again, and says so', async () => {
    const fresh = predictionRecords(churnRows(200, 13), {
      model: 'churn',
      version: '1',
      idPrefix: 'u',
      nowMs: Date.now(),
      spreadMs: 10 * 60_000,
    });
    const body = ndjson(fresh);
    const before = await counts(db);
    const first = await postOk(a.url, body);
    const sampledOut = first.sampled_out!;
    expect(sampledOut).toBeGreaterThan(0);
    expect(first).toMatchObject({ accepted: 200, duplicates: 0, unkeyed_sampled: sampledOut });
    const retry = await postOk(b.url, body);
    // Kept rows are deduplicated by their keys; sampled-out ones cannot be.
    expect(retry).toMatchObject({
      accepted: sampledOut,
      duplicates: 200 - sampledOut,
      sampled_out: sampledOut,
      unkeyed_sampled: sampledOut,
    });
    const after = await counts(db);
    expect(after.raw - before.raw).toBe(200 - sampledOut);
    expect(after.summarised - before.summarised).toBe(200 + sampledOut);
    const metrics = await call<string>(b.url, '/metrics');
    expect(metrics.body).toMatch(
      new RegExp(`driftwatch_ingest_unkeyed_sampled_total\\{source="http"\\} ${sampledOut}\\b`),
    );
    expect(metrics.body).toMatch(
      /driftwatch_raw_sample_fraction\{model="churn",model_version="1"\} 0.25/,
    );
    // Undo the double count for the tests after this one.
    await db.query("DELETE FROM predictions WHERE request_id LIKE 'u-%'");
    await db.query("DELETE FROM prediction_keys WHERE request_id LIKE 'u-%'");
  });

  it('refuses a bad Idempotency-Key, and a key reused for another batch', async () => {
    const body = bodies[1]!;
    const long = await post(a.url, body, 'k'.repeat(201));
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ error: { code: 'bad_request' } });
    const tab = await post(a.url, body, 'a\tb');
    expect(tab.status).toBe(400);
    expect(JSON.stringify(tab.body)).toMatch(/printable ASCII/);
    const reused = await post(a.url, ndjson(records.slice(0, 3)), 'batch-1');
    expect(reused.status).toBe(409);
    expect(JSON.stringify(reused.body)).toMatch(/batch of 500 records; this one has 3/);
  });

  it('reports the sample a performance run saw', async () => {
    const labels = records.slice(0, 200).map((record) => ({
      model: 'churn',
      request_id: record.request_id,
      label: 1,
    }));
    const labelled = await call<{ accepted: number }>(a.url, '/v1/labels', {
      raw: ndjson(labels),
      contentType: 'application/x-ndjson',
    });
    // Labels of sampled-out ids are stored too: they join nothing.
    expect(labelled.body.accepted).toBe(200);
    const run = await call<{ runs: RunView[] }>(
      b.url,
      '/v1/models/churn/checks/performance/run?version=1',
      { method: 'POST' },
    );
    expect(run.status).toBe(200);
    const view = run.body.runs[0]!;
    expect(view.summary.sampleFraction).toBe(FRACTION);
    const keptLabelled = labels.filter((label) =>
      inRawSample('churn', label.request_id as string, FRACTION),
    ).length;
    expect(view.summary.labelledRows).toBe(keptLabelled);
  });
});

describe('the fraction from the observed rate', () => {
  let t: TestService;
  let pool: Pool;
  let db: pg.Pool;

  beforeAll(async () => {
    t = await startTestService({ env: { DRIFTWATCH_RAW_KEEP_ALL_BELOW_PER_SECOND: '1' } });
    pool = createPool({ url: t.database.url, max: 2 });
    db = new pg.Pool({ connectionString: t.database.url, max: 2 });
    await register(t.url);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.end();
    await t?.close();
  });

  it('keeps every row below the rate, then samples at the recomputed fraction', async () => {
    const nowMs = Date.now();
    const records = predictionRecords(churnRows(3_000, 21), {
      model: 'churn',
      version: '1',
      idPrefix: 'r',
      nowMs,
      spreadMs: 4 * 60_000,
    });
    // No traffic measured yet: the rate is 0, below 1/s, every row kept.
    const first = await postOk(t.url, ndjson(records.slice(0, 2_000)), 'rate-1');
    expect(first).toEqual({ accepted: 2_000, duplicates: 0, rejected: [], rejected_count: 0 });
    expect((await counts(db)).raw).toBe(2_000);

    // A recompute (what the replica does every recomputeSeconds) sees
    // thousands of records in the last minutes: far above 1/s.
    const store = new RawSamplingStore(pool);
    const endMs = Math.floor(nowMs / 60_000) * 60_000;
    const changes = await store.recompute(
      [{ model: 'churn', version: '1' }],
      endMs - 5 * 60_000,
      endMs,
      nowMs,
      (rate) => rawSampleFraction(rate.ratePerSecond, 1, 1 / 1024),
    );
    expect(changes).toHaveLength(1);
    const fraction = changes![0]!.fraction;
    expect(fraction).toBeLessThan(1);
    expect(fraction).toBe(rawSampleFraction(changes![0]!.ratePerSecond, 1, 1 / 1024));
    // Recomputing from the same summaries changes nothing (idempotent).
    expect(
      await store.recompute(
        [{ model: 'churn', version: '1' }],
        endMs - 5 * 60_000,
        endMs,
        nowMs,
        (rate) => rawSampleFraction(rate.ratePerSecond, 1, 1 / 1024),
      ),
    ).toEqual([]);

    // A replica started now reads the stored fraction and samples at it.
    const replica = await startReplica(t.database.url, {
      DRIFTWATCH_RAW_KEEP_ALL_BELOW_PER_SECOND: '1',
    });
    try {
      const rest = records.slice(2_000);
      const second = await postOk(replica.url, ndjson(rest), 'rate-2');
      const kept = rest.filter((record) =>
        inRawSample('churn', record.request_id as string, fraction),
      ).length;
      expect(second).toMatchObject({ accepted: 1_000, sampled_out: 1_000 - kept });
      expect(second.unkeyed_sampled).toBeUndefined();
      expect(await counts(db)).toMatchObject({ summarised: 3_000, raw: 2_000 + kept });
    } finally {
      await replica.close();
    }
    expect(await store.fractionsDuring('churn', '1', nowMs - 60_000, nowMs + 60_000)).toEqual({
      min: fraction,
      max: fraction,
    });
    expect(await store.fractionsDuring('churn', '1', nowMs - 120_000, nowMs - 60_000)).toBeNull();
  });

  it('uses fractions at most cacheSeconds old, and keeps the last ones when the database fails', async () => {
    const store = new RawSamplingStore(pool);
    let clock = 0;
    const settings = configSchema.parse({}).storage.raw;
    const sampler = new RawSampler({
      settings: { ...settings, recomputeSeconds: 3_600 },
      store,
      now: () => Date.now(),
      clockMs: () => clock,
    });
    const version = [{ model: 'cache', version: '1' }];
    expect((await sampler.decide(version)).fractionOf('cache', '1')).toBe(1);
    await store.set(
      [{ model: 'cache', version: '1', fraction: 0.5, ratePerSecond: 0 }],
      Date.now(),
    );
    clock = settings.cacheSeconds * 1000 - 1;
    expect((await sampler.decide(version)).fractionOf('cache', '1')).toBe(1);
    clock = settings.cacheSeconds * 1000;
    const decision = await sampler.decide(version);
    expect(decision.fractionOf('cache', '1')).toBe(0.5);
    expect(decision.sampling).toBe(true);

    // A store whose database is gone: the replica goes on with what it read.
    const closed = createPool({ url: t.database.url, max: 1 });
    await closed.end();
    const failing = new RawSampler({
      settings: { ...settings, recomputeSeconds: 3_600 },
      store: new RawSamplingStore(closed),
      now: () => Date.now(),
      clockMs: () => clock,
    });
    expect((await failing.decide(version)).fractionOf('cache', '1')).toBe(1);
  });

  it('deletes batch keys older than retention.batchKeysDays', async () => {
    const nowMs = Date.now();
    await db.query(
      `INSERT INTO ingest_batches (key, received_at, records, accepted, duplicates, rejected_count)
       VALUES ('old', $1, 1, 1, 0, 0), ('recent', $2, 1, 1, 0, 0)`,
      [new Date(nowMs - 8 * 86_400_000), new Date(nowMs - 6 * 86_400_000)],
    );
    const job = retentionJob({
      retention: {
        schedule: '23 * * * *',
        predictionsDays: 30,
        summariesDays: 400,
        batchKeysDays: 7,
      },
      pool,
      partitions: new PartitionManager(pool),
      coordinator: { pruneSlots: () => Promise.resolve(0) },
      metrics: new Metrics(),
      logger: createLogger('silent'),
      now: () => nowMs,
    });
    await job.run(new Date(nowMs));
    const { rows } = await db.query<{ key: string }>(
      "SELECT key FROM ingest_batches WHERE key IN ('old', 'recent') ORDER BY key",
    );
    expect(rows.map((row) => row.key)).toEqual(['recent']);
  });
});

describe('parity and shadow runs on a sampled window', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({
      env: { DRIFTWATCH_MODELS_DIR: 'models', DRIFTWATCH_RAW_FIXED_FRACTION: '0.5' },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('say which sample they scored', async () => {
    const now = Date.now();
    const records = demoRows(400, 9, { feature: 'tenure_months', sigma: 0 }).map((row, i) => ({
      model: 'demo-churn',
      model_version: '1',
      request_id: `p-${i}`,
      timestamp: new Date(now - 1000 - i * 1000).toISOString(),
      features: demoFeatures(row),
      score: 0.5,
    }));
    const answer = await postOk(t.url, ndjson(records), 'parity-batch');
    const kept = records.filter((r) => inRawSample('demo-churn', r.request_id, 0.5)).length;
    expect(answer.sampled_out).toBe(400 - kept);
    for (const kind of ['parity', 'shadow']) {
      const run = await call<{ runs: RunView[] }>(
        t.url,
        `/v1/models/demo-churn/checks/${kind}/run?version=1`,
        { method: 'POST' },
      );
      expect(run.status, kind).toBe(200);
      const view = run.body.runs[0]!;
      expect(view.summary.sampleFraction, kind).toBe(0.5);
      expect(view.summary.sampledRows, kind).toBe(kept);
    }
  });
});
