import { stringify } from 'csv-stringify/sync';
import type { PostalAddress } from '../db/repositories/leads.ts';

/** What one mailing label needs: the address, who it goes to, and the task it belongs to. */
export interface MailingLabel {
  taskId: string;
  postalAddress: PostalAddress | null;
  company: string | null;
  department: string | null;
  name: string | null;
}

/** The header row, in the order Japanese labels print: address first, then company, department and name. */
export const MAILING_LABEL_HEADER = [
  '郵便番号',
  '都道府県',
  '市区町村',
  '住所1',
  '住所2',
  '会社名',
  '部署',
  '氏名',
  'タスクID',
] as const;

/** `1000001` and `100-0001` alike print as `100-0001`; anything else prints as given. */
const postalCode = (code: string): string => {
  const digits = /^(\d{3})-?(\d{4})$/.exec(code.trim());
  return digits ? `${digits[1]}-${digits[2]}` : code;
};

/** The addressee with its honorific; a lead without a name gets the usual "ご担当者 様". */
const addressee = (name: string | null): string => (name?.trim() ? `${name.trim()} 様` : 'ご担当者 様');

/**
 * Mailing labels as CSV for Excel and label printers: UTF-8 with a byte order mark (without
 * it, Japanese Excel reads the file as Shift_JIS), CRLF line ends, RFC 4180 quoting (a
 * field with a comma, a quote, CR or LF is quoted, quotes doubled), and a field that would
 * start a formula (`=`, `+`, `-`, `@`, tab, CR, or their full-width forms) is prefixed with
 * `'` so that a lead's name can never run as a formula in the spreadsheet.
 */
export function mailingLabelsCsv(labels: readonly MailingLabel[]): string {
  const rows = labels.map((label) => [
    label.postalAddress ? postalCode(label.postalAddress.postalCode) : '',
    label.postalAddress?.prefecture ?? '',
    label.postalAddress?.city ?? '',
    label.postalAddress?.line1 ?? '',
    label.postalAddress?.line2 ?? '',
    label.company ?? '',
    label.department ?? '',
    addressee(label.name),
    label.taskId,
  ]);
  return stringify([[...MAILING_LABEL_HEADER], ...rows], {
    bom: true,
    record_delimiter: 'windows',
    // With a record delimiter given, csv-stringify quotes only fields holding that
    // delimiter; a lone LF or CR inside a field must be quoted too, or Excel splits the row.
    quote_record_delimiter: true,
    escape_formulas: true,
  });
}

/** `dm-labels-YYYYMMDD.csv`, dated in Japan, where the labels are printed. */
export function mailingLabelsFilename(now: Date): string {
  const date = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
  return `dm-labels-${date.replaceAll('-', '')}.csv`;
}
