import type { ConsoleApi, ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { messages, type Lang } from '../i18n.ts';

/** GET /v1/leads/:id/explain, as the lead page reads it. */
interface Explain {
  nextTouch: {
    at: string | null;
    kind: 'step' | 'guarantee';
    channel: string;
    template: string | null;
    title: string | null;
    reasons: { code: string; message: string }[];
  } | null;
  lastTouch: string | null;
  monthsWithoutTouch: number;
  paused: boolean;
  emailSuppressed: { message: string } | null;
  /** Whether email may go for lack of a consent basis (CONSENT_REQUIRED). */
  consent?: { basis: string | null; emailBlocked: string | null };
}

const text = messages({
  ja: {
    title: '次の接触',
    next: '次の接触',
    none: '予定された接触はありません',
    paused: '一時停止中のため、再開後に送ります',
    last: '最後に届いた接触',
    never: 'まだありません',
    gaps: '接触のなかった月',
    noConsent:
      'メールは送りません：同意の根拠が記録されていないためです（CONSENT_REQUIRED が有効）。DM とタスクは続きます。根拠を登録するとメールも再開します。',
    sep: '、',
    dash: ' — ',
  },
  en: {
    title: 'Next touch',
    next: 'Next touch',
    none: 'No touch is planned',
    paused: 'The lead is paused: it goes out once resumed',
    last: 'Last touch that reached the lead',
    never: 'none yet',
    gaps: 'Months without a touch',
    noConsent:
      'No email: no consent basis is on record (CONSENT_REQUIRED is on). DM and tasks go on; email resumes once a basis is recorded.',
    sep: '; ',
    dash: ' — ',
  },
});

/** "1月5日(月) 9:00" or "Mon 5 January, 09:00", in Japan's time zone like the rest of the console. */
function when(lang: Lang, iso: string): string {
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo',
    month: 'long',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: '2-digit',
  }).format(new Date(iso));
}

/** The lead's next touch in plain sentences, with why it goes out then; nothing when the workflow cannot answer. */
export async function explainBlock(ctx: ConsoleContext, api: ConsoleApi, leadId: string): Promise<Html> {
  const answer = await api.get<Explain>(`/v1/leads/${encodeURIComponent(leadId)}/explain`);
  if (answer.status !== 200) return html``;
  const t = text(ctx.lang);
  const { nextTouch, lastTouch, monthsWithoutTouch, emailSuppressed, consent } = answer.body;
  const reasons = nextTouch?.reasons.map((r) => r.message).join(t.sep) ?? '';
  const next =
    nextTouch === null
      ? t.none
      : nextTouch.at === null
        ? t.paused
        : `${when(ctx.lang, nextTouch.at)}${reasons === '' ? '' : `${t.dash}${reasons}`}`;
  return html`<section id="lead-explain" class="card" aria-labelledby="explain-h"><h2 id="explain-h">${t.title}</h2>
<p data-field="explain-next">${t.next}: ${next}</p>
${emailSuppressed ? html`<p data-field="explain-email">${emailSuppressed.message}</p>` : ''}
${consent?.emailBlocked ? html`<p data-field="explain-consent"><strong class="error-text">${t.noConsent}</strong></p>` : ''}
<p class="muted">${t.last}: ${lastTouch === null ? t.never : when(ctx.lang, lastTouch)}${monthsWithoutTouch > 0 ? html` · ${t.gaps}: ${monthsWithoutTouch}` : ''}</p></section>`;
}
