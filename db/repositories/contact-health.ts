import type { ContactHealth } from '../../domain/contact-health.ts';
import type { Queryable } from '../pool.ts';

/**
 * SQL conditions on `leads l` for each group, with `$tz` the zone months are counted in
 * (`NULL`: each lead's own zone, as the guarantee counts) and `$asOf` the instant.
 * Contactable: a stage that runs a sequence, not do-not-contact, and some channel reaches it:
 * email, or paper mail when the address is suppressed (an unsubscribe from email, a bounce,
 * a complaint) and the lead has a postal address, as the guarantee's DM fallback needs. Touched: a touch that reached the lead this calendar month (an email accepted
 * by the relay, a DM to an address, a completed task: as `countTouchesOf` counts, plus the
 * DM's address). At risk: contactable, not touched, and no touch planned in the month
 * (`next_touch_at` in it; a touch planned overdue this month still counts as planned).
 */
export function contactHealthSql(tz: string, asOf: string): Record<ContactHealth, string> {
  const zone = `COALESCE(${tz}::text, l.timezone)`;
  const monthStart = `(date_trunc('month', ${asOf}::timestamptz AT TIME ZONE ${zone}) AT TIME ZONE ${zone})`;
  const monthEnd = `((date_trunc('month', ${asOf}::timestamptz AT TIME ZONE ${zone}) + interval '1 month') AT TIME ZONE ${zone})`;
  const contactable = `(l.stage IN ('nurturing', 'customer', 'reactivation') AND NOT l.do_not_contact
    AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email = lower(l.email)
                     AND (s.reason = 'do not contact' OR l.postal_address IS NULL)))`;
  const touched = `(EXISTS (SELECT 1 FROM deliveries d WHERE d.lead_id = l.id AND d.kind = 'touch' AND d.status = 'sent'
                          AND d.sent_at >= ${monthStart} AND d.sent_at < ${monthEnd})
    OR EXISTS (SELECT 1 FROM tasks t WHERE t.lead_id = l.id
                 AND ((t.kind = 'dm' AND t.status <> 'cancelled' AND t.postal_address IS NOT NULL
                       AND t.created_at >= ${monthStart} AND t.created_at < ${monthEnd})
                   OR (t.kind = 'todo' AND t.status = 'done' AND t.completed_at >= ${monthStart} AND t.completed_at < ${monthEnd}))))`;
  return {
    contactable,
    touched: `(${contactable} AND ${touched})`,
    // A next touch due before the month began is no plan for this month (as of a later instant).
    at_risk: `(${contactable} AND NOT ${touched}
      AND (l.next_touch_at IS NULL OR l.next_touch_at < ${monthStart} OR l.next_touch_at >= ${monthEnd}))`,
  };
}

/** How many leads are in each contact health group as of `asOf`, months counted in `timeZone` (undefined: each lead's own). */
export async function countContactHealth(
  db: Queryable,
  asOf: Date,
  timeZone: string | undefined,
): Promise<Record<ContactHealth, number>> {
  const sql = contactHealthSql('$1', '$2');
  const result = await db.query<Record<ContactHealth, number>>(
    `SELECT count(*) FILTER (WHERE ${sql.contactable})::int AS contactable,
            count(*) FILTER (WHERE ${sql.touched})::int AS touched,
            count(*) FILTER (WHERE ${sql.at_risk})::int AS at_risk
       FROM leads l`,
    [timeZone ?? null, asOf],
  );
  return result.rows[0] ?? { contactable: 0, touched: 0, at_risk: 0 };
}
