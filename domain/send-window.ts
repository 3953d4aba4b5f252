// The forced non-native build, as in duration.ts: every worker must compute the same dates.
import { Temporal } from 'temporal-polyfill/implementation';
import { isBusinessDay } from './business-calendar.ts';
import { localDateOf } from './zone-offset.ts';

/**
 * When touches may go out: [`from`, `to`) local time ("HH:MM", 24-hour) in `timezone`, on
 * business days only (business-calendar.ts) when `businessDays` is set.
 */
export interface SendWindow {
  timezone: string;
  businessDays: boolean;
  from: string;
  to: string;
}

/** Far more than any run of closed days (the longest is about a week), so only a broken window reaches it. */
const MAX_DAYS_SCANNED = 400;

const CLOCK = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

function clock(text: string, field: 'from' | 'to'): Temporal.PlainTime {
  const match = CLOCK.exec(text);
  if (!match) throw new RangeError(`send window "${field}" must be HH:MM (24-hour), not "${text}"`);
  return new Temporal.PlainTime(Number(match[1]), Number(match[2]));
}

interface Parsed {
  key: string;
  timeZone: string;
  businessDays: boolean;
  from: Temporal.PlainTime;
  to: Temporal.PlainTime;
}

const parsedWindows = new Map<string, Parsed>();
const dayBounds = new Map<string, { open: number; close: number } | null>();
const CACHE_LIMIT = 100_000;

// Windows and days repeat endlessly while touches are planned; both are pure, so cached.
function parse(window: SendWindow): Parsed {
  const key = `${window.timezone}|${window.businessDays}|${window.from}|${window.to}`;
  const cached = parsedWindows.get(key);
  if (cached) return cached;
  const parsed = parseUncached(window);
  if (parsedWindows.size >= CACHE_LIMIT) parsedWindows.clear();
  parsedWindows.set(key, parsed);
  return parsed;
}

function parseUncached(window: SendWindow): Parsed {
  const from = clock(window.from, 'from');
  const to = clock(window.to, 'to');
  if (Temporal.PlainTime.compare(from, to) >= 0) {
    throw new RangeError(`send window "from" (${window.from}) must be earlier than "to" (${window.to})`);
  }
  // Fails here, naming the zone, rather than deep inside a date computation.
  return { key: `${window.timezone}|${window.businessDays}|${window.from}|${window.to}`, timeZone: checkedZone(window.timezone), businessDays: window.businessDays, from, to };
}

function checkedZone(timeZone: string): string {
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(timeZone);
  } catch {
    throw new RangeError(`send window time zone "${timeZone}" is not an IANA time zone`);
  }
  return timeZone;
}

function localDate(atMs: number, timeZone: string): Temporal.PlainDate {
  const { year, month, day } = localDateOf(atMs, timeZone);
  return new Temporal.PlainDate(year, month, day);
}

/**
 * The window of one local day as instants [open, close). A boundary that falls in a DST gap
 * or overlap is resolved as 'compatible' (later across a gap, earlier in an overlap), the
 * rule addDuration follows too, so an opening is always a real instant.
 */
function bounds(date: Temporal.PlainDate, w: Parsed): { open: number; close: number } | undefined {
  const key = `${w.key}|${date.year}-${date.month}-${date.day}`;
  const cached = dayBounds.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const answer = boundsUncached(date, w);
  if (dayBounds.size >= CACHE_LIMIT) dayBounds.clear();
  dayBounds.set(key, answer ?? null);
  return answer;
}

function boundsUncached(date: Temporal.PlainDate, w: Parsed): { open: number; close: number } | undefined {
  if (w.businessDays && !isBusinessDay(date)) return undefined;
  const at = (time: Temporal.PlainTime) =>
    date.toZonedDateTime({ timeZone: w.timeZone, plainTime: time }).epochMilliseconds;
  const open = at(w.from);
  const close = at(w.to);
  // Only when a DST gap swallows the whole window, which leaves that day closed.
  if (open >= close) return undefined;
  return { open, close };
}

function inside(atMs: number, w: Parsed): boolean {
  const day = bounds(localDate(atMs, w.timeZone), w);
  return day !== undefined && day.open <= atMs && atMs < day.close;
}

/** Whether a touch may go out at `atMs`; a missing window allows every instant. */
export function isInsideWindow(atMs: number, window: SendWindow | null | undefined): boolean {
  if (!window) return true;
  return inside(atMs, parse(window));
}

/**
 * The earliest instant at or after `atMs` inside the window: `atMs` itself when it is inside,
 * otherwise the next opening (`from` on an allowed day). A missing window returns `atMs`.
 */
export function nextOpening(atMs: number, window: SendWindow | null | undefined): number {
  if (!window) return atMs;
  const w = parse(window);
  let date = localDate(atMs, w.timeZone);
  for (let i = 0; i < MAX_DAYS_SCANNED; i++, date = date.add({ days: 1 })) {
    const day = bounds(date, w);
    if (day === undefined) continue;
    const candidate = Math.max(atMs, day.open);
    // Re-checked as isInsideWindow sees it, so the two can never disagree, even on a day
    // a zone skipped entirely (its opening resolves into the next day).
    if (candidate < day.close && inside(candidate, w)) return candidate;
  }
  throw new RangeError(`send window ${window.from}–${window.to} ${window.timezone} has no opening within ${MAX_DAYS_SCANNED} days`);
}

/**
 * When the window open at `atMs` closes, or undefined when it is closed at `atMs`. With
 * nextOpening it walks the window's open time (business hours, business-hours.ts).
 */
export function windowCloseAt(atMs: number, window: SendWindow): number | undefined {
  const w = parse(window);
  const day = bounds(localDate(atMs, w.timeZone), w);
  return day !== undefined && day.open <= atMs && atMs < day.close ? day.close : undefined;
}
