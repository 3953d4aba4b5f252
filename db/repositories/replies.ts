import type { Queryable } from '../pool.ts';

/**
 * The delivery a reply answers: the newest marketing email (not a rep notice) whose
 * Message-ID is among `messageIds` (bare, without angle brackets), with its lead.
 */
export async function deliveryAnswered(
  db: Queryable,
  messageIds: readonly string[],
): Promise<{ leadId: string; templateKey: string; messageId: string } | undefined> {
  if (messageIds.length === 0) return undefined;
  const result = await db.query<{ lead_id: string; template_key: string; message_id: string }>(
    `SELECT lead_id, template_key, message_id FROM deliveries
      WHERE message_id = ANY($1::text[]) AND kind <> 'notification'
      ORDER BY created_at DESC LIMIT 1`,
    [messageIds.map((id) => `<${id}>`)],
  );
  const row = result.rows[0];
  return row && { leadId: row.lead_id, templateKey: row.template_key, messageId: row.message_id };
}

/** Where the poller stands in one mailbox. */
export interface MailboxCursor {
  uidValidity: bigint;
  lastUid: number;
}

/** The poller's place in `mailbox`, or undefined before its first read. */
export async function mailboxCursor(db: Queryable, mailbox: string): Promise<MailboxCursor | undefined> {
  const result = await db.query<{ uid_validity: string; last_uid: string }>(
    'SELECT uid_validity, last_uid FROM mailbox_cursors WHERE mailbox = $1',
    [mailbox],
  );
  const row = result.rows[0];
  return row && { uidValidity: BigInt(row.uid_validity), lastUid: Number(row.last_uid) };
}

/** Records that every message of `mailbox` up to `lastUid` (under `uidValidity`) is handled. */
export async function saveMailboxCursor(db: Queryable, mailbox: string, cursor: MailboxCursor): Promise<void> {
  await db.query(
    `INSERT INTO mailbox_cursors (mailbox, uid_validity, last_uid) VALUES ($1, $2, $3)
     ON CONFLICT (mailbox) DO UPDATE SET uid_validity = $2, last_uid = $3, updated_at = now()`,
    [mailbox, cursor.uidValidity.toString(), cursor.lastUid],
  );
}
