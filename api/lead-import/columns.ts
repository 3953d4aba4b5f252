import type { LeadInput } from '../../intake/lead-intake.ts';

/** A lead field a CSV column can fill: the `POST /v1/leads` body fields, address lines and consent flattened. */
export type LeadColumn =
  | Exclude<keyof LeadInput, 'postalAddress' | 'consent' | 'customFields'>
  | 'postalCode'
  | 'prefecture'
  | 'city'
  | 'line1'
  | 'line2'
  | 'consentBasis'
  | 'consentSource'
  | 'consentAt'
  | 'consentEvidence';

/** The address fields, which together make `postalAddress`. */
export const ADDRESS_COLUMNS = [
  'postalCode',
  'prefecture',
  'city',
  'line1',
  'line2',
] as const satisfies readonly LeadColumn[];

/** The consent record's fields, which together make `consent`. */
export const CONSENT_COLUMNS = {
  consentBasis: 'basis',
  consentSource: 'source',
  consentAt: 'at',
  consentEvidence: 'evidence',
} as const satisfies Partial<Record<LeadColumn, string>>;

/**
 * Header names each field is recognised by, in English and as Japanese list vendors and
 * spreadsheets write them. Compared after {@link normalizeHeader}. The README's header table
 * is this table.
 */
export const HEADER_NAMES: Record<LeadColumn, readonly string[]> = {
  email: ['email', 'e-mail', 'email address', 'mail', 'メールアドレス', 'メール', 'Eメール', 'Eメールアドレス'],
  name: ['name', 'full name', '氏名', '名前', 'お名前', '氏名(漢字)'],
  company: ['company', 'company name', 'organization', '会社名', '企業名', '会社', '法人名'],
  department: ['department', 'dept', '部署', '部署名', '部門'],
  title: ['title', 'job title', 'position', '役職', '役職名'],
  phone: ['phone', 'tel', 'telephone', 'phone number', '電話番号', '電話'],
  postalCode: ['postal code', 'postcode', 'zip', 'zip code', '郵便番号', '〒'],
  prefecture: ['prefecture', '都道府県'],
  city: ['city', '市区町村'],
  line1: ['line1', 'address line 1', 'address1', '住所1', '番地', '町名番地'],
  line2: ['line2', 'address line 2', 'address2', '住所2', '建物名', 'ビル名'],
  source: ['source', 'lead source', '流入元', 'リードソース'],
  ownerEmail: ['owner email', 'owner', '担当者メール', '担当者メールアドレス'],
  cadence: ['cadence', 'カデンツ'],
  locale: ['locale', 'language', 'lang', '言語'],
  timezone: ['timezone', 'time zone', 'tz', 'タイムゾーン'],
  externalId: ['external id', '外部ID'],
  consentBasis: ['consent basis', 'consent', '同意根拠', '同意の根拠'],
  consentSource: ['consent source', '同意取得元', '同意の取得元'],
  consentAt: ['consent at', 'consent date', '同意日時', '同意取得日'],
  consentEvidence: ['consent evidence', '同意の証跡', '同意証跡'],
  tags: ['tag', 'タグ', 'ラベル'],
};

/** A column naming one custom field, `custom:<name>`: the field's name as the header spells it. */
export type CustomColumn = `custom:${string}`;

/** What one column of a file fills: a lead field, or one custom field. */
export type ImportColumn = LeadColumn | CustomColumn;

/** The field name of a custom column, or undefined for any other column. */
export const customFieldName = (column: ImportColumn): string | undefined =>
  column.startsWith('custom:') ? column.slice('custom:'.length) : undefined;

// Header prefixes of a custom field column, compared after NFKC and lower case (so a
// full-width colon is a colon): "custom:業種", "Custom.業種", "カスタム:業種", "カスタム項目：業種".
const CUSTOM_PREFIX = /^\s*(?:custom|カスタム項目|カスタム)\s*[:.]\s*/;

/** The custom column a header names, or undefined when it names none (or no field name follows the prefix). */
function customColumn(header: string): CustomColumn | undefined {
  const normalised = header.normalize('NFKC');
  const prefix = CUSTOM_PREFIX.exec(normalised.toLowerCase());
  if (!prefix) return undefined;
  const name = normalised.slice(prefix[0].length).trim();
  return name === '' ? undefined : `custom:${name}`;
}

/**
 * The form headers are compared in: NFKC (full-width letters and digits become ASCII, so
 * "ＴＥＬ" is "TEL"), lower case, without spaces, "_" and "-" ("Postal_Code" is "postalcode").
 */
export function normalizeHeader(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
}

const FIELD_BY_HEADER = new Map<string, LeadColumn>(
  (Object.entries(HEADER_NAMES) as [LeadColumn, readonly string[]][]).flatMap(([field, names]) =>
    [field, ...names].map((name) => [normalizeHeader(name), field] as const),
  ),
);

/** Why a header row cannot be imported: the column (1-based) and header as the file has them, when one is at fault. */
export interface HeaderProblem {
  column?: number;
  header?: string;
  message: string;
}

/** The field of each column, or every problem of the header row. */
export type HeaderMapping = { ok: true; fields: ImportColumn[] } | { ok: false; problems: HeaderProblem[] };

/**
 * Maps a header row onto lead fields. Refused, before any row is read: an unknown header
 * (a misspelt column would otherwise drop its data silently), two columns for one field,
 * and a file without an email column.
 */
export function mapHeader(headers: readonly string[]): HeaderMapping {
  const fields: ImportColumn[] = [];
  const problems: HeaderProblem[] = [];
  const seen = new Map<ImportColumn, number>();
  headers.forEach((header, index) => {
    const column = index + 1;
    const field = FIELD_BY_HEADER.get(normalizeHeader(header)) ?? customColumn(header);
    if (field === undefined) {
      problems.push({
        column,
        header,
        message:
          header.trim() === ''
            ? 'the column has no header'
            : `unknown column "${header}"; see the header table in docs/csv-import.md`,
      });
      return;
    }
    const first = seen.get(field);
    if (first !== undefined) {
      problems.push({
        column,
        header,
        message: `column ${first} "${headers[first - 1] ?? ''}" already maps to ${field}`,
      });
      return;
    }
    seen.set(field, column);
    fields.push(field);
  });
  if (!seen.has('email')) problems.push({ message: `no email column (one of: ${HEADER_NAMES.email.join(', ')})` });
  return problems.length === 0 ? { ok: true, fields } : { ok: false, problems };
}
