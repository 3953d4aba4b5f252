import Type, { type Static } from 'typebox';
import { InvalidInput } from '../../domain/errors.ts';
import type { CrmChange, CrmEvent } from '../events.ts';

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
    contract_end_date: Text,
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

/** A YYYY-MM-DD day at the start of a text (Zoho sends dates as such), or undefined. */
const dayOf = (value: string | undefined): string | undefined =>
  /^\d{4}-\d{2}-\d{2}/.exec(blankToUndefined(value) ?? '')?.[0];

/**
 * What one Zoho record delivery stands for. A lead or contact becomes `lead.updated`
 * (creating the lead when new) and a report of the contact's opt-out; a deal becomes a
 * report of the whole deal (outcome by stage: `Closed Won`/受注 won, `Closed Lost…`/失注
 * lost, else open; amount, probability, closing date, owner, contract end reason and
 * date), which intake diffs against the deal's last known state, so only real changes
 * become events. Ids are the record and its modified time: Zoho resending the same
 * version has no second effect, and the modified time orders late deliveries.
 */
export function zohoEvents(record: ZohoRecord, now: Date): CrmChange[] {
  const occurredAt = now.toISOString();
  const modifiedAt = blankToUndefined(record.modified_time);
  const base = `${record.module}:${record.record_id}:${modifiedAt ?? occurredAt}`;
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
    const changes: CrmChange[] = [
      {
        id: `${base}:lead`,
        type: 'lead.updated',
        occurredAt,
        data: Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)),
      } satisfies CrmEvent,
    ];
    const optOut = blankToUndefined(record.email_opt_out)?.toLowerCase();
    if (optOut === 'true' || optOut === 'false')
      changes.push({
        id: `${base}:optout`,
        occurredAt,
        kind: 'contact',
        recordId: `${record.module}:${record.record_id}`,
        modifiedAt,
        email,
        fields: { optOut: optOut === 'true' },
      });
    return changes;
  }
  const email = blankToUndefined(record.contact_email) ?? blankToUndefined(record.email);
  if (!email)
    throw new InvalidInput('the Zoho deal names no contact email', [
      { path: '/contact_email', message: 'map ${Contacts.Email} (the deal contact) to the parameter contact_email' },
    ]);
  const stage = blankToUndefined(record.stage);
  const outcome =
    stage === undefined ? undefined : WON.test(stage) ? 'won' : LOST.test(stage) ? 'lost' : ('open' as const);
  const closeDate = blankToUndefined(record.closing_date);
  return [
    {
      id: `${base}:deal`,
      occurredAt,
      kind: 'deal',
      recordId: `Deals:${record.record_id}`,
      crmDealId: record.record_id,
      modifiedAt,
      email,
      fields: {
        outcome,
        stage,
        amount: numberOf(record.amount),
        probability: numberOf(record.probability),
        expectedCloseDate: closeDate !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(closeDate) ? closeDate : undefined,
        ownerEmail: blankToUndefined(record.owner_email),
        lostReason: outcome === 'lost' ? stage : undefined,
        contractEndReason: blankToUndefined(record.contract_end_reason),
        contractEndDate: dayOf(record.contract_end_date),
      },
    },
  ];
}
