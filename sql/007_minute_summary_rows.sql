-- driftwatch schema, version 7: the row count of each minute summary as a
-- column of its own.
--
-- A drift check chooses its path on the window's row count (the sum over
-- its minute summaries), and compaction finds minutes with several partials;
-- reading `summary->>'rows'` would detoast and decompress each whole summary
-- (kilobytes of sketches) for one number. Generated, so the ingest path that
-- writes the summaries is unchanged, and rows written before this migration
-- get their count too.
ALTER TABLE minute_summaries
  ADD COLUMN rows bigint GENERATED ALWAYS AS ((summary ->> 'rows')::bigint) STORED;
