-- driftwatch schema, version 11: a binary classifier's reference outcomes.
--
-- A reference uploaded with `score` and `label` columns is the calibration
-- set of label-free performance estimation: the pairs themselves (sampling
-- error is measured on chunks of them) and the isotonic calibration fitted
-- on them, replaced with the reference.
CREATE TABLE reference_outcomes (
  model        text NOT NULL,
  version      text NOT NULL,
  rows         integer NOT NULL,
  -- Ascending scores as little-endian float64, and one 0/1 byte per score.
  scores       bytea NOT NULL,
  labels       bytea NOT NULL,
  calibration  jsonb NOT NULL,
  PRIMARY KEY (model, version),
  FOREIGN KEY (model, version) REFERENCES reference_sets (model, version) ON DELETE CASCADE
);
