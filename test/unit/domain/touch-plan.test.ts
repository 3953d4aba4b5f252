import { describe, expect, it } from 'vitest';
import { reasonMessage } from '../../../domain/touch-reasons.ts';
import { defaultRepeatFrom, planNextTouch, type PlanCadence, stepAt } from '../../../domain/touch-plan.ts';
import { simulateTouches } from '../../../domain/touch-simulation.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const tokyo = { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' };
const reachable = { hasPostalAddress: true, emailSuppressed: false, doNotContact: false };
const monthly: PlanCadence = {
  steps: [
    { after: 'P1M', channel: 'email', template: 'a' },
    { after: 'P1M', channel: 'dm', template: 'letter' },
  ],
  repeat: true,
  sendWindow: tokyo,
};

describe('planNextTouch', () => {
  it('counts a step from the previous step’s due time, so a holiday hold does not push later steps', () => {
    // Due Friday 1 January 2027 (元日, year-end break): goes out Monday 4 January 09:00.
    const first = planNextTouch({
      cadence: monthly,
      timeZone: 'Asia/Tokyo',
      nowMs: at('2026-12-01T01:00:00Z'),
      stepIndex: 0,
      previousDueMs: at('2026-12-01T01:00:00Z'),
      reachedMs: [],
      pauses: [],
      lead: reachable,
    });
    expect(iso(first?.dueAtMs ?? null)).toBe('2027-01-01T01:00:00.000Z');
    expect(iso(first?.atMs ?? null)).toBe('2027-01-04T00:00:00.000Z');
    expect(first?.reasons.map((r) => r.code)).toEqual(['holiday', 'year_end_break']);
    expect(first?.reasons.map((r) => reasonMessage(r, 'ja')).join('、')).toBe('1月1日は祝日 (元日)、年末年始休み');
    // The next step is due a month after 1 January, not after 4 January.
    const second = planNextTouch({
      cadence: monthly,
      timeZone: 'Asia/Tokyo',
      nowMs: first?.atMs ?? 0,
      stepIndex: 1,
      previousDueMs: first?.dueAtMs ?? 0,
      reachedMs: [first?.atMs ?? 0],
      pauses: [],
      lead: reachable,
    });
    expect(iso(second?.dueAtMs ?? null)).toBe('2027-02-01T01:00:00.000Z');
  });

  it('sends a DM step as a task to confirm the address when the lead has none and the step names no fallback', () => {
    const touch = planNextTouch({
      cadence: monthly,
      timeZone: 'Asia/Tokyo',
      nowMs: 0,
      stepIndex: 1,
      previousDueMs: at('2026-06-01T01:00:00Z'),
      reachedMs: [],
      pauses: [],
      lead: { ...reachable, hasPostalAddress: false },
    });
    expect(touch).toMatchObject({ channel: 'task', title: '住所を確認する', reaches: false });
    expect(touch?.reasons[0]).toEqual({ code: 'fallback', from: 'dm', to: 'task', issue: 'no_postal_address' });
  });

  it('sends an email step of an email-suppressed lead as its DM fallback, and skips every step of a do-not-contact lead', () => {
    const cadence: PlanCadence = {
      ...monthly,
      steps: [{ after: 'P1D', channel: 'email', template: 'a', fallback: { channel: 'dm', template: 'letter' } }],
    };
    const input = {
      cadence,
      timeZone: 'Asia/Tokyo',
      nowMs: 0,
      stepIndex: 0,
      previousDueMs: at('2026-06-01T01:00:00Z'),
      reachedMs: [],
      pauses: [],
    };
    expect(planNextTouch({ ...input, lead: { ...reachable, emailSuppressed: true } })).toMatchObject({
      channel: 'dm',
      template: 'letter',
      reaches: true,
      skip: false,
    });
    expect(planNextTouch({ ...input, lead: { ...reachable, doNotContact: true } })).toMatchObject({
      skip: true,
      reasons: [{ code: 'skipped', issue: 'do_not_contact' }],
    });
  });

  it('plans the guarantee touch in the last business days of a month the next step would skip', () => {
    const cadence: PlanCadence = {
      steps: [{ after: 'P3M', channel: 'email', template: 'a' }],
      repeat: true,
      sendWindow: tokyo,
      guarantee: { every: 'month', fallback: { channel: 'email', template: 'checkin' } },
    };
    const touch = planNextTouch({
      cadence,
      timeZone: 'Asia/Tokyo',
      nowMs: at('2026-06-01T01:00:00Z'),
      stepIndex: 0,
      previousDueMs: at('2026-06-01T01:00:00Z'),
      reachedMs: [],
      pauses: [],
      lead: reachable,
    });
    // June 2026 ends Tuesday 30; its third-last business day is Friday 26.
    expect(touch).toMatchObject({ kind: 'guarantee', template: 'checkin', step: null, nextStepIndex: 0 });
    expect(iso(touch?.atMs ?? null)).toBe('2026-06-26T00:00:00.000Z');
    expect(touch?.reasons[0]).toEqual({ code: 'guarantee', month: '2026-06' });
  });

  it('answers no time while the lead is paused with no end', () => {
    const touch = planNextTouch({
      cadence: monthly,
      timeZone: 'Asia/Tokyo',
      nowMs: at('2026-06-01T01:00:00Z'),
      stepIndex: 0,
      previousDueMs: at('2026-06-01T01:00:00Z'),
      reachedMs: [],
      pauses: [{ fromMs: at('2026-06-02T00:00:00Z'), toMs: null }],
      lead: reachable,
    });
    expect(touch?.atMs).toBeNull();
    expect(touch?.reasons).toEqual([{ code: 'paused' }]);
  });
});

describe('repeatFrom', () => {
  it('defaults to the first step that waits at least a month, so a repeat has no burst', () => {
    expect(defaultRepeatFrom([{ after: 'P1D' }, { after: 'P1M' }, { after: 'P1M' }])).toBe(1);
    expect(defaultRepeatFrom([{ after: 'P1D' }, { after: 'P14D' }])).toBe(0);
    expect(
      [0, 1, 2, 3, 4, 5].map((i) =>
        stepAt(
          {
            steps: [
              { after: 'P1D', channel: 'email' },
              { after: 'P1M', channel: 'email' },
              { after: 'P1M', channel: 'email' },
            ],
            repeat: true,
          },
          i,
        ),
      ),
    ).toEqual([0, 1, 2, 1, 2, 1]);
    expect(stepAt({ steps: [{ after: 'P1D', channel: 'email' }], repeat: false }, 1)).toBeUndefined();
  });
});

describe('minGap', () => {
  it('keeps two touches of a sequence at least minGap apart', () => {
    const cadence: PlanCadence = {
      steps: [
        { after: 'P1D', channel: 'email', template: 'a' },
        { after: 'P2D', channel: 'email', template: 'b' },
      ],
      repeat: false,
      minGap: 'P7D',
      sendWindow: null,
    };
    const touches = simulateTouches({
      cadence,
      timeZone: 'UTC',
      startMs: at('2026-06-01T00:00:00Z'),
      untilMs: at('2026-07-01T00:00:00Z'),
      lead: reachable,
    });
    expect(touches.map((t) => iso(t.atMs))).toEqual(['2026-06-02T00:00:00.000Z', '2026-06-09T00:00:00.000Z']);
    expect(touches[1]?.reasons).toEqual([{ code: 'min_gap', minGap: 'P7D' }]);
  });
});
