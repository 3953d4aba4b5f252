import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { SyncHubspotEventInput, SyncHubspotEventResult } from '../activities/hubspot.ts';

// HubSpot's API answers 429 under its rate limits and can be down for a while; the event
// waits and is applied when it answers (a missing or revoked token is retried too, so
// setting it right recovers every event received meanwhile).
const hubspot = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['InvalidCrmRecord'] },
});

/**
 * One HubSpot webhook event: its records fetched from HubSpot and applied to the lead.
 * Started by `POST /v1/webhooks/crm/hubspot` with an id derived from the event's key, so a
 * repeated event starts nothing.
 */
export async function crmFetchHubspot(input: SyncHubspotEventInput): Promise<SyncHubspotEventResult> {
  return hubspot.syncHubspotEvent(input);
}
