// The forced non-native build, as in duration.ts: every worker must compute the same dates.
import { Temporal } from 'temporal-polyfill/implementation';
import { isBusinessDay } from './business-calendar.ts';
import { civilFromDays, DAY_MS } from './civil-days.ts';
import { instantOfLocal, localDayOf } from './zone-offset.ts';

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
  /** `from` and `to` as milliseconds after local midnight. */
  fromMs: number;
  toMs: number;
  /** This window's days by day number (civil-days.ts): [open, close), or null when closed. */
  days: Map<number, { open: number; close: number } | null>;
}

const parsedWindows = new Map<string, Parsed>();
const CACHE_LIMIT = 100_000;
/** Days cached over all windows, so the caches stay as small as one shared map of CACHE_LIMIT. */
let cachedDays = 0;

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
  const clockMs = (time: Temporal.PlainTime) => (time.hour * 60 + time.minute) * 60_000;
  return {
    key: `${window.timezone}|${window.businessDays}|${window.from}|${window.to}`,
    timeZone: checkedZone(window.timezone),
    businessDays: window.businessDays,
    fromMs: clockMs(from),
    toMs: clockMs(to),
    days: new Map(),
  };
}

function checkedZone(timeZone: string): string {
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(timeZone);
  } catch {
    throw new RangeError(`send window time zone "${timeZone}" is not an IANA time zone`);
  }
  return timeZone;
}

/**
 * The window of one local day (a day number) as instants [open, close). A boundary that
 * falls in a DST gap or overlap is resolved as 'compatible' (later across a gap, earlier in
 * an overlap), the rule addDuration follows too, so an opening is always a real instant.
 */
function bounds(day: number, w: Parsed): { open: number; close: number } | undefined {
  const cached = w.days.get(day);
  if (cached !== undefined) return cached ?? undefined;
  const answer = boundsUncached(day, w);
  if (cachedDays >= CACHE_LIMIT) {
    for (const parsed of parsedWindows.values()) parsed.days.clear();
    w.days.clear();
    cachedDays = 0;
  }
  w.days.set(day, answer ?? null);
  cachedDays += 1;
  return answer;
}

function boundsUncached(day: number, w: Parsed): { open: number; close: number } | undefined {
  if (w.businessDays && !isBusinessDay(civilFromDays(day))) return undefined;
  const open = instantOfLocal(day * DAY_MS + w.fromMs, w.timeZone);
  const close = instantOfLocal(day * DAY_MS + w.toMs, w.timeZone);
  // Only when a DST gap swallows the whole window, which leaves that day closed.
  if (open >= close) return undefined;
  return { open, close };
}

function inside(atMs: number, w: Parsed): boolean {
  const day = bounds(localDayOf(atMs, w.timeZone), w);
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
  const first = localDayOf(atMs, w.timeZone);
  for (let i = 0; i < MAX_DAYS_SCANNED; i++) {
    const day = bounds(first + i, w);
    if (day === undefined) continue;
    const candidate = Math.max(atMs, day.open);
    // Re-checked as isInsideWindow sees it, so the two can never disagree, even on a day
    // a zone skipped entirely (its opening resolves into the next day).
    if (candidate < day.close && inside(candidate, w)) return candidate;
  }
  throw new RangeError(
    `send window ${window.from}–${window.to} ${window.timezone} has no opening within ${MAX_DAYS_SCANNED} days`,
  );
}

/**
 * When the window open at `atMs` closes, or undefined when it is closed at `atMs`. With
 * nextOpening it walks the window's open time (business hours, business-hours.ts).
 */
export function windowCloseAt(atMs: number, window: SendWindow): number | undefined {
  const w = parse(window);
  const day = bounds(localDayOf(atMs, w.timeZone), w);
  return day !== undefined && day.open <= atMs && atMs < day.close ? day.close : undefined;
}
