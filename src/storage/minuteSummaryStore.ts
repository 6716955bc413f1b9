/**
 * Per-minute summaries written at ingest (sql/005_minute_summaries.sql):
 * append-only partials, one per (model, version, minute) of each stored
 * batch, inserted inside the batch's transaction and merged when read.
 * Compaction (see {@link MinuteSummaryStore.compactMinute}) replaces a closed
 * minute's partials by one merged row. The summaries are opaque JSON here;
 * drift/minute/ builds, encodes and merges them.
 */
import { translateDatabaseError, withTransaction, type Pool, type PoolClient } from './pool.js';

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

/** What the minute summaries of a window hold, counted without reading them. */
export interface MinuteWindowCount {
  /** Σ rows of the partials. */
  rows: number;
  partials: number;
  /** Distinct minutes with a partial. */
  minutes: number;
}

/** One minute of one model version. */
export interface MinuteKey {
  model: string;
  version: string;
  minuteMs: number;
}

/** What one compaction did: partials replaced, and the rows they held. */
export interface MinuteCompaction {
  partials: number;
  rows: number;
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

  /**
   * Σ rows, partials and minutes of minutes in [fromMs, toMs), from the
   * `rows` column (sql/007): the summaries themselves are not read.
   */
  async countWindow(
    model: string,
    version: string,
    fromMs: number,
    toMs: number,
  ): Promise<MinuteWindowCount> {
    try {
      const { rows } = await this.pool.query<{ rows: string; partials: number; minutes: number }>(
        `SELECT coalesce(sum(rows), 0)::text AS rows, count(*)::int AS partials,
                count(DISTINCT minute)::int AS minutes
           FROM minute_summaries
          WHERE model = $1 AND model_version = $2 AND minute >= $3 AND minute < $4`,
        [model, version, new Date(fromMs), new Date(toMs)],
      );
      const row = rows[0]!;
      return { rows: Number(row.rows), partials: row.partials, minutes: row.minutes };
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /**
   * Minutes before `cutoff` holding more than one partial, oldest first, at
   * most `limit` of them: what compaction has left to do.
   */
  async minutesToCompact(cutoff: Date, limit: number): Promise<MinuteKey[]> {
    const { rows } = await this.pool.query<{ model: string; version: string; minute: Date }>(
      `SELECT model, model_version AS version, minute FROM minute_summaries
        WHERE minute < $1
        GROUP BY model, model_version, minute
       HAVING count(*) > 1
        ORDER BY minute, model, model_version
        LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((row) => ({
      model: row.model,
      version: row.version,
      minuteMs: row.minute.getTime(),
    }));
  }

  /**
   * Replaces the partials of one minute by one row, `merge(partials)` (in
   * insertion order), in one transaction:
   *
   *     DELETE … WHERE (model, version, minute) RETURNING id, summary;
   *     INSERT the merge of exactly the returned rows, with the smallest id.
   *
   * Why this is safe without any lock of our own:
   * - Conservation. The rows merged are exactly the rows this transaction
   *   deleted (RETURNING), and both the delete and the insert commit or
   *   neither does; readers see the partials or the merged row, never both
   *   or neither (one commit).
   * - Concurrent ingest. A late batch whose partial for this minute commits
   *   while we run is not in the DELETE's snapshot, so it is neither deleted
   *   nor merged: it stays a partial beside the merged row (the next
   *   compaction takes both). Nothing is lost or counted twice.
   * - Another replica compacting the same minute. Its DELETE waits on our
   *   row locks; once we commit, READ COMMITTED re-checks the locked rows,
   *   finds them deleted and skips them, and our merged row is not in its
   *   snapshot — so it deletes nothing (or only a late partial) and merges
   *   only what it deleted. A single row returned is written back as it was.
   * The scheduler's lease makes the job run once per slot across replicas
   * anyway; the argument above is why a lapsed lease cannot do harm.
   * The merged row keeps the smallest id so a minute's rows stay read in
   * insertion order (late partials after it).
   */
  async compactMinute(
    key: MinuteKey,
    merge: (partials: unknown[]) => unknown,
  ): Promise<MinuteCompaction> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: string; rows: string; summary: unknown }>(
        `DELETE FROM minute_summaries
          WHERE model = $1 AND model_version = $2 AND minute = $3
        RETURNING id, rows, summary`,
        [key.model, key.version, new Date(key.minuteMs)],
      );
      if (rows.length === 0) return { partials: 0, rows: 0 };
      rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      const merged = rows.length === 1 ? rows[0]!.summary : merge(rows.map((row) => row.summary));
      await client.query(
        `INSERT INTO minute_summaries (id, model, model_version, minute, summary)
         VALUES ($1, $2, $3, $4, $5)`,
        [rows[0]!.id, key.model, key.version, new Date(key.minuteMs), JSON.stringify(merged)],
      );
      return {
        partials: rows.length,
        rows: rows.reduce((sum, row) => sum + Number(row.rows), 0),
      };
    });
  }

  /** Deletes the partials of minutes before `cutoff`; returns how many. */
  async pruneBefore(cutoff: Date): Promise<number> {
    const result = await this.pool.query('DELETE FROM minute_summaries WHERE minute < $1', [
      cutoff,
    ]);
    return result.rowCount ?? 0;
  }
}
