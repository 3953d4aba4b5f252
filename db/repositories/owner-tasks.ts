import type { Queryable } from '../pool.ts';
import { isUuid } from '../uuid.ts';
import { taskFromRow, type Task, type TaskRow } from './tasks.ts';

/** An owner's to-do with the lead it is about, as the task list shows it. */
export interface OwnerTask extends Task {
  lead: { email: string; name: string | null; company: string | null; stage: string };
}

/** Which to-dos to list: an owner's (any case), open or done, or one lead's. */
export interface OwnerTaskFilter {
  owner?: string | undefined;
  status: 'open' | 'done' | 'all';
  leadId?: string | undefined;
}

/** Where the previous page ended: due order, ties broken by id. */
export interface OwnerTaskCursor {
  dueAt: string;
  id: string;
}

interface OwnerTaskRow extends TaskRow {
  lead_email: string;
  lead_name: string | null;
  lead_company: string | null;
  lead_stage: string;
}

const fromRow = (row: OwnerTaskRow): OwnerTask => ({
  ...taskFromRow(row),
  lead: { email: row.lead_email, name: row.lead_name, company: row.lead_company, stage: row.lead_stage },
});

const WITH_LEAD = `SELECT t.*, l.email AS lead_email, l.name AS lead_name, l.company AS lead_company, l.stage AS lead_stage
  FROM tasks t JOIN leads l ON l.id = t.lead_id`;

/**
 * A page of to-dos, the soonest due first, after `cursor` (keyset pagination, as the lead
 * list pages). A to-do made before due dates existed is due when it was made.
 */
export async function listOwnerTasks(
  db: Queryable,
  filter: OwnerTaskFilter,
  cursor: OwnerTaskCursor | undefined,
  limit: number,
): Promise<{ tasks: OwnerTask[]; next: OwnerTaskCursor | undefined }> {
  const result = await db.query<OwnerTaskRow>(
    `${WITH_LEAD}
      WHERE t.kind = 'todo'
        AND ($1::text IS NULL OR lower(t.owner_email) = lower($1))
        AND ($2::text = 'all' OR t.status = $2)
        AND ($3::uuid IS NULL OR t.lead_id = $3)
        AND ($4::timestamptz IS NULL OR (t.due_at, t.id) > ($4, $5::uuid))
      ORDER BY t.due_at, t.id
      LIMIT $6`,
    [filter.owner ?? null, filter.status, filter.leadId ?? null, cursor?.dueAt ?? null, cursor?.id ?? null, limit + 1],
  );
  const rows = result.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    tasks: rows.map(fromRow),
    next: result.rows.length > limit && last?.due_at ? { dueAt: last.due_at.toISOString(), id: last.id } : undefined,
  };
}

/** One to-do with its lead, or undefined (also for a malformed id or a DM task). */
export async function findOwnerTask(db: Queryable, id: string): Promise<OwnerTask | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<OwnerTaskRow>(`${WITH_LEAD} WHERE t.id = $1 AND t.kind = 'todo'`, [id]);
  return result.rows[0] ? fromRow(result.rows[0]) : undefined;
}

/** Everyone who has to-dos, with how many are open: the owner filter of the task list. */
export async function listTaskOwners(db: Queryable): Promise<{ email: string; open: number }[]> {
  const result = await db.query<{ email: string; open: string }>(
    `SELECT lower(owner_email) AS email, count(*) FILTER (WHERE status = 'open') AS open
       FROM tasks WHERE kind = 'todo' AND owner_email IS NOT NULL
      GROUP BY lower(owner_email) ORDER BY lower(owner_email) LIMIT 1000`,
  );
  return result.rows.map((row) => ({ email: row.email, open: Number(row.open) }));
}

/**
 * Marks a to-do done with its note and who did it. A to-do already done keeps its first
 * completion (time, note and person); `newlyDone` tells the two apart. The row is locked
 * while its status is read, so two concurrent calls cannot both complete it.
 */
export async function completeOwnerTask(
  db: Queryable,
  id: string,
  by: string,
  note: string | undefined,
): Promise<{ task: Task; newlyDone: boolean } | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<TaskRow & { newly_done: boolean }>(
    `WITH before AS (SELECT id, status FROM tasks WHERE id = $1 AND kind = 'todo' FOR UPDATE)
     UPDATE tasks t SET status = 'done',
            completed_at = COALESCE(t.completed_at, now()),
            completed_by = CASE WHEN b.status = 'open' THEN $2 ELSE t.completed_by END,
            note = CASE WHEN b.status = 'open' THEN $3 ELSE t.note END
       FROM before b WHERE t.id = b.id
     RETURNING t.*, b.status = 'open' AS newly_done`,
    [id, by, note ?? null],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const { newly_done, ...task } = row;
  return { task: taskFromRow(task), newlyDone: newly_done };
}
