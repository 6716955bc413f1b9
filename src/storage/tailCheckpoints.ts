/**
 * Read offsets of tailed files (`tail_checkpoints`). The tailer saves an
 * offset inside the transaction that stores the rows read up to it, so a
 * restart resumes exactly after the last committed line.
 */
import type { Pool, PoolClient } from './pool.js';

export interface TailCheckpoint {
  /** `dev:ino` of the file. */
  fileId: string;
  /** Where the file was last seen (informational: rotation renames it). */
  path: string;
  offsetBytes: number;
  /** Lines consumed up to `offsetBytes`. */
  lines: number;
  /** sha256 (hex) of the file's first `min(offsetBytes, TAIL_HEAD_BYTES)` bytes. */
  headSha256: string;
}

/** Bytes of a file's start hashed to recognise it (see sql/004_tail_checkpoints.sql). */
export const TAIL_HEAD_BYTES = 256;

const SELECT_SQL = `
  SELECT file_id, path, offset_bytes, lines, head_sha256
    FROM tail_checkpoints WHERE file_id = $1`;

const UPSERT_SQL = `
  INSERT INTO tail_checkpoints (file_id, path, offset_bytes, lines, head_sha256, updated_at)
  VALUES ($1, $2, $3, $4, $5, now())
  ON CONFLICT (file_id) DO UPDATE
     SET path = EXCLUDED.path, offset_bytes = EXCLUDED.offset_bytes,
         lines = EXCLUDED.lines, head_sha256 = EXCLUDED.head_sha256, updated_at = now()`;

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

export class TailCheckpoints {
  constructor(private readonly pool: Pool) {}

  async load(fileId: string): Promise<TailCheckpoint | null> {
    const { rows } = await this.pool.query<{
      file_id: string;
      path: string;
      offset_bytes: number;
      lines: number;
      head_sha256: string;
    }>(SELECT_SQL, [fileId]);
    const row = rows[0];
    if (!row) return null;
    return {
      fileId: row.file_id,
      path: row.path,
      offsetBytes: row.offset_bytes,
      lines: row.lines,
      headSha256: row.head_sha256,
    };
  }

  /** Saves on `client` (inside the rows' transaction) or on the pool (no rows to store). */
  async save(checkpoint: TailCheckpoint, client: Queryable = this.pool): Promise<void> {
    await (client as Pick<Pool, 'query'>).query(UPSERT_SQL, [
      checkpoint.fileId,
      checkpoint.path,
      checkpoint.offsetBytes,
      checkpoint.lines,
      checkpoint.headSha256,
    ]);
  }
}
