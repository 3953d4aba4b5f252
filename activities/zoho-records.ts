import { ApplicationFailure, Context } from '@temporalio/activity';
import { CrmPermanentError } from '../crm/deal-sync.ts';
import { zohoEvents } from '../crm/zoho/events.ts';
import { getZohoRecord, zohoRecordOf, type ZohoModule } from '../crm/zoho/records.ts';
import { emailOfCrmDeal } from '../db/repositories/crm-deals.ts';
import { InvalidInput } from '../domain/errors.ts';
import { applyCrmChange } from '../intake/crm-events.ts';
import { isRecordReport } from '../crm/events.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** One record a Zoho Notification API callback named. */
export interface ApplyZohoRecordInput {
  module: ZohoModule;
  id: string;
}

/** Inbound Zoho: records named by Notification API callbacks, fetched and applied. */
export function createZohoRecordActivities({
  db,
  crm,
  consentDefaults,
}: Pick<ActivityDependencies, 'db' | 'crm' | 'consentDefaults'>) {
  return {
    /**
     * Fetches the record from Zoho's REST API and applies it through the same mapping as
     * workflow-rule webhooks (`zohoEvents`, `applyCrmEvent`): the same change applied twice
     * has no second effect. A record Zoho no longer has is skipped.
     */
    async applyZohoRecord(input: ApplyZohoRecordInput): Promise<{ applied: string[]; gone: boolean }> {
      const zoho = crm?.zoho;
      if (!zoho)
        throw ApplicationFailure.nonRetryable(
          'Zoho CRM is not configured on the worker: set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN',
          'CrmPermanent',
        );
      const { client, info } = Context.current();
      try {
        const fields = await getZohoRecord(zoho, input.module, input.id);
        if (!fields) return { applied: [], gone: true };
        const record = await zohoRecordOf(zoho, input.module, { ...fields, id: input.id }, (dealId) =>
          emailOfCrmDeal(db, 'zoho', dealId),
        );
        const applied: string[] = [];
        for (const change of zohoEvents(record, new Date())) {
          const result = await applyCrmChange(
            { db, temporal: client, taskQueue: info.taskQueue, consentDefaults },
            'zoho',
            change,
          );
          if (!result.duplicate) applied.push(...(isRecordReport(change) ? result.events : [change.type]));
        }
        return { applied, gone: false };
      } catch (error) {
        if (error instanceof CrmPermanentError)
          throw ApplicationFailure.nonRetryable(error.message, 'CrmPermanent', { status: error.status });
        // A record the mapping cannot use (no email, a bad value): retrying cannot fix it.
        if (error instanceof InvalidInput)
          throw ApplicationFailure.nonRetryable(error.message, 'ZohoRecordUnusable', error.details);
        throw error;
      }
    },
  };
}
