import { monthEnd, monthOf, monthStart } from './calendar-months.ts';

/**
 * How many whole calendar months (in `timeZone`) from the month after `fromMs` up to the
 * one before `nowMs` had no touch that reached the lead: what the guarantee should keep at 0.
 */
export function monthsWithoutTouch(
  reachedMs: readonly number[],
  fromMs: number,
  nowMs: number,
  timeZone: string,
): number {
  let count = 0;
  for (let month = monthOf(fromMs, timeZone) + 1; month < monthOf(nowMs, timeZone); month++) {
    const start = monthStart(month, timeZone);
    const end = monthEnd(month, timeZone);
    if (!reachedMs.some((x) => x >= start && x < end)) count += 1;
  }
  return count;
}
