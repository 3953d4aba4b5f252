// The forced non-native build, as in duration.ts: every worker must compute the same dates.
import { Temporal } from 'temporal-polyfill/implementation';
import { civilFromDays, DAY_MS } from './civil-days.ts';

/**
 * Converting an instant to a zoned date is the planner's hottest operation and slow in the
 * polyfill, so offsets are cached per UTC day. A day whose two ends disagree (a transition
 * day) is never cached; no zone changes its offset twice in one day and back, so a cached
 * day has one offset throughout.
 */
const BUCKET = 86_400_000;
const CACHE_LIMIT = 200_000;
const offsets = new Map<string, Map<number, number>>();

function slowOffset(atMs: number, timeZone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(atMs).toZonedDateTimeISO(timeZone).offsetNanoseconds / 1e6;
}

/** The UTC offset of `timeZone` at `atMs`, in milliseconds. */
export function offsetAt(atMs: number, timeZone: string): number {
  let zone = offsets.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  const bucket = Math.floor(atMs / BUCKET);
  const cached = zone.get(bucket);
  if (cached !== undefined) return cached;
  const start = slowOffset(bucket * BUCKET, timeZone);
  const end = slowOffset((bucket + 1) * BUCKET - 1, timeZone);
  if (start !== end) return slowOffset(atMs, timeZone);
  if (zone.size >= CACHE_LIMIT) zone.clear();
  zone.set(bucket, start);
  return start;
}

/** The local calendar date of `atMs` in `timeZone`. */
export function localDateOf(atMs: number, timeZone: string): { year: number; month: number; day: number } {
  return civilFromDays(localDayOf(atMs, timeZone));
}

/** The local calendar date of `atMs` in `timeZone` as a day number (civil-days.ts). */
export function localDayOf(atMs: number, timeZone: string): number {
  return Math.floor((atMs + offsetAt(atMs, timeZone)) / DAY_MS);
}

/**
 * The instant a wall-clock time in `timeZone` names, the wall-clock time given as
 * milliseconds since 1970-01-01T00:00 local. A time that a clock change skips or repeats is
 * resolved as 'compatible' (later across a gap, earlier in an overlap), as
 * Temporal.PlainDateTime#toZonedDateTime does by default.
 */
export function instantOfLocal(localMs: number, timeZone: string): number {
  // The polyfill's own first test: one offset a day either side means one instant. Around
  // a clock change the polyfill answers, so gaps and overlaps resolve exactly as it does.
  const before = offsetAt(localMs - DAY_MS, timeZone);
  if (before === offsetAt(localMs + DAY_MS, timeZone)) return localMs - before;
  return slowInstantOfLocal(localMs, timeZone);
}

function slowInstantOfLocal(localMs: number, timeZone: string): number {
  const days = Math.floor(localMs / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  const ms = localMs - days * DAY_MS;
  const time = {
    hour: Math.floor(ms / 3_600_000),
    minute: Math.floor(ms / 60_000) % 60,
    second: Math.floor(ms / 1000) % 60,
    millisecond: ms % 1000,
  };
  return new Temporal.PlainDateTime(
    year,
    month,
    day,
    time.hour,
    time.minute,
    time.second,
    time.millisecond,
  ).toZonedDateTime(timeZone).epochMilliseconds;
}
