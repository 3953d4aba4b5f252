import { ApplicationFailure } from '@temporalio/activity';
import { CrmPermanentError } from '../crm/deal-sync.ts';
import type { CrmProvider } from '../domain/crm-provider.ts';
import { findCrmDeal, saveCrmDeal } from '../db/repositories/crm-deals.ts';
import { isCrmDealWon, linkDealToCrm } from '../db/repositories/deals.ts';
import { findLead } from '../db/repositories/leads.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** An escalation to mirror as a deal in the connected CRM. */
export interface SyncCrmDealInput {
  leadId: string;
  kind: 'sales' | 'upsell';
  score: number;
  ownerEmail: string | undefined;
  atMs: number;
  idempotencyKey: string;
  /** The engine's deal the CRM deal mirrors (its escalation's key); absent in older histories, then derived from `idempotencyKey`. */
  dealKey?: string | undefined;
}

/** The deal the CRM now has, or why there is none. */
export type SyncCrmDealResult =
  { status: 'not-configured' } | { status: 'synced'; provider: CrmProvider; dealId: string; created: boolean };

/** Outbound deals: the escalation's deal created or updated in the connected CRM. */
export function createCrmDealActivities({ db, crm }: Pick<ActivityDependencies, 'db' | 'crm'>) {
  return {
    /**
     * Creates the lead's deal in the CRM, or updates the one an earlier escalation of the
     * same kind made (its id is kept on the lead, so a retry or a later escalation never
     * makes a second deal) unless that deal was won. A CRM refusal retrying cannot fix is a `CrmPermanent` failure.
     */
    async syncCrmDeal(input: SyncCrmDealInput): Promise<SyncCrmDealResult> {
      const sync = crm?.deals;
      if (!sync) return { status: 'not-configured' };
      const lead = await findLead(db, input.leadId);
      if (!lead) throw ApplicationFailure.nonRetryable(`lead ${input.leadId} does not exist`, 'LeadNotFound');
      const link = await findCrmDeal(db, lead.id);
      // A won deal is history in the CRM (its revenue counted): updating it would reopen it
      // at the first stage, so a later escalation (the next upsell) makes a new one.
      const reusable =
        link?.provider === sync.provider &&
        link.kind === input.kind &&
        !(await isCrmDealWon(db, lead.id, { provider: link.provider, id: link.dealId }));
      const existingDealId = reusable ? link.dealId : undefined;
      let result;
      try {
        result = await sync.upsertDeal({
          lead,
          kind: input.kind,
          score: input.score,
          ownerEmail: input.ownerEmail,
          existingDealId,
        });
      } catch (error) {
        if (error instanceof CrmPermanentError)
          throw ApplicationFailure.nonRetryable(error.message, 'CrmPermanent', {
            provider: error.provider,
            status: error.status,
          });
        throw error;
      }
      await saveCrmDeal(db, lead.id, { provider: result.provider, dealId: result.dealId, kind: input.kind });
      await linkDealToCrm(db, input.dealKey ?? input.idempotencyKey.replace(/\/crm$/, ''), {
        provider: result.provider,
        id: result.dealId,
      });
      await appendTimeline(db, {
        leadId: lead.id,
        at: new Date(input.atMs),
        kind: 'crm_deal_synced',
        detail: { provider: result.provider, dealId: result.dealId, created: result.created, kind: input.kind },
        dedupeKey: input.idempotencyKey,
      });
      return { status: 'synced', ...result };
    },
  };
}
