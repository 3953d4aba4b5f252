-- Up Migration

-- What each email said, as rendered when it was sent, so a lead's page can show it: the
-- subject was already kept; the HTML (before the open pixel and click redirects were
-- added, so reading it in the console counts neither) and the text part join it.
-- Deliveries sent before this migration have none.
ALTER TABLE deliveries
  ADD COLUMN body_html text,
  ADD COLUMN body_text text;

-- Down Migration
ALTER TABLE deliveries DROP COLUMN body_html, DROP COLUMN body_text;
