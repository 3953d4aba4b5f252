import type { Config } from '../config/env.ts';
import type { CrmDealSync } from './deal-sync.ts';
import { hubspotDealSync } from './hubspot/deals.ts';
import type { HubspotSyncSettings } from './hubspot/records.ts';
import { ZohoClient } from './zoho/client.ts';
import { zohoDealSync } from './zoho/deals.ts';

/** The CRM connections the worker's activities use; each is absent when not configured. */
export interface CrmConnections {
  /** Zoho CRM's REST API: fetching records named by Notification API callbacks. */
  zoho: ZohoClient | undefined;
  /** HubSpot's CRM API (HUBSPOT_ACCESS_TOKEN): fetching records named by its webhooks. */
  hubspot?: HubspotSyncSettings | undefined;
  /** Where escalations create or update deals. */
  deals: CrmDealSync | undefined;
}

/**
 * The CRMs the configuration connects. Deals go to Zoho when its OAuth client is set,
 * else to HubSpot when HUBSPOT_ACCESS_TOKEN is set, else nowhere (escalations still email
 * and post to chat).
 */
export function crmConnectionsFromConfig(config: Pick<Config, 'zoho' | 'publicBaseUrl' | 'hubspot'>): CrmConnections {
  const zoho = config.zoho === undefined ? undefined : new ZohoClient(config.zoho);
  const { accessToken } = config.hubspot;
  const hubspot = accessToken === undefined ? undefined : { ...config.hubspot, accessToken };
  let deals: CrmDealSync | undefined;
  if (zoho !== undefined && config.zoho !== undefined)
    deals = zohoDealSync(zoho, { dealStage: config.zoho.dealStage, publicBaseUrl: config.publicBaseUrl });
  else if (hubspot !== undefined) deals = hubspotDealSync(hubspot);
  return { zoho, hubspot, deals };
}
