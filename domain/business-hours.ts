import { parseDuration } from './duration.ts';
import { nextOpening, windowCloseAt, type SendWindow } from './send-window.ts';

/** A business-hours duration that is not one: calendar units have no meaning inside a window's hours. */
export class InvalidBusinessDurationError extends Error {
  override readonly name = 'InvalidBusinessDurationError';
}

/**
 * The length of a business-hours duration (`PT4H`, `PT30M`, `PT2S`) in milliseconds. Only
 * hours, minutes and seconds: "two days" of business hours would mean nothing definite.
 */
export function businessDurationMs(text: string): number {
  const d = parseDuration(text);
  if (d.years !== 0 || d.months !== 0 || d.weeks !== 0 || d.days !== 0) {
    throw new InvalidBusinessDurationError(
      `"${text}" counts business hours: use hours, minutes and seconds only (such as PT4H)`,
    );
  }
  return ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000 + d.milliseconds;
}

/** Far more windows than any business-hours duration crosses; only a broken window reaches it. */
const MAX_WINDOWS = 10_000;

/**
 * The instant `duration` of the window's open time after `fromMs`: `PT4H` from Friday
 * 16:00 with a 09:00–18:00 business-day window is Monday 11:00. Time outside the window
 * (nights, weekends, holidays) does not count. Without a window every hour counts.
 */
export function addBusinessTime(fromMs: number, duration: string, window: SendWindow | null | undefined): number {
  let remaining = businessDurationMs(duration);
  if (!window) return fromMs + remaining;
  let atMs = fromMs;
  for (let i = 0; i < MAX_WINDOWS; i++) {
    atMs = nextOpening(atMs, window);
    const close = windowCloseAt(atMs, window) ?? atMs;
    if (atMs + remaining <= close) return atMs + remaining;
    remaining -= close - atMs;
    atMs = close;
  }
  throw new RangeError(`business time: ${duration} did not fit in ${MAX_WINDOWS} windows`);
}
