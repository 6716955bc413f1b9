-- driftwatch schema, version 10: segments (docs/checks.md, "Segments").
--
-- predictions.tags: the record's optional tags, an object of strings (at most
-- 16 keys; checked at ingest, src/ingest/tagCheck.ts), NULL when it has none.
-- A segment `by: "tag:<key>"` groups the window by `tags ->> '<key>'`.
ALTER TABLE predictions ADD COLUMN tags jsonb;

-- check_results.segment: the segment a result row belongs to, written
-- `<by>=<value>` (`plan=basic`, `tag:pod=pod-3`, `plan=__other__`); NULL for
-- the rows of the whole window. A feature and test now repeat within a run
-- (once per segment), so a row is keyed by its position in the run.
ALTER TABLE check_results ADD COLUMN segment text;
ALTER TABLE check_results DROP CONSTRAINT check_results_pkey;
ALTER TABLE check_results ADD PRIMARY KEY (run_id, position);
