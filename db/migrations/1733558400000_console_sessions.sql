-- Up Migration

-- Console sign-ins. The browser holds only a random session id (in an http-only cookie);
-- the row holds its digest, the digest of the API key signed in with (so revoking the key
-- ends the session) and the synchronizer token every form and write must echo (CSRF).
CREATE TABLE console_sessions (
  id_digest   bytea       PRIMARY KEY,
  key_digest  bytea       NOT NULL,
  csrf_token  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);

-- Down Migration
DROP TABLE console_sessions;
