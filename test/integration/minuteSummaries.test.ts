/**
 * Minute summaries built at ingest, against the rows actually stored: every
 * stored record counted once whatever the retries, rejected records never,
 * and the sums equal to SQL over `predictions`.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeMinuteSummary,
  mergeAllMinuteSummaries,
  type MinuteSummary,
} from '../../src/drift/minute/index.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';
import type { MinuteSummaryReport } from '../../src/drift/minute/report.js';

interface IngestBody {
  accepted: number;
  duplicates: number;
}

/** The summaries endpoint's answer: the merged report and the minutes and partials it covers. */
type WindowView = MinuteSummaryReport & {
  partials: number;
  minutes: { minute: string; rows: number }[];
};

const NUMERIC = ['tenure_months', 'monthly_charges', 'support_calls'];

/** Relative agreement of two float sums added in different orders. */
function close(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

describe('minute summaries at ingest', () => {
  let t: TestService;
  let db: pg.Pool;

  beforeAll(async () => {
    t = await startTestService();
    db = new pg.Pool({ connectionString: t.database.url, max: 2 });
    const created = await call(t.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await db.end();
    await t.close();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE predictions, prediction_keys, labels, minute_summaries');
  });

  const post = async (records: unknown[]): Promise<IngestBody> => {
    const response = await call<IngestBody>(t.url, '/v1/predictions', {
      raw: ndjson(records),
      contentType: 'application/x-ndjson',
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };

  /** Stored partials merged per minute, by SQL's minute. */
  async function summariesByMinute(): Promise<Map<number, MinuteSummary>> {
    const { rows } = await db.query<{ minute: Date; summary: unknown }>(
      'SELECT minute, summary FROM minute_summaries ORDER BY minute, id',
    );
    const partials = new Map<number, MinuteSummary[]>();
    for (const row of rows) {
      const list = partials.get(row.minute.getTime()) ?? [];
      list.push(decodeMinuteSummary(row.summary));
      partials.set(row.minute.getTime(), list);
    }
    return new Map([...partials].map(([minute, list]) => [minute, mergeAllMinuteSummaries(list)!]));
  }

  /** Per minute, from the stored rows: counts and exact sums of every numeric feature and the score. */
  async function sqlByMinute() {
    const { rows } = await db.query<Record<string, unknown> & { minute: Date }>(
      `SELECT date_trunc('minute', ts) AS minute, count(*)::int AS rows,
              ${[1, 2, 3]
                .map(
                  (i) => `count(num_values[${i}])::int AS c${i}, sum(num_values[${i}]) AS s${i},
                          sum(num_values[${i}] ^ 2) AS q${i}, min(num_values[${i}]) AS lo${i},
                          max(num_values[${i}]) AS hi${i}`,
                )
                .join(', ')},
              count(score)::int AS cs, sum(score) AS ss
         FROM predictions GROUP BY 1 ORDER BY 1`,
    );
    return rows;
  }

  async function expectSummariesMatchStoredRows(): Promise<number> {
    const byMinute = await summariesByMinute();
    const sql = await sqlByMinute();
    expect([...byMinute.keys()].sort()).toEqual(sql.map((r) => r.minute.getTime()).sort());
    for (const row of sql) {
      const summary = byMinute.get(row.minute.getTime())!;
      expect(summary.rows).toBe(row.rows);
      NUMERIC.forEach((name, i) => {
        const feature = summary.numeric.get(name)!;
        expect(feature.count).toBe(row[`c${i + 1}`]);
        expect(feature.missing).toBe((row.rows as number) - (row[`c${i + 1}`] as number));
        // An empty feature keeps ±Infinity in memory; SQL says null.
        expect(feature.count === 0 ? null : feature.min).toBe(row[`lo${i + 1}`]);
        expect(feature.count === 0 ? null : feature.max).toBe(row[`hi${i + 1}`]);
        expect(feature.sketch.n).toBe(feature.count);
        close(feature.sum, row[`s${i + 1}`] as number);
        close(feature.sumSquares, row[`q${i + 1}`] as number);
      });
      expect(summary.score.count).toBe(row.cs);
      close(summary.score.sum, row.ss as number);
    }
    const { rows: categories } = await db.query<{ plan: string; n: number }>(
      `SELECT cat_values[1] AS plan, count(*)::int AS n FROM predictions GROUP BY 1`,
    );
    const merged = mergeAllMinuteSummaries([...byMinute.values()])!;
    expect(Object.fromEntries(merged.categorical.get('plan')!.counts)).toEqual(
      Object.fromEntries(categories.map((c) => [c.plan, c.n])),
    );
    return merged.rows;
  }

  it('counts every distinct record once when batches are retried', async () => {
    const now = Date.now();
    const batches = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 150 }, (_, i) => churnRecord(b * 150 + i, {}, now)),
    );
    for (const batch of batches) expect((await post(batch)).accepted).toBe(150);
    // Retries: whole batches, and a batch of half old, half new records.
    expect(await post(batches[1]!)).toEqual(
      expect.objectContaining({ accepted: 0, duplicates: 150 }),
    );
    await Promise.all([post(batches[2]!), post(batches[2]!)]);
    const mixed = [
      ...batches[3]!.slice(0, 75),
      ...Array.from({ length: 75 }, (_, i) => churnRecord(10_000 + i, {}, now)),
    ];
    expect(await post(mixed)).toEqual(expect.objectContaining({ accepted: 75, duplicates: 75 }));

    expect(await expectSummariesMatchStoredRows()).toBe(6 * 150 + 75);

    const window = await call<WindowView>(t.url, '/v1/models/churn/versions/1/summaries?window=1h');
    expect(window.status).toBe(200);
    expect(window.body.rows).toBe(975);
    expect(window.body.minutes.reduce((sum, m) => sum + m.rows, 0)).toBe(975);
    expect(window.body.numeric.tenure_months!.count).toBe(975);
    expect(window.body.categorical.plan!.count).toBe(975);
    expect(window.body.score.count).toBe(975);
    // Quantiles within the reported bound of the exact ranks of the stored values.
    const { rows } = await db.query<{ v: number }>(
      'SELECT num_values[2] AS v FROM predictions ORDER BY 1',
    );
    const values = rows.map((r) => r.v);
    const feature = window.body.numeric.monthly_charges!;
    for (const [name, y] of Object.entries(feature.quantiles!)) {
      const q = Number(name.slice(1)) / 100;
      const below = values.filter((v) => v < y).length / values.length;
      const atMost = values.filter((v) => v <= y).length / values.length;
      expect(atMost).toBeGreaterThanOrEqual(q - feature.rank_error_bound - 1e-12);
      expect(below).toBeLessThanOrEqual(q + feature.rank_error_bound + 1e-12);
    }
  });

  it('counts only the stored records of a batch with bad ones', async () => {
    const now = Date.now();
    const records = [
      churnRecord(1, {}, now),
      churnRecord(2, { features: { tenure_months: 'many' } }, now),
      churnRecord(
        3,
        {
          features: {
            tenure_months: 3,
            monthly_charges: 10,
            support_calls: null,
            plan: 'pro',
            region: null,
          },
        },
        now,
      ),
      churnRecord(4, { timestamp: 'yesterday' }, now),
    ];
    const response = await call<IngestBody & { rejected_count: number }>(t.url, '/v1/predictions', {
      raw: ndjson(records),
      contentType: 'application/x-ndjson',
    });
    expect(response.body).toMatchObject({ accepted: 2, rejected_count: 2 });
    expect(await expectSummariesMatchStoredRows()).toBe(2);
    const merged = mergeAllMinuteSummaries([...(await summariesByMinute()).values()])!;
    expect(merged.numeric.get('support_calls')!.missing).toBe(1);
    expect(merged.categorical.get('region')!.missing).toBe(1);
  });

  it('keeps a minute whose only record lacks a feature comparable to SQL', async () => {
    // Two records a minute apart, the later one without support_calls: that
    // minute's support_calls is empty (the case a batch straddling a minute
    // boundary produces by chance).
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 120_000 + 30_000;
    const records = [
      churnRecord(0, {}, start),
      churnRecord(
        0,
        {
          request_id: 'later',
          features: { ...(churnRecord(0).features as object), support_calls: null },
        },
        start + 60_000,
      ),
    ];
    expect((await post(records)).accepted).toBe(2);
    expect(await expectSummariesMatchStoredRows()).toBe(2);
    const minutes = await summariesByMinute();
    expect(minutes.get(start + 30_000)!.numeric.get('support_calls')!.count).toBe(0);
  });

  it('rejects a bad window and an unknown version', async () => {
    expect((await call(t.url, '/v1/models/churn/versions/1/summaries?window=soon')).status).toBe(
      400,
    );
    expect((await call(t.url, '/v1/models/churn/versions/1/summaries?window=30d')).status).toBe(
      400,
    );
    expect((await call(t.url, '/v1/models/churn/versions/9/summaries')).status).toBe(404);
    const empty = await call<WindowView>(t.url, '/v1/models/churn/versions/1/summaries');
    expect(empty.body).toMatchObject({ rows: 0, partials: 0, minutes: [] });
  });
});
