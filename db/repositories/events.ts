import type { Queryable } from '../pool.ts';

/**
 * Records an engagement event; answers its row id, or undefined when an event with the
 * same source id was recorded before (a repeat with no second effect).
 */
export async function recordEvent(
  db: Queryable,
  event: { leadId: string; type: string; occurredAt: Date; sourceId: string | undefined },
): Promise<string | undefined> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO events (lead_id, type, occurred_at, source_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (source_id) DO NOTHING RETURNING id`,
    [event.leadId, event.type, event.occurredAt, event.sourceId ?? null],
  );
  return result.rows[0]?.id;
}
