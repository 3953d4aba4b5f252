import type { Queryable } from '../pool.ts';
import { EMAIL_REPORT_TIMEZONE, type EmailOrigin } from './email-stats.ts';

/** Mirrors the `delivery_status` enum. */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown';

/** One touch's delivery record, keyed by its idempotency key. */
export interface Delivery {
  idempotencyKey: string;
  leadId: string;
  templateKey: string;
  templateVersion: number | null;
  messageId: string;
  recipient: string;
  subject: string | null;
  status: DeliveryStatus;
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

interface DeliveryRow {
  idempotency_key: string;
  lead_id: string;
  template_key: string;
  template_version: number | null;
  message_id: string;
  recipient: string;
  subject: string | null;
  status: DeliveryStatus;
  error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

const fromRow = (row: DeliveryRow): Delivery => ({
  idempotencyKey: row.idempotency_key,
  leadId: row.lead_id,
  templateKey: row.template_key,
  templateVersion: row.template_version,
  messageId: row.message_id,
  recipient: row.recipient,
  subject: row.subject,
  status: row.status,
  error: row.error,
  createdAt: row.created_at,
  sentAt: row.sent_at,
});

/** What names a message before it is sent: its key, its lead, its template and its envelope. */
export interface DeliveryClaim {
  idempotencyKey: string;
  leadId: string;
  templateKey: string;
  messageId: string;
  recipient: string;
  kind: 'touch' | 'notification';
}

/**
 * Records the touch under its key, or returns the record an earlier attempt made. The
 * unique key makes this the one place where "has this touch been sent?" is decided.
 */
export async function claimDelivery(db: Queryable, claim: DeliveryClaim): Promise<Delivery> {
  const result = await db.query<DeliveryRow>(
    `WITH inserted AS (
       INSERT INTO deliveries (idempotency_key, lead_id, template_key, message_id, recipient, kind)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING *)
     SELECT * FROM inserted
     UNION ALL
     SELECT * FROM deliveries WHERE idempotency_key = $1 AND NOT EXISTS (SELECT 1 FROM inserted)`,
    [claim.idempotencyKey, claim.leadId, claim.templateKey, claim.messageId, claim.recipient, claim.kind],
  );
  return fromRow(result.rows[0] as DeliveryRow);
}

/** The delivery recorded under this key, or undefined when no attempt has claimed it yet. */
export async function findDelivery(db: Queryable, idempotencyKey: string): Promise<Delivery | undefined> {
  const result = await db.query<DeliveryRow>('SELECT * FROM deliveries WHERE idempotency_key = $1', [idempotencyKey]);
  const row = result.rows[0];
  return row === undefined ? undefined : fromRow(row);
}

// The statements of the send path are named (prepared once per connection) where their
// result has fixed columns; a named `SELECT *` would fail on every call after a migration
// adds a column while the process runs.

const CLAIM_FOR_SENDING = `INSERT INTO deliveries (idempotency_key, lead_id, template_key, message_id, recipient, kind,
                                   status, subject, body_html, body_text, template_version)
           VALUES ($1, $2, $3, $4, $5, $6, 'sending', $7, $8, $9, $10)
           ON CONFLICT (idempotency_key) DO UPDATE
             SET status = 'sending', subject = EXCLUDED.subject, body_html = EXCLUDED.body_html,
                 body_text = EXCLUDED.body_text,
                 template_version = COALESCE(EXCLUDED.template_version, deliveries.template_version), error = NULL
             WHERE deliveries.status = 'pending'
           RETURNING 1`;

/**
 * Claims the delivery for the SMTP call in one statement: a new row is written straight as
 * `sending` with what was rendered, a `pending` one (left by an attempt the server refused
 * for now) is moved to `sending`. Answers false when the row is in any other state: another
 * attempt holds or finished it, so this one must not send. With `emailOrigin` (a marketing
 * touch), the email report's row is recorded by the same statement when the claim succeeds
 * (once: a claim of a `pending` row finds it there).
 */
export async function claimForSending(
  db: Queryable,
  claim: DeliveryClaim & {
    subject: string;
    html: string;
    text: string;
    templateVersion?: number | undefined;
    emailOrigin?: EmailOrigin | undefined;
  },
): Promise<boolean> {
  const values = [
    claim.idempotencyKey,
    claim.leadId,
    claim.templateKey,
    claim.messageId,
    claim.recipient,
    claim.kind,
    claim.subject,
    claim.html,
    claim.text,
    claim.templateVersion ?? null,
  ];
  const origin = claim.emailOrigin;
  const result = origin
    ? await db.query<{ claimed: number }>({
        name: 'deliveries/claim-for-sending-counted',
        text: `WITH claimed AS (${CLAIM_FOR_SENDING}),
               counted AS (
                 INSERT INTO email_stats (delivery_key, lead_id, template_key, cadence_key, stage, step_index, variant_test)
                 SELECT $1, $2, $3, $11, $12, $13, $14 FROM claimed
                 ON CONFLICT (delivery_key) DO NOTHING)
               SELECT count(*)::int AS claimed FROM claimed`,
        values: [...values, origin.cadenceKey, origin.stage, origin.step, origin.variantTest],
      })
    : await db.query<{ claimed: number }>({
        name: 'deliveries/claim-for-sending',
        text: `WITH claimed AS (${CLAIM_FOR_SENDING}) SELECT count(*)::int AS claimed FROM claimed`,
        values,
      });
  return result.rows[0]?.claimed === 1;
}

/**
 * Moves a delivery from `sending` to `sent` and, in the same statement, adds the lead's
 * timeline entry when one is given (deduplicated by its key) and, with `countEmail`, counts
 * the email as sent in the email report (at the delivery's send time, once): one round
 * trip, and neither can be lost between the statements.
 */
export async function markSent(
  db: Queryable,
  idempotencyKey: string,
  timeline?: { leadId: string; kind: string; detail: Record<string, unknown>; dedupeKey: string },
  options: { countEmail?: boolean } = {},
): Promise<boolean> {
  const entry = timeline
    ? `, entry AS (
         INSERT INTO timeline (lead_id, at, kind, detail, dedupe_key)
         SELECT $2, now(), $3, $4, $5 FROM moved
         ON CONFLICT (dedupe_key) DO NOTHING)`
    : '';
  const counted = options.countEmail
    ? `, counted AS (
         UPDATE email_stats s
            SET sent_at = m.sent_at, sent_on = (m.sent_at AT TIME ZONE '${EMAIL_REPORT_TIMEZONE}')::date
           FROM moved m
          WHERE s.delivery_key = $1 AND s.sent_at IS NULL)`
    : '';
  const result = await db.query<{ moved: boolean }>({
    name: `deliveries/mark-sent${timeline ? '-with-timeline' : ''}${options.countEmail ? '-counted' : ''}`,
    text: `WITH moved AS (
             UPDATE deliveries SET status = 'sent', error = NULL, sent_at = now()
              WHERE idempotency_key = $1 AND status = 'sending' RETURNING sent_at)${entry}${counted}
           SELECT EXISTS (SELECT 1 FROM moved) AS moved`,
    values: timeline
      ? [idempotencyKey, timeline.leadId, timeline.kind, JSON.stringify(timeline.detail), timeline.dedupeKey]
      : [idempotencyKey],
  });
  return result.rows[0]?.moved === true;
}

/**
 * Moves a delivery from `from` to `to`, recording the rendered subject, content, template
 * version or error when given. Answers false when the delivery was not in `from` (another attempt
 * moved it first), so two attempts can never both reach the SMTP call.
 */
export async function transitionDelivery(
  db: Queryable,
  idempotencyKey: string,
  from: DeliveryStatus,
  to: DeliveryStatus,
  fields: { subject?: string; templateVersion?: number; error?: string; html?: string; text?: string } = {},
): Promise<boolean> {
  const result = await db.query(
    `UPDATE deliveries SET status = $3,
            subject = COALESCE($4, subject), template_version = COALESCE($5, template_version),
            body_html = COALESCE($7, body_html), body_text = COALESCE($8, body_text),
            error = $6, sent_at = CASE WHEN $3::delivery_status = 'sent' THEN now() ELSE sent_at END
       WHERE idempotency_key = $1 AND status = $2::delivery_status`,
    [
      idempotencyKey,
      from,
      to,
      fields.subject ?? null,
      fields.templateVersion ?? null,
      fields.error ?? null,
      fields.html ?? null,
      fields.text ?? null,
    ],
  );
  return result.rowCount === 1;
}

/**
 * How many touches each lead has had: emails its mail server accepted, DM tasks made
 * (and not cancelled before posting), and owners' tasks completed. One query for a whole
 * page of leads.
 */
export async function countTouchesOf(db: Queryable, leadIds: readonly string[]): Promise<Map<string, number>> {
  const result = await db.query<{ id: string; count: string }>(
    `SELECT id, (SELECT count(*) FROM deliveries d WHERE d.lead_id = ids.id AND d.kind = 'touch' AND d.status = 'sent')
              + (SELECT count(*) FROM tasks t WHERE t.lead_id = ids.id
                   AND ((t.kind = 'dm' AND t.status <> 'cancelled') OR (t.kind = 'todo' AND t.status = 'done'))) AS count
       FROM unnest($1::uuid[]) AS ids(id)`,
    [leadIds],
  );
  return new Map(result.rows.map((row) => [row.id, Number(row.count)]));
}

/**
 * The first touch that reached the lead in each calendar month (in `timeZone`) since
 * `since`, counted as {@link countTouchesOf} counts and the contact guarantee does (an email
 * accepted, a DM to a postal address not cancelled, a completed task): every touch of the
 * lead's life, not the workflow's recent ones. One instant per month, so the answer stays
 * small for a lead of many years; the lead's index on each table keeps the query quick.
 */
export async function firstTouchEachMonth(
  db: Queryable,
  leadId: string,
  since: Date,
  timeZone: string,
): Promise<Date[]> {
  const result = await db.query<{ at: Date }>(
    `SELECT min(at) AS at FROM (
       SELECT d.sent_at AS at FROM deliveries d
        WHERE d.lead_id = $1 AND d.kind = 'touch' AND d.status = 'sent' AND d.sent_at >= $2
       UNION ALL
       SELECT t.created_at FROM tasks t
        WHERE t.lead_id = $1 AND t.kind = 'dm' AND t.status <> 'cancelled' AND t.postal_address IS NOT NULL
          AND t.created_at >= $2
       UNION ALL
       SELECT t.completed_at FROM tasks t
        WHERE t.lead_id = $1 AND t.kind = 'todo' AND t.status = 'done' AND t.completed_at >= $2
     ) touches
     GROUP BY date_trunc('month', at AT TIME ZONE $3)
     ORDER BY 1`,
    [leadId, since, timeZone],
  );
  return result.rows.map((row) => row.at);
}

/** How many touches one lead has had (see {@link countTouchesOf}). */
export async function countTouches(db: Queryable, leadId: string): Promise<number> {
  return (await countTouchesOf(db, [leadId])).get(leadId) ?? 0;
}

/** An email sent to (or about) a lead, with what it said when the content was kept. */
export interface LeadEmail extends Omit<Delivery, 'idempotencyKey' | 'leadId'> {
  id: string;
  kind: 'touch' | 'notification';
  html: string | null;
  text: string | null;
}

interface LeadEmailRow extends DeliveryRow {
  id: string;
  kind: 'touch' | 'notification';
  body_html: string | null;
  body_text: string | null;
}

function emailFromRow(row: LeadEmailRow): LeadEmail {
  const { idempotencyKey: _key, leadId: _lead, ...delivery } = fromRow(row);
  return { ...delivery, id: row.id, kind: row.kind, html: row.body_html, text: row.body_text };
}

/** A lead's emails, oldest first, with their content; `withContent: false` leaves the bodies out. */
export async function listLeadEmails(
  db: Queryable,
  leadId: string,
  options: { withContent?: boolean; limit?: number } = {},
): Promise<LeadEmail[]> {
  const withContent = options.withContent ?? true;
  const result = await db.query<LeadEmailRow>(
    `SELECT id::text, idempotency_key, lead_id, kind, template_key, template_version, message_id, recipient, subject, status, error, created_at, sent_at,
            ${withContent ? 'body_html, body_text' : 'NULL AS body_html, NULL AS body_text'}
       FROM deliveries WHERE lead_id = $1 ORDER BY created_at, id LIMIT $2`,
    [leadId, options.limit ?? 500],
  );
  return result.rows.map(emailFromRow);
}

/** One of a lead's emails by its delivery id, or undefined (also when it belongs to another lead). */
export async function findLeadEmail(db: Queryable, leadId: string, deliveryId: string): Promise<LeadEmail | undefined> {
  const result = await db.query<LeadEmailRow>(
    `SELECT id::text, idempotency_key, lead_id, kind, template_key, template_version, message_id, recipient, subject, status, error, created_at, sent_at, body_html, body_text
       FROM deliveries WHERE lead_id = $1 AND id = $2::bigint`,
    [leadId, deliveryId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : emailFromRow(row);
}
