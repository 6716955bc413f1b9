/**
 * Halves of KServe payload-logger events waiting for their other half
 * (sql/009_kserve_pending.sql). Shared by every replica through PostgreSQL:
 * the request and the response of one call may reach different replicas,
 * in either order, and a restart must not lose a waiting half.
 */
import { translateDatabaseError, type Pool, type PoolClient } from './pool.js';

export type PendingHalfName = 'request' | 'response';

/** The row of a key after a half was offered: both halves once the pair is complete. */
export interface PendingPair {
  /** Each half as the JSON text it was offered as. */
  request: string | null;
  response: string | null;
  /** The pair's records were already stored (this half is a retry). */
  joined: boolean;
}

/** What one expiry pass deleted. */
export interface ExpiredPending {
  /** Requests whose response never came. */
  requests: number;
  /** Responses whose request never came. */
  responses: number;
  /** Complete pairs whose records were never stored (their ingest failed and was not retried). */
  unstoredPairs: number;
  /** Joined rows kept to recognise retries, now done with. */
  joined: number;
}

const OFFER_SQL = `
  INSERT INTO kserve_pending (event_key, request, response, received_at)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (event_key) DO UPDATE SET
    request = COALESCE(kserve_pending.request, EXCLUDED.request),
    response = COALESCE(kserve_pending.response, EXCLUDED.response)
  RETURNING request, response, joined_at IS NOT NULL AS joined`;

const EXPIRE_SQL = `
  WITH gone AS (
    DELETE FROM kserve_pending
     WHERE event_key IN (
       SELECT event_key FROM kserve_pending
        WHERE received_at < $1
        ORDER BY received_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
    RETURNING joined_at IS NOT NULL AS joined, request IS NOT NULL AS has_request,
              response IS NOT NULL AS has_response)
  SELECT count(*) FILTER (WHERE joined)::int AS joined,
         count(*) FILTER (WHERE NOT joined AND has_request AND NOT has_response)::int AS requests,
         count(*) FILTER (WHERE NOT joined AND has_response AND NOT has_request)::int AS responses,
         count(*) FILTER (WHERE NOT joined AND has_request AND has_response)::int AS pairs,
         count(*)::int AS total
    FROM gone`;

/** Rows deleted per statement, and statements per pass: a pass is bounded in work and lock time. */
const EXPIRE_BATCH = 10_000;
const EXPIRE_MAX_BATCHES = 100;

export class KServePendingStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Upserts one half and returns the row as it now is. The upsert takes the
   * row's lock, so of a request and a response offered at once (on two
   * replicas) the later one sees both. A half already there is kept: a
   * retried event does not replace what was first received.
   */
  async offer(
    key: string,
    half: PendingHalfName,
    json: string,
    nowMs: number,
  ): Promise<PendingPair> {
    try {
      const { rows } = await this.pool.query<PendingPair>(OFFER_SQL, [
        key,
        half === 'request' ? json : null,
        half === 'response' ? json : null,
        new Date(nowMs),
      ]);
      return rows[0]!;
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /**
   * Marks pairs as joined: inside the transaction that stores their records
   * (`client`), or on its own for pairs that were rejected.
   */
  /**
   * Marks the pairs joined inside the storing transaction and returns the
   * keys it marked: a pair another request joined first (its transaction
   * held the row's lock; this UPDATE re-reads it after that commit) is not
   * among them, and the caller must not store its records again.
   */
  async claimJoins(
    keys: readonly string[],
    nowMs: number,
    client: PoolClient,
  ): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const { rows } = await client.query<{ event_key: string }>(
      `UPDATE kserve_pending SET joined_at = $2
        WHERE event_key = ANY($1::text[]) AND joined_at IS NULL
        RETURNING event_key`,
      [keys, new Date(nowMs)],
    );
    return new Set(rows.map((row) => row.event_key));
  }

  async markJoined(keys: readonly string[], nowMs: number, client?: PoolClient): Promise<void> {
    if (keys.length === 0) return;
    const sql = `UPDATE kserve_pending SET joined_at = COALESCE(joined_at, $2)
                  WHERE event_key = ANY($1::text[])`;
    // Inside the caller's transaction its own error handling applies.
    if (client) {
      await client.query(sql, [keys, new Date(nowMs)]);
      return;
    }
    try {
      await this.pool.query(sql, [keys, new Date(nowMs)]);
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** Deletes the rows received before `beforeMs`, counting the ones that never paired. */
  async expire(beforeMs: number): Promise<ExpiredPending> {
    const total: ExpiredPending = { requests: 0, responses: 0, unstoredPairs: 0, joined: 0 };
    try {
      for (let batch = 0; batch < EXPIRE_MAX_BATCHES; batch += 1) {
        const { rows } = await this.pool.query<{
          joined: number;
          requests: number;
          responses: number;
          pairs: number;
          total: number;
        }>(EXPIRE_SQL, [new Date(beforeMs), EXPIRE_BATCH]);
        const row = rows[0]!;
        total.requests += row.requests;
        total.responses += row.responses;
        total.unstoredPairs += row.pairs;
        total.joined += row.joined;
        if (row.total < EXPIRE_BATCH) break;
      }
      return total;
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }
}
