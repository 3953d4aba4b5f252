import type { Queryable } from '../pool.ts';

/** Records a webhook delivery; answers false when this provider sent this event id before. */
export async function recordReceipt(db: Queryable, provider: string, eventId: string): Promise<boolean> {
  const result = await db.query(
    'INSERT INTO webhook_receipts (provider, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [provider, eventId],
  );
  return result.rowCount === 1;
}

/** Whether this provider sent this event id before (a replay, to answer without a second effect). */
export async function hasReceipt(db: Queryable, provider: string, eventId: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM webhook_receipts WHERE provider = $1 AND event_id = $2', [
    provider,
    eventId,
  ]);
  return (result.rowCount ?? 0) > 0;
}
