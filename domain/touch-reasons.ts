import { holidayName, isBusinessDay, isJapaneseHoliday, isYearEndBreak } from './business-calendar.ts';
import { civilFromDays, isoDateText } from './civil-days.ts';
import { localDayOf } from './zone-offset.ts';
import type { ChannelIssue, TouchChannel } from './touch-channel.ts';

/** Why a touch goes out when it does, or on the channel it does: a code and the facts a message needs. */
export type TouchReason =
  | { code: 'outside_hours'; from: string; to: string }
  | { code: 'weekend'; date: string }
  | { code: 'holiday'; date: string; name: string }
  | { code: 'year_end_break' }
  | { code: 'frequency_cap'; max: number; per: string }
  | { code: 'min_gap'; minGap: string }
  | { code: 'paused' }
  | { code: 'guarantee'; month: string }
  | { code: 'cap_reserve'; month: string }
  | { code: 'fallback'; from: TouchChannel; to: TouchChannel; issue: ChannelIssue }
  | { code: 'skipped'; issue: ChannelIssue }
  | { code: 'sequence_end' }
  | { code: 'account_cap'; touches: number; per: string; until: string };

/** A reason's code. */
export type TouchReasonCode = TouchReason['code'];

/** The languages reasons are written in. */
export type ReasonLocale = 'ja' | 'en';

/**
 * What closed the send window between `fromMs` (where the touch was due) and `toMs` (the
 * opening it waited for), day by day in `timeZone`: hours, weekends, holidays, the year-end break.
 */
export function windowReasons(
  fromMs: number,
  toMs: number,
  window: { timezone: string; businessDays: boolean; from: string; to: string },
): TouchReason[] {
  const reasons: TouchReason[] = [];
  // Day numbers (civil-days.ts), not Temporal dates: this runs for every touch planned.
  const last = localDayOf(toMs, window.timezone);
  let closedDay = false;
  let yearEnd = false;
  for (let day = localDayOf(fromMs, window.timezone), i = 0; day < last && i < 40; day++, i++) {
    if (!window.businessDays) continue;
    const date = civilFromDays(day);
    if (isBusinessDay(date)) continue;
    closedDay = true;
    if (isJapaneseHoliday(date))
      reasons.push({ code: 'holiday', date: isoDateText(date), name: holidayName(date) ?? '' });
    else if (isYearEndBreak(date)) yearEnd = true;
    else if (!reasons.some((r) => r.code === 'weekend')) reasons.push({ code: 'weekend', date: isoDateText(date) });
  }
  if (yearEnd) reasons.push({ code: 'year_end_break' });
  if (!closedDay) reasons.push({ code: 'outside_hours', from: window.from, to: window.to });
  return reasons;
}

const CHANNEL = {
  ja: { email: 'メール', dm: 'DM', task: 'タスク' },
  en: { email: 'email', dm: 'DM', task: 'task' },
} as const;

const ISSUE = {
  // Each reads before ため: a verb as it is, a noun with の.
  ja: { no_postal_address: '郵送先住所がない', email_suppressed: 'メール配信停止中の', do_not_contact: '連絡不可の' },
  en: {
    no_postal_address: 'no postal address',
    email_suppressed: 'email is suppressed',
    do_not_contact: 'do not contact',
  },
} as const;

function day(date: string, locale: ReasonLocale): string {
  const [, m, d] = date.split('-').map(Number);
  if (locale === 'ja') return `${m}月${d}日`;
  return new Date(`${date}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' });
}

/** The reason as a short phrase in `locale`, for the timeline, the explain route and the lead page. */
export function reasonMessage(reason: TouchReason, locale: ReasonLocale): string {
  const ja = locale === 'ja';
  switch (reason.code) {
    case 'outside_hours':
      return ja
        ? `送信時間帯 (${reason.from}〜${reason.to}) の外`
        : `outside the send window (${reason.from}–${reason.to})`;
    case 'weekend':
      return ja ? '土日は送信しない' : 'no touches at weekends';
    case 'holiday':
      return ja
        ? `${day(reason.date, locale)}は祝日 (${reason.name})`
        : `${day(reason.date, locale)} is a public holiday (${reason.name})`;
    case 'year_end_break':
      return ja ? '年末年始休み' : 'the year-end break (29 Dec – 3 Jan)';
    case 'frequency_cap':
      return ja
        ? `接触上限 (${reason.per} に ${reason.max} 回) に達している`
        : `the frequency cap (${reason.max} per ${reason.per}) is reached`;
    case 'min_gap':
      return ja
        ? `前回の接触から ${reason.minGap} 空ける (最小間隔)`
        : `at least ${reason.minGap} after the previous touch (minimum gap)`;
    case 'paused':
      return ja ? 'リードが一時停止中' : 'the lead is paused';
    case 'guarantee':
      return ja
        ? `${reason.month} に接触がないため、月末の保証接触`
        : `no touch reached the lead in ${reason.month}: the monthly guarantee touch`;
    case 'cap_reserve':
      return ja ? `${reason.month} の接触枠を残すため翌月へ` : `held so that ${reason.month} keeps room under the cap`;
    case 'fallback':
      return ja
        ? `${ISSUE.ja[reason.issue]}ため${CHANNEL.ja[reason.from]}の代わりに${CHANNEL.ja[reason.to]}`
        : `${CHANNEL.en[reason.to]} instead of ${CHANNEL.en[reason.from]}: ${ISSUE.en[reason.issue]}`;
    case 'skipped':
      return ja ? `${ISSUE.ja[reason.issue]}ため送らない` : `not sent: ${ISSUE.en[reason.issue]}`;
    case 'sequence_end':
      return ja ? 'シーケンスの最後まで進んだ' : 'the sequence has ended';
    case 'account_cap':
      return ja
        ? `同じ会社への接触上限 (${reason.per} に ${reason.touches} 回) に達しているため ${reason.until} まで保留`
        : `held until ${reason.until}: the account's cap (${reason.touches} per ${reason.per}) is reached`;
  }
}
