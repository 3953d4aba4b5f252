import type { FastifyRequest } from 'fastify';

/** The console's languages. */
export const LANGS = ['ja', 'en'] as const;

/** A console language. */
export type Lang = (typeof LANGS)[number];

/** The cookie remembering the reader's choice of language. */
export const LANG_COOKIE = 'lle_lang';

/**
 * A page's strings in both languages; TypeScript insists that both have the same keys,
 * so a string cannot be translated in one language only.
 */
export function messages<K extends string>(table: {
  ja: Record<K, string>;
  en: NoInfer<Record<K, string>>;
}): (lang: Lang) => Record<K, string> {
  return (lang) => table[lang];
}

/** The reader's language: their choice (cookie), else their browser's first of ja/en, else Japanese. */
export function requestLang(request: FastifyRequest): Lang {
  const chosen = request.cookies[LANG_COOKIE];
  if (chosen === 'ja' || chosen === 'en') return chosen;
  const accepted = (request.headers['accept-language'] ?? '').toLowerCase();
  const ja = accepted.indexOf('ja');
  const en = accepted.indexOf('en');
  if (en !== -1 && (ja === -1 || en < ja)) return 'en';
  return 'ja';
}

/** A date and time as the reader reads them, in Japan's time zone (the product's home). */
export function formatDateTime(lang: Lang, value: string | Date | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

/** A number with the reader's grouping. */
export function formatNumber(lang: Lang, value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '—';
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-US', { maximumFractionDigits: digits }).format(value);
}

/** Strings every page shares: navigation, roles, stages, common buttons. */
export const common = messages({
  ja: {
    product: 'リードライフサイクル',
    skip: '本文へ移動',
    nav: 'メインメニュー',
    dashboard: 'ダッシュボード',
    leads: 'リード',
    segments: 'セグメント',
    accounts: '企業',
    cadences: 'カデンツ',
    templates: 'テンプレート',
    performance: 'メール成果',
    broadcasts: '一斉配信',
    dmTasks: 'DMタスク',
    tasks: 'マイタスク',
    inbox: '営業インボックス',
    pipeline: 'パイプライン',
    outbox: '送信済みメール',
    signOut: 'サインアウト',
    language: 'English',
    roleAdmin: '管理者：すべての操作ができます',
    roleMarketer: 'マーケター：カデンツ・テンプレート・リード・レポート・DMタスクを扱えます',
    roleSales: '営業：リードの閲覧、エスカレーションとタスクの対応、パイプラインの閲覧ができます',
    roleIntegration: '連携：リードとイベントの登録、リードの閲覧ができます',
    stage_nurturing: '育成',
    stage_deal: '商談',
    stage_customer: '顧客',
    stage_dormant: '休眠',
    stage_reactivation: '再営業',
    stage_closed: '終了',
    save: '保存',
    cancel: 'キャンセル',
    search: '検索',
    none: 'ありません',
    next: '次へ',
    errorTitle: 'エラー',
    forbidden: 'この操作の権限がありません',
    saved: '保存しました',
    back: '戻る',
  },
  en: {
    product: 'Lead lifecycle',
    skip: 'Skip to content',
    nav: 'Main menu',
    dashboard: 'Dashboard',
    leads: 'Leads',
    segments: 'Segments',
    accounts: 'Accounts',
    cadences: 'Cadences',
    templates: 'Templates',
    performance: 'Email performance',
    broadcasts: 'Broadcasts',
    dmTasks: 'DM tasks',
    tasks: 'My tasks',
    inbox: 'Sales inbox',
    pipeline: 'Pipeline',
    outbox: 'Outbox',
    signOut: 'Sign out',
    language: '日本語',
    roleAdmin: 'Admin: may do everything',
    roleMarketer: 'Marketer: cadences, templates, leads, reports and DM tasks',
    roleSales: 'Sales: read leads, work escalations and tasks, read the pipeline',
    roleIntegration: 'Integration: write leads and events, read leads',
    stage_nurturing: 'Nurturing',
    stage_deal: 'Deal',
    stage_customer: 'Customer',
    stage_dormant: 'Dormant',
    stage_reactivation: 'Reactivation',
    stage_closed: 'Closed',
    save: 'Save',
    cancel: 'Cancel',
    search: 'Search',
    none: 'None',
    next: 'Next',
    errorTitle: 'Error',
    forbidden: 'Your role may not do this',
    saved: 'Saved',
    back: 'Back',
  },
});

/** A stage's name in the reader's language. */
export function stageName(lang: Lang, stage: string): string {
  const key = `stage_${stage}` as keyof ReturnType<typeof common>;
  return common(lang)[key] ?? stage;
}

/** The consent bases of 特定電子メール法 in words, as the lead page and the consent list name them. */
const consentBases = messages({
  ja: {
    opt_in: 'オプトイン',
    business_card: '名刺交換',
    published_address: '公表アドレス',
    existing_customer: '取引関係',
  },
  en: {
    opt_in: 'opt-in',
    business_card: 'business card',
    published_address: 'published address',
    existing_customer: 'existing customer',
  },
});

/** A consent basis in the reader's language (the code itself when unknown). */
export function consentBasisName(lang: Lang, basis: string): string {
  return (consentBases(lang) as Record<string, string>)[basis] ?? basis;
}
