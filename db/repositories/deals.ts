import type { CrmDealRef, DealKind } from '../../domain/deals.ts';
import type { DealUpdate } from '../../domain/lead-events.ts';
import type { Queryable } from '../pool.ts';

/** One entry of a deal's stage history. */
export interface DealStageEntry {
  at: Date;
  stage: string | null;
  status: 'open' | 'won' | 'lost';
}

/** A deal of a lead, as `GET /v1/leads/:id/deals` shows it. */
export interface DealRecord {
  id: string;
  kind: DealKind;
  crmProvider: string | null;
  crmDealId: string | null;
  status: 'open' | 'won' | 'lost';
  stage: string | null;
  amount: number | null;
  probability: number | null;
  /** YYYY-MM-DD */
  expectedCloseDate: string | null;
  ownerEmail: string | null;
  openedAt: Date;
  closedAt: Date | null;
  lastStageChangeAt: Date;
  history: DealStageEntry[];
}

interface DealRow {
  id: string;
  kind: DealKind;
  crm_provider: string | null;
  crm_deal_id: string | null;
  status: DealRecord['status'];
  stage: string | null;
  amount: string | null;
  probability: string | null;
  expected_close: string | null;
  owner_email: string | null;
  opened_at: Date;
  closed_at: Date | null;
  last_stage_change_at: Date;
  history: { at: string; stage: string | null; status: DealRecord['status'] }[];
}

/**
 * Opens the deal `key` for the lead, unless it exists (a retry). A lead's new sales deal
 * (`mirror`) also resets the lead's deal columns, so nothing of the previous deal (amount,
 * probability, close date) is carried over. Answers the deal's id.
 */
export async function openDealRow(
  db: Queryable,
  input: { leadId: string; key: string; kind: DealKind; at: Date; mirror: boolean; crmDeal?: CrmDealRef | undefined },
): Promise<{ id: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO deals (lead_id, key, kind, crm_provider, crm_deal_id, status, opened_at, last_stage_change_at)
     VALUES ($1, $2, $3, $4, $5, 'open', $6, $6) ON CONFLICT (key) DO NOTHING RETURNING id`,
    [input.leadId, input.key, input.kind, input.crmDeal?.provider ?? null, input.crmDeal?.id ?? null, input.at],
  );
  const id = inserted.rows[0]?.id;
  if (id === undefined) {
    const existing = await db.query<{ id: string }>('SELECT id FROM deals WHERE key = $1', [input.key]);
    return { id: (existing.rows[0] as { id: string }).id, created: false };
  }
  await db.query(
    `INSERT INTO deal_stage_history (deal_id, at, stage, status, dedupe_key) VALUES ($1, $2, NULL, 'open', $3)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [id, input.at, `${input.key}/opened`],
  );
  if (input.mirror)
    await db.query(
      `UPDATE leads SET deal_status = 'open', deal_stage = NULL, deal_amount = NULL, deal_probability = NULL,
              deal_expected_close = NULL, deal_owner_email = NULL, deal_last_moved_at = $2, updated_at = now()
        WHERE id = $1`,
      [input.leadId, input.at],
    );
  return { id, created: true };
}

/** The lead's deal the CRM knows by this id, if the engine has it. */
export async function findDealByCrm(db: Queryable, leadId: string, crmDeal: CrmDealRef): Promise<string | undefined> {
  const result = await db.query<{ id: string }>(
    `SELECT id FROM deals WHERE lead_id = $1 AND crm_provider = $2 AND crm_deal_id = $3
      ORDER BY opened_at DESC LIMIT 1`,
    [leadId, crmDeal.provider, crmDeal.id],
  );
  return result.rows[0]?.id;
}

/** Whether the lead's deal the CRM knows by this id was won (a closed deal the engine must not reopen). */
export async function isCrmDealWon(db: Queryable, leadId: string, crmDeal: CrmDealRef): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM deals WHERE lead_id = $1 AND crm_provider = $2 AND crm_deal_id = $3 AND status = 'won' LIMIT 1`,
    [leadId, crmDeal.provider, crmDeal.id],
  );
  return result.rows.length > 0;
}

/** The lead's most recently opened deal, if any. */
export async function latestDeal(db: Queryable, leadId: string): Promise<string | undefined> {
  const result = await db.query<{ id: string }>(
    'SELECT id FROM deals WHERE lead_id = $1 ORDER BY opened_at DESC, id DESC LIMIT 1',
    [leadId],
  );
  return result.rows[0]?.id;
}

/** Names the CRM deal an engine deal is mirrored as. */
export async function linkDealToCrm(db: Queryable, key: string, crmDeal: CrmDealRef): Promise<void> {
  await db.query('UPDATE deals SET crm_provider = $2, crm_deal_id = $3 WHERE key = $1', [
    key,
    crmDeal.provider,
    crmDeal.id,
  ]);
}

/**
 * Applies a report to a deal: given fields replace stored ones, absent ones stay; a win or
 * loss closes it, reopening clears the close. A stage move (`moved`) is recorded in its
 * history (once per `dedupeKey`) and restarts its days stalled.
 */
export async function applyDealReport(
  db: Queryable,
  dealId: string,
  report: {
    status: DealRecord['status'];
    deal: DealUpdate;
    crmDeal?: CrmDealRef | undefined;
    at: Date;
    moved: boolean;
    dedupeKey: string;
  },
): Promise<void> {
  const { deal } = report;
  const updated = await db.query<{ stage: string | null }>(
    `UPDATE deals SET status = $2, stage = COALESCE($3, stage), amount = COALESCE($4, amount),
            probability = COALESCE($5, probability), expected_close = COALESCE($6::date, expected_close),
            owner_email = COALESCE($7, owner_email),
            crm_provider = COALESCE(crm_provider, $8), crm_deal_id = COALESCE(crm_deal_id, $9),
            closed_at = CASE WHEN $2 = 'open' THEN NULL WHEN status = 'open' OR closed_at IS NULL THEN $10 ELSE closed_at END,
            last_stage_change_at = CASE WHEN $11 THEN $10 ELSE last_stage_change_at END
      WHERE id = $1 RETURNING stage`,
    [
      dealId,
      report.status,
      deal.stage ?? null,
      deal.amount ?? null,
      deal.probability ?? null,
      deal.expectedCloseDate ?? null,
      deal.ownerEmail ?? null,
      report.crmDeal?.provider ?? null,
      report.crmDeal?.id ?? null,
      report.at,
      report.moved,
    ],
  );
  if (report.moved && updated.rowCount === 1)
    await db.query(
      `INSERT INTO deal_stage_history (deal_id, at, stage, status, dedupe_key) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [dealId, report.at, updated.rows[0]?.stage ?? null, report.status, report.dedupeKey],
    );
}

/** The lead's deals, newest first, each with its stage history oldest first. */
export async function listDeals(db: Queryable, leadId: string): Promise<DealRecord[]> {
  const result = await db.query<DealRow>(
    `SELECT d.id, d.kind, d.crm_provider, d.crm_deal_id, d.status, d.stage, d.amount::text, d.probability::text,
            to_char(d.expected_close, 'YYYY-MM-DD') AS expected_close, d.owner_email, d.opened_at, d.closed_at,
            d.last_stage_change_at,
            COALESCE((SELECT json_agg(json_build_object('at', h.at, 'stage', h.stage, 'status', h.status)
                                      ORDER BY h.at, h.id)
                        FROM deal_stage_history h WHERE h.deal_id = d.id), '[]') AS history
       FROM deals d WHERE d.lead_id = $1
      ORDER BY d.opened_at DESC, d.id DESC`,
    [leadId],
  );
  return result.rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    crmProvider: row.crm_provider,
    crmDealId: row.crm_deal_id,
    status: row.status,
    stage: row.stage,
    amount: row.amount === null ? null : Number(row.amount),
    probability: row.probability === null ? null : Number(row.probability),
    expectedCloseDate: row.expected_close,
    ownerEmail: row.owner_email,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    lastStageChangeAt: row.last_stage_change_at,
    history: row.history.map((h) => ({ at: new Date(h.at), stage: h.stage, status: h.status })),
  }));
}
