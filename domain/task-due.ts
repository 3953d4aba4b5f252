// The forced non-native build, as in duration.ts: every worker must compute the same dates.
import { Temporal } from 'temporal-polyfill/implementation';
import { isBusinessDay } from './business-calendar.ts';

/** Business days an owner has for a task made by a cadence step. */
export const TASK_BUSINESS_DAYS = 2;

/** The local time of day a task is due, at the end of an office day. */
const DUE_TIME = new Temporal.PlainTime(18, 0);

/**
 * When a task made at `createdMs` is due: 18:00, in the lead's time zone, on the
 * {@link TASK_BUSINESS_DAYS}th Japanese business day after the day it was made. A task
 * made on Friday is due on Tuesday; one made before the New Year break, after it.
 */
export function taskDueAt(createdMs: number, timeZone: string): number {
  let date = Temporal.Instant.fromEpochMilliseconds(createdMs).toZonedDateTimeISO(timeZone).toPlainDate();
  for (let counted = 0; counted < TASK_BUSINESS_DAYS;) {
    date = date.add({ days: 1 });
    if (isBusinessDay(date)) counted++;
  }
  return date.toZonedDateTime({ timeZone, plainTime: DUE_TIME }).epochMilliseconds;
}
