/**
 * The webhook outbox (sql/003_webhooks.sql). Rows are added inside the
 * transaction of their cause; dispatchers claim due rows with
 * FOR UPDATE SKIP LOCKED and a lease, send outside any transaction, and
 * record the outcome only if they still hold the lease (same owner and attempt).
 */
import type { WebhookEventType } from '../core/webhookEvent.js';
import { translateDatabaseError, type Pool, type PoolClient } from './pool.js';

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface NewOutboxRow {
  eventId: string;
  event: WebhookEventType;
  target: string;
  dedupKey: string;
  model: string;
  version: string;
  runId: number | null;
  source: 'check' | 'alertmanager';
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface OutboxRow {
  id: number;
  eventId: string;
  event: WebhookEventType;
  target: string;
  dedupKey: string;
  model: string;
  version: string;
  runId: number | null;
  source: 'check' | 'alertmanager';
  payload: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lockedUntil: Date | null;
  lockedBy: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

interface Row {
  id: number;
  event_id: string;
  event: WebhookEventType;
  target: string;
  dedup_key: string;
  model: string;
  model_version: string;
  run_id: number | null;
  source: 'check' | 'alertmanager';
  payload: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  locked_until: Date | null;
  locked_by: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

function toRow(row: Row): OutboxRow {
  return {
    id: Number(row.id),
    eventId: row.event_id,
    event: row.event,
    target: row.target,
    dedupKey: row.dedup_key,
    model: row.model,
    version: row.model_version,
    runId: row.run_id === null ? null : Number(row.run_id),
    source: row.source,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lockedUntil: row.locked_until,
    lockedBy: row.locked_by,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

export interface ListDeliveriesQuery {
  status?: OutboxStatus | undefined;
  target?: string | undefined;
  model?: string | undefined;
  limit: number;
  beforeId?: number | undefined;
}

type Queryable = Pick<PoolClient, 'query'>;

/**
 * Consecutive drift runs with dataset drift of a version, newest first,
 * counted up to `limit`; runs with status `error` say nothing about drift and
 * are skipped. Call inside the transaction that stored the latest run.
 */
export async function datasetDriftStreak(
  client: Queryable,
  model: string,
  version: string,
  limit: number,
): Promise<number> {
  const { rows } = await client.query<{ drifted: boolean }>(
    `SELECT (status = 'drift' AND coalesce((summary->'dataset'->>'drifted')::boolean, false)) AS drifted
       FROM check_runs
      WHERE model = $1 AND model_version = $2 AND kind = 'drift' AND status <> 'error'
      ORDER BY id DESC LIMIT $3`,
    [model, version, limit],
  );
  let streak = 0;
  for (const row of rows) {
    if (!row.drifted) break;
    streak += 1;
  }
  return streak;
}

/** Adds rows; a (dedup key, target) already present is left alone. Returns the rows added. */
export async function enqueueOutbox(
  client: Queryable,
  rows: readonly NewOutboxRow[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO webhook_outbox (event_id, event, target, dedup_key, model, model_version, run_id, source,
                                 payload, next_attempt_at, created_at)
     SELECT t.event_id, t.event, t.target, t.dedup_key, t.model, t.model_version, t.run_id, t.source,
            t.payload, t.created_at, t.created_at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                   $8::text[], $9::jsonb[], $10::timestamptz[])
            AS t(event_id, event, target, dedup_key, model, model_version, run_id, source, payload, created_at)
     ON CONFLICT (dedup_key, target) DO NOTHING`,
    [
      rows.map((r) => r.eventId),
      rows.map((r) => r.event),
      rows.map((r) => r.target),
      rows.map((r) => r.dedupKey),
      rows.map((r) => r.model),
      rows.map((r) => r.version),
      rows.map((r) => r.runId),
      rows.map((r) => r.source),
      rows.map((r) => JSON.stringify(r.payload)),
      rows.map((r) => r.createdAt),
    ],
  );
  return result.rowCount ?? 0;
}

export class OutboxStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Claims up to `limit` due rows for `owner` until `leaseUntil` and counts
   * the attempt. One statement, so the row locks last only as long as it:
   * SKIP LOCKED lets concurrent dispatchers take different rows, and the lease
   * keeps a claimed row away from them while it is being sent.
   */
  async claimDue(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<OutboxRow[]> {
    try {
      const { rows } = await this.pool.query<Row>(
        `WITH due AS (
           SELECT id FROM webhook_outbox
            WHERE status = 'pending' AND next_attempt_at <= $1
              AND (locked_until IS NULL OR locked_until <= $1)
            ORDER BY next_attempt_at, id
            LIMIT $4
            FOR UPDATE SKIP LOCKED)
         UPDATE webhook_outbox o
            SET locked_until = $2, locked_by = $3, attempts = o.attempts + 1
           FROM due WHERE o.id = due.id
         RETURNING o.*`,
        [now, leaseUntil, owner, limit],
      );
      return rows.map(toRow).sort((a, b) => a.id - b.id);
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** Records a successful attempt; false when the lease was lost meanwhile. */
  async markDelivered(row: OutboxRow, at: Date, httpStatus: number): Promise<boolean> {
    return this.settle(row, {
      status: 'delivered',
      nextAttemptAt: row.nextAttemptAt,
      deliveredAt: at,
      httpStatus,
      error: null,
    });
  }

  /** Records a failed attempt to be retried at `nextAttemptAt`. */
  async markFailed(
    row: OutboxRow,
    nextAttemptAt: Date,
    httpStatus: number | null,
    error: string,
  ): Promise<boolean> {
    return this.settle(row, {
      status: 'pending',
      nextAttemptAt,
      deliveredAt: null,
      httpStatus,
      error,
    });
  }

  /** Dead-letters the row: it is never sent again. */
  async markDead(row: OutboxRow, httpStatus: number | null, error: string): Promise<boolean> {
    return this.settle(row, {
      status: 'dead',
      nextAttemptAt: row.nextAttemptAt,
      deliveredAt: null,
      httpStatus,
      error,
    });
  }

  private async settle(
    row: OutboxRow,
    outcome: {
      status: OutboxStatus;
      nextAttemptAt: Date;
      deliveredAt: Date | null;
      httpStatus: number | null;
      error: string | null;
    },
  ): Promise<boolean> {
    try {
      const result = await this.pool.query(
        `UPDATE webhook_outbox
            SET status = $4, next_attempt_at = $5, delivered_at = $6, last_status = $7, last_error = $8,
                locked_until = NULL, locked_by = NULL
          WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND status = 'pending'`,
        [
          row.id,
          row.lockedBy,
          row.attempts,
          outcome.status,
          outcome.nextAttemptAt,
          outcome.deliveredAt,
          outcome.httpStatus,
          outcome.error === null ? null : outcome.error.slice(0, 1000),
        ],
      );
      return (result.rowCount ?? 0) === 1;
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** Rows not yet delivered nor dead, by target. */
  async pendingByTarget(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ target: string; pending: number }>(
      `SELECT target, count(*)::int AS pending FROM webhook_outbox WHERE status = 'pending' GROUP BY target`,
    );
    return new Map(rows.map((row) => [row.target, row.pending]));
  }

  /** Newest first. */
  async list(query: ListDeliveriesQuery): Promise<OutboxRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.status) add('status = ?', query.status);
    if (query.target) add('target = ?', query.target);
    if (query.model) add('model = ?', query.model);
    if (query.beforeId !== undefined) add('id < ?', query.beforeId);
    params.push(query.limit);
    try {
      const { rows } = await this.pool.query<Row>(
        `SELECT * FROM webhook_outbox ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY id DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map(toRow);
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }
}

/** Id of the newest run of a version and kind, or null. */
export async function latestRunId(
  client: Queryable,
  model: string,
  version: string,
  kind: string,
): Promise<number | null> {
  const { rows } = await client.query<{ id: number }>(
    `SELECT id FROM check_runs WHERE model = $1 AND model_version = $2 AND kind = $3
      ORDER BY id DESC LIMIT 1`,
    [model, version, kind],
  );
  return rows[0] ? Number(rows[0].id) : null;
}
