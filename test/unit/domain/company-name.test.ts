import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { companyKey } from '../../../domain/company-name.ts';

describe('companyKey', () => {
  // Each group is one company as people write it; every spelling must give one key.
  const SAME_COMPANY: [string, string[]][] = [
    [
      'サンプル',
      [
        '株式会社サンプル',
        'サンプル株式会社',
        '(株)サンプル',
        '（株）サンプル',
        'サンプル(株)',
        '㈱サンプル',
        'サンプル㈱',
        '㍿サンプル',
        'ｻﾝﾌﾟﾙ株式会社',
        '株式会社　サンプル',
        ' サンプル 株式会社 ',
        '( 株 ) サンプル',
      ],
    ],
    ['山田商事', ['有限会社山田商事', '山田商事有限会社', '(有)山田商事', '㈲山田商事', '（有）山田商事']],
    ['テックラボ', ['合同会社テックラボ', 'テックラボ合同会社', '(同)テックラボ', 'テック・ラボ合同会社']],
    [
      'sample',
      [
        'Sample Co., Ltd.',
        'SAMPLE CO.,LTD.',
        'Sample Co.,Ltd',
        'Sample Co Ltd',
        'Sample Company Limited',
        'Sample Limited',
        'Sample Ltd.',
        'Sample Inc.',
        'Sample, Inc.',
        'Sample Incorporated',
        'Sample Corp.',
        'Sample Corporation',
        'Sample K.K.',
        'Sample KK',
        'K.K. Sample',
        'Kabushiki Kaisha Sample',
        'Sample LLC',
        'Sample L.L.C.',
        'Ｓａｍｐｌｅ　Ｉｎｃ．',
        'ＳＡＭＰＬＥ株式会社',
        '株式会社Sample',
        'sample',
      ],
    ],
    ['acmeholdings', ['ACME Holdings, Inc.', 'Acme-Holdings Inc', 'ACME HOLDINGS', 'acme　holdings 株式会社']],
    ['nttデータ', ['株式会社ＮＴＴデータ', 'NTTデータ', 'ＮＴＴ データ']],
    ['at&t', ['AT&T Inc.', 'ＡＴ＆Ｔ']],
    ['ソニーグループ', ['ソニーグループ株式会社', 'ｿﾆｰｸﾞﾙｰﾌﾟ㈱', 'ソニー・グループ（株）']],
    ['日本財団', ['公益財団法人日本財団', '日本財団']],
  ];

  for (const [key, spellings] of SAME_COMPANY) {
    it(`gives every spelling of ${key} the key "${key}"`, () => {
      for (const spelling of spellings) expect(companyKey(spelling), spelling).toBe(key);
    });
  }

  it('keeps different companies apart', () => {
    expect(companyKey('サンプル商事')).not.toBe(companyKey('サンプル'));
    expect(companyKey('トヨタ自動車')).not.toBe(companyKey('トヨタ紡織'));
    expect(companyKey('ABC Corp')).not.toBe(companyKey('ABD Corp'));
  });

  it('keeps a legal word that is part of the name, not a suffix after a space', () => {
    expect(companyKey('Fastcorp')).toBe('fastcorp');
    expect(companyKey('Coinc')).toBe('coinc');
    // The katakana long vowel is a letter, not a dash.
    expect(companyKey('データー')).toBe('データー');
  });

  it('has no key for a name that is only a legal form or blank', () => {
    for (const name of ['株式会社', '(株)', '㈱', '有限会社', '', '   ', '・', undefined, null])
      expect(companyKey(name), String(name)).toBeUndefined();
  });

  it('cuts a legal form that only shows once punctuation is gone', () => {
    expect(companyKey('株式・会社サンプル')).toBe('サンプル');
  });

  it('is idempotent: a key normalised again is itself', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.string({ unit: 'grapheme', maxLength: 20 }),
          fc
            .tuple(
              fc.constantFrom('', '株式会社', '(株)', '㈱', '有限会社', 'Kabushiki Kaisha ', '・', '　'),
              fc.string({ maxLength: 12 }),
              fc.constantFrom('', ' Co., Ltd.', ' Inc.', '株式会社', ' K.K.', ' LLC', '（有）', ' Corporation'),
            )
            .map((parts) => parts.join('')),
        ),
        (name) => {
          const key = companyKey(name);
          if (key !== undefined) expect(companyKey(key)).toBe(key);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('ignores width, case, legal forms and punctuation around the name', () => {
    const base = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,9}$/u);
    fc.assert(
      fc.property(base, fc.constantFrom('', '株式会社', ' Inc.', ' Co., Ltd.'), (name, form) => {
        const wide = [...name].map((c) => String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0)).join('');
        expect(companyKey(`${wide.toUpperCase()}${form}`)).toBe(companyKey(name));
        expect(companyKey(`\u3000${name}・${form}。`)).toBe(companyKey(name));
      }),
      { numRuns: 2000 },
    );
  });

  it('never gives a key with spaces or upper-case letters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (name) => {
        const key = companyKey(name);
        if (key !== undefined) {
          expect(key).not.toMatch(/\s/u);
          expect(key).toBe(key.toLowerCase());
        }
      }),
      { numRuns: 5000 },
    );
  });
});
