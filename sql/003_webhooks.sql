-- driftwatch schema, version 3: the webhook outbox.
--
-- One row per (event, target). Rows are written in the transaction of the run
-- (or Alertmanager notification) that caused the event, so an event exists if
-- and only if its cause was recorded. Dispatchers claim due rows with
-- FOR UPDATE SKIP LOCKED and a lease (locked_until), send outside the
-- transaction, then record the outcome: each row is sent by one replica at a time.

CREATE TABLE webhook_outbox (
  id               bigserial PRIMARY KEY,
  -- The event's id, sent as the Idempotency-Key header: the same for every
  -- target and every attempt.
  event_id         uuid NOT NULL,
  event            text NOT NULL
                   CHECK (event IN ('dataset_drift', 'parity_broken', 'score_drift', 'check_failed')),
  target           text NOT NULL,
  -- `${event}:${model}:${version}:${window end hour}`: an event from a check and
  -- one from Alertmanager about the same hour collapse into one delivery.
  dedup_key        text NOT NULL,
  model            text NOT NULL,
  model_version    text NOT NULL,
  run_id           bigint,
  source           text NOT NULL CHECK (source IN ('check', 'alertmanager')),
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  locked_until     timestamptz,
  locked_by        text,
  last_status      integer,
  last_error       text,
  created_at       timestamptz NOT NULL,
  delivered_at     timestamptz,
  UNIQUE (dedup_key, target)
);

CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_outbox_recent ON webhook_outbox (id DESC);
