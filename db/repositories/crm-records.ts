import type { CrmRecordState } from '../../domain/crm-record-diff.ts';
import { UNKNOWN_RECORD } from '../../domain/crm-record-diff.ts';
import type { Queryable } from '../pool.ts';

/** A followed CRM record's row: whose it is and its last known state. */
export interface CrmRecordRow {
  leadId: string;
  state: CrmRecordState;
}

/**
 * The first step of applying a delivery (`eventId`) of a record report, in one round trip
 * (db/migrations/1735400000000_crm_report_lock.sql): `seen` when this delivery was applied
 * before (nothing locked or created); else the record's last known state, locked until the
 * caller's transaction ends, so two deliveries of one record are diffed one after the
 * other, never both against the same state. A record never seen is created for `leadId`,
 * with no fields known.
 */
export async function lockCrmRecordForReport(
  db: Queryable,
  key: { provider: string; recordId: string; kind: 'deal' | 'contact'; leadId: string; eventId: string },
): Promise<{ seen: true } | (CrmRecordRow & { seen: false })> {
  const result = await db.query<{ o_seen: boolean; o_lead: string; o_state: CrmRecordState }>(
    'SELECT * FROM lock_crm_record_for_report($1, $2, $3, $4, $5, $6)',
    [key.provider, key.eventId, key.recordId, key.kind, key.leadId, JSON.stringify(UNKNOWN_RECORD)],
  );
  const row = result.rows[0] as { o_seen: boolean; o_lead: string; o_state: CrmRecordState };
  if (row.o_seen) return { seen: true };
  return { seen: false, leadId: row.o_lead, state: row.o_state };
}

/**
 * Stores the record's new last known state and the delivery's receipt, in one statement
 * (the end of a report's transaction, after its events reached the workflow).
 */
export async function saveCrmRecordWithReceipt(
  db: Queryable,
  key: { provider: string; recordId: string; eventId: string },
  state: CrmRecordState,
): Promise<void> {
  await db.query(
    `WITH saved AS (UPDATE crm_records SET state = $3, updated_at = now() WHERE provider = $1 AND record_id = $2)
     INSERT INTO webhook_receipts (provider, event_id) VALUES ($1, $4) ON CONFLICT DO NOTHING`,
    [key.provider, key.recordId, JSON.stringify(state), key.eventId],
  );
}
