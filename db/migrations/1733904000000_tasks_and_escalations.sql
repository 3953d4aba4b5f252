-- Up Migration

-- Tasks reach a person (issue 11): an owner's to-do has a due date and may carry a note
-- when it is done. A DM follows its lead: `cancelled` (the lead unsubscribed, was marked
-- do-not-contact or closed) and `held` (the lead is in a deal) join `open` and `done`,
-- with the reason and the time of the last change.
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks
  ADD CONSTRAINT tasks_status_check CHECK (status IN ('open', 'done', 'cancelled', 'held')),
  ADD COLUMN due_at            timestamptz,
  ADD COLUMN note              text,
  ADD COLUMN completed_by      text,
  ADD COLUMN status_reason     text,
  ADD COLUMN status_changed_at timestamptz;

-- To-dos made before due dates existed were due when they were made.
UPDATE tasks SET due_at = created_at WHERE kind = 'todo';

-- GET /v1/tasks: an owner's to-dos in due order.
CREATE INDEX tasks_todo_owner ON tasks (lower(owner_email), due_at, id) WHERE kind = 'todo';
-- Cancelling and holding a lead's DM tasks.
CREATE INDEX tasks_lead ON tasks (lead_id) WHERE status IN ('open', 'held');

-- Escalations do not wait forever: a reminder to the rep, then a hand-over to the next
-- rep (or the sales manager), each at most once.
ALTER TABLE escalations
  ADD COLUMN reminded_at      timestamptz,
  ADD COLUMN handed_over_at   timestamptz,
  ADD COLUMN handed_over_from text;

-- Down Migration
ALTER TABLE escalations DROP COLUMN reminded_at, DROP COLUMN handed_over_at, DROP COLUMN handed_over_from;
DROP INDEX tasks_lead;
DROP INDEX tasks_todo_owner;
UPDATE tasks SET status = CASE status WHEN 'held' THEN 'open' ELSE 'done' END WHERE status IN ('cancelled', 'held');
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks
  DROP COLUMN due_at, DROP COLUMN note, DROP COLUMN completed_by, DROP COLUMN status_reason, DROP COLUMN status_changed_at,
  ADD CONSTRAINT tasks_status_check CHECK (status IN ('open', 'done'));
