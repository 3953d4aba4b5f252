-- Up Migration

-- The lifecycle's read model: what GET /v1/leads/:id, the timeline and the reports
-- answer from, written by activities, never by the API's guesswork.
ALTER TABLE leads
  ADD COLUMN score_at           timestamptz,
  ADD COLUMN score_half_life_ms bigint,
  ADD COLUMN stage_entered_at   timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN paused             boolean     NOT NULL DEFAULT false,
  ADD COLUMN do_not_contact     boolean     NOT NULL DEFAULT false,
  ADD COLUMN cadence_version    integer,
  ADD COLUMN deal_status        text CHECK (deal_status IN ('open', 'won', 'lost')),
  ADD COLUMN deal_stage         text,
  ADD COLUMN deal_amount        numeric(14, 2),
  ADD COLUMN deal_probability   numeric(5, 2),
  ADD COLUMN deal_expected_close date,
  ADD COLUMN deal_owner_email   text,
  ADD COLUMN deal_last_moved_at timestamptz,
  ADD COLUMN contract_end_reason text,
  ADD COLUMN resume_at          timestamptz;
CREATE INDEX leads_stage ON leads (stage);
CREATE INDEX leads_deal_owner ON leads (deal_owner_email) WHERE deal_status = 'open';

-- Rep notifications go through the same exactly-once path as marketing email; only
-- `email` rows are touches of the lead.
ALTER TABLE deliveries ADD COLUMN kind text NOT NULL DEFAULT 'touch' CHECK (kind IN ('touch', 'notification'));

-- Everything that happened to a lead, in order. `dedupe_key` makes activity retries
-- write an entry once.
CREATE TABLE timeline (
  id          bigserial   PRIMARY KEY,
  lead_id     uuid        NOT NULL REFERENCES leads (id),
  at          timestamptz NOT NULL,
  kind        text        NOT NULL,
  detail      jsonb       NOT NULL DEFAULT '{}',
  dedupe_key  text        UNIQUE
);
CREATE INDEX timeline_lead ON timeline (lead_id, at, id);

-- Engagement events as received; a repeated source id is not counted twice.
CREATE TABLE events (
  id           bigserial   PRIMARY KEY,
  lead_id      uuid        NOT NULL REFERENCES leads (id),
  type         text        NOT NULL,
  occurred_at  timestamptz NOT NULL,
  source_id    text        UNIQUE,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_lead ON events (lead_id, occurred_at);

-- Hot leads handed to sales (and upsell opportunities handed to the account owner).
CREATE TABLE escalations (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  idempotency_key text        NOT NULL UNIQUE,
  lead_id         uuid        NOT NULL REFERENCES leads (id),
  kind            text        NOT NULL CHECK (kind IN ('sales', 'upsell')),
  score           double precision NOT NULL,
  owner_email     text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  acked_at        timestamptz,
  acked_by        text,
  chat_notified_at timestamptz
);
CREATE INDEX escalations_open ON escalations (created_at) WHERE acked_at IS NULL;

-- DM (paper direct mail) and owner to-dos created by `dm` and `task` steps.
CREATE TABLE tasks (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  idempotency_key text        NOT NULL UNIQUE,
  lead_id         uuid        NOT NULL REFERENCES leads (id),
  kind            text        NOT NULL CHECK (kind IN ('dm', 'todo')),
  template_key    text,
  title           text,
  postal_address  jsonb,
  owner_email     text,
  status          text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz
);
CREATE INDEX tasks_open ON tasks (kind, created_at) WHERE status = 'open';

-- Addresses no marketing email may reach (unsubscribe, do-not-contact, bounces).
CREATE TABLE suppressions (
  email       text        PRIMARY KEY,
  reason      text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Every webhook delivery by its provider's event id: a repeat has no second effect.
CREATE TABLE webhook_receipts (
  provider     text        NOT NULL,
  event_id     text        NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);

-- Round-robin position over the configured sales reps.
CREATE SEQUENCE rep_rotation;

-- Down Migration
DROP SEQUENCE rep_rotation;
DROP TABLE webhook_receipts;
DROP TABLE suppressions;
DROP TABLE tasks;
DROP TABLE escalations;
DROP TABLE events;
DROP TABLE timeline;
ALTER TABLE deliveries DROP COLUMN kind;
DROP INDEX leads_deal_owner;
DROP INDEX leads_stage;
ALTER TABLE leads
  DROP COLUMN score_at, DROP COLUMN score_half_life_ms, DROP COLUMN stage_entered_at,
  DROP COLUMN paused, DROP COLUMN do_not_contact, DROP COLUMN cadence_version,
  DROP COLUMN deal_status, DROP COLUMN deal_stage, DROP COLUMN deal_amount,
  DROP COLUMN deal_probability, DROP COLUMN deal_expected_close, DROP COLUMN deal_owner_email,
  DROP COLUMN deal_last_moved_at, DROP COLUMN contract_end_reason, DROP COLUMN resume_at;
