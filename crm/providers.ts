import type { Config } from '../config/env.ts';
import type { CrmDealSync } from './deal-sync.ts';
import { ZohoClient } from './zoho/client.ts';
import { zohoDealSync } from './zoho/deals.ts';

/** The CRM connections the worker's activities use; each is absent when not configured. */
export interface CrmConnections {
  /** Zoho CRM's REST API: fetching records named by Notification API callbacks. */
  zoho: ZohoClient | undefined;
  /** Where escalations create or update deals. */
  deals: CrmDealSync | undefined;
}

/**
 * The CRMs the configuration connects. Deals go to Zoho when its OAuth client is set,
 * else to HubSpot when HUBSPOT_ACCESS_TOKEN is set, else nowhere (escalations still email
 * and post to chat).
 */
export function crmConnectionsFromConfig(config: Pick<Config, 'zoho' | 'publicBaseUrl'>): CrmConnections {
  const zoho = config.zoho === undefined ? undefined : new ZohoClient(config.zoho);
  let deals: CrmDealSync | undefined;
  if (zoho !== undefined && config.zoho !== undefined) deals = zohoDealSync(zoho, { dealStage: config.zoho.dealStage, publicBaseUrl: config.publicBaseUrl });
  // HubSpot plugs in here (branch crm-hubspot):
  //   else if (config.hubspotAccessToken !== undefined) deals = hubspotDealSync(config);
  return { zoho, deals };
}
