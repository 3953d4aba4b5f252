import { describe, expect, it } from 'vitest';
import type { Cadence } from '../../../domain/cadence.ts';
import { plannedNurtureTouches } from '../../../domain/nurture-timeline.ts';

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (text: string): number => Date.parse(text);
const window = { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' };

const cadence = (steps: Cadence['nurture']['steps'], extra: Partial<Cadence> = {}): Cadence => ({
  name: 'test',
  nurture: { steps },
  sendWindow: window,
  ...extra,
});

describe('plannedNurtureTouches', () => {
  it('moves a touch due on a Japanese holiday to the next business day at the window opening', () => {
    // Start Friday 2 May 2025 10:00 JST; P1D lands on Saturday 3 May (憲法記念日), then
    // Sunday, Monday 5 May (こどもの日) and Tuesday 6 May (振替休日): Wednesday 7 May 09:00.
    const touches = plannedNurtureTouches(cadence([{ after: 'P1D', channel: 'email', template: 'intro' }]), {
      startMs: at('2025-05-02T10:00:00+09:00'),
      timeZone: 'Asia/Tokyo',
      count: 12,
    });
    expect(touches).toEqual([
      {
        atMs: at('2025-05-07T09:00:00+09:00'),
        dueMs: at('2025-05-03T10:00:00+09:00'),
        step: 0,
        channel: 'email',
        template: 'intro',
        delayedBy: ['window'],
      },
    ]);
  });

  it('moves a touch due in the year-end break to 5 January 09:00, and counts the next wait from there', () => {
    const touches = plannedNurtureTouches(
      cadence([
        { after: 'P3D', channel: 'email', template: 'a' },
        { after: 'PT2H', channel: 'dm', template: 'b' },
      ]),
      { startMs: at('2026-12-27T12:00:00+09:00'), timeZone: 'Asia/Tokyo', count: 12 },
    );
    // 30 Dec is in the break; 4 Jan 2027 is a Monday, the first business day.
    expect(touches.map((t) => iso(t.atMs))).toEqual(['2027-01-04T00:00:00.000Z', '2027-01-04T02:00:00.000Z']);
    expect(touches.map((t) => [t.step, t.channel, t.template])).toEqual([
      [0, 'email', 'a'],
      [1, 'dm', 'b'],
    ]);
  });

  it('moves a weekend touch to Monday and keeps a weekday touch inside the window where it falls', () => {
    const touches = plannedNurtureTouches(
      cadence([
        { after: 'P1D', channel: 'email', template: 'a' },
        { after: 'PT1H', channel: 'email', template: 'b' },
      ]),
      { startMs: at('2026-06-05T11:00:00+09:00'), timeZone: 'Asia/Tokyo', count: 12 },
    );
    expect(touches.map((t) => [iso(t.atMs), t.delayedBy])).toEqual([
      ['2026-06-08T00:00:00.000Z', ['window']],
      ['2026-06-08T01:00:00.000Z', []],
    ]);
  });

  it('repeats the sequence up to count touches and applies the frequency cap', () => {
    const repeating: Cadence = {
      name: 'test',
      nurture: { steps: [{ after: 'P1D', channel: 'email', template: 'a' }], repeat: true },
      sendWindow: null,
      frequencyCap: { max: 2, per: 'P7D' },
    };
    const touches = plannedNurtureTouches(repeating, {
      startMs: at('2026-06-01T10:00:00Z'),
      timeZone: 'UTC',
      count: 3,
    });
    expect(touches.map((t) => iso(t.atMs))).toEqual([
      '2026-06-02T10:00:00.000Z',
      '2026-06-03T10:00:00.000Z',
      '2026-06-09T10:00:00.000Z',
    ]);
    expect(touches[2]?.delayedBy).toEqual(['cap']);
  });

  it('stops after the last step of a sequence that does not repeat', () => {
    const touches = plannedNurtureTouches(
      cadence([{ after: 'P1D', channel: 'task', title: 'call' }], { sendWindow: null }),
      { startMs: 0, timeZone: 'UTC', count: 12 },
    );
    expect(touches).toHaveLength(1);
    expect(touches[0]?.template).toBeNull();
  });

  it('counts calendar waits in the lead time zone: P1M from 31 January is the end of February', () => {
    const touches = plannedNurtureTouches(
      cadence([{ after: 'P1M', channel: 'email', template: 'a' }], { sendWindow: null }),
      { startMs: at('2026-01-31T10:00:00+09:00'), timeZone: 'Asia/Tokyo', count: 1 },
    );
    expect(iso(touches[0]?.atMs ?? 0)).toBe('2026-02-28T01:00:00.000Z');
  });
});
