import { describe, expect, it } from 'vitest';
import type { LeadColumn } from '../../../../api/lead-import/columns.ts';
import { leadFromRow } from '../../../../api/lead-import/rows.ts';

const FIELDS: LeadColumn[] = [
  'email',
  'name',
  'postalCode',
  'prefecture',
  'city',
  'line1',
  'line2',
  'phone',
  'locale',
  'timezone',
];
const row = (cells: Partial<Record<LeadColumn, string>>) => FIELDS.map((field) => cells[field] ?? '');

describe('leadFromRow', () => {
  it('trims cells, leaves empty ones out and builds the postal address', () => {
    expect(
      leadFromRow(
        row({
          email: ' a@example.jp ',
          name: '山田 太郎',
          postalCode: '100-0001',
          prefecture: '東京都',
          city: '千代田区',
          line1: '千代田1-1',
        }),
        FIELDS,
        2,
      ),
    ).toEqual({
      lead: {
        email: 'a@example.jp',
        name: '山田 太郎',
        postalAddress: { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1' },
      },
    });
  });

  it('gives each invalid field its row and a reason a person can act on', () => {
    expect(leadFromRow(row({ email: 'nope', phone: 'call me', locale: 'fr' }), FIELDS, 7)).toEqual({
      errors: [
        { row: 7, field: 'email', reason: 'is not an email address' },
        { row: 7, field: 'phone', reason: 'may contain only digits, spaces and + ( ) -' },
        { row: 7, field: 'locale', reason: 'must be one of ja, en' },
      ],
    });
  });

  it('refuses text PostgreSQL cannot store (a NUL) on its row, naming the field', () => {
    expect(leadFromRow(row({ email: 'a@example.jp', name: 'before\u0000after' }), FIELDS, 6)).toEqual({
      errors: [
        { row: 6, field: 'name', reason: 'contains U+0000 (NUL) or a lone UTF-16 surrogate, which are not text' },
      ],
    });
  });

  it('requires the email, the whole address when part of it is given, and an IANA time zone', () => {
    expect(leadFromRow(row({ name: 'x' }), FIELDS, 3)).toEqual({
      errors: [{ row: 3, field: 'email', reason: 'is required' }],
    });
    expect(leadFromRow(row({ email: 'a@example.jp', city: '千代田区' }), FIELDS, 4)).toEqual({
      errors: ['postalCode', 'prefecture', 'line1'].map((field) => ({
        row: 4,
        field,
        reason: 'is required when the row has an address',
      })),
    });
    expect(leadFromRow(row({ email: 'a@example.jp', timezone: 'Mars/Olympus' }), FIELDS, 5)).toEqual({
      errors: [{ row: 5, field: 'timezone', reason: '"Mars/Olympus" is not an IANA time zone' }],
    });
  });
});
