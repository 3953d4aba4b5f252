import type { CrmRecordState } from '../../domain/crm-record-diff.ts';
import { UNKNOWN_RECORD } from '../../domain/crm-record-diff.ts';
import type { Queryable } from '../pool.ts';

/** A followed CRM record's row: whose it is and its last known state. */
export interface CrmRecordRow {
  leadId: string;
  state: CrmRecordState;
  /** Whether this delivery is the first the engine sees of the record. */
  created: boolean;
}

/**
 * The record's last known state, locked until the caller's transaction ends, so two
 * deliveries of one record are diffed one after the other, never both against the same
 * state. A record never seen is created for `leadId`, with no fields known.
 */
export async function lockCrmRecord(
  db: Queryable,
  key: { provider: string; recordId: string; kind: 'deal' | 'contact'; leadId: string },
): Promise<CrmRecordRow> {
  const inserted = await db.query(
    `INSERT INTO crm_records (provider, record_id, kind, lead_id, state) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (provider, record_id) DO NOTHING`,
    [key.provider, key.recordId, key.kind, key.leadId, JSON.stringify(UNKNOWN_RECORD)],
  );
  const result = await db.query<{ lead_id: string; state: CrmRecordState }>(
    'SELECT lead_id, state FROM crm_records WHERE provider = $1 AND record_id = $2 FOR UPDATE',
    [key.provider, key.recordId],
  );
  const row = result.rows[0] as { lead_id: string; state: CrmRecordState };
  return { leadId: row.lead_id, state: row.state, created: inserted.rowCount === 1 };
}

/** Stores the record's new last known state. */
export async function saveCrmRecord(
  db: Queryable,
  key: { provider: string; recordId: string },
  state: CrmRecordState,
): Promise<void> {
  await db.query('UPDATE crm_records SET state = $3, updated_at = now() WHERE provider = $1 AND record_id = $2', [
    key.provider,
    key.recordId,
    JSON.stringify(state),
  ]);
}
