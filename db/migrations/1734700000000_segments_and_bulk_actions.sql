-- Up Migration

-- Segments and bulk actions (issue 15, item 3).

-- Tags and custom fields on leads. Tags are stored normalised (NFKC, trimmed, lower case:
-- domain/segment-query.ts `normaliseTag`), so "VIP", " vip " and "ＶＩＰ" are one tag and
-- the GIN index answers "has all / any of these" directly. Custom fields are one flat JSON
-- object of strings, numbers and booleans; `@>` containment (jsonb_path_ops) answers
-- "field equals".
ALTER TABLE leads
  ADD COLUMN tags          text[]      NOT NULL DEFAULT '{}',
  ADD COLUMN custom_fields jsonb       NOT NULL DEFAULT '{}',
  -- When a touch last reached the lead (an email the relay accepted, a DM to an address, a
  -- completed to-do: what the contact guarantee counts), kept by the triggers below for
  -- every writer, so "last touch before / after" is one indexed column, not a scan of
  -- deliveries and tasks per lead.
  ADD COLUMN last_touch_at timestamptz;
CREATE INDEX leads_tags ON leads USING gin (tags);
CREATE INDEX leads_custom_fields ON leads USING gin (custom_fields jsonb_path_ops);
CREATE INDEX leads_last_touch ON leads (last_touch_at);
CREATE INDEX leads_created ON leads (created_at DESC, id DESC);
CREATE INDEX leads_owner_lower ON leads (lower(owner_email));
CREATE INDEX leads_source ON leads (source);
-- "Opened / clicked in the last N days": the recent events of a type, newest first.
CREATE INDEX events_type_recent ON events (type, occurred_at) INCLUDE (lead_id);

CREATE FUNCTION leads_touched(p_lead uuid, p_at timestamptz) RETURNS void LANGUAGE sql AS $$
  UPDATE leads SET last_touch_at = p_at WHERE id = p_lead AND (last_touch_at IS NULL OR last_touch_at < p_at);
$$;

CREATE FUNCTION deliveries_last_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'touch' AND NEW.status = 'sent' AND NEW.sent_at IS NOT NULL THEN
    PERFORM leads_touched(NEW.lead_id, NEW.sent_at);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER deliveries_last_touch AFTER INSERT OR UPDATE OF status, sent_at ON deliveries
  FOR EACH ROW EXECUTE FUNCTION deliveries_last_touch();

CREATE FUNCTION tasks_last_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'dm' AND NEW.postal_address IS NOT NULL AND NEW.status <> 'cancelled' THEN
    PERFORM leads_touched(NEW.lead_id, NEW.created_at);
  ELSIF NEW.kind = 'todo' AND NEW.status = 'done' AND NEW.completed_at IS NOT NULL THEN
    PERFORM leads_touched(NEW.lead_id, NEW.completed_at);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tasks_last_touch AFTER INSERT OR UPDATE OF status, completed_at ON tasks
  FOR EACH ROW EXECUTE FUNCTION tasks_last_touch();

UPDATE leads l SET last_touch_at = t.at
  FROM (SELECT lead_id, max(at) AS at FROM (
          SELECT lead_id, sent_at AS at FROM deliveries WHERE kind = 'touch' AND status = 'sent' AND sent_at IS NOT NULL
          UNION ALL
          SELECT lead_id, created_at FROM tasks WHERE kind = 'dm' AND postal_address IS NOT NULL AND status <> 'cancelled'
          UNION ALL
          SELECT lead_id, completed_at FROM tasks WHERE kind = 'todo' AND status = 'done' AND completed_at IS NOT NULL
        ) touches GROUP BY lead_id) t
 WHERE l.id = t.lead_id;

-- A saved query over leads (domain/segment-query.ts validates `query`). Names are unique
-- whatever their case, so the console's list never shows two "展示会2026".
CREATE TABLE segments (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text        NOT NULL,
  query       jsonb       NOT NULL,
  created_by  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX segments_name_unique ON segments (lower(name));

-- One count per segment and day (Asia/Tokyo), taken by the daily snapshot workflow and
-- when a segment is saved; a second snapshot on a day replaces the first.
CREATE TABLE segment_counts (
  segment_id  uuid        NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
  day         date        NOT NULL,
  count       integer     NOT NULL,
  taken_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (segment_id, day)
);

-- A bulk action and its progress. `segment_id` is kept without a foreign key: the action's
-- record outlives a deleted segment (its name is copied).
CREATE TABLE bulk_actions (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  segment_id    uuid,
  segment_name  text,
  action        text        NOT NULL CHECK (action IN ('move_cadence', 'set_owner', 'pause', 'resume',
                                                       'add_tag', 'remove_tag', 'do_not_contact')),
  params        jsonb       NOT NULL DEFAULT '{}',
  -- The explicit selection, when the request named lead ids rather than a segment.
  lead_ids      uuid[],
  state         text        NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'running', 'completed', 'cancelled', 'failed')),
  total         integer,
  requested_by  text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz
);
CREATE INDEX bulk_actions_recent ON bulk_actions (created_at DESC);

-- The frozen selection: one row per lead, written once when the run starts, and the
-- outcome of applying the action to it, written once. The key is what makes a retried
-- page or a restarted worker apply a lead at most once.
CREATE TABLE bulk_action_leads (
  bulk_action_id  uuid        NOT NULL REFERENCES bulk_actions (id) ON DELETE CASCADE,
  lead_id         uuid        NOT NULL,
  position        integer     NOT NULL,
  outcome         text        CHECK (outcome IN ('done', 'failed', 'skipped')),
  detail          text,
  applied_at      timestamptz,
  PRIMARY KEY (bulk_action_id, lead_id)
);
CREATE INDEX bulk_action_leads_pending ON bulk_action_leads (bulk_action_id, position) WHERE outcome IS NULL;

-- Down Migration
DROP TABLE bulk_action_leads;
DROP TABLE bulk_actions;
DROP TABLE segment_counts;
DROP TABLE segments;
DROP TRIGGER tasks_last_touch ON tasks;
DROP FUNCTION tasks_last_touch();
DROP TRIGGER deliveries_last_touch ON deliveries;
DROP FUNCTION deliveries_last_touch();
DROP FUNCTION leads_touched(uuid, timestamptz);
DROP INDEX events_type_recent;
DROP INDEX leads_source;
DROP INDEX leads_owner_lower;
DROP INDEX leads_created;
DROP INDEX leads_last_touch;
DROP INDEX leads_custom_fields;
DROP INDEX leads_tags;
ALTER TABLE leads DROP COLUMN last_touch_at, DROP COLUMN custom_fields, DROP COLUMN tags;
