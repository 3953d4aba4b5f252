import type pg from 'pg';
import type { BroadcastState, RecipientStatus, SkipReason } from '../../domain/broadcasts.ts';
import type { EmailSums } from './email-stats.ts';
import type { Queryable } from '../pool.ts';

/** A broadcast as stored. */
export interface Broadcast {
  id: string;
  name: string;
  templateKey: string;
  segmentId: string | null;
  leadIds: string[] | null;
  sendAt: Date;
  state: BroadcastState;
  /** Recipients frozen when it started sending; null before. */
  total: number | null;
  createdAt: Date;
  createdBy: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** How far a broadcast has come: its recipients by status, and the skipped ones by reason. */
export interface BroadcastProgress {
  /** Not yet handed to their lifecycles. */
  pending: number;
  /** Handed to their lifecycles so far (whatever became of them since). */
  handedOver: number;
  /** Handed over and not yet sent or skipped: held for the send window, or about to go. */
  waiting: number;
  sent: number;
  skipped: number;
  skippedByReason: Record<string, number>;
}

interface BroadcastRow {
  id: string;
  name: string;
  template_key: string;
  segment_id: string | null;
  lead_ids: string[] | null;
  send_at: Date;
  state: BroadcastState;
  total: number | null;
  created_at: Date;
  created_by: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}

const fromRow = (r: BroadcastRow): Broadcast => ({
  id: r.id,
  name: r.name,
  templateKey: r.template_key,
  segmentId: r.segment_id,
  leadIds: r.lead_ids,
  sendAt: r.send_at,
  state: r.state,
  total: r.total,
  createdAt: r.created_at,
  createdBy: r.created_by,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** Stores a new broadcast, `scheduled`. */
export async function insertBroadcast(
  db: Queryable,
  b: Pick<Broadcast, 'id' | 'name' | 'templateKey' | 'segmentId' | 'leadIds' | 'sendAt' | 'createdBy'>,
): Promise<Broadcast> {
  const result = await db.query<BroadcastRow>(
    `INSERT INTO broadcasts (id, name, template_key, segment_id, lead_ids, send_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [b.id, b.name, b.templateKey, b.segmentId, b.leadIds, b.sendAt, b.createdBy],
  );
  return fromRow(result.rows[0] as BroadcastRow);
}

/** Removes a broadcast that never started (its workflow could not be started). */
export async function deleteUnstartedBroadcast(db: Queryable, id: string): Promise<void> {
  await db.query(`DELETE FROM broadcasts WHERE id = $1 AND total IS NULL`, [id]);
}

/** One broadcast, or undefined. */
export async function findBroadcast(db: Queryable, id: string): Promise<Broadcast | undefined> {
  const result = await db.query<BroadcastRow>('SELECT * FROM broadcasts WHERE id = $1', [id]);
  return result.rows[0] && fromRow(result.rows[0]);
}

/** The newest broadcasts first, `limit` of them, older than the cursor (created_at, id) when given. */
export async function listBroadcasts(
  db: Queryable,
  options: { limit: number; before?: { createdAt: Date; id: string } | undefined },
): Promise<Broadcast[]> {
  const result = await db.query<BroadcastRow>(
    `SELECT * FROM broadcasts
      WHERE $2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid)
      ORDER BY created_at DESC, id DESC LIMIT $1`,
    [options.limit, options.before?.createdAt ?? null, options.before?.id ?? null],
  );
  return result.rows.map(fromRow);
}

/**
 * Moves a broadcast from one of `from` to `to`, in one statement so two people acting at
 * once cannot both succeed. Answers the broadcast as it is now, or undefined when it was
 * in none of `from`. A cancel also closes the recipients not yet handed over.
 */
export async function transitionBroadcast(
  db: pg.Pool,
  id: string,
  from: readonly BroadcastState[],
  to: BroadcastState,
): Promise<Broadcast | undefined> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await client.query<BroadcastRow>(
      // A resume before the recipients were frozen goes back to waiting for its time.
      `UPDATE broadcasts SET state = CASE WHEN $3 = 'sending' AND total IS NULL THEN 'scheduled' ELSE $3 END,
              finished_at = CASE WHEN $3 IN ('cancelled', 'completed') THEN now() ELSE finished_at END
        WHERE id = $1 AND state = ANY($2::text[]) RETURNING *`,
      [id, from, to],
    );
    if (to === 'cancelled' && result.rowCount === 1)
      await client.query(
        `UPDATE broadcast_recipients SET status = 'skipped', reason = 'cancelled', done_at = now()
          WHERE broadcast_id = $1 AND status = 'pending'`,
        [id],
      );
    await client.query('COMMIT');
    return result.rows[0] && fromRow(result.rows[0]);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** A source of a segment's lead ids, page by page in lead id order (the segments repository's pager). */
export type LeadIdPager = (afterLeadId: string | null, limit: number) => Promise<string[]>;

const FREEZE_PAGE = 1000;

/**
 * Freezes the recipients once: the explicit leads that exist, or every page of the
 * segment, one row per lead. A second call (a retried activity, a restarted worker) finds
 * the total set and adds nothing. Moves a `scheduled` broadcast to `sending`.
 */
export async function freezeRecipients(
  db: pg.Pool,
  id: string,
  segmentPager: (segmentId: string) => LeadIdPager,
): Promise<Broadcast | undefined> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const locked = await client.query<BroadcastRow>('SELECT * FROM broadcasts WHERE id = $1 FOR UPDATE', [id]);
    const row = locked.rows[0];
    if (!row || row.total !== null) {
      await client.query('COMMIT');
      return row && fromRow(row);
    }
    if (row.lead_ids !== null) {
      await client.query(
        `INSERT INTO broadcast_recipients (broadcast_id, lead_id)
         SELECT $1, l.id FROM leads l WHERE l.id = ANY($2::uuid[]) ON CONFLICT DO NOTHING`,
        [id, row.lead_ids],
      );
    } else if (row.segment_id !== null) {
      const page = segmentPager(row.segment_id);
      for (let after: string | null = null; ;) {
        const ids = await page(after, FREEZE_PAGE);
        if (ids.length === 0) break;
        await client.query(
          `INSERT INTO broadcast_recipients (broadcast_id, lead_id)
           SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
          [id, ids],
        );
        after = ids[ids.length - 1] as string;
        if (ids.length < FREEZE_PAGE) break;
      }
    }
    const updated = await client.query<BroadcastRow>(
      `UPDATE broadcasts SET total = (SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = $1),
              started_at = now(), state = CASE WHEN state = 'scheduled' THEN 'sending' ELSE state END
        WHERE id = $1 RETURNING *`,
      [id],
    );
    await client.query('COMMIT');
    return updated.rows[0] && fromRow(updated.rows[0]);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** The next `limit` recipients not yet handed over, in lead order. */
export async function pendingRecipients(db: Queryable, id: string, limit: number): Promise<string[]> {
  const result = await db.query<{ lead_id: string }>(
    `SELECT lead_id FROM broadcast_recipients WHERE broadcast_id = $1 AND status = 'pending'
      ORDER BY lead_id LIMIT $2`,
    [id, limit],
  );
  return result.rows.map((r) => r.lead_id);
}

/** Marks recipients handed over to their lifecycles (only those still pending). */
export async function markHandedOver(db: Queryable, id: string, leadIds: readonly string[]): Promise<void> {
  await db.query(
    `UPDATE broadcast_recipients SET status = 'handed_over', handed_over_at = now()
      WHERE broadcast_id = $1 AND lead_id = ANY($2::uuid[]) AND status = 'pending'`,
    [id, leadIds],
  );
}

/**
 * Records what became of one recipient: sent (with its delivery) or skipped for a reason.
 * Only a recipient not yet settled changes, so a retry or a late duplicate changes nothing.
 * Only a lifecycle the recipient was handed to settles it, so it counts as handed over even
 * when its lifecycle got there before `markHandedOver` (the signal goes first, the mark after).
 */
export async function settleRecipient(
  db: Queryable,
  r: {
    broadcastId: string;
    leadId: string;
    status: Extract<RecipientStatus, 'sent' | 'skipped'>;
    reason?: SkipReason | undefined;
    deliveryKey?: string | undefined;
  },
): Promise<boolean> {
  const result = await db.query(
    `UPDATE broadcast_recipients SET status = $3, reason = $4, delivery_key = coalesce($5, delivery_key), done_at = now(),
            handed_over_at = coalesce(handed_over_at, now())
      WHERE broadcast_id = $1 AND lead_id = $2 AND status IN ('pending', 'handed_over')`,
    [r.broadcastId, r.leadId, r.status, r.reason ?? null, r.deliveryKey ?? null],
  );
  return result.rowCount === 1;
}

/** Sets the delivery a recipient's email went by, before it is sent, so the report finds it however it ends. */
export async function setRecipientDelivery(
  db: Queryable,
  broadcastId: string,
  leadId: string,
  deliveryKey: string,
): Promise<void> {
  await db.query('UPDATE broadcast_recipients SET delivery_key = $3 WHERE broadcast_id = $1 AND lead_id = $2', [
    broadcastId,
    leadId,
    deliveryKey,
  ]);
}

/** Progress of each of `ids`. */
export async function broadcastProgress(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, BroadcastProgress>> {
  const result = await db.query<{
    broadcast_id: string;
    status: RecipientStatus;
    reason: string | null;
    n: string;
    handed: string;
  }>(
    `SELECT broadcast_id, status, reason, count(*) AS n, count(handed_over_at) AS handed FROM broadcast_recipients
      WHERE broadcast_id = ANY($1::uuid[]) GROUP BY broadcast_id, status, reason`,
    [ids],
  );
  const map = new Map<string, BroadcastProgress>();
  for (const id of ids)
    map.set(id, { pending: 0, handedOver: 0, waiting: 0, sent: 0, skipped: 0, skippedByReason: {} });
  for (const r of result.rows) {
    const p = map.get(r.broadcast_id) as BroadcastProgress;
    const n = Number(r.n);
    p.handedOver += Number(r.handed);
    if (r.status === 'pending') p.pending += n;
    else if (r.status === 'handed_over') p.waiting += n;
    else if (r.status === 'sent') p.sent += n;
    else {
      p.skipped += n;
      const reason = r.reason ?? 'unknown';
      p.skippedByReason[reason] = (p.skippedByReason[reason] ?? 0) + n;
    }
  }
  return map;
}

/** The leads of an explicit selection that exist, and the first `limit` of them in lead order. */
export async function explicitLeads(
  db: Queryable,
  leadIds: readonly string[],
  limit: number,
): Promise<{ count: number; first: string[] }> {
  const result = await db.query<{ id: string; n: string }>(
    `SELECT id, count(*) OVER () AS n FROM leads WHERE id = ANY($1::uuid[]) ORDER BY id LIMIT $2`,
    [leadIds, limit],
  );
  return { count: Number(result.rows[0]?.n ?? 0), first: result.rows.map((r) => r.id) };
}

/** The email performance of a broadcast's messages, from the email report's per-email rows. */
export async function broadcastEmailSums(
  db: Queryable,
  id: string,
): Promise<Omit<EmailSums, 'template' | 'cadence' | 'stage' | 'step' | 'month'>> {
  const result = await db.query<Record<string, string>>(
    `SELECT count(*) FILTER (WHERE s.sent_at IS NOT NULL) AS sent,
            count(*) FILTER (WHERE s.bounce = 'hard') AS bounced_hard,
            count(*) FILTER (WHERE s.bounce = 'soft') AS bounced_soft,
            count(*) FILTER (WHERE s.opened) AS opened,
            count(*) FILTER (WHERE s.machine_opened) AS machine_opened,
            count(*) FILTER (WHERE s.clicked) AS clicked,
            count(*) FILTER (WHERE s.machine_clicked) AS machine_clicked,
            count(*) FILTER (WHERE s.unsubscribed) AS unsubscribed,
            count(*) FILTER (WHERE s.complained) AS complained
       FROM broadcast_recipients r JOIN email_stats s ON s.delivery_key = r.delivery_key
      WHERE r.broadcast_id = $1`,
    [id],
  );
  const r = result.rows[0] ?? {};
  const n = (key: string) => Number(r[key] ?? 0);
  return {
    sent: n('sent'),
    bouncedHard: n('bounced_hard'),
    bouncedSoft: n('bounced_soft'),
    opened: n('opened'),
    machineOpened: n('machine_opened'),
    clicked: n('clicked'),
    machineClicked: n('machine_clicked'),
    unsubscribed: n('unsubscribed'),
    complained: n('complained'),
  };
}

/** Which of `leadIds` name no lead. */
export async function unknownLeadIds(db: Queryable, leadIds: readonly string[]): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    `SELECT id FROM unnest($1::uuid[]) AS given (id) WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = given.id)`,
    [leadIds],
  );
  return result.rows.map((r) => r.id);
}
