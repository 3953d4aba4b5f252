import Type, { type Static } from 'typebox';
import { EMAIL_PATTERN } from '../domain/email-address.ts';

/** The CRM event types of DESIGN section 4, whatever CRM they come from. */
export const CRM_EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'deal.stage_changed',
  'deal.won',
  'deal.lost',
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
  },
  { additionalProperties: false },
);
