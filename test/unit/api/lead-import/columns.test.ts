import { describe, expect, it } from 'vitest';
import { HEADER_NAMES, mapHeader, normalizeHeader } from '../../../../api/lead-import/columns.ts';

describe('mapHeader', () => {
  it('maps English and Japanese headers onto lead fields', () => {
    expect(mapHeader(['Email', 'Name', 'Company', 'Postal Code', 'Owner Email', 'External ID'])).toEqual({
      ok: true,
      fields: ['email', 'name', 'company', 'postalCode', 'ownerEmail', 'externalId'],
    });
    expect(
      mapHeader([
        'メールアドレス',
        '氏名',
        '会社名',
        '部署',
        '役職',
        '電話番号',
        '郵便番号',
        '都道府県',
        '市区町村',
        '住所1',
        '住所2',
        '流入元',
        '担当者メール',
        'カデンツ',
        '言語',
        'タイムゾーン',
        '外部ID',
      ]),
    ).toEqual({
      ok: true,
      fields: [
        'email',
        'name',
        'company',
        'department',
        'title',
        'phone',
        'postalCode',
        'prefecture',
        'city',
        'line1',
        'line2',
        'source',
        'ownerEmail',
        'cadence',
        'locale',
        'timezone',
        'externalId',
      ],
    });
  });

  it('ignores case, spaces, "_", "-" and full width', () => {
    expect(mapHeader([' E-MAIL ', 'postal_code', 'ＴＥＬ', 'お名前', 'owner　email'])).toEqual({
      ok: true,
      fields: ['email', 'postalCode', 'phone', 'name', 'ownerEmail'],
    });
    expect(normalizeHeader('Ｅメール')).toBe(normalizeHeader('eメール'));
  });

  it('accepts every name of the table, each for its own field', () => {
    for (const [field, names] of Object.entries(HEADER_NAMES)) {
      for (const name of [field, ...names])
        expect(mapHeader(field === 'email' ? [name] : ['email', name]), name).toEqual({
          ok: true,
          fields: field === 'email' ? ['email'] : ['email', field],
        });
    }
  });

  it('names unknown and empty headers with their column', () => {
    expect(mapHeader(['email', 'favourite colour', ''])).toEqual({
      ok: false,
      problems: [
        {
          column: 2,
          header: 'favourite colour',
          message: 'unknown column "favourite colour"; see the header table in docs/csv-import.md',
        },
        { column: 3, header: '', message: 'the column has no header' },
      ],
    });
  });

  it('refuses two columns for one field, and no email column', () => {
    expect(mapHeader(['メール', 'E-mail'])).toEqual({
      ok: false,
      problems: [{ column: 2, header: 'E-mail', message: 'column 1 "メール" already maps to email' }],
    });
    const noEmail = mapHeader(['name']);
    expect(noEmail.ok).toBe(false);
    expect(JSON.stringify(noEmail)).toContain('no email column');
  });
});
