// The forced non-native build, as in duration.ts: every worker must compute the same dates.
import { Temporal } from 'temporal-polyfill/implementation';
import { isBusinessDay } from './business-calendar.ts';
import { isoDateText } from './civil-days.ts';
import { localDateOf } from './zone-offset.ts';

/** A calendar month where the lead is, counted as year * 12 + (month - 1) so months compare as numbers. */
export type MonthNumber = number;

/** The calendar month (in `timeZone`) that the instant `atMs` falls in. */
export function monthOf(atMs: number, timeZone: string): MonthNumber {
  const date = localDateOf(atMs, timeZone);
  return date.year * 12 + (date.month - 1);
}

function firstDay(month: MonthNumber): Temporal.PlainDate {
  return new Temporal.PlainDate(Math.floor(month / 12), (month % 12) + 1, 1);
}

/** The first instant of `month` in `timeZone`. */
export function monthStart(month: MonthNumber, timeZone: string): number {
  let zone = starts.get(timeZone);
  if (zone === undefined) {
    zone = new Map();
    starts.set(timeZone, zone);
  }
  let start = zone.get(month);
  if (start === undefined) {
    start = firstDay(month).toZonedDateTime({ timeZone }).epochMilliseconds;
    if (zone.size >= 100_000) zone.clear();
    zone.set(month, start);
  }
  return start;
}

// Pure and asked for constantly while the guarantee looks at months: cached, by zone then month.
const starts = new Map<string, Map<MonthNumber, number>>();

/** The first instant after `month` in `timeZone`: the month is [monthStart, monthEnd). */
export function monthEnd(month: MonthNumber, timeZone: string): number {
  return monthStart(month + 1, timeZone);
}

/** `month` as YYYY-MM, for timeline details and messages. */
export function monthLabel(month: MonthNumber): string {
  // As PlainYearMonth prints it, without building one: a label is made for every guarantee touch.
  return isoDateText({ year: Math.floor(month / 12), month: (month % 12) + 1, day: 1 }).slice(0, -3);
}

/**
 * The first instant of the `count`-th last business day of `month` (Japanese calendar,
 * business-calendar.ts) in `timeZone`: where "the last business days of the month" begin.
 */
export function lastBusinessDaysStart(month: MonthNumber, timeZone: string, count: number): number {
  const key = `${month}|${timeZone}|${count}`;
  let start = lastDays.get(key);
  if (start === undefined) {
    start = lastBusinessDaysStartUncached(month, timeZone, count);
    if (lastDays.size >= 100_000) lastDays.clear();
    lastDays.set(key, start);
  }
  return start;
}

const lastDays = new Map<string, number>();

function lastBusinessDaysStartUncached(month: MonthNumber, timeZone: string, count: number): number {
  let date = firstDay(month).add({ months: 1 }).subtract({ days: 1 });
  let found = 0;
  const first = firstDay(month);
  for (;;) {
    if (isBusinessDay(date)) found += 1;
    if (found >= count || Temporal.PlainDate.compare(date, first) <= 0) break;
    date = date.subtract({ days: 1 });
  }
  return date.toZonedDateTime({ timeZone }).epochMilliseconds;
}
