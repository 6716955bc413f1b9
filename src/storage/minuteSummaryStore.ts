/**
 * Per-minute summaries written at ingest (sql/005_minute_summaries.sql):
 * append-only partials, one per (model, version, minute) of each stored
 * batch, inserted inside the batch's transaction and merged when read. The
 * summaries are opaque JSON here; drift/minute/ builds, encodes and merges
 * them.
 */
import { translateDatabaseError, type Pool, type PoolClient } from './pool.js';

export interface MinuteSummaryToWrite {
  model: string;
  version: string;
  /** Start of the UTC minute, epoch ms. */
  minuteMs: number;
  /** The summary's JSON form (a plain object). */
  summary: unknown;
}

export interface StoredMinuteSummary {
  minuteMs: number;
  summary: unknown;
}

const INSERT_SQL = `
  INSERT INTO minute_summaries (model, model_version, minute, summary)
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[])`;

export class MinuteSummaryStore {
  constructor(private readonly pool: Pool) {}

  /** Inserts the partials with `client`, inside the caller's transaction. */
  async insert(client: PoolClient, rows: readonly MinuteSummaryToWrite[]): Promise<void> {
    if (rows.length === 0) return;
    await client.query(INSERT_SQL, [
      rows.map((row) => row.model),
      rows.map((row) => row.version),
      rows.map((row) => new Date(row.minuteMs).toISOString()),
      rows.map((row) => JSON.stringify(row.summary)),
    ]);
  }

  /**
   * The partials of minutes in [fromMs, toMs), by minute then insertion
   * order (the caller merges them: drift/minute/merge.ts).
   */
  async load(
    model: string,
    version: string,
    fromMs: number,
    toMs: number,
  ): Promise<StoredMinuteSummary[]> {
    try {
      const { rows } = await this.pool.query<{ minute: Date; summary: unknown }>(
        `SELECT minute, summary FROM minute_summaries
          WHERE model = $1 AND model_version = $2 AND minute >= $3 AND minute < $4
          ORDER BY minute, id`,
        [model, version, new Date(fromMs), new Date(toMs)],
      );
      return rows.map((row) => ({ minuteMs: row.minute.getTime(), summary: row.summary }));
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** Deletes the partials of minutes before `cutoff`; returns how many. */
  async pruneBefore(cutoff: Date): Promise<number> {
    const result = await this.pool.query('DELETE FROM minute_summaries WHERE minute < $1', [
      cutoff,
    ]);
    return result.rowCount ?? 0;
  }
}
