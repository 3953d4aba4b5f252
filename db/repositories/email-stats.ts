import type { DeliveryEngagement, HitKind, MachineReason, PriorHit } from '../../domain/machine-engagement.ts';
import type { Queryable } from '../pool.ts';

/**
 * The calendar a send's day is counted in (`email_stats.sent_on`): the reports' default
 * zone. Fixed, because the pre-aggregate (`email_daily`) is kept per day.
 */
export const EMAIL_REPORT_TIMEZONE = 'Asia/Tokyo';

/**
 * Where a marketing email came from, recorded with its claim (claimForSending in
 * deliveries.ts, which also gives the row its delivery key, lead and template).
 */
export interface EmailOrigin {
  cadenceKey: string | null;
  stage: string | null;
  step: number | null;
  /** The template was chosen among the step's variants (an A/B test). */
  variantTest: boolean;
}

/**
 * Counts the email as sent, at its delivery's send time: once, however often a retry asks.
 * `refused`: the mail server refused it for good during the SMTP call (a hard bounce).
 */
export async function markEmailSent(db: Queryable, deliveryKey: string, refused = false): Promise<void> {
  await db.query(
    `UPDATE email_stats s
        SET sent_at = t.at, sent_on = (t.at AT TIME ZONE '${EMAIL_REPORT_TIMEZONE}')::date,
            bounce = CASE WHEN $2 THEN 'hard' ELSE s.bounce END
       FROM (SELECT coalesce((SELECT sent_at FROM deliveries WHERE idempotency_key = $1), now()) AS at) t
      WHERE s.delivery_key = $1 AND s.sent_at IS NULL`,
    [deliveryKey, refused],
  );
}

/** Counts an unsubscribe against the email whose link was used. */
export async function markUnsubscribed(db: Queryable, deliveryKey: string): Promise<void> {
  await db.query('UPDATE email_stats SET unsubscribed = true WHERE delivery_key = $1 AND NOT unsubscribed', [
    deliveryKey,
  ]);
}

/**
 * Counts a provider's bounce or complaint report against the lead's latest email sent
 * before it (a report names an address, not an email). A hard bounce outranks a soft one.
 */
export async function markDeliveryReport(
  db: Queryable,
  report: { leadId: string; type: 'bounce' | 'complaint'; hard: boolean; occurredAt: Date },
): Promise<void> {
  const set =
    report.type === 'complaint'
      ? 'complained = true'
      : `bounce = CASE WHEN $3 OR bounce = 'hard' THEN 'hard' ELSE 'soft' END`;
  await db.query(
    `UPDATE email_stats SET ${set}
      WHERE delivery_key = (SELECT delivery_key FROM email_stats
                             WHERE lead_id = $1 AND sent_at IS NOT NULL AND sent_at <= $2
                             ORDER BY sent_at DESC LIMIT 1)`,
    report.type === 'complaint' ? [report.leadId, report.occurredAt] : [report.leadId, report.occurredAt, report.hard],
  );
}

/** Whether the report has a row for this email. */
export async function emailKnown(db: Queryable, deliveryKey: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM email_stats WHERE delivery_key = $1', [deliveryKey])).rowCount === 1;
}

/** A delivery as a tracking hit needs it, locked until the hit's transaction ends (hits of one email apply in turn). */
export async function lockEmailForHit(
  db: Queryable,
  deliveryKey: string,
): Promise<{ templateKey: string; sentAtMs: number | null } | undefined> {
  const result = await db.query<{ template_key: string; sent_at: Date | null }>(
    'SELECT template_key, sent_at FROM email_stats WHERE delivery_key = $1 FOR UPDATE',
    [deliveryKey],
  );
  const row = result.rows[0];
  return row && { templateKey: row.template_key, sentAtMs: row.sent_at?.getTime() ?? null };
}

/** At most this many hits are kept per email: a bot fetching the pixel in a loop cannot fill the table. */
export const MAX_HITS_PER_EMAIL = 200;

/** An email's hits so far, oldest first. */
export async function listEmailHits(db: Queryable, deliveryKey: string): Promise<PriorHit[]> {
  const result = await db.query<{
    id: string;
    kind: HitKind;
    url: string | null;
    at: Date;
    machine_reason: MachineReason | null;
  }>(
    'SELECT id::text, kind, url, at, machine_reason FROM email_hits WHERE delivery_key = $1 ORDER BY at, id LIMIT $2',
    [deliveryKey, MAX_HITS_PER_EMAIL],
  );
  return result.rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    url: r.url,
    atMs: r.at.getTime(),
    machineReason: r.machine_reason,
  }));
}

/** Stores one hit as classified. */
export async function insertEmailHit(
  db: Queryable,
  hit: {
    deliveryKey: string;
    templateKey: string;
    kind: HitKind;
    url: string | null;
    at: Date;
    machineReason: MachineReason | null;
    userAgent: string | undefined;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO email_hits (delivery_key, template_key, kind, url, at, machine_reason, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      hit.deliveryKey,
      hit.templateKey,
      hit.kind,
      hit.url,
      hit.at,
      hit.machineReason,
      hit.userAgent?.slice(0, 500) ?? null,
    ],
  );
}

/** Marks earlier hits as a machine's (a burst found with a later click). */
export async function markHitsMachine(db: Queryable, ids: readonly string[], reason: MachineReason): Promise<void> {
  if (ids.length === 0) return;
  await db.query('UPDATE email_hits SET machine_reason = $2 WHERE id = ANY($1::bigint[])', [ids, reason]);
}

/** Writes an email's unique engagement (the pre-aggregate follows through the trigger). */
export async function setEmailEngagement(db: Queryable, deliveryKey: string, e: DeliveryEngagement): Promise<void> {
  await db.query(
    `UPDATE email_stats SET opened = $2, machine_opened = $3, clicked = $4, machine_clicked = $5
      WHERE delivery_key = $1 AND (opened, machine_opened, clicked, machine_clicked) IS DISTINCT FROM ($2, $3, $4, $5)`,
    [deliveryKey, e.opened, e.machineOpened, e.clicked, e.machineClicked],
  );
}

/** How the report groups its rows. */
export type EmailReportGrouping = 'template' | 'step' | 'cadence' | 'month';

/** One row of sums from the pre-aggregate. */
export interface EmailSums {
  template: string | null;
  cadence: string | null;
  stage: string | null;
  step: number | null;
  month: string | null;
  sent: number;
  bouncedHard: number;
  bouncedSoft: number;
  opened: number;
  machineOpened: number;
  clicked: number;
  machineClicked: number;
  unsubscribed: number;
  complained: number;
}

/** The sums of no email at all. */
export const NO_EMAILS: Omit<EmailSums, 'template' | 'cadence' | 'stage' | 'step' | 'month'> = {
  sent: 0,
  bouncedHard: 0,
  bouncedSoft: 0,
  opened: 0,
  machineOpened: 0,
  clicked: 0,
  machineClicked: 0,
  unsubscribed: 0,
  complained: 0,
};

interface SumsRow {
  template: string | null;
  cadence: string | null;
  stage: string | null;
  step: number | null;
  month: string | null;
  sent: string;
  bounced_hard: string;
  bounced_soft: string;
  opened: string;
  machine_opened: string;
  clicked: string;
  machine_clicked: string;
  unsubscribed: string;
  complained: string;
}

const SUMS = `sum(sent) AS sent, sum(bounced_hard) AS bounced_hard, sum(bounced_soft) AS bounced_soft,
  sum(opened) AS opened, sum(machine_opened) AS machine_opened, sum(clicked) AS clicked,
  sum(machine_clicked) AS machine_clicked, sum(unsubscribed) AS unsubscribed, sum(complained) AS complained`;

const GROUPS: Record<EmailReportGrouping | 'variant', { select: string; group: string; order: string }> = {
  template: {
    select: 'template_key AS template, NULL AS cadence, NULL AS stage, NULL::int AS step, NULL AS month',
    group: 'template_key',
    order: 'template_key',
  },
  step: {
    select: `NULL AS template, nullif(cadence_key, '') AS cadence, nullif(stage, '') AS stage,
             nullif(step_index, -1) AS step, NULL AS month`,
    group: 'cadence_key, stage, step_index',
    order: `cadence_key, array_position(ARRAY['nurturing', 'customer', 'reactivation'], stage), step_index`,
  },
  cadence: {
    select: `NULL AS template, nullif(cadence_key, '') AS cadence, NULL AS stage, NULL::int AS step, NULL AS month`,
    group: 'cadence_key',
    order: 'cadence_key',
  },
  month: {
    select: `NULL AS template, NULL AS cadence, NULL AS stage, NULL::int AS step, to_char(day, 'YYYY-MM') AS month`,
    group: `to_char(day, 'YYYY-MM')`,
    order: `to_char(day, 'YYYY-MM')`,
  },
  variant: {
    select: `template_key AS template, cadence_key AS cadence, stage, step_index AS step, NULL AS month`,
    group: 'cadence_key, stage, step_index, template_key',
    order: `cadence_key, array_position(ARRAY['nurturing', 'customer', 'reactivation'], stage), step_index, template_key`,
  },
};

const fromSums = (r: SumsRow): EmailSums => ({
  template: r.template,
  cadence: r.cadence,
  stage: r.stage,
  step: r.step,
  month: r.month,
  sent: Number(r.sent),
  bouncedHard: Number(r.bounced_hard),
  bouncedSoft: Number(r.bounced_soft),
  opened: Number(r.opened),
  machineOpened: Number(r.machine_opened),
  clicked: Number(r.clicked),
  machineClicked: Number(r.machine_clicked),
  unsubscribed: Number(r.unsubscribed),
  complained: Number(r.complained),
});

/** A period of send days (YYYY-MM-DD, both included; absent: unbounded). */
export interface SendDays {
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * Sums per group over emails sent in `days`, from the pre-aggregate `email_daily`.
 * `variant` groups A/B test sends per step and template.
 */
export async function emailSums(
  db: Queryable,
  by: EmailReportGrouping | 'variant',
  days: SendDays,
  filter: { cadence?: string | undefined } = {},
): Promise<EmailSums[]> {
  const g = GROUPS[by];
  const result = await db.query<SumsRow>(
    `SELECT ${g.select}, ${SUMS}
       FROM email_daily
      WHERE ($1::date IS NULL OR day >= $1::date) AND ($2::date IS NULL OR day <= $2::date)
        AND ($3::text IS NULL OR cadence_key = $3) ${by === 'variant' ? 'AND variant_test' : ''}
      GROUP BY ${g.group} ORDER BY ${g.order}`,
    [days.from ?? null, days.to ?? null, filter.cadence ?? null],
  );
  return result.rows.map(fromSums);
}

/** Clicks on one link of a template. */
export interface LinkClicks {
  url: string;
  /** Emails in which a person clicked it. */
  clicked: number;
  /** A person's clicks, repeats included. */
  clicks: number;
  /** Emails in which only machines clicked it. */
  machineClicked: number;
}

/** Per-link clicks of emails of `template` sent in `days`, most clicked first. */
export async function linkClicks(db: Queryable, template: string, days: SendDays): Promise<LinkClicks[]> {
  const result = await db.query<{ url: string; clicked: number; clicks: number; machine_clicked: number }>(
    `SELECT url,
            count(DISTINCT h.delivery_key) FILTER (WHERE machine_reason IS NULL)::int AS clicked,
            count(*) FILTER (WHERE machine_reason IS NULL)::int AS clicks,
            (count(DISTINCT h.delivery_key) FILTER (WHERE machine_reason IS NOT NULL)
               - count(DISTINCT h.delivery_key) FILTER (WHERE machine_reason IS NOT NULL AND EXISTS (
                   SELECT 1 FROM email_hits p WHERE p.delivery_key = h.delivery_key AND p.url = h.url
                      AND p.kind = 'click' AND p.machine_reason IS NULL)))::int AS machine_clicked
       FROM email_hits h JOIN email_stats s USING (delivery_key)
      WHERE h.template_key = $1 AND h.kind = 'click' AND h.url IS NOT NULL
        AND ($2::date IS NULL OR s.sent_on >= $2::date) AND ($3::date IS NULL OR s.sent_on <= $3::date)
      GROUP BY url ORDER BY clicked DESC, url
      LIMIT 500`,
    [template, days.from ?? null, days.to ?? null],
  );
  return result.rows.map((r) => ({
    url: r.url,
    clicked: r.clicked,
    clicks: r.clicks,
    machineClicked: r.machine_clicked,
  }));
}
