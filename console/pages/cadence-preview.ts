import { Temporal } from 'temporal-polyfill/implementation';
import { isTimeZone } from '../../domain/cadence.ts';
import type { ConsoleApi } from '../context.ts';
import { apiErrorOf } from '../context.ts';
import { html, type Html } from '../html.ts';
import { messages, type Lang } from '../i18n.ts';
import type { FieldProblem } from './cadence-form.ts';

/** POST /v1/cadences/preview-timeline. */
export interface TimelinePreview {
  start: string;
  timezone: string;
  items: {
    at: string;
    dueAt: string;
    delayedBy: ('window' | 'cap')[];
    /** A step of the sequence, or the monthly contact guarantee's touch. */
    kind: 'step' | 'guarantee';
    step: number | null;
    channel: 'email' | 'dm' | 'task';
    template: string | null;
    reasons: { code: string; message: string }[];
  }[];
}

/** A preview, or why there is none (the API's message and its per-field problems). */
export type PreviewResult =
  { ok: true; preview: TimelinePreview } | { ok: false; status: number; message: string; problems: FieldProblem[] };

const text = messages({
  ja: {
    title: 'タイムラインのプレビュー',
    intro:
      '新しいリードが開始日に登録されたとき、育成ステップのタッチがいつ届くかの見込みです（営業日・祝日・送信時間帯・送信上限を適用。イベントによるステージ変更は含みません）。',
    startDate: '開始日',
    show: 'プレビュー',
    when: '送信日時',
    step: 'ステップ',
    channel: 'チャネル',
    template: 'テンプレート',
    note: '備考',
    movedWindow: '送信時間帯のため移動（予定：',
    movedCap: '送信上限のため移動（予定：',
    close: '）',
    caption: '育成のタッチ',
    zone: 'タイムゾーン',
    none: 'タッチがありません',
    email: 'メール',
    dm: 'DM',
    task: 'タスク',
    guarantee: '保証',
  },
  en: {
    title: 'Timeline preview',
    intro:
      'When the nurture touches would land for a new lead starting on the start date (business days, holidays, the send window and the frequency cap applied; events and stage changes are not).',
    startDate: 'Start date',
    show: 'Preview',
    when: 'Lands',
    step: 'Step',
    channel: 'Channel',
    template: 'Template',
    note: 'Note',
    movedWindow: 'moved by the send window (due ',
    movedCap: 'held by the frequency cap (due ',
    close: ')',
    caption: 'Nurture touches',
    zone: 'Time zone',
    none: 'No touches',
    email: 'Email',
    dm: 'DM',
    task: 'Task',
    guarantee: 'guarantee',
  },
});

/** A channel's name in the reader's language. */
export const channelName = (lang: Lang, channel: string): string => {
  const t = text(lang);
  return channel === 'email' || channel === 'dm' || channel === 'task' ? t[channel] : channel;
};

/** A date with its weekday and time, in the lead's zone: weekends and holidays must be visible. */
export function formatWithWeekday(lang: Lang, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

/** Today's date (YYYY-MM-DD) in `timeZone`. */
export function todayIn(timeZone: string): string {
  return Temporal.Now.plainDateISO(isTimeZone(timeZone) ? timeZone : 'Asia/Tokyo').toString();
}

/**
 * The preview of `cadence` for a lead starting on `startDate` (YYYY-MM-DD; today when
 * absent, starting now). A chosen date starts at 09:00 in the cadence's zone, the hour a
 * lead typically arrives, so a date's preview is the same whenever it is asked for.
 */
export async function previewTimeline(
  api: ConsoleApi,
  cadence: unknown,
  startDate: string | undefined,
  timeZone: string,
): Promise<PreviewResult> {
  const zone = isTimeZone(timeZone) ? timeZone : 'Asia/Tokyo';
  const start = startDate
    ? Temporal.PlainDateTime.from(`${startDate}T09:00`).toZonedDateTime(zone).toInstant().toString()
    : undefined;
  const answer = await api.send<TimelinePreview>('POST', '/v1/cadences/preview-timeline', {
    cadence,
    ...(start === undefined ? {} : { start }),
  });
  if (answer.status === 200) return { ok: true, preview: answer.body };
  const error = apiErrorOf(answer);
  // The preview route nests the cadence under `/cadence`; the form's fields are named without it.
  return {
    ok: false,
    status: answer.status,
    message: error.message,
    problems: error.details.map((d) => ({ path: d.path.replace(/^\/cadence(?=\/|$)/, '') || '/', message: d.message })),
  };
}

/** A valid YYYY-MM-DD, or undefined (a bad date in the query means "today", not an error page). */
export function startDateOf(value: string | undefined): string | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  try {
    return Temporal.PlainDate.from(value, { overflow: 'reject' }).toString();
  } catch {
    return undefined;
  }
}

/** The preview table: date with weekday, and a note on each touch the window or cap moved. */
export function previewTable(lang: Lang, preview: TimelinePreview): Html {
  const t = text(lang);
  if (preview.items.length === 0) return html`<p>${t.none}</p>`;
  const zone = preview.timezone;
  return html`<p class="muted">${t.zone}: ${zone}</p>
<div class="table-wrap"><table class="preview-timeline"><caption>${t.caption}</caption><thead><tr><th scope="col">#</th><th scope="col">${t.when}</th><th scope="col">${t.step}</th><th scope="col">${t.channel}</th><th scope="col">${t.template}</th><th scope="col">${t.note}</th></tr></thead>
<tbody>${preview.items.map(
    (
      item,
      i,
    ) => html`<tr${item.delayedBy.length > 0 ? html` class="moved"` : ''}><td class="num">${i + 1}</td><td data-at="${item.at}">${formatWithWeekday(lang, item.at, zone)}</td><td class="num">${item.step === null ? t.guarantee : item.step + 1}</td><td>${channelName(lang, item.channel)}</td><td>${item.template ?? '—'}</td>
<td>${item.delayedBy.map((d) => html`<span class="badge">${d === 'window' ? t.movedWindow : t.movedCap}${formatWithWeekday(lang, item.dueAt, zone)}${t.close}</span> `)}${item.reasons.length > 0 ? html`<span class="reasons">${item.reasons.map((r) => r.message).join(lang === 'ja' ? '、' : '; ')}</span>` : ''}</td></tr>`,
  )}</tbody></table></div>`;
}

/** The start-date field of a preview, for the view page's GET form and the editor. */
export function startDateField(lang: Lang, value: string): Html {
  return html`<div class="field"><label for="preview-start">${text(lang).startDate}</label><input type="date" id="preview-start" name="start" value="${value}"></div>`;
}

/** The preview's heading and intro. */
export function previewHeading(lang: Lang): Html {
  const t = text(lang);
  return html`<h2 id="preview">${t.title}</h2><p class="muted">${t.intro}</p>`;
}

/** The preview button's label. */
export const previewButtonLabel = (lang: Lang): string => text(lang).show;
