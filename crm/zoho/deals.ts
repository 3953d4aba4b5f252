import { CrmPermanentError, type CrmDealRequest, type CrmDealResult, type CrmDealSync } from '../deal-sync.ts';
import { type ZohoClient, type ZohoResponse } from './client.ts';

// Owner ids change rarely; the user list is read at most every ten minutes.
const USERS_TTL_MS = 10 * 60_000;
// A deal's close date when the lead has none: Zoho's Deals layout requires one.
const DEFAULT_CLOSE_DAYS = 30;

interface ZohoItem {
  code?: string;
  status?: string;
  message?: string;
  details?: { id?: string; api_name?: string };
}

function firstItem(response: ZohoResponse): ZohoItem | undefined {
  const data = (response.body as { data?: unknown } | undefined)?.data;
  return Array.isArray(data) ? (data[0] as ZohoItem | undefined) : undefined;
}

/** The id of a deal Zoho accepted, or a permanent error naming what it refused. */
function dealIdOf(response: ZohoResponse, what: string): string {
  const item = firstItem(response) ?? (response.body as ZohoItem | undefined);
  if (response.status < 300 && item?.code === 'SUCCESS' && typeof item.details?.id === 'string') return item.details.id;
  const field = item?.details?.api_name === undefined ? '' : ` (field ${item.details.api_name})`;
  throw new CrmPermanentError(
    'zoho',
    response.status,
    `Zoho refused to ${what}: ${item?.code ?? response.status} ${item?.message ?? ''}${field}`.trim(),
  );
}

/** `YYYY-MM-DD`, `days` from now in the lead's time zone. */
function dateInDays(days: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(Date.now() + days * 86_400_000),
  );
}

/**
 * Deals in Zoho CRM through its REST API: POST `/crm/v8/Deals` to create, PUT
 * `/crm/v8/Deals/{id}` to update (falling back to create when Zoho no longer has the
 * deal). The deal opens in `dealStage`; its description says why the lead is hot.
 */
export function zohoDealSync(zoho: ZohoClient, options: { dealStage: string; publicBaseUrl: string }): CrmDealSync {
  let users: { byEmail: Map<string, string>; readAtMs: number } | undefined;

  async function ownerId(email: string | undefined): Promise<string | undefined> {
    if (email === undefined) return undefined;
    if (!users || Date.now() - users.readAtMs > USERS_TTL_MS) {
      const response = await zoho.request('GET', '/users?type=ActiveUsers&per_page=200');
      const list =
        response.status === 200
          ? ((response.body as { users?: { id?: unknown; email?: unknown }[] } | undefined)?.users ?? [])
          : [];
      users = {
        byEmail: new Map(
          list
            .filter((u) => typeof u.id === 'string' && typeof u.email === 'string')
            .map((u) => [(u.email as string).toLowerCase(), u.id as string]),
        ),
        readAtMs: Date.now(),
      };
    }
    // An owner who is not a Zoho user leaves the deal to the token's user.
    return users.byEmail.get(email.toLowerCase());
  }

  async function dealFields(request: CrmDealRequest): Promise<Record<string, unknown>> {
    const { lead, kind, score } = request;
    const who = lead.company ?? lead.name ?? lead.email;
    const contactId = /^zoho:Contacts:(.+)$/.exec(lead.externalId ?? '')?.[1];
    const owner = await ownerId(request.ownerEmail);
    const why = `${kind === 'sales' ? 'Hot lead' : 'Upsell opportunity'}: score ${Math.round(score)} reached the cadence's threshold.`;
    return {
      Deal_Name: `${who}${kind === 'upsell' ? ' (upsell)' : ''}`.slice(0, 120),
      Stage: options.dealStage,
      Closing_Date:
        lead.deal?.status === 'open' && lead.deal.expectedCloseDate
          ? lead.deal.expectedCloseDate
          : dateInDays(DEFAULT_CLOSE_DAYS, lead.timezone),
      ...(lead.deal?.amount != null ? { Amount: lead.deal.amount } : {}),
      ...(contactId !== undefined ? { Contact_Name: { id: contactId } } : {}),
      ...(owner !== undefined ? { Owner: { id: owner } } : {}),
      Description: [
        why,
        `Lead: ${[lead.name, `<${lead.email}>`, lead.company].filter(Boolean).join(' ')}`,
        `${options.publicBaseUrl}/leads/${lead.id}`,
      ].join('\n'),
    };
  }

  return {
    provider: 'zoho',
    async upsertDeal(request: CrmDealRequest): Promise<CrmDealResult> {
      const fields = await dealFields(request);
      if (request.existingDealId !== undefined) {
        const response = await zoho.request('PUT', `/Deals/${encodeURIComponent(request.existingDealId)}`, {
          data: [fields],
        });
        const item = firstItem(response) ?? (response.body as ZohoItem | undefined);
        // Deleted in Zoho since: make it again rather than fail the escalation.
        const gone = item?.code === 'INVALID_DATA' && item.details?.api_name === 'id';
        if (!gone)
          return {
            provider: 'zoho',
            dealId: dealIdOf(response, `update deal ${request.existingDealId}`),
            created: false,
          };
      }
      const response = await zoho.request('POST', '/Deals', { data: [fields] });
      return { provider: 'zoho', dealId: dealIdOf(response, 'create the deal'), created: true };
    },
  };
}
