import type { Lead } from '../../db/repositories/leads.ts';
import type { CrmDealRequest, CrmDealResult, CrmDealSync } from '../deal-sync.ts';
import { hubspotRequest, isNotFound, type HubspotApiSettings } from './client.ts';

/** Where escalated deals go: HubSpot API access, and the pipeline and stage new deals start in. */
export interface HubspotDealSettings extends HubspotApiSettings {
  /** Pipeline id (`default` is the account's first pipeline). */
  dealPipeline: string;
  /** Stage id in that pipeline (`appointmentscheduled` is the default pipeline's first). */
  dealStage: string;
}

// HubSpot's own association type from a deal to a contact.
const DEAL_TO_CONTACT = 3;

interface Created {
  id: string;
}

/**
 * Creates or updates the escalated lead's deal in HubSpot: the contact is found by email
 * (created when missing, its name split family-name first as the engine stores it), the
 * deal created in the configured pipeline and stage and associated with it, or, when the
 * lead already has a deal there, that deal updated (its owner). A deal deleted in HubSpot
 * meanwhile is created again.
 */
export function hubspotDealSync(settings: HubspotDealSettings): CrmDealSync {
  return {
    provider: 'hubspot',
    async upsertDeal(request: CrmDealRequest): Promise<CrmDealResult> {
      const ownerId = request.ownerEmail === undefined ? undefined : await ownerIdOf(settings, request.ownerEmail);
      if (request.existingDealId !== undefined) {
        const path = `/crm/v3/objects/deals/${encodeURIComponent(request.existingDealId)}`;
        try {
          if (ownerId === undefined) await hubspotRequest(settings, 'GET', path);
          else await hubspotRequest(settings, 'PATCH', path, { properties: { hubspot_owner_id: ownerId } });
          return { provider: 'hubspot', dealId: request.existingDealId, created: false };
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      const contactId = await contactIdOf(settings, request.lead);
      const lead = request.lead;
      const properties: Record<string, string> = {
        dealname: `${lead.company ?? lead.name ?? lead.email}${request.kind === 'upsell' ? ' (upsell)' : ''}`.slice(
          0,
          250,
        ),
        pipeline: settings.dealPipeline,
        dealstage: settings.dealStage,
      };
      if (lead.deal?.amount != null) properties.amount = String(lead.deal.amount);
      if (lead.deal?.expectedCloseDate != null) properties.closedate = `${lead.deal.expectedCloseDate}T00:00:00.000Z`;
      if (ownerId !== undefined) properties.hubspot_owner_id = ownerId;
      const deal = await hubspotRequest<Created>(settings, 'POST', '/crm/v3/objects/deals', {
        properties,
        associations: [
          {
            to: { id: contactId },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: DEAL_TO_CONTACT }],
          },
        ],
      });
      return { provider: 'hubspot', dealId: deal.id, created: true };
    },
  };
}

/** The HubSpot owner (user) with this email, if there is one. */
async function ownerIdOf(settings: HubspotApiSettings, email: string): Promise<string | undefined> {
  const query = new URLSearchParams({ email, limit: '1' });
  const owners = await hubspotRequest<{ results?: { id: string }[] }>(
    settings,
    'GET',
    `/crm/v3/owners?${query.toString()}`,
  );
  return owners.results?.[0]?.id;
}

/** The lead's contact in HubSpot, by email; created from the lead's profile when missing. */
async function contactIdOf(settings: HubspotApiSettings, lead: Lead): Promise<string> {
  const found = await hubspotRequest<{ results?: { id: string }[] }>(
    settings,
    'POST',
    '/crm/v3/objects/contacts/search',
    {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: lead.email }] }],
      properties: ['email'],
      limit: 1,
    },
  );
  const existing = found.results?.[0]?.id;
  if (existing !== undefined) return existing;
  // The engine keeps names family-name first ("山田 太郎"), as it reads them from HubSpot.
  const [lastname, ...given] = (lead.name ?? '').trim().split(/\s+/);
  const properties: Record<string, string> = { email: lead.email };
  if (lastname) properties.lastname = lastname;
  if (given.length > 0) properties.firstname = given.join(' ');
  if (lead.company) properties.company = lead.company;
  if (lead.title) properties.jobtitle = lead.title;
  if (lead.phone) properties.phone = lead.phone;
  // A 409 (created meanwhile by someone else) is retried, and the search then finds it.
  return (await hubspotRequest<Created>(settings, 'POST', '/crm/v3/objects/contacts', { properties })).id;
}
