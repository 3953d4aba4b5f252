import { createHash } from 'node:crypto';

/** One event of a HubSpot webhook batch, as HubSpot sends it (ids are numbers). */
export interface HubspotWebhookEvent {
  eventId?: number;
  subscriptionId?: number;
  portalId?: number;
  appId?: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber?: number;
  objectId: number | string;
  /** `0-1` contacts, `0-3` deals: set on the generic `object.*` subscription types. */
  objectTypeId?: string;
  propertyName?: string;
  propertyValue?: string;
  changeSource?: string;
}

/** The records the engine follows, and what happened to one of them. */
export type HubspotObject = 'contact' | 'deal';
export type HubspotChange = 'creation' | 'propertyChange' | 'deletion';

const OBJECT_TYPE_IDS: Record<string, HubspotObject> = { '0-1': 'contact', '0-3': 'deal' };

/**
 * What an event is about, or undefined for one the engine does not follow (companies,
 * tickets, merges, associations...), which is acknowledged and ignored. The generic
 * `object.creation` with objectTypeId `0-1` is read as `contact.creation`.
 */
export function subjectOf(event: HubspotWebhookEvent): { object: HubspotObject; change: HubspotChange } | undefined {
  const [prefix, change] = event.subscriptionType.split('.') as [string, string | undefined];
  const object =
    prefix === 'object'
      ? OBJECT_TYPE_IDS[event.objectTypeId ?? '']
      : prefix === 'contact' || prefix === 'deal'
        ? prefix
        : undefined;
  if (object === undefined || (change !== 'creation' && change !== 'propertyChange' && change !== 'deletion'))
    return undefined;
  return { object, change };
}

/**
 * What makes a HubSpot event unique, hashed: its eventId is not guaranteed to be, and a
 * retried delivery carries a new attemptNumber. Two events with the same key are the same
 * change, so the second has no effect.
 */
export function hubspotEventKey(event: HubspotWebhookEvent): string {
  const parts = [
    event.portalId ?? '',
    event.subscriptionType,
    event.objectTypeId ?? '',
    event.objectId,
    event.occurredAt,
    event.propertyName ?? '',
    event.propertyValue ?? '',
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The id of the workflow that fetches and applies one event: a repeat cannot start a second. */
export const hubspotWorkflowId = (key: string): string => `crm-hubspot-${key}`;
