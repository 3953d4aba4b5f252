-- Up Migration

-- The last known state of each CRM record the engine follows (a deal, a contact), so an
-- incoming webhook or fetched record is diffed against it and only real changes become
-- events (domain/crm-record-diff.ts). `state` holds the fields and, per field, the CRM's
-- modified time of its value, which keeps a late delivery from undoing a newer change.
CREATE TABLE crm_records (
  provider    text        NOT NULL,
  record_id   text        NOT NULL,
  kind        text        NOT NULL CHECK (kind IN ('deal', 'contact')),
  lead_id     uuid        NOT NULL REFERENCES leads (id),
  state       jsonb       NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, record_id)
);

-- A lead's deals, each with its history: a new escalation or a new CRM deal opens a new
-- row, so a lost deal's amount and dates are never carried into the next one. `key` is
-- the workflow's name for the deal (the escalation's or event's idempotency key), which
-- makes the activities that write it idempotent. The lead's deal_* columns stay the
-- mirror of its current sales deal (pipeline, lists).
CREATE TABLE deals (
  id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  lead_id              uuid        NOT NULL REFERENCES leads (id),
  key                  text        NOT NULL UNIQUE,
  kind                 text        NOT NULL CHECK (kind IN ('new', 'upsell', 'reactivation')),
  crm_provider         text,
  crm_deal_id          text,
  status               text        NOT NULL CHECK (status IN ('open', 'won', 'lost')),
  stage                text,
  amount               numeric(14, 2),
  probability          numeric(5, 2),
  expected_close       date,
  owner_email          text,
  opened_at            timestamptz NOT NULL,
  closed_at            timestamptz,
  last_stage_change_at timestamptz NOT NULL
);
CREATE INDEX deals_lead ON deals (lead_id, opened_at);
CREATE INDEX deals_crm ON deals (crm_provider, crm_deal_id) WHERE crm_deal_id IS NOT NULL;

-- Each stage move of a deal (and its opening, win or loss), oldest first.
CREATE TABLE deal_stage_history (
  id          bigserial   PRIMARY KEY,
  deal_id     uuid        NOT NULL REFERENCES deals (id),
  at          timestamptz NOT NULL,
  stage       text,
  status      text        NOT NULL CHECK (status IN ('open', 'won', 'lost')),
  dedupe_key  text        UNIQUE
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history (deal_id, at, id);

-- The deal each lead already has becomes its first row, with one history entry.
INSERT INTO deals (lead_id, key, kind, crm_provider, crm_deal_id, status, stage, amount, probability,
                   expected_close, owner_email, opened_at, closed_at, last_stage_change_at)
SELECT id, 'legacy/' || id, CASE WHEN crm_deal_kind = 'upsell' THEN 'upsell' ELSE 'new' END, crm_provider,
       crm_deal_id, deal_status, deal_stage, deal_amount, deal_probability, deal_expected_close,
       deal_owner_email, COALESCE(deal_last_moved_at, stage_entered_at),
       CASE WHEN deal_status <> 'open' THEN COALESCE(deal_last_moved_at, stage_entered_at) END,
       COALESCE(deal_last_moved_at, stage_entered_at)
  FROM leads WHERE deal_status IS NOT NULL;
INSERT INTO deal_stage_history (deal_id, at, stage, status, dedupe_key)
SELECT id, last_stage_change_at, stage, status, key || '/legacy' FROM deals;

-- Down Migration
DROP TABLE deal_stage_history;
DROP TABLE deals;
DROP TABLE crm_records;
