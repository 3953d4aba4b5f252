import type { PostalAddress } from './leads.ts';
import type { Queryable } from '../pool.ts';

/** A DM to post or a to-do for the lead's owner. */
export interface Task {
  id: string;
  leadId: string;
  kind: 'dm' | 'todo';
  templateKey: string | null;
  title: string | null;
  postalAddress: PostalAddress | null;
  ownerEmail: string | null;
  status: TaskStatus;
  createdAt: Date;
  completedAt: Date | null;
  /** When an owner's to-do is due; null for DM tasks. */
  dueAt: Date | null;
  /** What the person who completed the task wrote, if anything. */
  note: string | null;
  /** Who completed it: the API key id, `admin`, or null for a DM batch. */
  completedBy: string | null;
  /** Why a DM task was cancelled, held or released. */
  statusReason: string | null;
  statusChangedAt: Date | null;
}

/**
 * `open` waits for a person; `done` was done. A DM task is `cancelled` when its lead may no
 * longer be written to, and `held` while its lead is in a deal (see dm-task-states.ts).
 */
export type TaskStatus = 'open' | 'done' | 'cancelled' | 'held';

/** A DM's letter, rendered for the lead when the step ran. */
export interface Letter {
  subject: string;
  html: string;
  templateVersion: number;
}

/** A DM task as the print desk works with it: the task, its letter's subject and who it goes to. */
export interface DmTask extends Task {
  letterSubject: string | null;
  templateVersion: number | null;
  hasLetter: boolean;
  lead: { email: string; name: string | null; company: string | null; department: string | null };
}

/** Which DM tasks to list. */
export type DmTaskStatus = TaskStatus | 'all';

/** A `tasks` row as PostgreSQL returns it. */
export interface TaskRow {
  id: string;
  lead_id: string;
  kind: 'dm' | 'todo';
  template_key: string | null;
  title: string | null;
  postal_address: PostalAddress | null;
  owner_email: string | null;
  status: TaskStatus;
  created_at: Date;
  completed_at: Date | null;
  due_at: Date | null;
  note: string | null;
  completed_by: string | null;
  status_reason: string | null;
  status_changed_at: Date | null;
}

interface DmTaskRow extends TaskRow {
  letter_subject: string | null;
  template_version: number | null;
  has_letter: boolean;
  lead_email: string;
  lead_name: string | null;
  lead_company: string | null;
  lead_department: string | null;
}

/** A task from its row. */
export const taskFromRow = (row: TaskRow): Task => ({
  id: row.id,
  leadId: row.lead_id,
  kind: row.kind,
  templateKey: row.template_key,
  title: row.title,
  postalAddress: row.postal_address,
  ownerEmail: row.owner_email,
  status: row.status,
  createdAt: row.created_at,
  completedAt: row.completed_at,
  dueAt: row.due_at,
  note: row.note,
  completedBy: row.completed_by,
  statusReason: row.status_reason,
  statusChangedAt: row.status_changed_at,
});

const fromDmRow = (row: DmTaskRow): DmTask => ({
  ...taskFromRow(row),
  letterSubject: row.letter_subject,
  templateVersion: row.template_version,
  hasLetter: row.has_letter,
  lead: { email: row.lead_email, name: row.lead_name, company: row.lead_company, department: row.lead_department },
});

// Every column but the letter's HTML (tens of kilobytes each), with the lead's label fields.
const DM_TASK_COLUMNS = `t.id, t.lead_id, t.kind, t.template_key, t.title, t.postal_address, t.owner_email, t.status,
  t.created_at, t.completed_at, t.due_at, t.note, t.completed_by, t.status_reason, t.status_changed_at, t.letter_subject, t.template_version, t.letter_html IS NOT NULL AS has_letter,
  l.email AS lead_email, l.name AS lead_name, l.company AS lead_company, l.department AS lead_department`;

/** The task made under this idempotency key, if any: a retried activity finds its first attempt's task. */
export async function findTaskByIdempotencyKey(db: Queryable, idempotencyKey: string): Promise<Task | undefined> {
  const result = await db.query<TaskRow>('SELECT * FROM tasks WHERE idempotency_key = $1', [idempotencyKey]);
  return result.rows[0] ? taskFromRow(result.rows[0]) : undefined;
}

/** Creates the task once per idempotency key; a retry gets the task the first attempt made. */
export async function createTaskOnce(
  db: Queryable,
  task: {
    idempotencyKey: string;
    leadId: string;
    kind: 'dm' | 'todo';
    templateKey?: string | undefined;
    title?: string | undefined;
    postalAddress?: PostalAddress | undefined;
    ownerEmail?: string | undefined;
    letter?: Letter | undefined;
    dueAt?: Date | undefined;
  },
): Promise<{ task: Task; created: boolean }> {
  const inserted = await db.query<TaskRow>(
    `INSERT INTO tasks (idempotency_key, lead_id, kind, template_key, title, postal_address, owner_email, letter_subject, letter_html, template_version, due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
    [
      task.idempotencyKey,
      task.leadId,
      task.kind,
      task.templateKey ?? null,
      task.title ?? null,
      task.postalAddress === undefined ? null : JSON.stringify(task.postalAddress),
      task.ownerEmail ?? null,
      task.letter?.subject ?? null,
      task.letter?.html ?? null,
      task.letter?.templateVersion ?? null,
      task.dueAt ?? null,
    ],
  );
  if (inserted.rows[0]) return { task: taskFromRow(inserted.rows[0]), created: true };
  const existing = await db.query<TaskRow>('SELECT * FROM tasks WHERE idempotency_key = $1', [task.idempotencyKey]);
  return { task: taskFromRow(existing.rows[0] as TaskRow), created: false };
}

/** Tasks of a kind and status, oldest first. */
export async function listTasks(
  db: Queryable,
  filter: { kind?: 'dm' | 'todo'; status?: 'open' | 'done'; leadId?: string },
): Promise<Task[]> {
  const result = await db.query<TaskRow>(
    `SELECT * FROM tasks WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR lead_id = $3)
     ORDER BY created_at, id LIMIT 1000`,
    [filter.kind ?? null, filter.status ?? null, filter.leadId ?? null],
  );
  return result.rows.map(taskFromRow);
}

/**
 * DM tasks with their leads' names, oldest first (the order they were due in), at most `limit`.
 * Open ones are listed only while their lead may be written to: between a lead closing,
 * being marked do-not-contact or entering a deal and its workflow cancelling (or holding)
 * the task, the print desk must not print it either. An unsubscribe from email does not
 * stop paper mail, so it keeps the letter in the queue.
 */
export async function listDmTasks(db: Queryable, filter: { status: DmTaskStatus; limit: number }): Promise<DmTask[]> {
  const result = await db.query<DmTaskRow>(
    `SELECT ${DM_TASK_COLUMNS} FROM tasks t JOIN leads l ON l.id = t.lead_id
      WHERE t.kind = 'dm' AND ($1::text = 'all' OR t.status = $1)
        AND ($1::text <> 'open' OR (NOT l.do_not_contact AND l.stage NOT IN ('closed', 'deal')
             AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email = lower(l.email)
                              AND s.reason = 'do not contact')))
      ORDER BY t.created_at, t.id LIMIT $2`,
    [filter.status, filter.limit],
  );
  return result.rows.map(fromDmRow);
}

/** One DM task, or undefined when there is no DM task with this id. */
export async function findDmTask(db: Queryable, id: string): Promise<DmTask | undefined> {
  const result = await db.query<DmTaskRow>(
    `SELECT ${DM_TASK_COLUMNS} FROM tasks t JOIN leads l ON l.id = t.lead_id WHERE t.id = $1 AND t.kind = 'dm'`,
    [id],
  );
  return result.rows[0] ? fromDmRow(result.rows[0]) : undefined;
}

/** The letter of a DM task; undefined when there is no such task or it has no letter. */
export async function findDmLetter(db: Queryable, id: string): Promise<Letter | undefined> {
  const result = await db.query<{ letter_subject: string; letter_html: string; template_version: number }>(
    `SELECT letter_subject, letter_html, template_version FROM tasks WHERE id = $1 AND kind = 'dm' AND letter_html IS NOT NULL`,
    [id],
  );
  const row = result.rows[0];
  return row
    ? { subject: row.letter_subject, html: row.letter_html, templateVersion: row.template_version }
    : undefined;
}

/**
 * Marks DM tasks done. A task already done keeps its first `completedAt`; `newlyDone`
 * tells the two apart. Ids that are no DM task, or a cancelled or held one (it must not
 * be posted), are absent from the answer. Rows are
 * locked while their previous status is read, so two concurrent calls cannot both see
 * a task as newly done.
 */
export async function completeDmTasks(
  db: Queryable,
  ids: readonly string[],
): Promise<{ task: Task; newlyDone: boolean }[]> {
  if (ids.length === 0) return [];
  const result = await db.query<TaskRow & { newly_done: boolean }>(
    `WITH before AS (
       SELECT id, status FROM tasks WHERE id = ANY($1::uuid[]) AND kind = 'dm' AND status IN ('open', 'done') FOR UPDATE
     )
     UPDATE tasks t SET status = 'done', completed_at = COALESCE(t.completed_at, now())
       FROM before b WHERE t.id = b.id
     RETURNING t.*, b.status = 'open' AS newly_done`,
    [ids],
  );
  return result.rows.map(({ newly_done, ...row }) => ({ task: taskFromRow(row), newlyDone: newly_done }));
}
