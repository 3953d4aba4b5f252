-- Up Migration

-- API keys, stored as SHA-256 digests: the key itself is shown once, at creation.
CREATE TABLE api_keys (
  id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text        NOT NULL,
  role         text        NOT NULL CHECK (role IN ('admin', 'marketer', 'sales', 'integration')),
  key_digest   bytea       NOT NULL UNIQUE,
  key_prefix   text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  last_used_at timestamptz
);

-- Down Migration
DROP TABLE api_keys;
