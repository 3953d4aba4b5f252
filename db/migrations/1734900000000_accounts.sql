-- Up Migration

-- Accounts (issue 15): leads grouped by company. An account is named by keys: `name:<key>`
-- (the normalised company name, domain/company-name.ts) and `domain:<domain>` (a corporate
-- mail domain, free mail excluded). A lead's keys are computed in TypeScript and handed to
-- assign_lead_account() below, which joins, creates or merges accounts. The backfill of the
-- leads that exist before this migration runs right after it, in TypeScript too, because
-- the normaliser lives in domain/ (db/account-backfill.ts, stamped in data_backfills).
CREATE TABLE accounts (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text        NOT NULL,
  domain      text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_name ON accounts (lower(name), id);

CREATE TABLE account_keys (
  key         text        PRIMARY KEY,
  account_id  uuid        NOT NULL REFERENCES accounts (id)
);
CREATE INDEX account_keys_account ON account_keys (account_id);

ALTER TABLE leads ADD COLUMN account_id uuid REFERENCES accounts (id);
-- Until when a touch of the lead is held by its cadence's perAccountCap (explain shows it).
ALTER TABLE leads ADD COLUMN account_hold_until timestamptz;
CREATE INDEX leads_account ON leads (account_id) WHERE account_id IS NOT NULL;

-- The touches counted against an account's perAccountCap: one row per touch, keyed by the
-- touch's idempotency key, inserted while the account row is locked (so two contacts due
-- at once on different workers cannot both take the last slot), deleted when the touch
-- ends up not reaching the lead.
CREATE TABLE account_touch_claims (
  touch_key   text        PRIMARY KEY,
  account_id  uuid        NOT NULL REFERENCES accounts (id),
  lead_id     uuid        NOT NULL REFERENCES leads (id),
  at          timestamptz NOT NULL,
  -- A guarantee touch goes out over the cap (never held past its month); it still counts.
  forced      boolean     NOT NULL DEFAULT false
);
CREATE INDEX account_touch_claims_account ON account_touch_claims (account_id, at);

-- One-off data steps run by code after the migrations, each once.
CREATE TABLE data_backfills (
  name    text        PRIMARY KEY,
  done_at timestamptz NOT NULL DEFAULT now()
);

-- Puts the lead into the account its keys name. No account yet: a new one, shown by
-- `display`. Keys naming two or more accounts (a lead whose company name is one account's
-- and whose domain is another's): they merge into the oldest, leads, keys and claims
-- moved. One global transaction lock orders every assignment, so two leads of a new
-- company arriving at once make one account. A lead with no keys keeps its account.
CREATE FUNCTION assign_lead_account(p_lead uuid, p_keys text[], p_display text, p_domain text)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  target uuid;
  others uuid[];
BEGIN
  IF p_keys IS NULL OR cardinality(p_keys) = 0 THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(1734900000);
  SELECT a.id INTO target
    FROM account_keys k JOIN accounts a ON a.id = k.account_id
   WHERE k.key = ANY (p_keys)
   ORDER BY a.created_at, a.id
   LIMIT 1;
  IF target IS NULL THEN
    INSERT INTO accounts (name, domain) VALUES (COALESCE(p_display, p_keys[1]), p_domain) RETURNING id INTO target;
  ELSE
    SELECT array_agg(DISTINCT account_id) INTO others
      FROM account_keys WHERE key = ANY (p_keys) AND account_id <> target;
    IF others IS NOT NULL THEN
      UPDATE leads SET account_id = target WHERE account_id = ANY (others);
      UPDATE account_keys SET account_id = target WHERE account_id = ANY (others);
      UPDATE account_touch_claims SET account_id = target WHERE account_id = ANY (others);
      UPDATE accounts t SET domain = COALESCE(t.domain, (SELECT min(domain) FROM accounts WHERE id = ANY (others)))
       WHERE t.id = target;
      DELETE FROM accounts WHERE id = ANY (others);
    END IF;
    UPDATE accounts SET domain = COALESCE(domain, p_domain) WHERE id = target AND domain IS NULL;
  END IF;
  INSERT INTO account_keys (key, account_id) SELECT unnest(p_keys), target ON CONFLICT (key) DO NOTHING;
  UPDATE leads SET account_id = target WHERE id = p_lead AND account_id IS DISTINCT FROM target;
  RETURN target;
END;
$$;

-- Down Migration
DROP FUNCTION assign_lead_account(uuid, text[], text, text);
DROP TABLE data_backfills;
DROP TABLE account_touch_claims;
DROP INDEX leads_account;
ALTER TABLE leads DROP COLUMN account_hold_until;
ALTER TABLE leads DROP COLUMN account_id;
DROP TABLE account_keys;
DROP TABLE accounts;
