-- Up Migration

-- The deal an escalation made in the connected CRM: a retried or later escalation of the
-- same kind updates it instead of creating a second one.
ALTER TABLE leads
  ADD COLUMN crm_provider  text CHECK (crm_provider IN ('zoho', 'hubspot')),
  ADD COLUMN crm_deal_id   text,
  ADD COLUMN crm_deal_kind text CHECK (crm_deal_kind IN ('sales', 'upsell'));

-- Down Migration
ALTER TABLE leads DROP COLUMN crm_provider, DROP COLUMN crm_deal_id, DROP COLUMN crm_deal_kind;
