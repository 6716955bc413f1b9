/** Ground-truth labels, upserted by (model, request_id): the latest label wins. */
import { sampleCondition, segmentExpression, type SegmentColumn } from './windowReader.js';
import { translateDatabaseError, withTransaction, type Pool } from './pool.js';

export interface LabelRow {
  model: string;
  requestId: string;
  label: number;
  epochMs: number | null;
}

export class LabelStore {
  constructor(private readonly pool: Pool) {}

  async upsert(rows: readonly LabelRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    return withTransaction(this.pool, async (client) => {
      // Later rows of the same batch win over earlier ones for one request id.
      const result = await client.query(
        `INSERT INTO labels (model, request_id, label, ts)
         SELECT DISTINCT ON (model, request_id) model, request_id, label, ts
           FROM unnest($1::text[], $2::text[], $3::float8[], $4::timestamptz[], $5::int[])
                AS t(model, request_id, label, ts, seq)
          ORDER BY model, request_id, seq DESC
         ON CONFLICT (model, request_id)
         DO UPDATE SET label = EXCLUDED.label, ts = EXCLUDED.ts, received_at = now()`,
        [
          rows.map((r) => r.model),
          rows.map((r) => r.requestId),
          rows.map((r) => r.label),
          rows.map((r) => (r.epochMs === null ? null : new Date(r.epochMs).toISOString())),
          rows.map((_, i) => i),
        ],
      );
      return result.rowCount ?? 0;
    });
  }

  /**
   * The scores of the window's raw rows (all rows, or the kept sample), in
   * no particular order, and per segment column the row's segment value
   * (same order): what label-free performance estimation reads.
   *
   * At most about `maxRows` of them: when the window has more scored rows,
   * the rows whose request-id hash falls below a cut are read (the same
   * hash sample as the drift checks' `sampleFraction`: deterministic, so a
   * repeated run reads the same rows), `readFraction` < 1 says which share,
   * and `windowRows` how many scored rows the window holds.
   */
  async windowScores(
    model: string,
    version: string,
    startMs: number,
    endMs: number,
    segments: readonly SegmentColumn[] = [],
    maxRows = Number.POSITIVE_INFINITY,
  ): Promise<{
    scores: Float64Array;
    segmentValues: (string | null)[][];
    windowRows: number;
    readFraction: number;
  }> {
    try {
      const params: unknown[] = [model, version, new Date(startMs), new Date(endMs)];
      const where =
        'WHERE model = $1 AND model_version = $2 AND ts >= $3 AND ts < $4 AND score IS NOT NULL';
      let windowRows: number | null = null;
      let readFraction = 1;
      if (Number.isFinite(maxRows)) {
        // Counting is a scan of the window too, but holds no row in memory.
        const counted = await this.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM predictions ${where}`,
          params,
        );
        windowRows = Number(counted.rows[0]?.n ?? 0);
        if (windowRows > maxRows) readFraction = maxRows / windowRows;
      }
      const extra = segments.map(
        (column, i) =>
          `, array_agg(${segmentExpression(column, (text) => {
            params.push(text);
            return `$${params.length}::text`;
          })}) AS s${i}`,
      );
      // One array per column instead of a row per score: a million scores
      // decode as one array, not a million row objects. Aggregates of one
      // query level see the rows in the same order, so the arrays align.
      const { rows } = await this.pool.query<{ scores: number[] | null } & Record<string, unknown>>(
        `SELECT array_agg(score) AS scores${extra.join('')} FROM predictions
          ${where}${sampleCondition(readFraction < 1 ? readFraction : undefined)}`,
        params,
      );
      const row = rows[0];
      const scores = Float64Array.from(row?.scores ?? []);
      return {
        scores,
        segmentValues: segments.map((_, i) => (row?.[`s${i}`] as (string | null)[] | null) ?? []),
        windowRows: windowRows ?? scores.length,
        readFraction,
      };
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /**
   * Labels and scores of the window's predictions that have a label, plus
   * the number of predictions in the window. A regressor logs its predicted
   * value as the score.
   */
  async labelledWindow(
    model: string,
    version: string,
    startMs: number,
    endMs: number,
    /** Segment values to read with each labelled row (`segmentValues[i]` for `segments[i]`). */
    segments: readonly SegmentColumn[] = [],
  ): Promise<{
    labels: number[];
    scores: (number | null)[];
    windowRows: number;
    segmentValues: (string | null)[][];
  }> {
    try {
      const params: unknown[] = [model, version, new Date(startMs), new Date(endMs)];
      const total = await this.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM predictions WHERE model = $1 AND model_version = $2 AND ts >= $3 AND ts < $4',
        params,
      );
      const extra = segments.map(
        (column, i) =>
          `, ${segmentExpression(
            column,
            (text) => {
              params.push(text);
              return `$${params.length}::text`;
            },
            'p',
          )} AS s${i}`,
      );
      const joined = await this.pool.query<
        { label: number; score: number | null } & Record<string, unknown>
      >(
        `SELECT l.label, p.score${extra.join('')}
           FROM predictions p JOIN labels l ON l.model = p.model AND l.request_id = p.request_id
          WHERE p.model = $1 AND p.model_version = $2 AND p.ts >= $3 AND p.ts < $4`,
        params,
      );
      return {
        labels: joined.rows.map((row) => row.label),
        scores: joined.rows.map((row) => row.score),
        windowRows: total.rows[0]?.n ?? 0,
        segmentValues: segments.map((_, i) =>
          joined.rows.map((row) => (row[`s${i}`] as string | null | undefined) ?? null),
        ),
      };
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }
}
