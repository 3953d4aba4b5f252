import type { Queryable } from '../pool.ts';

/** Records a webhook delivery; answers false when this provider sent this event id before. */
export async function recordReceipt(db: Queryable, provider: string, eventId: string): Promise<boolean> {
  const result = await db.query('INSERT INTO webhook_receipts (provider, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [provider, eventId]);
  return result.rowCount === 1;
}
