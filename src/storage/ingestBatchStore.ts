/**
 * Batch idempotency keys (`ingest_batches`, sql/006_raw_sample.sql). A batch
 * that carries a key claims it first in its own transaction: the INSERT
 * takes the key's primary-key slot, so a concurrent repeat — on this replica
 * or another — waits until the first transaction commits (and then reads
 * the stored row: a replay) or rolls back (and then claims the key itself).
 * The counts are filled in at the end of the same transaction.
 */
import { AppError } from '../core/errors.js';
import type { Pool, PoolClient } from './pool.js';

export interface BatchKey {
  key: string;
  /** Records in the body, valid or not: a repeat with another count is refused. */
  records: number;
  rejectedCount: number;
  receivedAtMs: number;
}

/** What the first attempt of a batch stored. */
export interface StoredBatch {
  receivedAt: string;
  accepted: number;
  duplicates: number;
  rejectedCount: number;
  sampledOut: number;
}

export interface BatchCounts {
  accepted: number;
  duplicates: number;
  sampledOut: number;
}

const CLAIM_SQL = `
  INSERT INTO ingest_batches (key, received_at, records, accepted, duplicates, rejected_count)
  VALUES ($1, $2, $3, 0, 0, $4)
  ON CONFLICT (key) DO NOTHING
  RETURNING key`;

const STORED_SQL = `
  SELECT received_at, records, accepted, duplicates, rejected_count, sampled_out
    FROM ingest_batches WHERE key = $1`;

const COMPLETE_SQL = `
  UPDATE ingest_batches SET accepted = $2, duplicates = $3, sampled_out = $4 WHERE key = $1`;

/**
 * Claims `batch.key`: null when this transaction now owns it, or the stored
 * batch when an earlier one committed it (nothing is to be stored again).
 */
export async function claimBatchKey(
  client: PoolClient,
  batch: BatchKey,
): Promise<StoredBatch | null> {
  const claimed = await client.query(CLAIM_SQL, [
    batch.key,
    new Date(batch.receivedAtMs),
    batch.records,
    batch.rejectedCount,
  ]);
  if ((claimed.rowCount ?? 0) > 0) return null;
  const { rows } = await client.query<{
    received_at: Date;
    records: number;
    accepted: number;
    duplicates: number;
    rejected_count: number;
    sampled_out: number;
  }>(STORED_SQL, [batch.key]);
  const stored = rows[0];
  if (!stored) {
    // Deleted by retention between the two statements: the batch is too old to be a retry.
    throw new AppError('conflict', `Idempotency-Key "${batch.key}" expired while in use; retry`);
  }
  if (stored.records !== batch.records) {
    throw new AppError(
      'conflict',
      `Idempotency-Key "${batch.key}" was used for a batch of ${stored.records} records; this one has ${batch.records}. Use a new key for a new batch`,
    );
  }
  return {
    receivedAt: stored.received_at.toISOString(),
    accepted: stored.accepted,
    duplicates: stored.duplicates,
    rejectedCount: stored.rejected_count,
    sampledOut: stored.sampled_out,
  };
}

/** Records the counts of the batch that claimed `key`, in its transaction. */
export async function completeBatchKey(
  client: PoolClient,
  key: string,
  counts: BatchCounts,
): Promise<void> {
  await client.query(COMPLETE_SQL, [key, counts.accepted, counts.duplicates, counts.sampledOut]);
}

/** Deletes the keys of batches received before `cutoff`; returns how many. */
export async function pruneBatchKeys(pool: Pool, cutoff: Date): Promise<number> {
  const result = await pool.query('DELETE FROM ingest_batches WHERE received_at < $1', [cutoff]);
  return result.rowCount ?? 0;
}
