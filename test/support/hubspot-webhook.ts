import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { HubspotWebhookEvent } from '../../crm/hubspot/webhook-events.ts';
import { PUBLIC_BASE_URL } from './services.ts';

/** Where HubSpot posts webhook batches. */
export const HUBSPOT_WEBHOOK_PATH = '/v1/webhooks/crm/hubspot';

/** HubSpot's v3 signature: HMAC-SHA256 (base64) of method, URI, body and timestamp with the app's client secret. */
export const hubspotSignature = (
  secret: string,
  body: string,
  timestamp: string,
  uri = `${PUBLIC_BASE_URL}${HUBSPOT_WEBHOOK_PATH}`,
): string => createHmac('sha256', secret).update(`POST${uri}${body}${timestamp}`).digest('base64');

/** One webhook event as HubSpot sends it, with the fields every event carries. */
export const hubspotTestEvent = (
  eventId: number,
  fields: Partial<HubspotWebhookEvent> & Pick<HubspotWebhookEvent, 'subscriptionType' | 'objectId'>,
): HubspotWebhookEvent => ({
  eventId,
  subscriptionId: 25,
  portalId: 62515,
  appId: 3000,
  occurredAt: Date.now(),
  attemptNumber: 0,
  changeSource: 'CRM',
  ...fields,
});

/**
 * Posts a batch as HubSpot does, signed with `secret` now (or at `timestamp`); `signature`
 * replaces the signature, and null sends none.
 */
export function postHubspotBatch(
  app: FastifyInstance,
  secret: string,
  events: HubspotWebhookEvent[],
  options: { timestamp?: number; signature?: string | null } = {},
) {
  const body = JSON.stringify(events);
  const timestamp = String(options.timestamp ?? Date.now());
  const signature = options.signature === undefined ? hubspotSignature(secret, body, timestamp) : options.signature;
  return app.inject({
    method: 'POST',
    url: HUBSPOT_WEBHOOK_PATH,
    headers: {
      'content-type': 'application/json',
      'x-hubspot-request-timestamp': timestamp,
      ...(signature === null ? {} : { 'x-hubspot-signature-v3': signature }),
    },
    payload: body,
  });
}
