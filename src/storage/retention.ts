/**
 * Retention of predictions: whole daily partitions older than the retention
 * age are dropped (no row-by-row DELETE, no bloat), and the request-id keys of
 * their rows are deleted with them so the key table does not grow forever and
 * a request id whose prediction is gone can be stored again.
 */
import { dayOf, partitionDay, type PartitionManager } from './partitions.js';
import { withTransaction, type Pool } from './pool.js';

const DAY_MS = 86_400_000;

export interface RetentionResult {
  droppedPartitions: string[];
  deletedKeys: number;
}

export async function applyRetention(
  pool: Pool,
  partitions: PartitionManager,
  nowMs: number,
  retentionDays: number,
): Promise<RetentionResult> {
  // A partition is dropped only when its whole day is older than the cutoff.
  const cutoffDay = dayOf(nowMs - retentionDays * DAY_MS);
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'predictions'`,
  );
  const expired = rows
    .map((row) => ({ name: row.name, day: partitionDay(row.name) }))
    .filter(
      (entry): entry is { name: string; day: number } =>
        entry.day !== null && entry.day < cutoffDay,
    )
    .sort((a, b) => a.day - b.day);
  const dropped: string[] = [];
  let deletedKeys = 0;
  for (const partition of expired) {
    await withTransaction(pool, async (client) => {
      const { rows: present } = await client.query<{ relation: string | null }>(
        'SELECT to_regclass($1)::text AS relation',
        [partition.name],
      );
      if (present[0]?.relation == null) return; // dropped meanwhile (another replica)
      // The keys of exactly the rows being dropped, found through the rows
      // themselves: prediction_keys has no index on ts to pay for on every
      // insert. Deleted before the DROP, in the same transaction. (DROP locks
      // `predictions` before the partition, as readers do; locking the
      // partition first could deadlock with them.)
      const keys = await client.query(
        `DELETE FROM prediction_keys k USING ${partition.name} p
          WHERE k.model = p.model AND k.request_id = p.request_id`,
      );
      deletedKeys += keys.rowCount ?? 0;
      await client.query(`DROP TABLE IF EXISTS ${partition.name}`);
    });
    dropped.push(partition.name);
  }
  partitions.forget(expired.map((entry) => entry.day));
  return { droppedPartitions: dropped, deletedKeys };
}
