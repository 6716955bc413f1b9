-- driftwatch schema, version 4: read offsets of tailed NDJSON files.
--
-- A file is identified by its device and inode (`file_id` = 'dev:ino'), not
-- its path, so a file renamed by rotation keeps its offset. `head_sha256`
-- hashes the first bytes (up to 256) already read: an inode reused by a new
-- file, or a file truncated and rewritten past the offset between two polls,
-- no longer matches and is read again from the start.
CREATE TABLE tail_checkpoints (
  file_id      text PRIMARY KEY,
  path         text NOT NULL,
  offset_bytes bigint NOT NULL CHECK (offset_bytes >= 0),
  -- Lines consumed up to offset_bytes, so bad lines are reported by line number.
  lines        bigint NOT NULL CHECK (lines >= 0),
  head_sha256  text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
