import type { Stage } from './lead.ts';

/** What a deal is for: a first sale, more for a customer, or a former customer won back. */
export type DealKind = 'new' | 'upsell' | 'reactivation';

/** Every deal kind, as the API and the database spell them. */
export const DEAL_KINDS = ['new', 'upsell', 'reactivation'] as const satisfies readonly DealKind[];

/** A deal as a CRM names it: the CRM and its id there. */
export interface CrmDealRef {
  provider: string;
  id: string;
}

/** Whether two CRM references name the same deal. */
export const sameCrmDeal = (a: CrmDealRef | undefined | null, b: CrmDealRef | undefined | null): boolean =>
  a != null && b != null && a.provider === b.provider && a.id === b.id;

/**
 * The kind of a sales deal opened while the lead is in `stage`: a lead in reactivation or
 * dormant, or closed after its contract ended, is a former customer won back.
 */
export function salesDealKind(stage: Stage, contractEnded: boolean): DealKind {
  if (stage === 'reactivation' || stage === 'dormant') return 'reactivation';
  return stage === 'closed' && contractEnded ? 'reactivation' : 'new';
}
