import { ApplicationFailure } from '@temporalio/activity';
import type { Cadence } from '../domain/cadence.ts';
import { consentBlocksEmail } from '../domain/consent.ts';
import { findCadence } from '../db/repositories/cadences.ts';
import { findLead, setCadenceVersion } from '../db/repositories/leads.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** What a workflow needs to plan a lead's next step. */
export interface LeadPlan {
  cadence: { key: string; version: number; definition: Cadence };
  /** The lead's time zone: calendar waits (`P1D`, `P1M`) are counted in it. */
  timezone: string;
  /** Whether the lead has a postal address, so a DM reaches it; absent in histories recorded before the touch planner. */
  hasPostalAddress?: boolean;
  /**
   * Email may not reach the lead for lack of a consent basis (CONSENT_REQUIRED=true): plan
   * its email steps as for a suppressed address (their fallbacks, DM and tasks). Absent in
   * histories recorded before consent records, and whenever email may go.
   */
  emailBlocked?: boolean;
}

/** Cadence reads: a workflow plans each step from the lead's current cadence. */
export function createCadenceActivities({ db, consentRequired }: Pick<ActivityDependencies, 'db' | 'consentRequired'>) {
  return {
    /**
     * The newest version of the lead's current cadence (a lead moved to another cadence
     * follows it from its next step) and the lead's time zone. A missing lead or cadence
     * is permanent, not retried. The version answered is the one the workflow runs from
     * now on, so it is recorded on the lead: the cadence's version history counts leads by it.
     */
    async planNextStep(leadId: string): Promise<LeadPlan> {
      const lead = await findLead(db, leadId);
      if (!lead) throw ApplicationFailure.nonRetryable(`lead ${leadId} does not exist`, 'LeadNotFound');
      const cadence = await findCadence(db, lead.cadenceKey);
      if (!cadence)
        throw ApplicationFailure.nonRetryable(`cadence "${lead.cadenceKey}" does not exist`, 'CadenceNotFound');
      if ((lead.cadenceVersion ?? null) !== cadence.version)
        await setCadenceVersion(db, lead.id, cadence.key, cadence.version);
      return {
        cadence: { key: cadence.key, version: cadence.version, definition: cadence.definition },
        timezone: lead.timezone,
        hasPostalAddress: lead.postalAddress !== undefined,
        ...(consentBlocksEmail(consentRequired === true, lead.consent) === null ? {} : { emailBlocked: true }),
      };
    },
  };
}
