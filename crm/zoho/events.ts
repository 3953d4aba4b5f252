import Type, { type Static } from 'typebox';
import { InvalidInput } from '../../domain/errors.ts';
import type { CrmEvent } from '../events.ts';

// Zoho CRM's workflow-rule webhooks send the record's fields as parameters we name when
// setting the rule up (README: "Zoho CRM"), form-encoded or JSON, with a shared token,
// since Zoho does not sign them. Every value arrives as text.
const Text = Type.Optional(Type.String({ maxLength: 500 }));
/** A Zoho record as workflow-rule webhooks send it, and as fetched records are turned into. */
export const ZohoBody = Type.Object(
  {
    token: Text,
    module: Type.Enum(['Leads', 'Contacts', 'Deals']),
    record_id: Type.String({ minLength: 1, maxLength: 100 }),
    modified_time: Text,
    email: Text,
    first_name: Text,
    last_name: Text,
    company: Text,
    account_name: Text,
    department: Text,
    title: Text,
    phone: Text,
    owner_email: Text,
    email_opt_out: Text,
    contact_email: Text,
    stage: Text,
    amount: Text,
    probability: Text,
    closing_date: Text,
    contract_end_reason: Text,
  },
  { additionalProperties: true },
);
/** A Zoho record in the webhook parameters' shape (README: "Zoho CRM"). */
export type ZohoRecord = Static<typeof ZohoBody>;

const WON = /^(closed[ -]?won|受注)$/i;
const LOST = /^(closed[ -]?lost.*|失注)$/i;

const blankToUndefined = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' || value.trim() === 'null' ? undefined : value.trim();
const numberOf = (value: string | undefined): number | undefined => {
  const text = blankToUndefined(value)?.replace(/[,¥￥\s]/g, '');
  return text === undefined || !Number.isFinite(Number(text)) ? undefined : Number(text);
};

/**
 * The generic CRM events one Zoho record change stands for. A lead or contact becomes
 * `lead.updated` (creating the lead when new) and, when it opts out of email,
 * `contact.unsubscribed`; a deal becomes `deal.won`, `deal.lost` or `deal.stage_changed`
 * by its stage, and `contract.ended` when the contract-end field is filled. The event id
 * is the record and its modified time: Zoho resending the same change has no second effect.
 */
export function zohoEvents(record: ZohoRecord, now: Date): CrmEvent[] {
  const occurredAt = now.toISOString();
  const base = `${record.module}:${record.record_id}:${blankToUndefined(record.modified_time) ?? occurredAt}`;
  if (record.module === 'Leads' || record.module === 'Contacts') {
    const email = blankToUndefined(record.email);
    if (!email)
      throw new InvalidInput('the Zoho record has no email', [
        { path: '/email', message: 'map ${' + record.module + '.Email} to the parameter email' },
      ]);
    const name =
      [blankToUndefined(record.last_name), blankToUndefined(record.first_name)].filter(Boolean).join(' ') || undefined;
    const data = {
      email,
      name,
      company: blankToUndefined(record.company) ?? blankToUndefined(record.account_name),
      department: blankToUndefined(record.department),
      title: blankToUndefined(record.title),
      phone: blankToUndefined(record.phone),
      ownerEmail: blankToUndefined(record.owner_email),
      externalId: `zoho:${record.module}:${record.record_id}`,
    };
    const events: CrmEvent[] = [
      {
        id: `${base}:lead`,
        type: 'lead.updated',
        occurredAt,
        data: Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)),
      },
    ];
    if (blankToUndefined(record.email_opt_out)?.toLowerCase() === 'true')
      events.push({ id: `${base}:optout`, type: 'contact.unsubscribed', occurredAt, data: { email } });
    return events;
  }
  const email = blankToUndefined(record.contact_email) ?? blankToUndefined(record.email);
  if (!email)
    throw new InvalidInput('the Zoho deal names no contact email', [
      { path: '/contact_email', message: 'map ${Contacts.Email} (the deal contact) to the parameter contact_email' },
    ]);
  const stage = blankToUndefined(record.stage);
  const closeDate = blankToUndefined(record.closing_date);
  const deal = {
    email,
    stage,
    amount: numberOf(record.amount),
    probability: numberOf(record.probability),
    expectedCloseDate: closeDate !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(closeDate) ? closeDate : undefined,
    ownerEmail: blankToUndefined(record.owner_email),
  };
  const data = Object.fromEntries(Object.entries(deal).filter(([, v]) => v !== undefined));
  const events: CrmEvent[] = [];
  if (stage !== undefined && WON.test(stage)) events.push({ id: `${base}:won`, type: 'deal.won', occurredAt, data });
  else if (stage !== undefined && LOST.test(stage))
    events.push({
      id: `${base}:lost`,
      type: 'deal.lost',
      occurredAt,
      data: { email, reason: stage } as CrmEvent['data'],
    });
  else events.push({ id: `${base}:stage`, type: 'deal.stage_changed', occurredAt, data });
  const reason = blankToUndefined(record.contract_end_reason);
  if (reason !== undefined)
    events.push({
      id: `${base}:ended`,
      type: 'contract.ended',
      occurredAt,
      data: { email, reason } as CrmEvent['data'],
    });
  return events;
}
