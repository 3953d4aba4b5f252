// The forced non-native build: a worker on a Node.js with native Temporal must compute
// exactly what a Node 20 worker computed, or replays would diverge.
import { Temporal } from 'temporal-polyfill/implementation';

/** An ISO 8601 duration that is not valid for a cadence. */
export class InvalidDurationError extends Error {
  override readonly name = 'InvalidDurationError';
}

/** A parsed ISO 8601 duration such as `P1M`, `P14D` or `PT2S`. */
export type Duration = Temporal.Duration;

/**
 * Parses an ISO 8601 duration. Rejects negative, zero and fractional-calendar forms,
 * which have no meaning as a wait between touches.
 */
export function parseDuration(text: string): Duration {
  const cached = parsed.get(text);
  if (cached) return cached;
  const duration = parseUncached(text);
  if (parsed.size >= 10_000) parsed.clear();
  parsed.set(text, duration);
  return duration;
}

// Durations are immutable and cadences name the same few again and again.
const parsed = new Map<string, Duration>();

function parseUncached(text: string): Duration {
  let duration: Temporal.Duration;
  try {
    duration = Temporal.Duration.from(text);
  } catch {
    throw new InvalidDurationError(`"${text}" is not an ISO 8601 duration such as P1M, P14D or PT2S`);
  }
  if (duration.sign < 0) throw new InvalidDurationError(`"${text}" is negative`);
  if (duration.sign === 0) throw new InvalidDurationError(`"${text}" is zero`);
  return duration;
}

/** Whether `text` is a duration {@link parseDuration} accepts. */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant `duration` after `fromMs`, with calendar units (months, days) counted in
 * `timeZone`: `P1M` from 31 January lands on the last day of February, and `P1D` across
 * a daylight-saving change is one calendar day, not 24 hours.
 */
export function addDuration(fromMs: number, duration: Duration | string, timeZone = 'UTC'): number {
  if (typeof duration !== 'string') return addParsed(fromMs, duration, timeZone);
  // The planner adds the same few durations to the same instants over and over: cached.
  const key = `${fromMs}|${duration}|${timeZone}`;
  const cached = sums.get(key);
  if (cached !== undefined) return cached;
  const sum = addParsed(fromMs, duration, timeZone);
  if (sums.size >= SUMS_KEPT) sums.clear();
  sums.set(key, sum);
  return sum;
}

const sums = new Map<string, number>();
const SUMS_KEPT = 200_000;

function addParsed(fromMs: number, duration: Duration | string, timeZone: string): number {
  const d = typeof duration === 'string' ? parseDuration(duration) : duration;
  return Temporal.Instant.fromEpochMilliseconds(fromMs)
    .toZonedDateTimeISO(timeZone)
    .add(d)
    .epochMilliseconds;
}

/** The first instant of the day after `date` (YYYY-MM-DD) in `timeZone`: when that date has passed. */
export function startOfDayAfter(date: string, timeZone: string): number {
  return Temporal.PlainDate.from(date).add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds;
}
