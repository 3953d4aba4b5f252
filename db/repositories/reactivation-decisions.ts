import type { Stage } from '../../domain/lead.ts';
import type { Queryable } from '../pool.ts';

/** A person's reactivation decision for a lead, as recorded when it was made. */
export interface ReactivationDecisionRecord {
  id: string;
  leadId: string;
  decision: 'resume' | 'close';
  resumeAt: Date | null;
  cadenceKey: string | null;
  note: string | null;
  decidedBy: string;
  decidedAt: Date;
  /** The lead's stage when it was decided (`customer`: ahead of the contract end). */
  stage: Stage;
}

interface Row {
  id: string;
  lead_id: string;
  decision: 'resume' | 'close';
  resume_at: Date | null;
  cadence_key: string | null;
  note: string | null;
  decided_by: string;
  decided_at: Date;
  stage: Stage;
}

const fromRow = (row: Row): ReactivationDecisionRecord => ({
  id: row.id,
  leadId: row.lead_id,
  decision: row.decision,
  resumeAt: row.resume_at,
  cadenceKey: row.cadence_key,
  note: row.note,
  decidedBy: row.decided_by,
  decidedAt: row.decided_at,
  stage: row.stage,
});

/** Records a decision once per event id (a retried request writes it once). */
export async function insertReactivationDecision(
  db: Queryable,
  decision: Omit<ReactivationDecisionRecord, 'id'> & { eventId: string },
): Promise<ReactivationDecisionRecord> {
  const result = await db.query<Row>(
    `INSERT INTO reactivation_decisions
       (lead_id, event_id, decision, resume_at, cadence_key, note, decided_by, decided_at, stage)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (event_id) DO UPDATE SET event_id = EXCLUDED.event_id
     RETURNING *`,
    [
      decision.leadId,
      decision.eventId,
      decision.decision,
      decision.resumeAt,
      decision.cadenceKey,
      decision.note,
      decision.decidedBy,
      decision.decidedAt,
      decision.stage,
    ],
  );
  return fromRow(result.rows[0] as Row);
}

/** A lead's decisions, newest first. */
export async function listReactivationDecisions(db: Queryable, leadId: string): Promise<ReactivationDecisionRecord[]> {
  const result = await db.query<Row>(
    'SELECT * FROM reactivation_decisions WHERE lead_id = $1 ORDER BY decided_at DESC, id DESC LIMIT 50',
    [leadId],
  );
  return result.rows.map(fromRow);
}
