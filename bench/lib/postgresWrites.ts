/**
 * What PostgreSQL wrote during a phase: WAL bytes (server-wide: other
 * databases' work on a shared server counts too) and the growth of the
 * bench database's size (its own tables and indexes only).
 */
import { withClient } from './database.js';

export interface WriteSnapshot {
  walLsn: string;
  databaseBytes: number;
}

export interface Written {
  walBytes: number;
  databaseBytes: number;
}

export async function snapshotWrites(url: string): Promise<WriteSnapshot> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ lsn: string; bytes: string }>(
      'SELECT pg_current_wal_lsn()::text AS lsn, pg_database_size(current_database())::text AS bytes',
    );
    return { walLsn: rows[0]!.lsn, databaseBytes: Number(rows[0]!.bytes) };
  });
}

export async function writtenSince(url: string, before: WriteSnapshot): Promise<Written> {
  const after = await snapshotWrites(url);
  const walBytes = await withClient(url, async (client) => {
    const { rows } = await client.query<{ bytes: string }>(
      'SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS bytes',
      [after.walLsn, before.walLsn],
    );
    return Number(rows[0]!.bytes);
  });
  return { walBytes, databaseBytes: after.databaseBytes - before.databaseBytes };
}
