import type { SyncHubspotEventInput, SyncHubspotEventResult } from '../activities/hubspot-records.ts';
import { hubspotCalls } from './activities.ts';

/**
 * One HubSpot webhook event: its records fetched from HubSpot and applied to the lead.
 * Started by `POST /v1/webhooks/crm/hubspot` with an id derived from the event's key, so a
 * repeated event starts nothing.
 */
export async function crmFetchHubspot(input: SyncHubspotEventInput): Promise<SyncHubspotEventResult> {
  return hubspotCalls.syncHubspotEvent(input);
}
