// The forced non-native build: a worker on a Node.js with native Temporal must compute
// exactly what a Node 20 worker computed, or replays would diverge.
import { Temporal } from 'temporal-polyfill/implementation';
import { civilFromDays, DAY_MS, daysFromCivil, daysInMonth } from './civil-days.ts';
import { instantOfLocal, offsetAt } from './zone-offset.ts';

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
  const d = typeof duration === 'string' ? parseDuration(duration) : duration;
  return addFast(fromMs, d, timeZone) ?? addParsed(fromMs, d, timeZone);
}

// Instants the fast path handles: years 1900 to 2199, far around any lead's life. Outside
// them (and for sub-millisecond durations) the polyfill answers, with its own range errors.
const FAST_FROM = -2_208_988_800_000;
const FAST_TO = 7_258_118_400_000;

/**
 * ZonedDateTime#add in plain arithmetic, step for step as the polyfill does it: the date
 * part (years and months, the day clamped to the month's end, then weeks and days) moves
 * the wall-clock date, keeping the wall-clock time; that wall-clock time becomes an instant
 * ('compatible'); then the time part is added as exact time. Undefined when out of range.
 */
function addFast(fromMs: number, duration: Duration, timeZone: string): number | undefined {
  const d = fieldsOf(duration);
  if (d.microseconds !== 0 || d.nanoseconds !== 0 || !(fromMs >= FAST_FROM && fromMs < FAST_TO)) return undefined;
  const timeMs = ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000 + d.milliseconds;
  // Asked even when only exact time is added: an unknown zone throws, as the polyfill does.
  const offsetMs = offsetAt(fromMs, timeZone);
  let atMs = fromMs;
  if (d.years !== 0 || d.months !== 0 || d.weeks !== 0 || d.days !== 0) {
    const localMs = fromMs + offsetMs;
    let days = Math.floor(localMs / DAY_MS);
    const clockMs = localMs - days * DAY_MS;
    if (d.years !== 0 || d.months !== 0) {
      const date = civilFromDays(days);
      const months = (date.year + d.years) * 12 + (date.month - 1) + d.months;
      const year = Math.floor(months / 12);
      const month = months - year * 12 + 1;
      days = daysFromCivil(year, month, Math.min(date.day, daysInMonth(year, month)));
    }
    days += d.weeks * 7 + d.days;
    const movedMs = days * DAY_MS + clockMs;
    if (!(movedMs >= FAST_FROM && movedMs < FAST_TO)) return undefined;
    atMs = instantOfLocal(movedMs, timeZone);
  }
  const sum = atMs + timeMs;
  return sum >= FAST_FROM && sum < FAST_TO ? sum : undefined;
}

type DurationFields = Pick<
  Duration,
  | 'years'
  | 'months'
  | 'weeks'
  | 'days'
  | 'hours'
  | 'minutes'
  | 'seconds'
  | 'milliseconds'
  | 'microseconds'
  | 'nanoseconds'
>;

// The polyfill's getters are slow and a duration is read on every addition: its fields, kept.
const fields = new WeakMap<Duration, DurationFields>();

function fieldsOf(d: Duration): DurationFields {
  let known = fields.get(d);
  if (known === undefined) {
    known = {
      years: d.years,
      months: d.months,
      weeks: d.weeks,
      days: d.days,
      hours: d.hours,
      minutes: d.minutes,
      seconds: d.seconds,
      milliseconds: d.milliseconds,
      microseconds: d.microseconds,
      nanoseconds: d.nanoseconds,
    };
    fields.set(d, known);
  }
  return known;
}

function addParsed(fromMs: number, d: Duration, timeZone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(fromMs).toZonedDateTimeISO(timeZone).add(d).epochMilliseconds;
}

/** The first instant of the day after `date` (YYYY-MM-DD) in `timeZone`: when that date has passed. */
export function startOfDayAfter(date: string, timeZone: string): number {
  return Temporal.PlainDate.from(date).add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds;
}

// Each unit at most this many digits, none of them zero-led: a cadence's longest wait
// stays under about 800 years, so even 100 repeated steps stay inside the calendar.
const UNIT_DIGITS = { Y: 2, M: 3, W: 4, D: 5, H: 6, m: 7, S: 8 } as const;
const unit = (letter: keyof typeof UNIT_DIGITS) =>
  `[1-9][0-9]{0,${UNIT_DIGITS[letter] - 1}}${letter === 'm' ? 'M' : letter}`;
const opt = (letter: keyof typeof UNIT_DIGITS) => `(?:${unit(letter)})?`;
const DATE_PART = `(?:${unit('Y')}${opt('M')}${opt('W')}${opt('D')}|${unit('M')}${opt('W')}${opt('D')}|${unit('W')}${opt('D')}|${unit('D')})`;
const TIME_PART = `T(?:${unit('H')}${opt('m')}${opt('S')}|${unit('m')}${opt('S')}|${unit('S')})`;

/**
 * The durations a cadence may hold, as a regular expression the OpenAPI document states:
 * positive whole units in ISO 8601 order (`P1M`, `P14D`, `PT2S`, `P1DT12H`), none zero.
 * Every text it matches {@link parseDuration} accepts; a cadence is held to it on save.
 */
export const CADENCE_DURATION_PATTERN = `^P(?:${DATE_PART}(?:${TIME_PART})?|${TIME_PART})$`;

/**
 * The fixed-length durations (no years or months, whose length depends on the date):
 * weeks, days, hours, minutes, seconds, as a cadence's `perAccountCap.per` takes them.
 */
export const FIXED_DURATION_PATTERN = `^P(?:(?:${unit('W')}${opt('D')}|${unit('D')})(?:${TIME_PART})?|${TIME_PART})$`;

/** The durations counted in business hours (`escalation.remindAfter`): hours, minutes and seconds only (`PT4H`). */
export const BUSINESS_DURATION_PATTERN = `^P${TIME_PART}$`;

const CADENCE_DURATION = new RegExp(CADENCE_DURATION_PATTERN);

/** Why `text` is not a duration a cadence may hold, or undefined when it is one. */
export function cadenceDurationProblem(text: string): string | undefined {
  try {
    parseDuration(text);
  } catch (error) {
    return (error as Error).message;
  }
  return CADENCE_DURATION.test(text)
    ? undefined
    : `"${text}" is not a duration a cadence may hold: whole units, none zero, at most P99Y, P999M, P9999W, P99999D, PT999999H, PT9999999M or PT99999999S`;
}
