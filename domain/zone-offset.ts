// The forced non-native build, as in duration.ts: every worker must compute the same dates.
import { Temporal } from 'temporal-polyfill/implementation';

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
  const local = new Date(atMs + offsetAt(atMs, timeZone));
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}
