import { describe, expect, it } from 'vitest';
import {
  MAILING_LABEL_HEADER,
  mailingLabelsCsv,
  mailingLabelsFilename,
  type MailingLabel,
} from '../../../api/mailing-labels.ts';

const ADDRESS = {
  postalCode: '100-0001',
  prefecture: '東京都',
  city: '千代田区',
  line1: '千代田1-1',
  line2: 'サンプルビル3F',
};
const label = (overrides: Partial<MailingLabel> = {}): MailingLabel => ({
  taskId: 'task-1',
  postalAddress: ADDRESS,
  company: '株式会社サンプル',
  department: '営業部',
  name: '山田 太郎',
  ...overrides,
});
/** The CSV's lines after the BOM, split at CRLF (the last element is the empty rest after the final CRLF). */
const lines = (csv: string) => csv.slice(1).split('\r\n');

describe('mailingLabelsCsv', () => {
  it('starts with a BOM and the Japanese header, and ends every record with CRLF', () => {
    const csv = mailingLabelsCsv([label()]);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(lines(csv)).toEqual([
      MAILING_LABEL_HEADER.join(','),
      '100-0001,東京都,千代田区,千代田1-1,サンプルビル3F,株式会社サンプル,営業部,山田 太郎 様,task-1',
      '',
    ]);
  });

  it('answers only the header for no labels', () => {
    expect(mailingLabelsCsv([])).toBe(`\uFEFF${MAILING_LABEL_HEADER.join(',')}\r\n`);
  });

  it('keeps the labels in the order given', () => {
    const csv = mailingLabelsCsv([label({ taskId: 'b' }), label({ taskId: 'a' }), label({ taskId: 'c' })]);
    expect(
      lines(csv)
        .slice(1, 4)
        .map((line) => line.split(',').at(-1)),
    ).toEqual(['b', 'a', 'c']);
  });

  it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
    const csv = mailingLabelsCsv([
      label({
        company: 'Foo, "Bar" Inc.',
        department: 'LF\nonly',
        postalAddress: { ...ADDRESS, line1: 'CR\ronly', line2: 'CRLF\r\nboth' },
      }),
    ]);
    expect(csv).toContain(',"CR\ronly","CRLF\r\nboth","Foo, ""Bar"" Inc.","LF\nonly",');
  });

  it('neutralises fields that a spreadsheet would run as formulas, in ASCII and full width', () => {
    const csv = mailingLabelsCsv([
      label({
        name: '=HYPERLINK("http://evil.example","click")',
        company: '+1+1',
        department: '-2+3',
        postalAddress: { ...ADDRESS, line1: '@SUM(A1)', line2: '\tTAB' },
      }),
      label({
        name: '＝１＋１',
        company: '＋x',
        department: '－y',
        postalAddress: { ...ADDRESS, line1: '＠z', line2: undefined },
      }),
    ]);
    const [, first, second] = lines(csv);
    expect(first).toBe(
      `100-0001,東京都,千代田区,'@SUM(A1),'\tTAB,'+1+1,'-2+3,"'=HYPERLINK(""http://evil.example"",""click"") 様",task-1`,
    );
    expect(second).toBe("100-0001,東京都,千代田区,'＠z,,'＋x,'－y,'＝１＋１ 様,task-1");
  });

  it('leaves fields with formula characters elsewhere alone', () => {
    const csv = mailingLabelsCsv([
      label({ company: 'A=B株式会社', postalAddress: { ...ADDRESS, line1: '千代田1-1-1' } }),
    ]);
    expect(lines(csv)[1]).toContain(',千代田1-1-1,サンプルビル3F,A=B株式会社,');
  });

  it('writes "ご担当者 様" for a lead without a name, and empty fields for what is missing', () => {
    expect(lines(mailingLabelsCsv([label({ name: null, company: null, department: null })]))[1]).toBe(
      '100-0001,東京都,千代田区,千代田1-1,サンプルビル3F,,,ご担当者 様,task-1',
    );
    expect(lines(mailingLabelsCsv([label({ name: '  ' })]))[1]).toContain(',ご担当者 様,');
    expect(lines(mailingLabelsCsv([label({ postalAddress: null })]))[1]).toBe(
      ',,,,,株式会社サンプル,営業部,山田 太郎 様,task-1',
    );
  });

  it('prints a seven-digit postal code with its hyphen, and any other code as given', () => {
    const code = (postalCode: string) =>
      lines(mailingLabelsCsv([label({ postalAddress: { ...ADDRESS, postalCode } })]))[1]?.split(',')[0];
    expect(code('1000001')).toBe('100-0001');
    expect(code('100-0001')).toBe('100-0001');
    expect(code('12345')).toBe('12345');
  });
});

describe('mailingLabelsFilename', () => {
  it('dates the file in Japan', () => {
    expect(mailingLabelsFilename(new Date('2025-06-30T15:00:00Z'))).toBe('dm-labels-20250701.csv');
    expect(mailingLabelsFilename(new Date('2025-06-30T14:59:59Z'))).toBe('dm-labels-20250630.csv');
  });
});
