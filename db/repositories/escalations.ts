import { ESCALATION_KINDS, type EscalationKind } from '../../domain/escalation-kinds.ts';
import { isUuid } from '../uuid.ts';
import type { Queryable } from '../pool.ts';

/** A hot lead handed to sales, or an upsell opportunity handed to the account owner. */
export interface Escalation {
  id: string;
  leadId: string;
  kind: EscalationKind;
  score: number;
  ownerEmail: string | null;
  createdAt: Date;
  ackedAt: Date | null;
  ackedBy: string | null;
}

interface EscalationRow {
  id: string;
  lead_id: string;
  kind: EscalationKind;
  score: number;
  owner_email: string | null;
  created_at: Date;
  acked_at: Date | null;
  acked_by: string | null;
}

const fromRow = (row: EscalationRow): Escalation => ({
  id: row.id,
  leadId: row.lead_id,
  kind: row.kind,
  score: row.score,
  ownerEmail: row.owner_email,
  createdAt: row.created_at,
  ackedAt: row.acked_at,
  ackedBy: row.acked_by,
});

/** Records the escalation once per idempotency key; a retry gets the first attempt's row. */
export async function createEscalationOnce(
  db: Queryable,
  escalation: {
    idempotencyKey: string;
    leadId: string;
    kind: EscalationKind;
    score: number;
    ownerEmail: string | null;
    at: Date;
  },
): Promise<Escalation> {
  const inserted = await db.query<EscalationRow>(
    `INSERT INTO escalations (idempotency_key, lead_id, kind, score, owner_email, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
    [
      escalation.idempotencyKey,
      escalation.leadId,
      escalation.kind,
      escalation.score,
      escalation.ownerEmail,
      escalation.at,
    ],
  );
  if (inserted.rows[0]) return fromRow(inserted.rows[0]);
  const existing = await db.query<EscalationRow>('SELECT * FROM escalations WHERE idempotency_key = $1', [
    escalation.idempotencyKey,
  ]);
  return fromRow(existing.rows[0] as EscalationRow);
}

/** The lead an escalation is about, as the sales inbox shows it. */
export interface EscalatedLead {
  id: string;
  email: string;
  name: string | null;
  company: string | null;
  stage: string;
  cadenceKey: string;
  cadenceVersion: number | null;
  timezone: string;
  /** As of `scoreAt`, decaying with `scoreHalfLifeMs`. */
  score: number;
  scoreAt: Date | null;
  scoreHalfLifeMs: number | null;
}

/** An escalation with its lead. */
export interface EscalationWithLead extends Escalation {
  lead: EscalatedLead;
}

interface LeadColumns {
  l_email: string;
  l_name: string | null;
  l_company: string | null;
  l_stage: string;
  l_cadence_key: string;
  l_cadence_version: number | null;
  l_timezone: string;
  l_score: number;
  l_score_at: Date | null;
  l_score_half_life_ms: string | null;
}

const WITH_LEAD = `SELECT e.*, l.email AS l_email, l.name AS l_name, l.company AS l_company, l.stage AS l_stage,
         l.cadence_key AS l_cadence_key, l.cadence_version AS l_cadence_version, l.timezone AS l_timezone,
         l.score AS l_score, l.score_at AS l_score_at, l.score_half_life_ms AS l_score_half_life_ms
    FROM escalations e JOIN leads l ON l.id = e.lead_id`;

const withLeadFromRow = (row: EscalationRow & LeadColumns): EscalationWithLead => ({
  ...fromRow(row),
  lead: {
    id: row.lead_id,
    email: row.l_email,
    name: row.l_name,
    company: row.l_company,
    stage: row.l_stage,
    cadenceKey: row.l_cadence_key,
    cadenceVersion: row.l_cadence_version,
    timezone: row.l_timezone,
    score: row.l_score,
    scoreAt: row.l_score_at,
    scoreHalfLifeMs: row.l_score_half_life_ms === null ? null : Number(row.l_score_half_life_ms),
  },
});

/** Escalations with their leads, newest first; only unacknowledged ones when `open`. */
export async function listEscalations(
  db: Queryable,
  filter: { open?: boolean; leadId?: string },
): Promise<EscalationWithLead[]> {
  const result = await db.query<EscalationRow & LeadColumns>(
    `${WITH_LEAD} WHERE ($1::boolean IS NOT TRUE OR e.acked_at IS NULL) AND ($2::uuid IS NULL OR e.lead_id = $2)
     ORDER BY e.created_at DESC LIMIT 1000`,
    [filter.open ?? null, filter.leadId ?? null],
  );
  return result.rows.map(withLeadFromRow);
}

/** One escalation with its lead, or undefined (also for a malformed id). */
export async function findEscalation(db: Queryable, id: string): Promise<EscalationWithLead | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<EscalationRow & LeadColumns>(`${WITH_LEAD} WHERE e.id = $1`, [id]);
  return result.rows[0] ? withLeadFromRow(result.rows[0]) : undefined;
}

/** Acknowledges an escalation; a second acknowledgement keeps the first one's time and person. */
export async function ackEscalation(db: Queryable, id: string, by: string): Promise<Escalation | undefined> {
  const result = await db.query<EscalationRow>(
    `UPDATE escalations SET acked_at = COALESCE(acked_at, now()), acked_by = COALESCE(acked_by, $2) WHERE id = $1 RETURNING *`,
    [id, by],
  );
  return result.rows[0] ? fromRow(result.rows[0]) : undefined;
}

/** The next rep in the round-robin over `reps`. */
export async function nextRep(db: Queryable, reps: readonly string[]): Promise<string | undefined> {
  if (reps.length === 0) return undefined;
  const result = await db.query<{ n: string }>("SELECT nextval('rep_rotation') AS n");
  return reps[(Number(result.rows[0]?.n ?? 1) - 1) % reps.length];
}

/** Marks the escalation's chat message as posted; answers false if it already was. */
export async function markChatNotified(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query(
    'UPDATE escalations SET chat_notified_at = now() WHERE id = $1 AND chat_notified_at IS NULL',
    [id],
  );
  return result.rowCount === 1;
}

/** Whether the escalation's chat message was already posted. */
export async function chatNotified(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query<{ done: boolean }>(
    'SELECT chat_notified_at IS NOT NULL AS done FROM escalations WHERE id = $1',
    [id],
  );
  return result.rows[0]?.done ?? false;
}

/** Open (unacknowledged) escalations per kind: how many, and the oldest one's age in seconds (`ageSeconds`). */
export async function unacknowledgedEscalations(
  db: Queryable,
): Promise<Record<EscalationKind, { count: number; ageSeconds: number }>> {
  // The partial index escalations_open covers exactly these rows.
  const result = await db.query<{ kind: EscalationKind; n: string; oldest: string | null }>(
    `SELECT kind, count(*) AS n, EXTRACT(EPOCH FROM now() - min(created_at)) AS oldest
       FROM escalations WHERE acked_at IS NULL GROUP BY kind`,
  );
  const stats = Object.fromEntries(ESCALATION_KINDS.map((k) => [k, { count: 0, ageSeconds: 0 }])) as Record<
    EscalationKind,
    { count: number; ageSeconds: number }
  >;
  for (const row of result.rows)
    stats[row.kind] = { count: Number(row.n), ageSeconds: Math.max(0, Number(row.oldest ?? 0)) };
  return stats;
}

/** Records the one reminder of an escalation; answers false if it was already recorded. */
export async function markReminded(db: Queryable, id: string, at: Date): Promise<boolean> {
  const result = await db.query('UPDATE escalations SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL', [
    id,
    at,
  ]);
  return result.rowCount === 1;
}

/**
 * Hands an unacknowledged escalation to `to`, once: a retry finds the hand-over made and
 * answers who it went to then. Undefined when the escalation does not exist.
 */
export async function handOver(
  db: Queryable,
  id: string,
  to: string,
  at: Date,
): Promise<{ from: string | null; to: string | null } | undefined> {
  const result = await db.query<{ owner_email: string | null; handed_over_from: string | null }>(
    `UPDATE escalations
        SET handed_over_from = CASE WHEN handed_over_at IS NULL THEN owner_email ELSE handed_over_from END,
            owner_email = CASE WHEN handed_over_at IS NULL THEN $2 ELSE owner_email END,
            handed_over_at = COALESCE(handed_over_at, $3)
      WHERE id = $1 RETURNING owner_email, handed_over_from`,
    [id, to, at],
  );
  const row = result.rows[0];
  return row ? { from: row.handed_over_from, to: row.owner_email } : undefined;
}
