-- Up Migration

-- One-off sends (issue 15): a template to a segment or an explicit list of leads at a set
-- time, outside the cadences. The recipients are frozen into broadcast_recipients when the
-- broadcast starts sending, one row per (broadcast, lead), so each lead is handed to its
-- lifecycle once even across worker restarts; each row then records what became of it.
CREATE TABLE broadcasts (
  id            uuid        PRIMARY KEY,
  name          text        NOT NULL,
  template_key  text        NOT NULL,
  -- Exactly one recipient source: a saved segment, or leads chosen one by one.
  segment_id    text,
  lead_ids      uuid[],
  send_at       timestamptz NOT NULL,
  state         text        NOT NULL DEFAULT 'scheduled'
                CHECK (state IN ('scheduled', 'sending', 'paused', 'cancelled', 'completed')),
  -- Recipients frozen; null until the broadcast starts sending.
  total         integer,
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text,
  started_at    timestamptz,
  finished_at   timestamptz,
  CHECK ((segment_id IS NULL) <> (lead_ids IS NULL))
);
CREATE INDEX broadcasts_created ON broadcasts (created_at DESC, id DESC);

CREATE TABLE broadcast_recipients (
  broadcast_id   uuid        NOT NULL REFERENCES broadcasts (id),
  lead_id        uuid        NOT NULL,
  status         text        NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'handed_over', 'sent', 'skipped')),
  reason         text,
  -- The delivery (and email_stats row) of the lead's email: the report joins through it.
  delivery_key   text,
  handed_over_at timestamptz,
  done_at        timestamptz,
  PRIMARY KEY (broadcast_id, lead_id)
);
-- The hand-over pages through the pending recipients in lead order.
CREATE INDEX broadcast_recipients_pending ON broadcast_recipients (broadcast_id, lead_id) WHERE status = 'pending';
