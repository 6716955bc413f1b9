/** Ground-truth labels, upserted by (model, request_id): the latest label wins. */
import { withTransaction, type Pool } from './pool.js';

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
}
