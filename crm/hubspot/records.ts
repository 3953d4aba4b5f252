import { EMAIL_PATTERN } from '../../domain/email-address.ts';
import type { CrmChange, CrmEvent } from '../events.ts';
import { hubspotRequest, isNotFound, type HubspotApiSettings } from './client.ts';
import { subjectOf, type HubspotWebhookEvent } from './webhook-events.ts';

/** What reading HubSpot records needs besides API access. */
export interface HubspotSyncSettings extends HubspotApiSettings {
  /** A deal property (a custom one, e.g. `contract_end_reason`) whose value ends the customer's contract. */
  contractEndProperty: string | undefined;
  /** A date deal property holding the day the contract ends (sent on `contract.ended` as `endedAt`). */
  contractEndDateProperty?: string | undefined;
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
  'lastmodifieddate',
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
  'hs_lastmodifieddate',
];
const EMAIL = new RegExp(EMAIL_PATTERN);

/** The generic CRM events a HubSpot event stands for, or why it stands for none. */
export interface HubspotTranslation {
  events: CrmChange[];
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
      const changes: CrmChange[] = [...events];
      // The opt-out as the contact has it now; intake reports it when it turned true.
      const optOut = p[OPT_OUT_PROPERTY];
      if (optOut === 'true' || optOut === 'false')
        changes.push({
          id: `${key}:optout`,
          occurredAt,
          kind: 'contact',
          recordId: `contact:${contact.id}`,
          modifiedAt: text(p.lastmodifieddate, 40),
          email,
          fields: { optOut: optOut === 'true' },
        });
      return { events: changes };
    }

    const contractEnd = settings.contractEndProperty;
    const contractEndDate = settings.contractEndDateProperty;
    const deal = await fetchRecord(
      settings,
      'deals',
      event.objectId,
      [...DEAL_PROPERTIES, ...[contractEnd, contractEndDate].filter((name) => name !== undefined)],
      'contacts',
    );
    const email = await dealContactEmail(settings, deal);
    if (email === undefined) return { events: [], skipped: 'the deal has no associated contact with an email' };
    const p = deal.properties;
    const stage = text(p.dealstage, 100);
    const won = stage === 'closedwon' || p.hs_is_closed_won === 'true';
    const lost = !won && (stage === 'closedlost' || p.hs_is_closed === 'true');
    // The whole deal as HubSpot has it now, whatever property the event names: intake
    // diffs it against the deal's last known state, so only real changes become events.
    return {
      events: [
        {
          id: `${key}:deal`,
          occurredAt,
          kind: 'deal',
          recordId: `deal:${deal.id}`,
          crmDealId: deal.id,
          modifiedAt: text(p.hs_lastmodifieddate, 40),
          email,
          fields: {
            ...(await dealData(settings, p, stage)),
            outcome: won ? 'won' : lost ? 'lost' : 'open',
            lostReason: lost ? (text(p.closed_lost_reason, 200) ?? stage ?? 'closedlost') : undefined,
            contractEndReason: contractEnd === undefined ? undefined : text(p[contractEnd], 200),
            contractEndDate: contractEndDate === undefined ? undefined : hubspotDay(p[contractEndDate]),
          },
        },
      ],
    };
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

/**
 * A HubSpot date property's day: `YYYY-MM-DD`, an ISO time, or milliseconds since the
 * epoch (HubSpot sends date properties as midnight UTC), as its UTC day.
 */
export function hubspotDay(value: string | null | undefined): string | undefined {
  const raw = value?.trim();
  if (!raw) return undefined;
  const ms = /^\d+$/.test(raw)
    ? Number(raw)
    : /^\d{4}-\d{2}-\d{2}/.test(raw)
      ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw)
      : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : undefined;
}

/** A deal's fields in the generic form: probability from HubSpot's 0–1 to percent, the close date's UTC day. */
async function dealData(
  settings: HubspotApiSettings,
  p: HubspotRecord['properties'],
  stage: string | undefined,
): Promise<{
  stage?: string;
  amount?: number;
  probability?: number;
  expectedCloseDate?: string;
  ownerEmail?: string;
}> {
  const amount = Number(p.amount ?? '');
  const probability = Number(p.hs_deal_stage_probability ?? '');
  const closeDate = /^\d{4}-\d{2}-\d{2}/.exec(p.closedate ?? '')?.[0];
  return defined({
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
