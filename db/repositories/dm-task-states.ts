import type { Queryable } from '../pool.ts';

/** A DM task whose status one of these calls changed. */
export interface ChangedDmTask {
  id: string;
  templateKey: string | null;
}

const change = async (
  db: Queryable,
  leadId: string,
  from: readonly string[],
  to: 'cancelled' | 'held' | 'open',
  reason: string,
): Promise<ChangedDmTask[]> => {
  const result = await db.query<{ id: string; template_key: string | null }>(
    `UPDATE tasks SET status = $3, status_reason = $4, status_changed_at = now()
      WHERE lead_id = $1 AND kind = 'dm' AND status = ANY($2::text[])
      RETURNING id, template_key`,
    [leadId, from, to, reason],
  );
  return result.rows.map((row) => ({ id: row.id, templateKey: row.template_key }));
};

/**
 * Cancels the lead's DM tasks not yet posted (open or held), with the reason: a letter
 * must never reach a lead that was marked do-not-contact or was closed (an unsubscribe from
 * email alone leaves paper mail going).
 * A second call changes nothing and answers no tasks.
 */
export const cancelDmTasksOf = (db: Queryable, leadId: string, reason: string): Promise<ChangedDmTask[]> =>
  change(db, leadId, ['open', 'held'], 'cancelled', reason);

/** Holds the lead's open DM tasks while it is in a deal: sales talks to it, marketing waits. */
export const holdDmTasksOf = (db: Queryable, leadId: string, reason: string): Promise<ChangedDmTask[]> =>
  change(db, leadId, ['open'], 'held', reason);

/** Puts the lead's held DM tasks back in the print queue (its deal was lost: nurturing goes on). */
export const releaseDmTasksOf = (db: Queryable, leadId: string, reason: string): Promise<ChangedDmTask[]> =>
  change(db, leadId, ['held'], 'open', reason);
