-- driftwatch schema, version 2: check runs and their results, scheduler
-- slots, and cached window summaries for the approximate drift path.

CREATE TABLE check_runs (
  id            bigserial PRIMARY KEY,
  model         text NOT NULL,
  model_version text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('drift', 'performance', 'parity', 'shadow')),
  trigger       text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  window_start  timestamptz NOT NULL,
  window_end    timestamptz NOT NULL,
  status        text NOT NULL
                CHECK (status IN ('ok', 'drift', 'insufficient_data', 'degraded', 'error')),
  -- 'exact' or 'approximate' for drift runs: which computation path was used.
  path          text,
  rows          integer,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz NOT NULL,
  summary       jsonb NOT NULL DEFAULT '{}',
  error         text
);
CREATE INDEX check_runs_model_id ON check_runs (model, id DESC);
CREATE INDEX check_runs_model_kind_id ON check_runs (model, kind, id DESC);
CREATE INDEX check_runs_latest ON check_runs (model, model_version, kind, id DESC);

-- One row per (feature, test) of a run, in the result shape shared by every test.
CREATE TABLE check_results (
  run_id            bigint NOT NULL REFERENCES check_runs (id) ON DELETE CASCADE,
  position          integer NOT NULL,
  feature           text NOT NULL,
  test              text NOT NULL,
  status            text NOT NULL,
  statistic         double precision,
  p_value           double precision,
  adjusted_p_value  double precision,
  effect_size       double precision,
  drifted           boolean NOT NULL,
  n_reference       integer NOT NULL,
  n_current         integer NOT NULL,
  missing_current   integer NOT NULL,
  PRIMARY KEY (run_id, feature, test)
);

-- Scheduler slots: a replica runs a job's slot only if it inserted the row,
-- so each slot runs once however many replicas fire it.
CREATE TABLE scheduler_slots (
  job          text NOT NULL,
  slot         timestamptz NOT NULL,
  owner        text NOT NULL,
  claimed_at   timestamptz NOT NULL DEFAULT now(),
  -- A claim whose runner died is considered over after this time.
  expires_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  PRIMARY KEY (job, slot)
);
CREATE INDEX scheduler_slots_running ON scheduler_slots (job) WHERE finished_at IS NULL;

-- Mergeable summaries of closed hours of traffic for the approximate drift
-- path: fine histograms on the reference's quantile grid and category
-- counts, per feature. Keyed by the reference they were binned against.
CREATE TABLE window_summaries (
  model          text NOT NULL,
  model_version  text NOT NULL,
  reference_at   timestamptz NOT NULL,
  bucket_start   timestamptz NOT NULL,
  summary        jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, model_version, reference_at, bucket_start)
);
