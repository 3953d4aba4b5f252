-- Up Migration

-- A lead's tasks, whatever their status: explain counts the months a touch reached the lead
-- over its whole life (DM tasks by creation, to-dos by completion), and the lead list counts
-- each lead's touches. Without it both read every task of every lead.
CREATE INDEX tasks_by_lead ON tasks (lead_id, created_at);

-- Down Migration
DROP INDEX tasks_by_lead;
