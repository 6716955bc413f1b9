-- driftwatch schema, version 6: the raw sample and batch idempotency keys.
--
-- raw_sampling: the fraction of raw rows kept per model version
-- (docs/scaling.md, "Raw sample"), one row per change: the current fraction
-- is the row with the latest `since`. Every replica reads it (cached for
-- storage.raw.cacheSeconds), so all replicas keep the same ids; the history
-- lets a parity, shadow or performance run say which sample its window saw.
-- Fractions are powers of two (1, 1/2, 1/4, …) so that samples nest.
CREATE TABLE raw_sampling (
  model           text NOT NULL,
  model_version   text NOT NULL,
  since           timestamptz NOT NULL,
  fraction        double precision NOT NULL CHECK (fraction > 0 AND fraction <= 1),
  -- The rate (records/s, every accepted record) the fraction was computed from.
  rate_per_second double precision NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, model_version, since)
);

-- ingest_batches: batch idempotency keys (the `Idempotency-Key` header, and
-- the file tailer's file + offset range). Inserted first in the batch's own
-- transaction: a concurrent repeat waits on the primary key until the first
-- commits (then answers from this row) or rolls back (then stores the
-- batch itself). Removed by retention after retention.batchKeysDays.
CREATE TABLE ingest_batches (
  key             text PRIMARY KEY,
  received_at     timestamptz NOT NULL DEFAULT now(),
  -- Records in the body (valid or not): a repeat with another count is refused.
  records         integer NOT NULL,
  accepted        integer NOT NULL,
  duplicates      integer NOT NULL,
  rejected_count  integer NOT NULL,
  sampled_out     integer NOT NULL DEFAULT 0
);
CREATE INDEX ingest_batches_received ON ingest_batches (received_at);
