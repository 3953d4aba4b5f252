-- Up Migration

-- Replies (issue 15, item 6): a reply names the email it answers by its Message-ID
-- (In-Reply-To, References); finding the delivery by it must not scan every delivery.
CREATE INDEX deliveries_message_id ON deliveries (message_id);

-- The IMAP poller's place in each mailbox: the UIDVALIDITY it read under and the highest
-- UID it has handled. A restarted poller continues after it; a changed UIDVALIDITY (the
-- mailbox was rebuilt) reads the mailbox again, and each reply's own id keeps a message
-- already handled from counting twice.
CREATE TABLE mailbox_cursors (
  mailbox       text        PRIMARY KEY,
  uid_validity  bigint      NOT NULL,
  last_uid      bigint      NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Consent records (issue 15, item 7): the legal basis for email under 特定電子メール法,
-- {basis, source, at, evidence?}; null: none on record. Kept when the lead unsubscribes.
ALTER TABLE leads ADD COLUMN consent jsonb;
CREATE INDEX leads_without_consent ON leads (created_at) WHERE consent IS NULL;

-- Down Migration
DROP INDEX leads_without_consent;
ALTER TABLE leads DROP COLUMN consent;
DROP TABLE mailbox_cursors;
DROP INDEX deliveries_message_id;
