/** Cached summaries of closed hours of a version's traffic (approximate drift path). */
import { translateDatabaseError, type Pool } from './pool.js';

export interface StoredSummary {
  bucketStartMs: number;
  summary: unknown;
}

export class SummaryStore {
  constructor(private readonly pool: Pool) {}

  async load(
    model: string,
    version: string,
    referenceAt: Date,
    bucketStartsMs: readonly number[],
  ): Promise<StoredSummary[]> {
    if (bucketStartsMs.length === 0) return [];
    try {
      const { rows } = await this.pool.query<{ bucket_start: Date; summary: unknown }>(
        `SELECT bucket_start, summary FROM window_summaries
          WHERE model = $1 AND model_version = $2 AND reference_at = $3 AND bucket_start = ANY($4::timestamptz[])`,
        [model, version, referenceAt, bucketStartsMs.map((ms) => new Date(ms))],
      );
      return rows.map((row) => ({
        bucketStartMs: row.bucket_start.getTime(),
        summary: row.summary,
      }));
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  async save(
    model: string,
    version: string,
    referenceAt: Date,
    bucketStartMs: number,
    summary: unknown,
  ): Promise<void> {
    try {
      await this.pool.query(
        `INSERT INTO window_summaries (model, model_version, reference_at, bucket_start, summary)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (model, model_version, reference_at, bucket_start)
         DO UPDATE SET summary = EXCLUDED.summary, created_at = now()`,
        [model, version, referenceAt, new Date(bucketStartMs), JSON.stringify(summary)],
      );
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /**
   * Rows per UTC hour of the window (hour start in ms → rows; hours without
   * rows are absent): what a cached hour must still match to be reused, and
   * summed, the window's row count. Hours are cut in UTC whatever the
   * session's time zone, as `hourBuckets` cuts them.
   */
  async hourlyCounts(
    model: string,
    version: string,
    startMs: number,
    endMs: number,
  ): Promise<Map<number, number>> {
    try {
      const { rows } = await this.pool.query<{ hour: Date; n: number }>(
        `SELECT date_trunc('hour', ts, 'UTC') AS hour, count(*)::int AS n FROM predictions
          WHERE model = $1 AND model_version = $2 AND ts >= $3 AND ts < $4 GROUP BY 1`,
        [model, version, new Date(startMs), new Date(endMs)],
      );
      return new Map(rows.map((row) => [row.hour.getTime(), row.n]));
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** Summaries of hours older than the cutoff are never read again. */
  async pruneBefore(cutoff: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM window_summaries WHERE bucket_start < $1',
      [cutoff],
    );
    return rowCount ?? 0;
  }
}
