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
  status: 'open' | 'done';
  createdAt: Date;
  completedAt: Date | null;
}

interface TaskRow {
  id: string;
  lead_id: string;
  kind: 'dm' | 'todo';
  template_key: string | null;
  title: string | null;
  postal_address: PostalAddress | null;
  owner_email: string | null;
  status: 'open' | 'done';
  created_at: Date;
  completed_at: Date | null;
}

const fromRow = (row: TaskRow): Task => ({
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
});

/** Creates the task once per idempotency key; a retry gets the task the first attempt made. */
export async function createTaskOnce(
  db: Queryable,
  task: { idempotencyKey: string; leadId: string; kind: 'dm' | 'todo'; templateKey?: string | undefined; title?: string | undefined; postalAddress?: PostalAddress | undefined; ownerEmail?: string | undefined },
): Promise<{ task: Task; created: boolean }> {
  const inserted = await db.query<TaskRow>(
    `INSERT INTO tasks (idempotency_key, lead_id, kind, template_key, title, postal_address, owner_email)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
    [task.idempotencyKey, task.leadId, task.kind, task.templateKey ?? null, task.title ?? null, task.postalAddress === undefined ? null : JSON.stringify(task.postalAddress), task.ownerEmail ?? null],
  );
  if (inserted.rows[0]) return { task: fromRow(inserted.rows[0]), created: true };
  const existing = await db.query<TaskRow>('SELECT * FROM tasks WHERE idempotency_key = $1', [task.idempotencyKey]);
  return { task: fromRow(existing.rows[0] as TaskRow), created: false };
}

/** Tasks of a kind and status, oldest first. */
export async function listTasks(db: Queryable, filter: { kind?: 'dm' | 'todo'; status?: 'open' | 'done'; leadId?: string }): Promise<Task[]> {
  const result = await db.query<TaskRow>(
    `SELECT * FROM tasks WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR lead_id = $3)
     ORDER BY created_at, id LIMIT 1000`,
    [filter.kind ?? null, filter.status ?? null, filter.leadId ?? null],
  );
  return result.rows.map(fromRow);
}
