import { describe, expect, it } from 'vitest';
import type { SendWindow } from '../../../domain/send-window.ts';
import { earliestTouchTime } from '../../../domain/touch-timing.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

const tokyo: SendWindow = { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' };
const twoPer30Days = { max: 2, per: 'P30D' };

describe('earliestTouchTime', () => {
  it('keeps a due time that the window and the cap both allow, with no delay', () => {
    const due = at('2026-06-03T10:00:00+09:00');
    const touches = [at('2026-05-20T10:00:00+09:00')];
    expect(
      earliestTouchTime(due, { window: tokyo, cap: twoPer30Days, recentTouchesMs: touches, timeZone: 'Asia/Tokyo' }),
    ).toEqual({ atMs: due, delayedBy: [] });
  });

  it('keeps the due time when there are no rules at all', () => {
    const due = at('2026-06-06T03:00:00+09:00');
    expect(earliestTouchTime(due, { recentTouchesMs: [], timeZone: 'UTC' })).toEqual({ atMs: due, delayedBy: [] });
    expect(earliestTouchTime(due, { window: null, cap: null, recentTouchesMs: [due], timeZone: 'UTC' })).toEqual({
      atMs: due,
      delayedBy: [],
    });
  });

  it('moves a Saturday touch to Monday 09:00 and blames the send window', () => {
    const result = earliestTouchTime(at('2026-06-06T10:00:00+09:00'), {
      window: tokyo,
      recentTouchesMs: [],
      timeZone: 'Asia/Tokyo',
    });
    expect({ at: iso(result.atMs), delayedBy: result.delayedBy }).toEqual({
      at: '2026-06-08T00:00:00.000Z',
      delayedBy: ['window'],
    });
  });

  it('moves a touch to the cap expiry and blames the frequency cap when that expiry is inside the window', () => {
    // Touches on Monday 11 and Wednesday 20 May at 10:00; the first expires Wednesday 10 June, 10:00.
    const touches = [at('2026-05-11T10:00:00+09:00'), at('2026-05-20T10:00:00+09:00')];
    const result = earliestTouchTime(at('2026-05-25T10:00:00+09:00'), {
      window: tokyo,
      cap: twoPer30Days,
      recentTouchesMs: touches,
      timeZone: 'Asia/Tokyo',
    });
    expect({ at: iso(result.atMs), delayedBy: result.delayedBy }).toEqual({
      at: iso(at('2026-06-10T10:00:00+09:00')),
      delayedBy: ['cap'],
    });
  });

  it('pushes a cap expiry that lands on a Sunday on to Monday 09:00, blaming both', () => {
    // The first touch, Friday 8 May 10:00, expires Sunday 7 June 10:00.
    const touches = [at('2026-05-08T10:00:00+09:00'), at('2026-05-20T10:00:00+09:00')];
    const result = earliestTouchTime(at('2026-05-25T10:00:00+09:00'), {
      window: tokyo,
      cap: twoPer30Days,
      recentTouchesMs: touches,
      timeZone: 'Asia/Tokyo',
    });
    expect({ at: iso(result.atMs), delayedBy: result.delayedBy }).toEqual({
      at: '2026-06-08T00:00:00.000Z',
      delayedBy: ['cap', 'window'],
    });
  });

  it('pushes a cap expiry after 18:00 on to the next business morning', () => {
    const touches = [at('2026-05-08T19:00:00+09:00'), at('2026-05-20T10:00:00+09:00')];
    // Expiry Sunday 7 June 19:00 → Monday 8 June 09:00.
    const result = earliestTouchTime(at('2026-05-25T10:00:00+09:00'), {
      window: tokyo,
      cap: twoPer30Days,
      recentTouchesMs: touches,
      timeZone: 'Asia/Tokyo',
    });
    expect(iso(result.atMs)).toBe('2026-06-08T00:00:00.000Z');
  });

  it('checks the cap again after the window moved the touch, until both agree', () => {
    // A touch already set for Monday 09:00 fills the cap of 1 per day that the window's
    // Monday opening would otherwise use, so the touch goes out on Tuesday at 09:00.
    const monday = at('2026-06-08T09:00:00+09:00');
    const result = earliestTouchTime(at('2026-06-06T10:00:00+09:00'), {
      window: tokyo,
      cap: { max: 1, per: 'P1D' },
      recentTouchesMs: [monday],
      timeZone: 'Asia/Tokyo',
    });
    expect({ at: iso(result.atMs), delayedBy: result.delayedBy }).toEqual({
      at: iso(at('2026-06-09T09:00:00+09:00')),
      delayedBy: ['window', 'cap'],
    });
  });

  it('counts the cap in the given zone while the window keeps its own', () => {
    // P1M from 31 January 00:30 Tokyo (30 January 15:30 UTC) ends on Friday 27 February 15:30 UTC
    // counted in Tokyo, inside London's hours; counted in UTC it ends on Saturday 28 February
    // 15:30 UTC, and London's window then waits for Monday 2 March 09:00.
    const touch = at('2026-01-31T00:30:00+09:00');
    const london: SendWindow = { timezone: 'Europe/London', businessDays: true, from: '09:00', to: '18:00' };
    const rules = { window: london, cap: { max: 1, per: 'P1M' }, recentTouchesMs: [touch] };
    const inTokyo = earliestTouchTime(touch, { ...rules, timeZone: 'Asia/Tokyo' });
    const inUtc = earliestTouchTime(touch, { ...rules, timeZone: 'UTC' });
    expect({ at: iso(inTokyo.atMs), delayedBy: inTokyo.delayedBy }).toEqual({
      at: '2026-02-27T15:30:00.000Z',
      delayedBy: ['cap'],
    });
    expect({ at: iso(inUtc.atMs), delayedBy: inUtc.delayedBy }).toEqual({
      at: '2026-03-02T09:00:00.000Z',
      delayedBy: ['cap', 'window'],
    });
  });

  it('lets a year-end cap expiry wait for the first business day of the new year', () => {
    // Touches on 30 November and 2 December 2026; the first expires Wednesday 30 December, inside the break.
    const touches = [at('2026-11-30T10:00:00+09:00'), at('2026-12-02T10:00:00+09:00')];
    const result = earliestTouchTime(at('2026-12-10T10:00:00+09:00'), {
      window: tokyo,
      cap: twoPer30Days,
      recentTouchesMs: touches,
      timeZone: 'Asia/Tokyo',
    });
    expect({ at: iso(result.atMs), delayedBy: result.delayedBy }).toEqual({
      at: '2027-01-04T00:00:00.000Z',
      delayedBy: ['cap', 'window'],
    });
  });
});
