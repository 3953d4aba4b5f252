import { ApplicationFailure, Context } from '@temporalio/activity';
import { hubspotCrmEvents } from '../crm/hubspot/records.ts';
import type { HubspotWebhookEvent } from '../crm/hubspot/webhook-events.ts';
import { InvalidInput } from '../domain/errors.ts';
import { isRecordReport } from '../crm/events.ts';
import { applyCrmChange } from '../intake/crm-events.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** One HubSpot webhook event and its dedupe key (see `hubspotEventKey`). */
export interface SyncHubspotEventInput {
  key: string;
  event: HubspotWebhookEvent;
}

/** What the event did: the generic CRM events applied, or why there were none. */
export interface SyncHubspotEventResult {
  applied: { type: string; duplicate: boolean; leadId: string | null }[];
  skipped?: string;
}

/** HubSpot's side of inbound CRM sync: the records a webhook names, fetched and applied. */
export function createHubspotActivities({
  db,
  crm,
  consentDefaults,
}: Pick<ActivityDependencies, 'db' | 'crm' | 'consentDefaults'>) {
  return {
    /**
     * Fetches the records the event names from HubSpot and applies them as generic CRM
     * events, in the same code as the CRM webhooks. Safe to retry: every applied event
     * has its own receipt, committed with its effect.
     */
    async syncHubspotEvent({ key, event }: SyncHubspotEventInput): Promise<SyncHubspotEventResult> {
      const settings = crm?.hubspot;
      // Retried, not failed: the event waits for the operator to set the token.
      if (settings === undefined)
        throw new Error('HUBSPOT_ACCESS_TOKEN is not set on the worker: HubSpot records cannot be fetched');
      const { events, skipped } = await hubspotCrmEvents(settings, event, key);
      const context = Context.current();
      const applied: SyncHubspotEventResult['applied'] = [];
      for (const change of events) {
        const what = isRecordReport(change) ? `${change.kind} ${change.recordId}` : change.type;
        try {
          const result = await applyCrmChange(
            { db, temporal: context.client, taskQueue: context.info.taskQueue, consentDefaults },
            'hubspot',
            change,
          );
          const types = isRecordReport(change) ? result.events : [change.type];
          for (const type of types) applied.push({ type, duplicate: result.duplicate, leadId: result.leadId });
        } catch (error) {
          // A record the engine cannot take (a lead refused by validation) will not change on a retry.
          if (error instanceof InvalidInput)
            throw ApplicationFailure.nonRetryable(`${what}: ${error.message}`, 'InvalidCrmRecord', error.details);
          throw error;
        }
      }
      // A whole record that changed nothing the engine follows (a note, a description) is no event.
      const unchanged = skipped === undefined && applied.length === 0 && events.length > 0;
      if (unchanged) return { applied, skipped: 'nothing the engine follows changed on the record' };
      return skipped === undefined ? { applied } : { applied, skipped };
    },
  };
}
