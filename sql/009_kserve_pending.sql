-- driftwatch schema, version 9: halves of KServe payload-logger events
-- waiting for their other half (POST /v1/intake/kserve).
--
-- KServe logs a request and its response as two CloudEvents with one Ce-Id;
-- they may reach different replicas, in either order. Each half is upserted
-- into the row of its key (INSERT … ON CONFLICT DO UPDATE takes the row
-- lock, so of two halves arriving together exactly one sees both) and the
-- replica that completes the pair stores its records; `joined_at` is set in
-- that same transaction. Joined rows stay until they expire so that a
-- retried event is recognised (its records count as duplicates). Rows older
-- than intake.pendingSeconds are deleted by the intake-expiry job, which
-- counts the unpaired ones (driftwatch_intake_pending_expired_total).
CREATE TABLE kserve_pending (
  event_key    text PRIMARY KEY,
  request      text,
  response     text,
  received_at  timestamptz NOT NULL,
  joined_at    timestamptz
);
CREATE INDEX kserve_pending_received ON kserve_pending (received_at);
