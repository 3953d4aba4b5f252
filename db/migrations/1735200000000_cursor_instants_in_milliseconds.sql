-- Up Migration

-- Lists page by keyset on (created_at, id), and a page's cursor names its last row's instant
-- in milliseconds (JavaScript dates, and the cursor form the API documents). PostgreSQL
-- keeps microseconds, so a row created later in the same millisecond as a page's last row
-- but sorting after it was skipped by the next page. Instants that cursors name are now
-- stored in milliseconds, so the cursor is exact and the (created_at, id) indexes still serve.
UPDATE leads SET created_at = date_trunc('milliseconds', created_at)
 WHERE created_at <> date_trunc('milliseconds', created_at);
ALTER TABLE leads ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
UPDATE accounts SET created_at = date_trunc('milliseconds', created_at)
 WHERE created_at <> date_trunc('milliseconds', created_at);
ALTER TABLE accounts ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
UPDATE broadcasts SET created_at = date_trunc('milliseconds', created_at)
 WHERE created_at <> date_trunc('milliseconds', created_at);
ALTER TABLE broadcasts ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());

-- Down Migration
ALTER TABLE broadcasts ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE accounts ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE leads ALTER COLUMN created_at SET DEFAULT now();
