import { Compile } from 'typebox/compile';
import { LeadBody, leadExtras, timezoneProblem, type LeadInput } from '../../intake/lead-intake.ts';
import { badTextPaths } from '../plugins/json-body.ts';
import { ADDRESS_COLUMNS, CONSENT_COLUMNS, customFieldName, type ImportColumn, type LeadColumn } from './columns.ts';

/** One reason a row was not imported: its row as a spreadsheet numbers it (header = 1), the field, why. */
export interface RowError {
  row: number;
  /** The lead field (`email`, `postalCode`, ...); null when the row as a whole is at fault. */
  field: string | null;
  reason: string;
}

// The schema `POST /v1/leads` validates its body with, compiled once.
const leadBody = Compile(LeadBody);

// Pattern failures said as a person would fix them, instead of the regular expression.
const PATTERN_REASONS: Record<string, string> = {
  email: 'is not an email address',
  ownerEmail: 'is not an email address',
  phone: 'may contain only digits, spaces and + ( ) -',
  postalCode: 'must be 7 digits, as 100-0001 or 1000001',
  cadence: 'must be a cadence key: lower-case letters, digits, "-" and "_"',
};

type ValidationError = ReturnType<typeof leadBody.Errors>[number];

function reasonsOf(error: ValidationError): { field: string; reason: string }[] {
  const path = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'required') {
    const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? [];
    // Only the address has required members a row can leave out (email is checked first).
    return missing.map((field) => ({ field, reason: 'is required when the row has an address' }));
  }
  // A custom field's or a tag's error is the column's: `custom:<name>`, `tags`.
  const field =
    path[0] === 'customFields' && path[1] !== undefined
      ? `custom:${path[1]}`
      : path[0] === 'tags'
        ? 'tags'
        : (path[path.length - 1] ?? 'row');
  if (error.keyword === 'pattern') return [{ field, reason: PATTERN_REASONS[field] ?? 'is not in the expected form' }];
  if (error.keyword === 'enum')
    return [
      {
        field,
        reason: `must be one of ${((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')}`,
      },
    ];
  if (error.keyword === 'maxLength')
    return [{ field, reason: `is longer than ${String((error.params as { limit?: number }).limit)} characters` }];
  return [{ field, reason: error.message }];
}

/** A tags cell's tags: separated by commas, 、, semicolons or vertical bars. */
const TAG_SEPARATORS = /[,、;|]/;

/**
 * The lead a CSV row describes, validated as `POST /v1/leads` validates its body (the same
 * schema, tag and custom field rules and time zone check), or the row's errors. Cells are
 * trimmed; an empty cell is a field left out, so it keeps the stored value of an existing
 * lead. Address cells make `postalAddress` when any is filled; a tags cell replaces the
 * lead's tags; each `custom:<name>` cell sets that custom field, as text.
 */
export function leadFromRow(
  cells: readonly string[],
  fields: readonly ImportColumn[],
  row: number,
): { lead: LeadInput } | { errors: RowError[] } {
  const values = new Map<ImportColumn, string>();
  fields.forEach((field, index) => {
    const value = (cells[index] ?? '').trim();
    if (value !== '') values.set(field, value);
  });
  if (!values.has('email')) return { errors: [{ row, field: 'email', reason: 'is required' }] };
  // Text PostgreSQL cannot store (a NUL) is the row's fault, as it is a JSON body's.
  const notText = [...values].filter(([, value]) => badTextPaths(value).length > 0);
  if (notText.length > 0)
    return {
      errors: notText.map(([field]) => ({
        row,
        field,
        reason: 'contains U+0000 (NUL) or a lone UTF-16 surrogate, which are not text',
      })),
    };
  const candidate: Record<string, unknown> = {};
  const customFields: Record<string, string> = {};
  for (const [field, value] of values) {
    const custom = customFieldName(field);
    if (custom !== undefined) customFields[custom] = value;
    else if (field === 'tags')
      candidate.tags = value
        .split(TAG_SEPARATORS)
        .map((tag) => tag.trim())
        .filter((tag) => tag !== '');
    else if (!(ADDRESS_COLUMNS as readonly string[]).includes(field) && !(field in CONSENT_COLUMNS))
      candidate[field] = value;
  }
  if (Object.keys(customFields).length > 0) candidate.customFields = customFields;
  // The consent columns make `consent` when any is filled; a date alone (2026-12-01) is that day's start in Japan.
  if (Object.keys(CONSENT_COLUMNS).some((field) => values.has(field as LeadColumn))) {
    const consent: Record<string, string> = {};
    for (const [field, key] of Object.entries(CONSENT_COLUMNS)) {
      const value = values.get(field as LeadColumn);
      if (value !== undefined) consent[key] = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00+09:00` : value;
    }
    candidate.consent = consent;
  }
  if (ADDRESS_COLUMNS.some((field) => values.has(field))) {
    candidate.postalAddress = Object.fromEntries(
      ADDRESS_COLUMNS.filter((field) => values.has(field)).map((field) => [field, values.get(field)]),
    );
  }
  if (!leadBody.Check(candidate)) {
    return {
      errors: leadBody
        .Errors(candidate)
        .flatMap(reasonsOf)
        .map((e) => ({ row, ...e })),
    };
  }
  const lead = candidate;
  const badTimezone = timezoneProblem(lead.timezone);
  if (badTimezone !== undefined) return { errors: [{ row, field: 'timezone', reason: badTimezone }] };
  // Tags folded as the API folds them (too many once duplicates fold is the row's error).
  const extras = leadExtras(lead.tags, lead.customFields);
  if (extras.problems.length > 0)
    return {
      errors: extras.problems.map((problem) => {
        const [, first, second] = problem.path.split('/');
        const field = first === 'customFields' && second !== undefined ? `custom:${second}` : (first ?? 'row');
        return { row, field, reason: problem.message };
      }),
    };
  return { lead: extras.tags === undefined ? lead : { ...lead, tags: extras.tags } };
}
