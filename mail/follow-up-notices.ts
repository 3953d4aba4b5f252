import Handlebars from 'handlebars';
import type { Lead } from '../db/repositories/leads.ts';
import { contactLines, renderRepNotice, subjectTemplate } from './notifications.ts';
import type { RenderedEmail } from './render.ts';

/**
 * What a follow-up notice to a person is about: a task made for them, an escalation they
 * have not acknowledged (`escalation_reminder`), or one handed to them because its rep did
 * not (`escalation_handover`).
 */
export type FollowUpKind = 'task_created' | 'escalation_reminder' | 'escalation_handover';

/** Everything a follow-up notice shows. */
export interface FollowUpData {
  kind: FollowUpKind;
  lead: Lead;
  /** The task's title (task_created). */
  title?: string | undefined;
  /** When the task is due, as an instant (task_created). */
  dueAt?: Date | undefined;
  /** The rep the escalation was first with (escalation_handover). */
  previousOwner?: string | undefined;
  /** Where to act: the console's task list or sales inbox. */
  actionUrl: string;
  leadUrl: string;
}

// Rep-facing, written in code like mail/notifications.ts (whose renderRepNotice lays them
// out), in the lead's language; every lead field is escaped by Handlebars in the HTML part.
const SUBJECTS: Record<'ja' | 'en', Record<FollowUpKind, string>> = {
  ja: {
    task_created: '【タスク】{{title}}: {{company}} {{name}} 様 (期限 {{due}})',
    escalation_reminder: '【リマインド】未対応のホットリード: {{company}} {{name}} 様',
    escalation_handover: '【引き継ぎ】{{previousOwner}} さんが未対応のホットリード: {{company}} {{name}} 様',
  },
  en: {
    task_created: 'Task: {{title}} for {{name}}, {{company}} (due {{due}})',
    escalation_reminder: 'Reminder: hot lead not yet acknowledged: {{name}}, {{company}}',
    escalation_handover: 'Handed over to you: hot lead {{previousOwner}} has not acknowledged: {{name}}, {{company}}',
  },
};

const ACTIONS: Record<'ja' | 'en', Record<FollowUpKind, string>> = {
  ja: {
    task_created: '完了したらタスク一覧で「完了」を押してください。',
    escalation_reminder: '受信箱で「確認済みにする」を押してください。',
    escalation_handover: '受信箱で「確認済みにする」を押してください。',
  },
  en: {
    task_created: 'Mark it as done in your task list once it is done.',
    escalation_reminder: 'Acknowledge it in the sales inbox.',
    escalation_handover: 'Acknowledge it in the sales inbox.',
  },
};

const ACTION = Handlebars.create().compile(`<p>{{action}} <a href="{{actionUrl}}">{{actionUrl}}</a></p>
`);

/** The due time as the lead's people read it: `2026/12/03 18:00` in the lead's time zone. */
const formatDue = (at: Date | undefined, locale: 'ja' | 'en', timeZone: string): string =>
  at === undefined
    ? ''
    : new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
        timeZone,
        dateStyle: 'medium',
        timeStyle: 'short',
      }).format(at);

/** Renders a follow-up notice to a rep: what to do, the lead, and where to act. */
export function renderFollowUpNotice(data: FollowUpData): RenderedEmail {
  const locale = data.lead.locale === 'en' ? 'en' : 'ja';
  const ja = locale === 'ja';
  const lead = data.lead;
  const values = {
    name: lead.name ?? lead.email,
    company: lead.company ?? '',
    title: data.title ?? '',
    due: formatDue(data.dueAt, locale, lead.timezone),
    previousOwner: data.previousOwner ?? '',
  };
  const action = ACTIONS[locale][data.kind];
  return renderRepNotice({
    headline: subjectTemplate(SUBJECTS[locale][data.kind])(values),
    lines: [
      [ja ? 'タスク' : 'Task', data.title],
      [ja ? '期限' : 'Due', values.due],
      ...contactLines(lead, ja, false),
      [ja ? '前の担当' : 'Previous owner', data.previousOwner],
    ],
    middle: {
      html: ACTION({ action, actionUrl: data.actionUrl }),
      text: [`${action} ${data.actionUrl}`],
    },
    leadUrl: data.leadUrl,
  });
}
