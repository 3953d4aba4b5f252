import { html, type Html } from '../html.ts';

/** GET /v1/leads items and GET /v1/leads/:id, as the lead pages use them. */
export interface LeadItem {
  id: string;
  accountId?: string | null;
  email: string;
  stage: string;
  stageEnteredAt: string;
  score: number;
  touches: number;
  nextTouchAt: string | null;
  cadence: string;
  paused: boolean;
  doNotContact: boolean;
  profile: Record<
    | 'name'
    | 'company'
    | 'department'
    | 'title'
    | 'phone'
    | 'source'
    | 'ownerEmail'
    | 'locale'
    | 'timezone'
    | 'externalId',
    string | null
  >;
  deal: {
    status: string;
    stage: string | null;
    amount: number | null;
    probability: number | null;
    expectedCloseDate: string | null;
    daysStalled: number | null;
  } | null;
  /** Tags (normalised) and custom fields; absent in answers from before they existed. */
  tags?: string[];
  customFields?: Record<string, string | number | boolean>;
  /** The legal basis for email (特定電子メール法); null: none on record. */
  consent?: { basis: string; source: string; at: string; evidence?: string } | null;
  createdAt: string;
}

/** A form field's errors, by field name. */
export type FieldErrors = Partial<Record<string, string>>;

/**
 * The API's 422 details by form field: a detail's path (`/email`, `querystring:/scoreMin`,
 * `/postalAddress/city`) names the field by its first segment, mapped through `fields`
 * when the form's name differs from the API's.
 */
export function errorsByField(
  details: readonly { path: string; message: string }[],
  fields: Record<string, string> = {},
): FieldErrors {
  const errors: FieldErrors = {};
  for (const detail of details) {
    // A missing field is reported on its parent: "must have required property 'email'".
    const name =
      detail.path.replace(/^[a-z]+:/, '').split('/')[1] ||
      (/required property '([^']+)'/.exec(detail.message)?.[1] ?? '');
    const field = fields[name] ?? name;
    if (field) errors[field] = errors[field] ? `${errors[field]}; ${detail.message}` : detail.message;
  }
  return errors;
}

/** An input with its label, and its error linked by aria-describedby. */
export function inputField(f: {
  id: string;
  name: string;
  label: string;
  value?: string | null | undefined;
  type?: string;
  error?: string | undefined;
  required?: boolean;
  list?: string;
  placeholder?: string;
}): Html {
  const errorId = `${f.id}-error`;
  return html`<div class="field"><label for="${f.id}">${f.label}</label><input id="${f.id}" name="${f.name}" type="${f.type ?? 'text'}" value="${f.value ?? ''}"${f.required ? html` required` : ''}${f.list ? html` list="${f.list}"` : ''}${f.placeholder ? html` placeholder="${f.placeholder}"` : ''}${
    f.error ? html` aria-invalid="true" aria-describedby="${errorId}"` : ''
  }>${f.error ? html`<p class="error" id="${errorId}">${f.error}</p>` : ''}</div>`;
}

/** A select with its label, and its error linked by aria-describedby. */
export function selectField(f: {
  id: string;
  name: string;
  label: string;
  value?: string | null | undefined;
  options: readonly { value: string; label: string }[];
  error?: string | undefined;
}): Html {
  const errorId = `${f.id}-error`;
  return html`<div class="field"><label for="${f.id}">${f.label}</label><select id="${f.id}" name="${f.name}"${f.error ? html` aria-invalid="true" aria-describedby="${errorId}"` : ''}>${f.options.map(
    (o) => html`<option value="${o.value}"${o.value === (f.value ?? '') ? html` selected` : ''}>${o.label}</option>`,
  )}</select>${f.error ? html`<p class="error" id="${errorId}">${f.error}</p>` : ''}</div>`;
}

/** A lead's name as lists show it: company and name, else the email. */
export const leadTitle = (lead: Pick<LeadItem, 'email' | 'profile'>): string =>
  [lead.profile.company, lead.profile.name].filter(Boolean).join(' ') || lead.email;

/** The form's text fields, trimmed, with empty ones left out (the API refuses empty strings). */
export function filledFields<K extends string>(
  body: Partial<Record<K, unknown>>,
  names: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = body[name];
    if (typeof value === 'string' && value.trim() !== '') out[name] = value.trim();
  }
  return out;
}
