import type { CrmProvider } from '../domain/crm-provider.ts';
import type { Lead } from '../db/repositories/leads.ts';

/** What an escalation hands to the connected CRM. */
export interface CrmDealRequest {
  lead: Lead;
  /** `sales` for a hot lead, `upsell` for a customer's new opportunity. */
  kind: 'sales' | 'upsell';
  score: number;
  /** The rep the escalation went to, when known. */
  ownerEmail: string | undefined;
  /** The CRM's id of the deal already made for this lead, to update instead of create. */
  existingDealId: string | undefined;
}

/** The deal as the CRM now has it. */
export interface CrmDealResult {
  provider: CrmProvider;
  dealId: string;
  created: boolean;
}

/**
 * One CRM's way to create or update a deal through its REST API. Transient failures
 * (network, 429, 5xx) throw plain errors so the activity retries; permanent ones
 * (401, 400 from a bad mapping) throw `CrmPermanentError`.
 */
export interface CrmDealSync {
  provider: CrmProvider;
  upsertDeal(request: CrmDealRequest): Promise<CrmDealResult>;
}

/** A CRM answer that retrying cannot change (bad credentials, a rejected field). */
export class CrmPermanentError extends Error {
  constructor(
    readonly provider: CrmProvider,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'CrmPermanentError';
  }
}
