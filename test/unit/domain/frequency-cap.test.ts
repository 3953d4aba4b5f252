import { describe, expect, it } from 'vitest';
import { InvalidDurationError } from '../../../domain/duration.ts';
import { nextAllowedByCap } from '../../../domain/frequency-cap.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

const T0 = at('2026-06-01T01:00:00Z');
const day = (n: number) => T0 + n * DAY;
const twoPer30Days = { max: 2, per: 'P30D' };

describe('nextAllowedByCap', () => {
  it('keeps a later touch counting as long as an earlier one, where P1M clamps at a month end', () => {
    // 30 and 31 October both expire on 30 November (31 + P1M clamps), the earlier one at the
    // later hour: a third touch waits for it (seed -1196477949 of the planner's property test).
    const touches = [at('2028-10-30T06:00:00Z'), at('2028-10-31T04:00:00Z')];
    const cap = { max: 2, per: 'P1M' };
    expect(iso(nextAllowedByCap(at('2028-11-28T00:00:00Z'), touches, cap, 'Europe/London'))).toBe(
      '2028-11-30T06:00:00.000Z',
    );
    // Given in any order.
    expect(iso(nextAllowedByCap(at('2028-11-28T00:00:00Z'), [...touches].reverse(), cap, 'Europe/London'))).toBe(
      '2028-11-30T06:00:00.000Z',
    );
  });

  it('allows any time when there is no cap', () => {
    expect(nextAllowedByCap(day(1), [day(0), day(0), day(0)], null, 'UTC')).toBe(day(1));
    expect(nextAllowedByCap(day(1), [day(0), day(0), day(0)], undefined, 'UTC')).toBe(day(1));
  });

  it('allows the touch at once while fewer than max touches are recent', () => {
    expect(nextAllowedByCap(day(12), [day(10)], twoPer30Days, 'UTC')).toBe(day(12));
    expect(nextAllowedByCap(day(12), [], twoPer30Days, 'UTC')).toBe(day(12));
  });

  it('waits until day 30 with a cap of 2 per P30D and touches on day 0 and day 10', () => {
    expect(nextAllowedByCap(day(12), [day(0), day(10)], twoPer30Days, 'UTC')).toBe(day(30));
  });

  it('allows the touch exactly when the oldest touch expires, not a moment earlier', () => {
    expect(nextAllowedByCap(day(30) - 1, [day(0), day(10)], twoPer30Days, 'UTC')).toBe(day(30));
    expect(nextAllowedByCap(day(30), [day(0), day(10)], twoPer30Days, 'UTC')).toBe(day(30));
  });

  it('ignores touches that have already expired', () => {
    expect(nextAllowedByCap(day(45), [day(0), day(10), day(20)], twoPer30Days, 'UTC')).toBe(day(45));
  });

  it('waits for as many expiries as it takes to drop below max', () => {
    // Three recent touches against a cap of 2: two must expire, the second is day 5's.
    expect(nextAllowedByCap(day(12), [day(0), day(5), day(10)], twoPer30Days, 'UTC')).toBe(day(35));
    expect(nextAllowedByCap(day(12), [day(0), day(10)], { max: 1, per: 'P30D' }, 'UTC')).toBe(day(40));
  });

  it('does not depend on the order of the touches', () => {
    expect(nextAllowedByCap(day(12), [day(10), day(5), day(0)], twoPer30Days, 'UTC')).toBe(day(35));
  });

  it('counts a touch at the very instant asked about', () => {
    expect(nextAllowedByCap(day(3), [day(3)], { max: 1, per: 'P1D' }, 'UTC')).toBe(day(4));
  });

  it('counts a touch scheduled after the instant once the answer reaches it', () => {
    // Allowed at day 12 itself: the day-13 touch does not count yet.
    expect(nextAllowedByCap(day(12), [day(0), day(13)], twoPer30Days, 'UTC')).toBe(day(12));
    // At day 31 both the day-13 and the day-20 touch count; the first to expire is day 13's.
    expect(nextAllowedByCap(day(31), [day(0), day(13), day(20)], twoPer30Days, 'UTC')).toBe(day(43));
  });

  it('counts a calendar month in the given time zone', () => {
    // 31 January 2026, 00:30 in Tokyo is still 30 January in UTC.
    const touch = at('2026-01-31T00:30:00+09:00');
    const cap = { max: 1, per: 'P1M' };
    expect(iso(nextAllowedByCap(touch + HOUR, [touch], cap, 'Asia/Tokyo'))).toBe(iso(at('2026-02-28T00:30:00+09:00')));
    expect(iso(nextAllowedByCap(touch + HOUR, [touch], cap, 'UTC'))).toBe('2026-02-28T15:30:00.000Z');
  });

  it('counts P1D across the spring-forward change as one calendar day of 23 hours', () => {
    const touch = at('2026-03-07T12:00:00-05:00');
    const next = nextAllowedByCap(touch, [touch], { max: 1, per: 'P1D' }, 'America/New_York');
    expect(next - touch).toBe(23 * HOUR);
  });

  it('rejects a max below 1 or not an integer', () => {
    expect(() => nextAllowedByCap(day(1), [], { max: 0, per: 'P1D' }, 'UTC')).toThrow(RangeError);
    expect(() => nextAllowedByCap(day(1), [], { max: 1.5, per: 'P1D' }, 'UTC')).toThrow(RangeError);
  });

  it('rejects a per that is not an ISO 8601 duration', () => {
    expect(() => nextAllowedByCap(day(1), [], { max: 1, per: '30 days' }, 'UTC')).toThrow(InvalidDurationError);
  });
});
