-- Up Migration

-- Tokens of webhook signatures already used. Mailgun signs only a timestamp and a random
-- token, not the report: a captured request's signature could carry another report for as
-- long as the timestamp is accepted. Remembering each token for that long (in PostgreSQL,
-- so every API process sees it) makes a signature good once. Rows older than the window
-- are deleted as new ones come.
CREATE TABLE webhook_signature_tokens (
  provider  text        NOT NULL,
  token     text        NOT NULL,
  seen_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, token)
);
CREATE INDEX webhook_signature_tokens_seen_at ON webhook_signature_tokens (seen_at);

-- Down Migration
DROP TABLE webhook_signature_tokens;
