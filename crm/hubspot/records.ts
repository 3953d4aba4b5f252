import { EMAIL_PATTERN } from '../../domain/email-address.ts';
import type { CrmEvent } from '../events.ts';
import { hubspotRequest, isNotFound, type HubspotApiSettings } from './client.ts';
import { subjectOf, type HubspotWebhookEvent } from './webhook-events.ts';

/** What reading HubSpot records needs besides API access. */
export interface HubspotSyncSettings extends HubspotApiSettings {
  /** A deal property (a custom one, e.g. `contract_end_reason`) whose value ends the customer's contract. */
  contractEndProperty: string | undefined;
}

/** A CRM object as HubSpot's v3 objects API answers it: every property value is text or null. */
interface HubspotRecord {
  id: string;
  properties: Record<string, string | null | undefined>;
  associations?: { contacts?: { results?: { id: string }[] } };
}

/** The contact property that says the contact unsubscribed from all email. */
export const OPT_OUT_PROPERTY = 'hs_email_optout';
const CONTACT_PROPERTIES = [
  'email',
  'firstname',
  'lastname',
  'company',
  'jobtitle',
  'phone',
  'hubspot_owner_id',
  OPT_OUT_PROPERTY,
];
const DEAL_PROPERTIES = [
  'dealname',
  'dealstage',
  'amount',
  'closedate',
  'hs_deal_stage_probability',
  'hubspot_owner_id',
  'hs_is_closed_won',
  'hs_is_closed',
  'closed_lost_reason',
];
// A change to one of these on a closed deal reopens or closes it; other changes to a
// closed deal (a note on the amount) must not move a customer back to the deal stage.
const STAGE_PROPERTIES = new Set(['dealstage', 'pipeline', 'hs_is_closed_won', 'hs_is_closed']);
const EMAIL = new RegExp(EMAIL_PATTERN);

/** The generic CRM events a HubSpot event stands for, or why it stands for none. */
export interface HubspotTranslation {
  events: CrmEvent[];
  skipped?: string;
}

const text = (value: string | null | undefined, max: number): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, max) : undefined;
};
const defined = <T extends object>(fields: T): T =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;

/**
 * Fetches the records a HubSpot event names (it carries only ids) and translates them
 * into the generic CRM events of `crm/events.ts`, with ids derived from the event's
 * key so a retried activity applies nothing twice:
 * - a contact becomes `lead.created` (creation) or `lead.updated`, plus
 *   `contact.unsubscribed` when it was created opted out or its opt-out turned true;
 * - a deal, through its first associated contact's email, becomes `deal.won` or
 *   `deal.lost` when a stage change (or creation) closed it, `deal.stage_changed` for any
 *   change to an open deal, and `contract.ended` when the configured property is filled.
 * Deletions, and records HubSpot no longer has, translate into nothing.
 */
export async function hubspotCrmEvents(
  settings: HubspotSyncSettings,
  event: HubspotWebhookEvent,
  key: string,
): Promise<HubspotTranslation> {
  const subject = subjectOf(event);
  if (!subject) return { events: [], skipped: `${event.subscriptionType} is not followed` };
  if (subject.change === 'deletion')
    return { events: [], skipped: `a ${subject.object} deleted in HubSpot leaves its lead as it is` };
  const occurredAt = new Date(event.occurredAt).toISOString();
  const creation = subject.change === 'creation';
  try {
    if (subject.object === 'contact') {
      const contact = await fetchRecord(settings, 'contacts', event.objectId, CONTACT_PROPERTIES);
      const email = text(contact.properties.email, 254);
      if (email === undefined || !EMAIL.test(email)) return { events: [], skipped: 'the contact has no usable email' };
      const p = contact.properties;
      const phone = text(p.phone, 40);
      const data = defined({
        email,
        name: [text(p.lastname, 100), text(p.firstname, 100)].filter(Boolean).join(' ') || undefined,
        company: text(p.company, 200),
        title: text(p.jobtitle, 200),
        phone: phone !== undefined && /^[0-9+() -]+$/.test(phone) ? phone : undefined,
        ownerEmail: await ownerEmail(settings, p.hubspot_owner_id),
        externalId: `hubspot:contact:${contact.id}`,
      });
      const events: CrmEvent[] = [
        { id: `${key}:lead`, type: creation ? 'lead.created' : 'lead.updated', occurredAt, data },
      ];
      if (p[OPT_OUT_PROPERTY] === 'true' && (creation || event.propertyName === OPT_OUT_PROPERTY))
        events.push({ id: `${key}:unsubscribed`, type: 'contact.unsubscribed', occurredAt, data: { email } });
      return { events };
    }

    const contractEnd = settings.contractEndProperty;
    const deal = await fetchRecord(
      settings,
      'deals',
      event.objectId,
      contractEnd ? [...DEAL_PROPERTIES, contractEnd] : DEAL_PROPERTIES,
      'contacts',
    );
    const email = await dealContactEmail(settings, deal);
    if (email === undefined) return { events: [], skipped: 'the deal has no associated contact with an email' };
    const p = deal.properties;
    const stage = text(p.dealstage, 100);
    const won = stage === 'closedwon' || p.hs_is_closed_won === 'true';
    const lost = !won && (stage === 'closedlost' || p.hs_is_closed === 'true');
    const stageEvent = creation || STAGE_PROPERTIES.has(event.propertyName ?? '');
    const events: CrmEvent[] = [];
    if (won && stageEvent)
      events.push({ id: `${key}:deal`, type: 'deal.won', occurredAt, data: await dealData(settings, email, p, stage) });
    else if (lost && stageEvent)
      events.push({
        id: `${key}:deal`,
        type: 'deal.lost',
        occurredAt,
        data: { email, reason: text(p.closed_lost_reason, 200) ?? stage ?? 'closedlost' } as CrmEvent['data'],
      });
    else if (!won && !lost && (creation || event.propertyName !== contractEnd))
      events.push({
        id: `${key}:deal`,
        type: 'deal.stage_changed',
        occurredAt,
        data: await dealData(settings, email, p, stage),
      });
    const reason = contractEnd === undefined ? undefined : text(p[contractEnd], 200);
    if (reason !== undefined && (creation || event.propertyName === contractEnd))
      events.push({
        id: `${key}:contract`,
        type: 'contract.ended',
        occurredAt,
        data: { email, reason } as CrmEvent['data'],
      });
    return events.length > 0
      ? { events }
      : { events, skipped: `a change of ${event.propertyName ?? 'a property'} on a closed deal changes nothing` };
  } catch (error) {
    if (isNotFound(error)) return { events: [], skipped: `the ${subject.object} is no longer in HubSpot` };
    throw error;
  }
}

async function fetchRecord(
  settings: HubspotApiSettings,
  type: 'contacts' | 'deals',
  id: number | string,
  properties: string[],
  associations?: string,
): Promise<HubspotRecord> {
  const query = new URLSearchParams({ properties: properties.join(',') });
  if (associations !== undefined) query.set('associations', associations);
  return hubspotRequest<HubspotRecord>(
    settings,
    'GET',
    `/crm/v3/objects/${type}/${encodeURIComponent(String(id))}?${query.toString()}`,
  );
}

/** The email of the deal's first associated contact that has one. */
async function dealContactEmail(settings: HubspotApiSettings, deal: HubspotRecord): Promise<string | undefined> {
  for (const { id } of deal.associations?.contacts?.results ?? []) {
    try {
      const email = text((await fetchRecord(settings, 'contacts', id, ['email'])).properties.email, 254);
      if (email !== undefined && EMAIL.test(email)) return email;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return undefined;
}

/** The owner's login email, the engine's name for a rep; undefined when unassigned or gone. */
async function ownerEmail(
  settings: HubspotApiSettings,
  ownerId: string | null | undefined,
): Promise<string | undefined> {
  if (!ownerId?.trim()) return undefined;
  try {
    const owner = await hubspotRequest<{ email?: string | null }>(
      settings,
      'GET',
      `/crm/v3/owners/${encodeURIComponent(ownerId.trim())}`,
    );
    return owner.email && EMAIL.test(owner.email) ? owner.email : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** A deal's fields in the generic form: probability from HubSpot's 0–1 to percent, the close date's UTC day. */
async function dealData(
  settings: HubspotApiSettings,
  email: string,
  p: HubspotRecord['properties'],
  stage: string | undefined,
): Promise<CrmEvent['data']> {
  const amount = Number(p.amount ?? '');
  const probability = Number(p.hs_deal_stage_probability ?? '');
  const closeDate = /^\d{4}-\d{2}-\d{2}/.exec(p.closedate ?? '')?.[0];
  return defined({
    email,
    stage,
    amount: p.amount && Number.isFinite(amount) && amount >= 0 && amount <= 1e12 ? amount : undefined,
    probability:
      p.hs_deal_stage_probability && Number.isFinite(probability) && probability >= 0 && probability <= 1
        ? Math.round(probability * 1000) / 10
        : undefined,
    expectedCloseDate: closeDate,
    ownerEmail: await ownerEmail(settings, p.hubspot_owner_id),
  });
}
