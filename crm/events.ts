import Type, { type Static } from 'typebox';
import type { CrmRecordFields } from '../domain/crm-record-diff.ts';
import { EMAIL_PATTERN } from '../domain/email-address.ts';

/** The CRM event types of DESIGN section 4, whatever CRM they come from. */
export const CRM_EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'deal.stage_changed',
  'deal.won',
  'deal.lost',
  'deal.updated',
  'contract.ended',
  'contact.unsubscribed',
] as const;

/**
 * A CRM event in the generic format; provider formats (Zoho, HubSpot) are translated into
 * it, and `intake/crm-events.ts` applies it. `data` is checked there, by the event's type.
 */
export const CrmEventSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.Enum([...CRM_EVENT_TYPES]),
    occurredAt: Type.String({ format: 'date-time', maxLength: 40 }),
    data: Type.Object(
      {
        leadId: Type.Optional(Type.String({ maxLength: 100 })),
        email: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_PATTERN })),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false },
);

/** A CRM event, as validated. */
export type CrmEvent = Static<typeof CrmEventSchema>;

/** What deal, contract and unsubscribe events carry besides the lead (lead events carry a lead). */
export const CrmEventData = Type.Object(
  {
    leadId: Type.Optional(Type.String({ maxLength: 100 })),
    email: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_PATTERN })),
    stage: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    amount: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    expectedCloseDate: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    ownerEmail: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_PATTERN })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** The CRM's id of the deal, which tells a customer's deals apart; without it a lead has one deal record. */
    dealId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** `contract.ended`: the day the contract ends or ended (YYYY-MM-DD). */
    endedAt: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  },
  { additionalProperties: false },
);

/**
 * One delivery of a CRM record as Zoho and HubSpot send it: the whole record, not what
 * changed. `intake/crm-events.ts` diffs it against the record's last known state and
 * turns only real changes into events (`domain/crm-record-diff.ts`).
 */
export interface CrmRecordReport {
  /** The delivery's id: a repeat of it has no second effect; event ids derive from it. */
  id: string;
  occurredAt: string;
  kind: 'deal' | 'contact';
  /** The record's id at the CRM, unique per provider (`Deals:4150…`, `deal:123`). */
  recordId: string;
  /** A deal's own id at the CRM, as the engine's deals and escalations name it. */
  crmDealId?: string | undefined;
  /** The CRM's modified time of the record (ISO), when it sends one: a late delivery never undoes a newer one. */
  modifiedAt?: string | undefined;
  /** The lead: a deal's contact, or the contact itself. */
  email: string;
  fields: CrmRecordFields;
}

/** What a CRM mapping hands to intake: a generic event (lead profiles), or a whole record to diff. */
export type CrmChange = CrmEvent | CrmRecordReport;

/** Whether a change is a whole record to diff. */
export const isRecordReport = (change: CrmChange): change is CrmRecordReport => 'recordId' in change;
