-- Up Migration

-- A DM task carries its letter, rendered when the step ran from the template version
-- then newest, so what the print vendor gets never changes under it when the template
-- is edited afterwards. Tasks created before this migration (and to-dos) have none.
ALTER TABLE tasks
  ADD COLUMN letter_subject   text,
  ADD COLUMN letter_html      text,
  ADD COLUMN template_version integer;

-- Done DM tasks, for GET /v1/dm-tasks?status=done (open ones use tasks_open).
CREATE INDEX tasks_done ON tasks (kind, created_at) WHERE status = 'done';

-- Down Migration
DROP INDEX tasks_done;
ALTER TABLE tasks DROP COLUMN letter_subject, DROP COLUMN letter_html, DROP COLUMN template_version;
