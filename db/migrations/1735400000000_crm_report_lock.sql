-- Up Migration

-- A CRM record report's first step in one round trip instead of three (the receipt check,
-- the insert of a record never seen, the row lock): whether this delivery was applied
-- before, else the record's row, created for the lead when new, locked until the caller's
-- transaction ends. PL/pgSQL, not one SQL statement: each step takes its own snapshot, as
-- the three statements did, so the lock finds a record a concurrent first delivery has
-- just committed (one statement's snapshot would miss it and return no row).
CREATE FUNCTION lock_crm_record_for_report(
  p_provider text, p_event_id text, p_record_id text, p_kind text, p_lead uuid, p_unknown jsonb,
  OUT o_seen boolean, OUT o_lead uuid, OUT o_state jsonb
) LANGUAGE plpgsql AS $$
BEGIN
  o_seen := EXISTS (SELECT 1 FROM webhook_receipts r WHERE r.provider = p_provider AND r.event_id = p_event_id);
  IF o_seen THEN
    RETURN;
  END IF;
  INSERT INTO crm_records (provider, record_id, kind, lead_id, state)
    VALUES (p_provider, p_record_id, p_kind, p_lead, p_unknown)
    ON CONFLICT (provider, record_id) DO NOTHING;
  SELECT c.lead_id, c.state INTO o_lead, o_state
    FROM crm_records c WHERE c.provider = p_provider AND c.record_id = p_record_id FOR UPDATE;
END $$;

-- Down Migration
DROP FUNCTION lock_crm_record_for_report(text, text, text, text, uuid, jsonb);
