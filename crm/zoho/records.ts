import { CrmPermanentError } from '../deal-sync.ts';
import { zohoCodeOf, type ZohoClient } from './client.ts';
import type { ZohoRecord } from './events.ts';

/** The modules whose records the engine maps onto CRM events. */
export const ZOHO_MODULES = ['Leads', 'Contacts', 'Deals'] as const;
/** A module the engine maps. */
export type ZohoModule = (typeof ZOHO_MODULES)[number];

/** The API name of the custom Deals field that says why a contract ended (README: "Zoho CRM"). */
export const CONTRACT_END_FIELD = 'Contract_End_Reason';
/** The API name of the custom Deals date field that says when the contract ends. */
export const CONTRACT_END_DATE_FIELD = 'Contract_End_Date';

type Fields = Record<string, unknown>;

/** A field as the webhook parameters carry it: text, or absent. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A lookup field (`{ id, name, email? }`) or its id. */
function lookup(value: unknown): { id?: string; name?: string; email?: string } {
  if (typeof value !== 'object' || value === null) return {};
  const { id, name, email } = value as Fields;
  return { id: text(id), name: text(name), email: text(email) };
}

/** GET `/{module}/{id}`: the record's fields, or undefined when Zoho no longer has it. */
export async function getZohoRecord(zoho: ZohoClient, module: string, id: string): Promise<Fields | undefined> {
  const response = await zoho.request('GET', `/${module}/${encodeURIComponent(id)}`);
  if (response.status === 204 || response.status === 404) return undefined;
  const data = (response.body as { data?: unknown } | undefined)?.data;
  if (response.status === 200 && Array.isArray(data) && typeof data[0] === 'object' && data[0] !== null)
    return data[0] as Fields;
  // INVALID_DATA for an id: the record was deleted between the notification and the fetch.
  if (response.status === 400 && zohoCodeOf(response.body) === 'INVALID_DATA') return undefined;
  throw new CrmPermanentError(
    'zoho',
    response.status,
    `Zoho answered ${response.status} ${zohoCodeOf(response.body) ?? ''} to GET ${module}/${id}`.trim(),
  );
}

/**
 * A fetched Zoho record in the shape workflow-rule webhooks send, so both paths go through
 * one mapping (`zohoEvents`). A deal's contact email comes from its contact record, else
 * from `dealEmail` (the lead whose escalation made the deal).
 */
export async function zohoRecordOf(
  zoho: ZohoClient,
  module: ZohoModule,
  fields: Fields,
  dealEmail: (dealId: string) => Promise<string | undefined>,
): Promise<ZohoRecord> {
  const id = text(fields.id) ?? '';
  const owner = lookup(fields.Owner);
  const common = { module, record_id: id, modified_time: text(fields.Modified_Time), owner_email: owner.email };
  if (module !== 'Deals') {
    return {
      ...common,
      email: text(fields.Email),
      first_name: text(fields.First_Name),
      last_name: text(fields.Last_Name),
      company: text(fields.Company),
      account_name: lookup(fields.Account_Name).name,
      department: text(fields.Department),
      // Leads call the job title Designation; Contacts call it Title.
      title: text(fields.Designation) ?? text(fields.Title),
      phone: text(fields.Phone) ?? text(fields.Mobile),
      email_opt_out: text(fields.Email_Opt_Out),
    };
  }
  const contactId = lookup(fields.Contact_Name).id;
  const contact = contactId === undefined ? undefined : await getZohoRecord(zoho, 'Contacts', contactId);
  return {
    ...common,
    contact_email: text(contact?.Email) ?? (await dealEmail(id)),
    stage: text(fields.Stage),
    amount: text(fields.Amount),
    probability: text(fields.Probability),
    closing_date: text(fields.Closing_Date),
    contract_end_reason: text(fields[CONTRACT_END_FIELD]),
    contract_end_date: text(fields[CONTRACT_END_DATE_FIELD]),
  };
}
