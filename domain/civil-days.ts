/**
 * Calendar arithmetic on day numbers (days since 1970-01-01 in the proleptic Gregorian
 * calendar), in plain integers: the planner walks days by the thousand, and the Temporal
 * polyfill (forced non-native, see duration.ts) allocates several objects per step. Pure
 * arithmetic, no `Date` and no host time zone, so every worker computes the same days.
 */

/** Milliseconds in a day without a clock change: day numbers and wall-clock times use it. */
export const DAY_MS = 86_400_000;

/** A calendar date as plain numbers, month 1–12. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** The day number of `year-month-day` (month 1–12, day 1–31, not checked). */
export function daysFromCivil(year: number, month: number, day: number): number {
  // H. Hinnant's days_from_civil: eras of 400 years, the year starting in March.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The calendar date of day number `days`. */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** How many days `month` (1–12) of `year` has. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `YYYY-MM-DD` as Temporal.PlainDate prints it (`±YYYYYY-MM-DD` outside the years 0–9999). */
export function isoDateText(date: CivilDate): string {
  const { year } = date;
  const yearText =
    year >= 0 && year <= 9999
      ? String(year).padStart(4, '0')
      : `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
  return `${yearText}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}
