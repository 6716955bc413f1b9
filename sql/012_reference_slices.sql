-- driftwatch schema, version 12: reference slices (docs/checks.md, "Segments").
--
-- For each categorical feature a model's segments slice on, the reference
-- rows of each of its values (the 100 most frequent; the rest together as
-- '__rest__'; rows without the feature as '__missing__'), profiled on every
-- other feature like reference_features: a segment `plan=pro` is compared
-- with the reference's own pro rows. Replaced with the reference.
CREATE TABLE reference_slices (
  model          text NOT NULL,
  version        text NOT NULL,
  by_feature     text NOT NULL,
  value          text NOT NULL,
  -- The slice's rank among the slices of by_feature, and its reference rows.
  slice_position integer NOT NULL,
  slice_rows     integer NOT NULL,
  feature        text NOT NULL,
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
  PRIMARY KEY (model, version, by_feature, value, feature),
  FOREIGN KEY (model, version) REFERENCES reference_sets (model, version) ON DELETE CASCADE
);
