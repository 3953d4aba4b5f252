/**
 * Company names as people type them, reduced to one key per company, so that
 * 「株式会社サンプル」, 「(株)サンプル」, 「ｻﾝﾌﾟﾙ㈱」 and "Sample Co., Ltd." group their leads
 * into one account (docs/accounts.md). Pure and deterministic: the API, the CSV import,
 * the CRM paths and the start-up backfill all key accounts with it.
 */

// Legal forms written out in Japanese, before or after the name (前株 / 後株). Longest
// first, so 特定非営利活動法人 is not cut at a shorter form inside it.
const JAPANESE_FORMS = [
  '特定非営利活動法人',
  '一般社団法人',
  '一般財団法人',
  '公益社団法人',
  '公益財団法人',
  '社会福祉法人',
  '株式会社',
  '有限会社',
  '合同会社',
  '合資会社',
  '合名会社',
  '医療法人',
  '学校法人',
  'npo法人',
];

// The one-character abbreviations in brackets: (株) (有) (同) (資) (名) (社) (財) (医) (学).
// NFKC has already turned ㈱ ㈲ into (株) (有) and full-width brackets into ASCII ones.
const ABBREVIATED_FORM = /\(\s*[株有同資名社財医学]\s*\)/gu;

// English (and romanised Japanese) legal forms at the end of a name, as words: after
// punctuation became spaces, "Co., Ltd." reads "co ltd" and "K.K." reads "k k". They are
// only cut after a space, so "Fastcorp" keeps its "corp".
const ENGLISH_SUFFIX =
  / (co ltd|company limited|co limited|limited|ltd|incorporated|inc|corporation|corp|k k|kk|kabushiki kaisha|kabushikigaisha|l l c|llc|g k|gk|plc|pte ltd|pte|gmbh|co|company)$/u;
// Romanised 株式会社 also comes first: "Kabushiki Kaisha Toshiba".
const ENGLISH_PREFIX = /^(kabushiki kaisha|kabushikigaisha|k k) /u;

// Everything that is neither a letter, a digit nor one of the marks that tell companies
// apart ("AT&T", "C++"); the katakana long vowel ー is a letter mark (Lm), so it stays.
const SEPARATORS = /[^\p{L}\p{N}\p{M}&+]+/gu;

/** One pass: width and case folded, legal forms cut, separators gone. */
function normaliseOnce(text: string): string {
  let s = text.normalize('NFKC').toLowerCase().replace(ABBREVIATED_FORM, ' ');
  s = s.replace(SEPARATORS, ' ').trim();
  for (let changed = true; changed;) {
    const before = s;
    for (const form of JAPANESE_FORMS) {
      if (s.startsWith(form)) s = s.slice(form.length).trim();
      if (s.endsWith(form)) s = s.slice(0, s.length - form.length).trim();
    }
    s = s.replace(ENGLISH_SUFFIX, '').replace(ENGLISH_PREFIX, '').trim();
    changed = s !== before && s.length > 0;
    if (s.length === 0) return '';
  }
  return s.replaceAll(' ', '');
}

/**
 * The company's key: NFKC (full- and half-width forms folded), lower case, legal forms
 * (株式会社, (株), ㈱, 有限会社, 合同会社 … before or after the name; Co., Ltd., Inc., Corp.,
 * Corporation, K.K., LLC …) removed, and every space and punctuation mark dropped.
 * Undefined when nothing of a name is left ("株式会社", "(株)", ""). Idempotent: a key
 * normalised again is itself.
 */
export function companyKey(name: string | null | undefined): string | undefined {
  if (name === null || name === undefined) return undefined;
  // A pass can expose a form the previous one could not see ("株式・会社X" becomes
  // "株式会社x"); passing until nothing changes is what makes the key idempotent.
  let key = normaliseOnce(name);
  for (let i = 0; i < 20; i++) {
    const next = normaliseOnce(key);
    if (next === key) break;
    key = next;
  }
  return key.length > 0 ? key : undefined;
}

/** The name as shown for an account: the lead's own spelling, trimmed and with its spaces folded. */
export function companyDisplayName(name: string): string {
  return name.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}
