import type pg from 'pg';
import type { BulkActionKind, BulkActionParams, BulkActionState, BulkLeadOutcome } from '../../domain/bulk-actions.ts';
import type { Queryable } from '../pool.ts';
import { isUuid } from '../uuid.ts';
import { segmentConditionSql } from './segments.ts';
import type { SegmentQuery } from '../../domain/segment-query.ts';

/** A bulk action with its progress. */
export interface BulkAction {
  id: string;
  segmentId: string | null;
  segmentName: string | null;
  /** How many ids the request named, for an explicit selection. */
  leadIdCount: number | null;
  action: BulkActionKind;
  params: BulkActionParams;
  state: BulkActionState;
  /** Leads in the frozen selection; null until it is taken. */
  total: number | null;
  done: number;
  failed: number;
  skipped: number;
  requestedBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface BulkActionRow {
  id: string;
  segment_id: string | null;
  segment_name: string | null;
  lead_id_count: number | null;
  action: BulkActionKind;
  params: BulkActionParams;
  state: BulkActionState;
  total: number | null;
  done: number;
  failed: number;
  skipped: number;
  requested_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const fromRow = (row: BulkActionRow): BulkAction => ({
  id: row.id,
  segmentId: row.segment_id,
  segmentName: row.segment_name,
  leadIdCount: row.lead_id_count,
  action: row.action,
  params: row.params,
  state: row.state,
  total: row.total,
  done: row.done,
  failed: row.failed,
  skipped: row.skipped,
  requestedBy: row.requested_by,
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

const SELECT = `SELECT b.id, b.segment_id, b.segment_name, cardinality(b.lead_ids) AS lead_id_count, b.action, b.params,
       b.state, b.total, b.requested_by, b.created_at, b.started_at, b.finished_at,
       COALESCE(o.done, 0) AS done, COALESCE(o.failed, 0) AS failed, COALESCE(o.skipped, 0) AS skipped
  FROM bulk_actions b
  LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE outcome = 'done')::int AS done,
                            count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
                            count(*) FILTER (WHERE outcome = 'skipped')::int AS skipped
                       FROM bulk_action_leads WHERE bulk_action_id = b.id) o ON true`;

/** Records a requested bulk action (state pending); its selection is taken when its workflow starts. */
export async function insertBulkAction(
  db: Queryable,
  input: {
    segment: { id: string; name: string } | undefined;
    leadIds: readonly string[] | undefined;
    action: BulkActionKind;
    params: BulkActionParams;
    requestedBy: string | null;
  },
): Promise<string> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO bulk_actions (segment_id, segment_name, lead_ids, action, params, requested_by)
     VALUES ($1, $2, $3::uuid[], $4, $5, $6) RETURNING id`,
    [
      input.segment?.id ?? null,
      input.segment?.name ?? null,
      input.leadIds ?? null,
      input.action,
      JSON.stringify(input.params),
      input.requestedBy,
    ],
  );
  return (result.rows[0] as { id: string }).id;
}

/** Forgets a bulk action whose workflow could not be started (nothing was applied). */
export async function deleteBulkAction(db: Queryable, id: string): Promise<void> {
  await db.query("DELETE FROM bulk_actions WHERE id = $1 AND state = 'pending'", [id]);
}

/** The bulk action with its progress, or undefined (also for a malformed id). */
export async function findBulkAction(db: Queryable, id: string): Promise<BulkAction | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<BulkActionRow>(`${SELECT} WHERE b.id = $1`, [id]);
  const row = result.rows[0];
  return row ? fromRow(row) : undefined;
}

/** The newest bulk actions first. */
export async function listBulkActions(db: Queryable, limit: number): Promise<BulkAction[]> {
  const result = await db.query<BulkActionRow>(`${SELECT} ORDER BY b.created_at DESC, b.id DESC LIMIT $1`, [limit]);
  return result.rows.map(fromRow);
}

/** The leads of the selection that failed, with why, in selection order. */
export async function listBulkFailures(
  db: Queryable,
  id: string,
  limit: number,
): Promise<{ leadId: string; detail: string | null }[]> {
  const result = await db.query<{ lead_id: string; detail: string | null }>(
    `SELECT lead_id, detail FROM bulk_action_leads WHERE bulk_action_id = $1 AND outcome = 'failed'
      ORDER BY position LIMIT $2`,
    [id, limit],
  );
  return result.rows.map((row) => ({ leadId: row.lead_id, detail: row.detail }));
}

/**
 * Takes the action's selection once: the segment's leads as its query matches them now,
 * or the named leads that exist, one row each in `bulk_action_leads`, and the state moves
 * from pending to running. Later calls (a retried activity, a run that continued as new)
 * find it taken and change nothing. A segment deleted before the start fails the action.
 * Answers the state and the selection's size.
 */
export async function takeSelection(
  pool: pg.Pool,
  id: string,
): Promise<{ state: BulkActionState; total: number } | undefined> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const found = await client.query<{
      state: BulkActionState;
      total: number | null;
      segment_id: string | null;
      lead_ids: string[] | null;
    }>('SELECT state, total, segment_id, lead_ids FROM bulk_actions WHERE id = $1 FOR UPDATE', [id]);
    const action = found.rows[0];
    if (!action) {
      await client.query('ROLLBACK');
      return undefined;
    }
    if (action.state !== 'pending') {
      await client.query('COMMIT');
      return { state: action.state, total: action.total ?? 0 };
    }
    let source: { sql: string; params: unknown[] } | undefined;
    if (action.segment_id !== null) {
      const segment = await client.query<{ query: SegmentQuery }>('SELECT query FROM segments WHERE id = $1', [
        action.segment_id,
      ]);
      const query = segment.rows[0]?.query;
      if (query !== undefined) {
        const params: unknown[] = [id];
        source = { sql: `SELECT l.id FROM leads l WHERE ${segmentConditionSql(query, params)}`, params };
      }
    } else {
      source = { sql: 'SELECT l.id FROM leads l WHERE l.id = ANY($2::uuid[])', params: [id, action.lead_ids ?? []] };
    }
    if (source === undefined) {
      await client.query(
        "UPDATE bulk_actions SET state = 'failed', total = 0, started_at = now(), finished_at = now() WHERE id = $1",
        [id],
      );
      await client.query('COMMIT');
      return { state: 'failed', total: 0 };
    }
    const inserted = await client.query(
      `INSERT INTO bulk_action_leads (bulk_action_id, lead_id, position)
       SELECT $1, s.id, row_number() OVER (ORDER BY s.id) FROM (${source.sql}) s`,
      source.params,
    );
    const total = inserted.rowCount ?? 0;
    await client.query("UPDATE bulk_actions SET state = 'running', total = $2, started_at = now() WHERE id = $1", [
      id,
      total,
    ]);
    await client.query('COMMIT');
    return { state: 'running', total };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The action's state now (a person may have cancelled it). */
export async function bulkActionState(db: Queryable, id: string): Promise<BulkActionState | undefined> {
  const result = await db.query<{ state: BulkActionState }>('SELECT state FROM bulk_actions WHERE id = $1', [id]);
  return result.rows[0]?.state;
}

/**
 * The next leads of the selection without an outcome, in selection order, each with
 * whether an earlier attempt began applying it (`resumed`: a page retried after a crash).
 */
export async function pendingBulkLeads(
  db: Queryable,
  id: string,
  limit: number,
): Promise<{ leadId: string; resumed: boolean }[]> {
  const result = await db.query<{ lead_id: string; resumed: boolean }>(
    `SELECT lead_id, applied_at IS NOT NULL AS resumed FROM bulk_action_leads
      WHERE bulk_action_id = $1 AND outcome IS NULL ORDER BY position LIMIT $2`,
    [id, limit],
  );
  return result.rows.map((row) => ({ leadId: row.lead_id, resumed: row.resumed }));
}

/** Marks that applying the action to the lead begins (`applied_at`), so a retry knows it may have happened. */
export async function beginBulkLead(db: Queryable, id: string, leadId: string): Promise<void> {
  await db.query(
    `UPDATE bulk_action_leads SET applied_at = COALESCE(applied_at, now())
      WHERE bulk_action_id = $1 AND lead_id = $2 AND outcome IS NULL`,
    [id, leadId],
  );
}

/** Records the lead's outcome, once: false when it had one already. */
export async function recordBulkOutcome(
  db: Queryable,
  id: string,
  leadId: string,
  outcome: BulkLeadOutcome,
  detail: string | null,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE bulk_action_leads SET outcome = $3, detail = $4, applied_at = COALESCE(applied_at, now())
      WHERE bulk_action_id = $1 AND lead_id = $2 AND outcome IS NULL`,
    [id, leadId, outcome, detail],
  );
  return result.rowCount === 1;
}

/**
 * Cancels a pending or running action: its workflow stops before the next lead. False when
 * it has finished already (or does not exist).
 */
export async function cancelBulkAction(db: Queryable, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db.query(
    "UPDATE bulk_actions SET state = 'cancelled' WHERE id = $1 AND state IN ('pending', 'running')",
    [id],
  );
  return result.rowCount === 1;
}

/** Records that the run ended; a cancelled or failed action keeps its state. */
export async function finishBulkAction(db: Queryable, id: string): Promise<BulkActionState | undefined> {
  const result = await db.query<{ state: BulkActionState }>(
    `UPDATE bulk_actions SET state = CASE WHEN state IN ('pending', 'running') THEN 'completed' ELSE state END,
            finished_at = COALESCE(finished_at, now())
      WHERE id = $1 RETURNING state`,
    [id],
  );
  return result.rows[0]?.state;
}
