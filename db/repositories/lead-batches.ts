import type { Locale } from '../../domain/lead.ts';
import type { Queryable } from '../pool.ts';
import type { LeadProfile } from './leads.ts';

/** One lead of a batch: its address and the fields given (absent ones keep their stored value). */
export interface LeadBatchItem {
  email: string;
  profile: LeadProfile & { cadenceKey?: string | undefined };
}

// The columns a batch writes, in the order of the unnest() arrays below.
const COLUMNS = [
  'name',
  'company',
  'department',
  'title',
  'phone',
  'postal_address',
  'source',
  'owner_email',
  'cadence_key',
  'locale',
  'timezone',
  'external_id',
  'consent',
  'tags',
  'custom_fields',
] as const;

// Sent as jsonb: objects, and the tags (a text[] per row cannot be unnested as one array each).
const JSON_COLUMNS: ReadonlySet<string> = new Set(['postal_address', 'consent', 'tags', 'custom_fields']);

function columnArrays(items: readonly LeadBatchItem[]): (string | null)[][] {
  const value = (p: LeadBatchItem['profile']): (string | null)[] => [
    p.name ?? null,
    p.company ?? null,
    p.department ?? null,
    p.title ?? null,
    p.phone ?? null,
    p.postalAddress === undefined ? null : JSON.stringify(p.postalAddress),
    p.source ?? null,
    p.ownerEmail ?? null,
    p.cadenceKey ?? null,
    p.locale ?? null,
    p.timezone ?? null,
    p.externalId ?? null,
    p.consent === undefined ? null : JSON.stringify(p.consent),
    p.tags === undefined ? null : JSON.stringify(p.tags),
    p.customFields === undefined ? null : JSON.stringify(p.customFields),
  ];
  const rows = items.map((item) => value(item.profile));
  return COLUMNS.map((_, column) => rows.map((row) => row[column] ?? null));
}

const VALUES = `unnest($1::text[], ${COLUMNS.map((column, i) => `$${i + 2}::${JSON_COLUMNS.has(column) ? 'jsonb' : 'text'}[]`).join(', ')})
                AS v(email, ${COLUMNS.join(', ')})`;

/**
 * Creates or updates a batch of leads by email (case-insensitive) in two statements, with
 * the meaning of `upsertLeads` for one: given fields replace stored ones, absent ones stay,
 * new leads get `defaults`. The addresses must be distinct (lower-cased). Run inside a
 * transaction: a lead another request creates between the two statements is updated.
 */
export async function upsertLeadBatch(
  db: Queryable,
  items: readonly LeadBatchItem[],
  defaults: { cadenceKey: string; locale: Locale; timezone: string },
): Promise<{ created: { id: string; email: string }[]; updated: { id: string; email: string }[] }> {
  if (items.length === 0) return { created: [], updated: [] };
  const params = [items.map((item) => item.email), ...columnArrays(items)];
  const n = params.length;
  const inserted = await db.query<{ id: string; email: string }>(
    `INSERT INTO leads (email, ${COLUMNS.join(', ')})
     SELECT email, name, company, department, title, phone, postal_address, source, owner_email,
            COALESCE(cadence_key, $${n + 1}), COALESCE(locale, $${n + 2}), COALESCE(timezone, $${n + 3}), external_id,
            consent, COALESCE(ARRAY(SELECT jsonb_array_elements_text(tags)), '{}'), COALESCE(custom_fields, '{}')
       FROM ${VALUES}
     ON CONFLICT (lower(email)) DO NOTHING
     RETURNING id, email`,
    [...params, defaults.cadenceKey, defaults.locale, defaults.timezone],
  );
  const updated = await db.query<{ id: string; email: string }>(
    `UPDATE leads AS l SET
       name = COALESCE(v.name, l.name), company = COALESCE(v.company, l.company),
       department = COALESCE(v.department, l.department), title = COALESCE(v.title, l.title),
       phone = COALESCE(v.phone, l.phone), postal_address = COALESCE(v.postal_address, l.postal_address),
       source = COALESCE(v.source, l.source), owner_email = COALESCE(v.owner_email, l.owner_email),
       cadence_key = COALESCE(v.cadence_key, l.cadence_key), locale = COALESCE(v.locale, l.locale),
       timezone = COALESCE(v.timezone, l.timezone), external_id = COALESCE(v.external_id, l.external_id),
       consent = COALESCE(v.consent, l.consent),
       tags = CASE WHEN v.tags IS NULL THEN l.tags ELSE ARRAY(SELECT jsonb_array_elements_text(v.tags)) END,
       custom_fields = COALESCE(v.custom_fields, l.custom_fields),
       updated_at = now()
       FROM ${VALUES}
      WHERE lower(l.email) = lower(v.email) AND l.id <> ALL($${n + 1}::uuid[])
     RETURNING l.id, l.email`,
    [...params, inserted.rows.map((row) => row.id)],
  );
  return { created: inserted.rows, updated: updated.rows };
}

/** Which of `emails` (lower-cased) already belong to a lead. */
export async function existingEmails(db: Queryable, emails: readonly string[]): Promise<Set<string>> {
  const result = await db.query<{ email: string }>(
    'SELECT lower(email) AS email FROM leads WHERE lower(email) = ANY($1::text[])',
    [emails.map((e) => e.toLowerCase())],
  );
  return new Set(result.rows.map((row) => row.email));
}
