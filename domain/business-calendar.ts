// The library's own `isHoliday`/`between` format a `Date` with local-time getters, so their
// answer depends on the process TZ; its data table, keyed by `YYYY-MM-DD`, does not.
import HOLIDAYS from '@holiday-jp/holiday_jp/lib/holidays.js';
import { Temporal } from 'temporal-polyfill/implementation';
import { daysFromCivil, daysInMonth, isoDateText } from './civil-days.ts';

/** A calendar date with no time and no time zone: which day it is where the lead is. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const TABLE: Readonly<Record<string, { name: string }>> = HOLIDAYS;

const YEARS = Object.keys(TABLE).map((key) => Number(key.slice(0, 4)));

/**
 * The years the bundled holiday data covers. Outside them only weekends and the year-end
 * break are known: a holiday there is missed, not invented.
 */
export const HOLIDAY_DATA_YEARS: { readonly first: number; readonly last: number } = Object.freeze({
  first: Math.min(...YEARS),
  last: Math.max(...YEARS),
});

/** The name Japanese calendars print for the Dec 29 – Jan 3 closure. */
const YEAR_END_BREAK_NAME = '年末年始';

function checked(date: CalendarDate): CalendarDate {
  const { year, month, day } = date;
  // The common case in plain numbers (the planner asks for thousands of days); anything
  // unusual goes to the polyfill, which answers or throws as before.
  if (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= 0 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  ) {
    return { year, month, day };
  }
  // 'reject', because a silently constrained Feb 30 would answer for a different day.
  const plain = Temporal.PlainDate.from({ year, month, day }, { overflow: 'reject' });
  return { year: plain.year, month: plain.month, day: plain.day };
}

function key(date: CalendarDate): string {
  return isoDateText(date);
}

/** ISO day of the week, Monday 1 to Sunday 7 (1970-01-01 was a Thursday). */
function dayOfWeek(date: CalendarDate): number {
  const days = daysFromCivil(date.year, date.month, date.day);
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/** Whether `date` is a Japanese national holiday, substitute (振替休日) and citizens' (国民の休日) holidays included. */
export function isJapaneseHoliday(date: CalendarDate): boolean {
  return TABLE[key(checked(date))] !== undefined;
}

/** Whether `date` falls in the year-end break, Dec 29 – Jan 3, when most Japanese companies are closed. */
export function isYearEndBreak(date: CalendarDate): boolean {
  const { month, day } = checked(date);
  return (month === 12 && day >= 29) || (month === 1 && day <= 3);
}

/** Whether `date` is a business day: Monday to Friday, not a Japanese holiday, not in the year-end break. */
export function isBusinessDay(date: CalendarDate): boolean {
  // Asked for every day the planner scans; the answer per date never changes.
  const key = date.year * 10_000 + date.month * 100 + date.day;
  const cached = businessDays.get(key);
  if (cached !== undefined) return cached;
  const answer = isBusinessDayUncached(date);
  if (businessDays.size >= 100_000) businessDays.clear();
  businessDays.set(key, answer);
  return answer;
}

const businessDays = new Map<number, boolean>();

function isBusinessDayUncached(date: CalendarDate): boolean {
  const plain = checked(date);
  return dayOfWeek(plain) <= 5 && TABLE[key(plain)] === undefined && !isYearEndBreak(plain);
}

/** The Japanese name of the holiday or break `date` falls in, for timeline messages; undefined on an ordinary day. */
export function holidayName(date: CalendarDate): string | undefined {
  const plain = checked(date);
  // The holiday's own name first: "元日" says more than "年末年始" on Jan 1.
  return TABLE[key(plain)]?.name ?? (isYearEndBreak(plain) ? YEAR_END_BREAK_NAME : undefined);
}
