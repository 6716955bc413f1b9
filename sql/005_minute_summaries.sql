-- driftwatch schema, version 5: per-minute summaries built at ingest.
--
-- One row per (model, version, UTC minute) of each stored batch: the
-- batch's fresh records of that minute summarised (counts, moments, KLL
-- sketches, category counts; src/drift/minute/codec.ts), inserted in the
-- batch's own transaction, so a retried batch — whose keys are then already
-- in prediction_keys — adds nothing. Append-only: a minute's partials are
-- merged when read, so concurrent batches of one minute never wait on one
-- row's lock. Removed by the retention job after retention.summariesDays.
CREATE TABLE minute_summaries (
  id             bigserial PRIMARY KEY,
  model          text NOT NULL,
  model_version  text NOT NULL,
  minute         timestamptz NOT NULL,
  summary        jsonb NOT NULL
);
CREATE INDEX minute_summaries_window ON minute_summaries (model, model_version, minute);
