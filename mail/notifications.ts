import Handlebars from 'handlebars';
import type { Lead } from '../db/repositories/leads.ts';
import type { TimelineEntry } from '../db/repositories/timeline.ts';
import type { RenderedEmail } from './render.ts';

/** What a rep notification is about. */
export type NotificationKind =
  | 'sales_escalation'
  | 'upsell_escalation'
  | 'deal_stalled'
  | 'close_date_passed'
  | 'reactivation_intent'
  | 'repeat_intent';

/** Everything a notification shows. */
export interface NotificationData {
  kind: NotificationKind;
  lead: Lead;
  score: number;
  recent: TimelineEntry[];
  leadUrl: string;
  daysStalled?: number | undefined;
}

// Rep-facing, so written in code rather than as marketer templates, in the team's
// language (the lead's locale). Handlebars escapes every lead field in the HTML part.
const SUBJECTS: Record<'ja' | 'en', Record<NotificationKind, string>> = {
  ja: {
    sales_escalation: '【ホットリード】{{company}} {{name}} 様 (スコア {{score}})',
    upsell_escalation: '【追加提案の機会】{{company}} {{name}} 様 (スコア {{score}})',
    deal_stalled: '【商談停滞】{{company}} {{name}} 様: {{daysStalled}} 日動きがありません',
    close_date_passed: '【成約予定日超過】{{company}} {{name}} 様: {{closeDate}} を過ぎました',
    reactivation_intent: '【再営業の機会】休眠中の {{company}} {{name}} 様から連絡がありました',
    repeat_intent: '【再度の問い合わせ】{{company}} {{name}} 様から連絡がありました (スコア {{score}})',
  },
  en: {
    sales_escalation: 'Hot lead: {{name}}, {{company}} (score {{score}})',
    upsell_escalation: 'Upsell opportunity: {{name}}, {{company}} (score {{score}})',
    deal_stalled: 'Stalled deal: {{name}}, {{company}}, no movement for {{daysStalled}} days',
    close_date_passed: 'Close date passed: {{name}}, {{company}} ({{closeDate}})',
    reactivation_intent: 'Former customer reaching out: {{name}}, {{company}}',
    repeat_intent: 'Hot lead asking again: {{name}}, {{company}} (score {{score}})',
  },
};

const BODY = Handlebars.create().compile(`<p>{{headline}}</p>
<table>
{{#each rows}}<tr><th align="left">{{label}}</th><td>{{value}}</td></tr>
{{/each}}</table>
{{#if recent.length}}<p>{{recentLabel}}</p><ul>{{#each recent}}<li>{{at}} {{kind}} {{detail}}</li>{{/each}}</ul>{{/if}}
<p><a href="{{leadUrl}}">{{leadUrl}}</a></p>`);

const subjectTemplates = new Map<string, Handlebars.TemplateDelegate>();

/** Renders a notification to the owner rep: profile, score, recent activity and a link. */
export function renderNotification(data: NotificationData): RenderedEmail {
  const locale = data.lead.locale === 'en' ? 'en' : 'ja';
  const source = SUBJECTS[locale][data.kind];
  let subject = subjectTemplates.get(source);
  if (!subject) {
    subject = Handlebars.create().compile(source, { noEscape: true });
    subjectTemplates.set(source, subject);
  }
  const lead = data.lead;
  const values = {
    name: lead.name ?? lead.email,
    company: lead.company ?? '',
    score: Math.round(data.score),
    daysStalled: data.daysStalled ?? 0,
    closeDate: lead.deal?.expectedCloseDate ?? '',
  };
  const ja = locale === 'ja';
  const rows = [
    [ja ? '氏名' : 'Name', lead.name],
    [ja ? '会社' : 'Company', lead.company],
    [ja ? '部署' : 'Department', lead.department],
    [ja ? '役職' : 'Title', lead.title],
    [ja ? 'メール' : 'Email', lead.email],
    [ja ? '電話' : 'Phone', lead.phone],
    [ja ? 'スコア' : 'Score', String(values.score)],
    [ja ? 'ステージ' : 'Stage', lead.stage],
    [ja ? '商談金額' : 'Deal amount', lead.deal?.amount?.toLocaleString(ja ? 'ja-JP' : 'en-US')],
    [
      ja ? '確度' : 'Probability',
      lead.deal?.probability === null || lead.deal?.probability === undefined ? undefined : `${lead.deal.probability}%`,
    ],
    [ja ? '成約予定日' : 'Expected close', lead.deal?.expectedCloseDate ?? undefined],
  ]
    .filter((row): row is [string, string] => typeof row[1] === 'string' && row[1] !== '')
    .map(([label, value]) => ({ label, value }));
  const recent = data.recent.map((e) => ({ at: e.at.toISOString(), kind: e.kind, detail: JSON.stringify(e.detail) }));
  const headline = subject(values);
  const html = BODY({
    headline,
    rows,
    recent,
    recentLabel: ja ? '最近の動き' : 'Recent activity',
    leadUrl: data.leadUrl,
  });
  const text = [
    headline,
    '',
    ...rows.map((r) => `${r.label}: ${r.value}`),
    '',
    ...(recent.length
      ? [ja ? '最近の動き:' : 'Recent activity:', ...recent.map((r) => `- ${r.at} ${r.kind} ${r.detail}`), '']
      : []),
    data.leadUrl,
  ].join('\n');
  return { subject: headline, html, text };
}
