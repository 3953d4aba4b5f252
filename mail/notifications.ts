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

/** The escalated lead's account and its other contacts, as an escalation notice lists them. */
export interface AccountNotice {
  name: string;
  url: string;
  contacts: {
    name: string | null;
    email: string;
    title: string | null;
    department: string | null;
    stage: string;
    score: number;
    url: string;
  }[];
}

/** Everything a notification shows. */
export interface NotificationData {
  kind: NotificationKind;
  lead: Lead;
  score: number;
  recent: TimelineEntry[];
  leadUrl: string;
  daysStalled?: number | undefined;
  /** Escalations: the lead's account and its other contacts; absent for a lead with no account. */
  account?: AccountNotice | undefined;
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

// The parts every rep notice shares (follow-up notices too): the headline, a table of
// the lines that have a value, then what the notice adds, then the lead's link.
const HEAD = Handlebars.create().compile(`<p>{{headline}}</p>
<table>
{{#each rows}}<tr><th align="left">{{label}}</th><td>{{value}}</td></tr>
{{/each}}</table>
`);
const FOOT = Handlebars.create().compile(`<p><a href="{{leadUrl}}">{{leadUrl}}</a></p>`);
const RECENT = Handlebars.create().compile(
  `{{#if recent.length}}<p>{{recentLabel}}</p><ul>{{#each recent}}<li>{{at}} {{kind}} {{detail}}</li>{{/each}}</ul>{{/if}}
`,
);

const ACCOUNT = Handlebars.create().compile(
  `{{#if contacts.length}}<p>{{label}} (<a href="{{url}}">{{name}}</a>)</p><ul>{{#each contacts}}<li><a href="{{url}}">{{#if name}}{{name}}{{else}}{{email}}{{/if}}</a>{{#if title}}, {{title}}{{/if}}{{#if department}}, {{department}}{{/if}}: {{stage}}, {{../scoreLabel}} {{score}}</li>{{/each}}</ul>{{/if}}
`,
);

const subjectTemplates = new Map<string, Handlebars.TemplateDelegate>();

/** The compiled subject line for `source`, compiled once; lead fields go in as written (a subject is not HTML). */
export function subjectTemplate(source: string): Handlebars.TemplateDelegate {
  let template = subjectTemplates.get(source);
  if (!template) {
    template = Handlebars.create().compile(source, { noEscape: true });
    subjectTemplates.set(source, template);
  }
  return template;
}

/** A labelled line of a rep notice: left out when its value is missing or empty. */
export type NoticeLine = readonly [label: string, value: string | null | undefined];

/** What a rep notice says: its headline (also the subject), its lines, what it adds below them, and the lead's link. */
export interface RepNotice {
  headline: string;
  lines: readonly NoticeLine[];
  /** Below the lines: HTML already escaped, and its text lines. */
  middle: { html: string; text: readonly string[] };
  leadUrl: string;
}

/**
 * The lead's contact lines every rep notice shows, in the lead's language: name, company,
 * department, title (where the notice shows it), email and phone.
 */
export function contactLines(lead: Lead, ja: boolean, withTitle: boolean): NoticeLine[] {
  return [
    [ja ? '氏名' : 'Name', lead.name],
    [ja ? '会社' : 'Company', lead.company],
    [ja ? '部署' : 'Department', lead.department],
    ...(withTitle ? [[ja ? '役職' : 'Title', lead.title] as const] : []),
    [ja ? 'メール' : 'Email', lead.email],
    [ja ? '電話' : 'Phone', lead.phone],
  ];
}

/** Renders a rep notice as an email: the HTML (every value escaped) and its plain-text twin. */
export function renderRepNotice(notice: RepNotice): RenderedEmail {
  const rows = notice.lines
    .filter((line): line is readonly [string, string] => typeof line[1] === 'string' && line[1] !== '')
    .map(([label, value]) => ({ label, value }));
  const html = HEAD({ headline: notice.headline, rows }) + notice.middle.html + FOOT({ leadUrl: notice.leadUrl });
  const text = [
    notice.headline,
    '',
    ...rows.map((r) => `${r.label}: ${r.value}`),
    '',
    ...notice.middle.text,
    notice.leadUrl,
  ].join('\n');
  return { subject: notice.headline, html, text };
}

/** Renders a notification to the owner rep: profile, score, recent activity and a link. */
export function renderNotification(data: NotificationData): RenderedEmail {
  const locale = data.lead.locale === 'en' ? 'en' : 'ja';
  const lead = data.lead;
  const values = {
    name: lead.name ?? lead.email,
    company: lead.company ?? '',
    score: Math.round(data.score),
    daysStalled: data.daysStalled ?? 0,
    closeDate: lead.deal?.expectedCloseDate ?? '',
  };
  const ja = locale === 'ja';
  const lines: NoticeLine[] = [
    ...contactLines(lead, ja, true),
    [ja ? 'スコア' : 'Score', String(values.score)],
    [ja ? 'ステージ' : 'Stage', lead.stage],
    [ja ? '商談金額' : 'Deal amount', lead.deal?.amount?.toLocaleString(ja ? 'ja-JP' : 'en-US')],
    [
      ja ? '確度' : 'Probability',
      lead.deal?.probability === null || lead.deal?.probability === undefined ? undefined : `${lead.deal.probability}%`,
    ],
    [ja ? '成約予定日' : 'Expected close', lead.deal?.expectedCloseDate ?? undefined],
  ];
  const recent = data.recent.map((e) => ({ at: e.at.toISOString(), kind: e.kind, detail: JSON.stringify(e.detail) }));
  const recentLabel = ja ? '最近の動き' : 'Recent activity';
  const account = data.account;
  const accountLabel = ja ? '同じ会社の他の担当者' : 'Other contacts at this account';
  const scoreLabel = ja ? 'スコア' : 'score';
  const accountText =
    account && account.contacts.length > 0
      ? [
          `${accountLabel} (${account.name}, ${account.url}):`,
          ...account.contacts.map(
            (c) =>
              `- ${c.name ?? c.email}${c.title ? `, ${c.title}` : ''}${c.department ? `, ${c.department}` : ''}: ${c.stage}, ${scoreLabel} ${c.score} ${c.url}`,
          ),
          '',
        ]
      : [];
  return renderRepNotice({
    headline: subjectTemplate(SUBJECTS[locale][data.kind])(values),
    lines,
    middle: {
      html: (account ? ACCOUNT({ ...account, label: accountLabel, scoreLabel }) : '') + RECENT({ recent, recentLabel }),
      text: [
        ...accountText,
        ...(recent.length ? [`${recentLabel}:`, ...recent.map((r) => `- ${r.at} ${r.kind} ${r.detail}`), ''] : []),
      ],
    },
    leadUrl: data.leadUrl,
  });
}
