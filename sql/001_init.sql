-- driftwatch schema, version 1: model registry, predictions, labels, references.

CREATE TABLE models (
  name        text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE model_versions (
  model       text NOT NULL REFERENCES models (name),
  version     text NOT NULL,
  task        text NOT NULL CHECK (task IN ('binary_classification', 'regression')),
  -- Ordered feature schema: [{"name": "...", "type": "numeric" | "categorical"}].
  features    jsonb NOT NULL,
  threshold   double precision NOT NULL DEFAULT 0.5,
  onnx        jsonb,
  -- Bumped at every schema change so that ingesters holding a cached copy
  -- notice a change made by another replica.
  revision    integer NOT NULL DEFAULT 1,
  source      text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'manifest')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, version)
);

-- Predictions are partitioned by day of the record's timestamp so that
-- retention drops whole partitions. Feature values are stored in two arrays in
-- the version's schema order (numeric features, then categorical features),
-- NULL for a missing value: compact, fast to COPY, and a check reads one
-- element per feature without parsing JSON.
CREATE TABLE predictions (
  model           text NOT NULL,
  model_version   text NOT NULL,
  request_id      text NOT NULL,
  ts              timestamptz NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  num_values      double precision[] NOT NULL,
  cat_values      text[] NOT NULL,
  missing_count   integer NOT NULL DEFAULT 0,
  score           double precision,
  prediction      text,
  latency_ms      double precision,
  status          text NOT NULL DEFAULT 'success',
  traceparent     text
) PARTITION BY RANGE (ts);

CREATE INDEX predictions_version_ts ON predictions (model, model_version, ts);

-- A unique constraint on a partitioned table must include the partition key,
-- which would let a retry with another timestamp in. This unpartitioned key
-- table makes request_id unique per model across all days. It has no index on
-- ts: every stored row pays for each index, and retention finds the keys of a
-- dropped partition by joining with that partition's rows instead.
CREATE TABLE prediction_keys (
  model       text NOT NULL,
  request_id  text NOT NULL,
  ts          timestamptz NOT NULL,
  PRIMARY KEY (model, request_id)
);

-- Delayed ground truth, joined to predictions by (model, request_id). A label
-- may arrive before its prediction, so there is no foreign key.
CREATE TABLE labels (
  model        text NOT NULL,
  request_id   text NOT NULL,
  label        double precision NOT NULL,
  ts           timestamptz,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, request_id)
);

-- The reference (training) data of a version, kept as a profile per feature.
CREATE TABLE reference_sets (
  model        text NOT NULL,
  version      text NOT NULL,
  rows         integer NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, version),
  FOREIGN KEY (model, version) REFERENCES model_versions (model, version) ON DELETE CASCADE
);

CREATE TABLE reference_features (
  model          text NOT NULL,
  version        text NOT NULL,
  feature        text NOT NULL,
  -- 'feature' for a schema feature, 'score' for the model score.
  role           text NOT NULL CHECK (role IN ('feature', 'score')),
  kind           text NOT NULL CHECK (kind IN ('numeric', 'categorical')),
  position       integer NOT NULL,
  n              integer NOT NULL,
  missing        integer NOT NULL,
  min_value      double precision,
  max_value      double precision,
  mean           double precision,
  std            double precision,
  -- Ascending non-missing values as little-endian float64 (numeric only).
  sorted_values  bytea,
  bin_edges      double precision[],
  -- Category → count (categorical only).
  counts         jsonb,
  PRIMARY KEY (model, version, role, feature),
  FOREIGN KEY (model, version) REFERENCES reference_sets (model, version) ON DELETE CASCADE
);
