/**
 * Writes validated prediction rows. One request is one transaction: rows are
 * COPYed into a temporary staging table, then moved into `predictions` only
 * for request ids the model has not seen (recorded in `prediction_keys`), so a
 * retried batch counts as duplicates and never adds a second row. If anything
 * fails, nothing of the batch is kept.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { STAGING_COLUMNS } from '../ingest/validateRecord.js';
import { dayOf, type PartitionManager } from './partitions.js';
import { withTransaction, type Pool, type PoolClient } from './pool.js';

export interface RowToWrite {
  epochMs: number;
  copyLine: string;
}

export interface InsertedCount {
  model: string;
  modelVersion: string;
  status: string;
  count: number;
}

export interface WriteResult {
  inserted: number;
  duplicates: number;
  /** Newly stored rows by model, version and status (for metrics). */
  byStatus: InsertedCount[];
}

const STAGING_DDL = `
  CREATE TEMP TABLE IF NOT EXISTS ingest_staging (
    seq            integer NOT NULL,
    model          text NOT NULL,
    model_version  text NOT NULL,
    request_id     text NOT NULL,
    ts             timestamptz NOT NULL,
    num_values     double precision[] NOT NULL,
    cat_values     text[] NOT NULL,
    missing_count  integer NOT NULL,
    score          double precision,
    prediction     text,
    latency_ms     double precision,
    status         text NOT NULL,
    traceparent    text,
    label          double precision
  ) ON COMMIT DELETE ROWS`;

// Within one batch the first occurrence of a request id wins; across batches
// the key table decides. Labels carried by new rows are upserted alongside.
const MOVE_SQL = `
  WITH firsts AS (
    SELECT DISTINCT ON (model, request_id) *
      FROM ingest_staging
     ORDER BY model, request_id, seq
  ), fresh AS (
    INSERT INTO prediction_keys (model, request_id, ts)
    SELECT model, request_id, ts FROM firsts
    ON CONFLICT DO NOTHING
    RETURNING model, request_id
  ), stored AS (
    INSERT INTO predictions (model, model_version, request_id, ts, num_values, cat_values,
                             missing_count, score, prediction, latency_ms, status, traceparent)
    SELECT f.model, f.model_version, f.request_id, f.ts, f.num_values, f.cat_values,
           f.missing_count, f.score, f.prediction, f.latency_ms, f.status, f.traceparent
      FROM firsts f JOIN fresh USING (model, request_id)
    RETURNING model, model_version, status
  ), labelled AS (
    INSERT INTO labels (model, request_id, label, ts)
    SELECT f.model, f.request_id, f.label, f.ts
      FROM firsts f JOIN fresh USING (model, request_id)
     WHERE f.label IS NOT NULL
    ON CONFLICT (model, request_id) DO NOTHING
  )
  SELECT model, model_version, status, count(*)::int AS count
    FROM stored GROUP BY model, model_version, status`;

// Clients of the pool that already have the temporary staging table.
const prepared = new WeakSet<PoolClient>();

async function copyRows(client: PoolClient, rows: readonly RowToWrite[]): Promise<void> {
  const stream = client.query(
    copyFrom(`COPY ingest_staging (${STAGING_COLUMNS.join(', ')}) FROM STDIN`),
  );
  // Chunks of ~64 KiB keep the socket busy without building one huge string.
  function* chunks(): Generator<string> {
    let buffer = '';
    for (const row of rows) {
      buffer += row.copyLine + '\n';
      if (buffer.length >= 65_536) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer.length > 0) yield buffer;
  }
  await pipeline(Readable.from(chunks()), stream);
}

export class PredictionStore {
  constructor(
    private readonly pool: Pool,
    private readonly partitions: PartitionManager,
  ) {}

  /**
   * Stores the rows. `beforeCopy` runs inside the transaction first: the
   * ingest service uses it to confirm that the schemas it validated against
   * are still current.
   */
  async write(
    rows: readonly RowToWrite[],
    beforeCopy?: (client: PoolClient) => Promise<void>,
  ): Promise<WriteResult> {
    if (rows.length === 0) return { inserted: 0, duplicates: 0, byStatus: [] };
    await this.partitions.ensureDays(rows.map((row) => dayOf(row.epochMs)));
    return withTransaction(this.pool, async (client) => {
      if (beforeCopy) await beforeCopy(client);
      if (!prepared.has(client)) {
        await client.query(STAGING_DDL);
        prepared.add(client);
      }
      let counts: { model: string; model_version: string; status: string; count: number }[];
      try {
        await copyRows(client, rows);
        counts = (await client.query<(typeof counts)[number]>(MOVE_SQL)).rows;
      } catch (error) {
        // A rollback also undoes the staging table's creation.
        prepared.delete(client);
        throw error;
      }
      const byStatus = counts.map((row) => ({
        model: row.model,
        modelVersion: row.model_version,
        status: row.status,
        count: row.count,
      }));
      const inserted = byStatus.reduce((sum, row) => sum + row.count, 0);
      return { inserted, duplicates: rows.length - inserted, byStatus };
    });
  }

  async countRows(model: string, version?: string): Promise<number> {
    const { rows } = await this.pool.query<{ count: number }>(
      version === undefined
        ? 'SELECT count(*)::int AS count FROM predictions WHERE model = $1'
        : 'SELECT count(*)::int AS count FROM predictions WHERE model = $1 AND model_version = $2',
      version === undefined ? [model] : [model, version],
    );
    return rows[0]?.count ?? 0;
  }
}
