-- Up Migration

-- Cadence edits show their effect (issue 11): saving a cadence answers how many running
-- leads are at which step and which would move or fall past the end. The workflow knows
-- its step index; the read model records it with the next touch. Null: not yet recorded
-- (a lead whose workflow has not planned a touch since this column came).
ALTER TABLE leads ADD COLUMN step_index integer;
CREATE INDEX leads_cadence_key ON leads (cadence_key);

-- Down Migration
DROP INDEX leads_cadence_key;
ALTER TABLE leads DROP COLUMN step_index;
