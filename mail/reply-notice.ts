import Handlebars from 'handlebars';
import type { Lead } from '../db/repositories/leads.ts';
import type { RenderedEmail } from './render.ts';

/** What the owner is told about a reply. */
export interface ReplyNoticeData {
  lead: Lead;
  from: string | null;
  subject: string;
  text: string;
  leadUrl: string;
}

const handlebars = Handlebars.create();
// Every field is the replier's or the lead's: Handlebars escapes each in the HTML part.
const BODY = handlebars.compile(`<p>{{headline}}</p>
<p>{{fromLabel}}: {{from}}<br>{{subjectLabel}}: {{subject}}</p>
<pre style="white-space:pre-wrap;font-family:inherit">{{text}}</pre>
<p>{{pausedNote}}</p>
<p><a href="{{leadUrl}}">{{leadUrl}}</a></p>`);

/**
 * The notice to a lead's owner that the lead replied: who, the subject, the reply's text,
 * that the cadence is paused until someone resumes it, and a link to the lead. Rep-facing,
 * so written in code in the lead's locale, like the escalation notices.
 */
export function renderReplyNotice(data: ReplyNoticeData): RenderedEmail {
  const ja = data.lead.locale !== 'en';
  const who = [data.lead.company, data.lead.name ?? data.lead.email].filter(Boolean).join(' ');
  const headline = ja ? `【返信あり】${who} 様からメールの返信がありました` : `Reply from ${who}`;
  const values = {
    headline,
    fromLabel: ja ? '差出人' : 'From',
    from: data.from ?? data.lead.email,
    subjectLabel: ja ? '件名' : 'Subject',
    subject: data.subject,
    text: data.text,
    pausedNote: ja
      ? 'このリードのケイデンスは一時停止しました。対応後、リードのページから再開してください。'
      : "This lead's cadence is paused; resume it from the lead's page once you have answered.",
    leadUrl: data.leadUrl,
  };
  const text = [
    headline,
    '',
    `${values.fromLabel}: ${values.from}`,
    `${values.subjectLabel}: ${values.subject}`,
    '',
    data.text,
    '',
    values.pausedNote,
    data.leadUrl,
  ].join('\n');
  return { subject: headline, html: BODY(values), text };
}
