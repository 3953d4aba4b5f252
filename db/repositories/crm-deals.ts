import type { CrmProvider } from '../../domain/crm-provider.ts';
import type { Queryable } from '../pool.ts';

/** The CRM deal an escalation made for a lead. */
export interface CrmDealLink {
  provider: CrmProvider;
  dealId: string;
  kind: 'sales' | 'upsell';
}

/** The lead's CRM deal, if an escalation made one. */
export async function findCrmDeal(db: Queryable, leadId: string): Promise<CrmDealLink | undefined> {
  const result = await db.query<{ crm_provider: CrmProvider; crm_deal_id: string; crm_deal_kind: 'sales' | 'upsell' }>(
    'SELECT crm_provider, crm_deal_id, crm_deal_kind FROM leads WHERE id = $1 AND crm_deal_id IS NOT NULL',
    [leadId],
  );
  const row = result.rows[0];
  return row ? { provider: row.crm_provider, dealId: row.crm_deal_id, kind: row.crm_deal_kind } : undefined;
}

/** Remembers the CRM deal an escalation made or updated. */
export async function saveCrmDeal(db: Queryable, leadId: string, link: CrmDealLink): Promise<void> {
  await db.query('UPDATE leads SET crm_provider = $2, crm_deal_id = $3, crm_deal_kind = $4 WHERE id = $1', [
    leadId,
    link.provider,
    link.dealId,
    link.kind,
  ]);
}

/** The email of the lead whose escalation made this CRM deal, if one did. */
export async function emailOfCrmDeal(
  db: Queryable,
  provider: CrmProvider,
  dealId: string,
): Promise<string | undefined> {
  const result = await db.query<{ email: string }>(
    'SELECT email FROM leads WHERE crm_provider = $1 AND crm_deal_id = $2 LIMIT 1',
    [provider, dealId],
  );
  return result.rows[0]?.email;
}
