import { describe, expect, it } from 'vitest';
import { addDuration, InvalidDurationError, isDuration, parseDuration } from '../../../domain/duration.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string): number => Date.parse(iso);

describe('parseDuration', () => {
  it('reads months, days and seconds from P1M, P14D and PT2S', () => {
    expect(parseDuration('P1M').months).toBe(1);
    expect(parseDuration('P14D').days).toBe(14);
    expect(parseDuration('PT2S').seconds).toBe(2);
  });

  it('reads a duration combining every unit', () => {
    const d = parseDuration('P1Y2M3DT4H5M6S');
    expect([d.years, d.months, d.days, d.hours, d.minutes, d.seconds]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('accepts weeks', () => {
    expect(parseDuration('P2W').weeks).toBe(2);
  });

  it.each(['-P1D', '-PT2S', '-P1M'])('rejects the negative duration %s', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidDurationError);
    expect(() => parseDuration(text)).toThrow(/negative/);
  });

  it.each(['P0D', 'PT0S', 'P0Y0M0DT0H0M0S'])('rejects the zero duration %s', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidDurationError);
    expect(() => parseDuration(text)).toThrow(/zero/);
  });

  it.each(['', 'P', 'PT', 'P1DT', '1 month', '30d', 'P1.5M', 'P1X', ' P1D', 'P1D '])(
    'rejects %j as not an ISO 8601 duration',
    (text) => {
      expect(() => parseDuration(text)).toThrow(InvalidDurationError);
    },
  );

  it('quotes the rejected text in the error message', () => {
    expect(() => parseDuration('next tuesday')).toThrow(/"next tuesday"/);
  });

  it('gives its error the name InvalidDurationError', () => {
    try {
      parseDuration('nope');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).name).toBe('InvalidDurationError');
    }
  });
});

describe('isDuration', () => {
  it.each(['P1M', 'P14D', 'PT2S', 'P3M', 'P1W'])('is true for %s', (text) => {
    expect(isDuration(text)).toBe(true);
  });

  it.each(['', 'P0D', '-P1D', 'P', 'soon', 'P1.5M'])('is false for %j', (text) => {
    expect(isDuration(text)).toBe(false);
  });
});

describe('addDuration', () => {
  it('adds PT2S as exactly 2000 milliseconds', () => {
    const from = at('2025-06-15T10:00:00.000Z');
    expect(addDuration(from, 'PT2S') - from).toBe(2000);
  });

  it('accepts a parsed duration as well as text', () => {
    const from = at('2025-06-15T10:00:00.000Z');
    expect(addDuration(from, parseDuration('P14D'))).toBe(addDuration(from, 'P14D'));
    expect(addDuration(from, 'P14D') - from).toBe(14 * DAY);
  });

  it('keeps the milliseconds of the starting instant', () => {
    expect(addDuration(at('2025-06-15T10:00:00.123Z'), 'P1D')).toBe(at('2025-06-16T10:00:00.123Z'));
  });

  it('counts calendar units in UTC when no time zone is given', () => {
    expect(addDuration(at('2025-03-15T12:00:00Z'), 'P1M')).toBe(at('2025-04-15T12:00:00Z'));
  });

  it('lands P1M from 31 January on 28 February in a common year', () => {
    expect(addDuration(at('2025-01-31T09:00:00Z'), 'P1M', 'UTC')).toBe(at('2025-02-28T09:00:00Z'));
  });

  it('lands P1M from 31 January on 29 February in a leap year', () => {
    expect(addDuration(at('2024-01-31T09:00:00Z'), 'P1M', 'UTC')).toBe(at('2024-02-29T09:00:00Z'));
  });

  it('lands P1M from 31 March on 30 April', () => {
    expect(addDuration(at('2025-03-31T09:00:00Z'), 'P1M', 'UTC')).toBe(at('2025-04-30T09:00:00Z'));
  });

  it('lands P1M from 31 January in Tokyo on 28 February in Tokyo, not in UTC', () => {
    // 2025-01-31 00:00 in Tokyo is still 30 January in UTC.
    const from = at('2025-01-31T00:00:00+09:00');
    expect(addDuration(from, 'P1M', 'Asia/Tokyo')).toBe(at('2025-02-28T00:00:00+09:00'));
    // Counted in UTC the same instant lands a day later (30 Jan -> 28 Feb 15:00Z = 1 Mar in Tokyo).
    expect(addDuration(from, 'P1M', 'UTC')).toBe(at('2025-02-28T15:00:00Z'));
  });

  it('lands P1M from the last day of a Tokyo month on the last day of the next', () => {
    expect(addDuration(at('2025-04-30T18:00:00+09:00'), 'P1M', 'Asia/Tokyo')).toBe(at('2025-05-30T18:00:00+09:00'));
    expect(addDuration(at('2025-05-31T18:00:00+09:00'), 'P1M', 'Asia/Tokyo')).toBe(at('2025-06-30T18:00:00+09:00'));
  });

  it('makes P1D a 23-hour day across the spring-forward change in New York', () => {
    // Clocks go forward at 02:00 on 9 March 2025.
    const from = at('2025-03-08T12:00:00-05:00');
    const to = addDuration(from, 'P1D', 'America/New_York');
    expect(to).toBe(at('2025-03-09T12:00:00-04:00'));
    expect(to - from).toBe(23 * HOUR);
  });

  it('makes P1D a 25-hour day across the fall-back change in New York', () => {
    // Clocks go back at 02:00 on 2 November 2025.
    const from = at('2025-11-01T12:00:00-04:00');
    const to = addDuration(from, 'P1D', 'America/New_York');
    expect(to).toBe(at('2025-11-02T12:00:00-05:00'));
    expect(to - from).toBe(25 * HOUR);
  });

  it('keeps PT24H at exactly 24 hours across a daylight-saving change', () => {
    const from = at('2025-03-08T12:00:00-05:00');
    expect(addDuration(from, 'PT24H', 'America/New_York') - from).toBe(24 * HOUR);
  });

  it('makes P1D exactly 24 hours in a zone without daylight saving', () => {
    const from = at('2025-03-08T12:00:00+09:00');
    expect(addDuration(from, 'P1D', 'Asia/Tokyo') - from).toBe(DAY);
  });

  it('rejects an invalid duration text with InvalidDurationError', () => {
    expect(() => addDuration(0, 'P0D')).toThrow(InvalidDurationError);
    expect(() => addDuration(0, 'monthly')).toThrow(InvalidDurationError);
  });

  it('throws for an unknown time zone instead of silently using UTC', () => {
    expect(() => addDuration(0, 'P1D', 'Mars/Olympus_Mons')).toThrow();
  });
});
