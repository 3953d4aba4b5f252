import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBusinessDay } from '../../../domain/business-calendar.ts';
import { monthEnd, monthOf, monthStart } from '../../../domain/calendar-months.ts';
import { addDuration } from '../../../domain/duration.ts';
import { isInsideWindow } from '../../../domain/send-window.ts';
import type { PlanCadence, PlanStep } from '../../../domain/touch-plan.ts';
import { simulateTouches } from '../../../domain/touch-simulation.ts';
import { localDateOf } from '../../../domain/zone-offset.ts';

// The figure: 10,000 cases of 36 months each, in `npm test`. PLANNER_PROPERTY_RUNS
// runs another number (more for a long soak, fewer while working on the planner).
const DEFAULT_RUNS = 10_000;

const ZONES = ['Asia/Tokyo', 'UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata'];
const DAY = 86_400_000;
const FIRST = Date.UTC(2026, 0, 1);
const LAST = Date.UTC(2030, 11, 31);
// Golden Week and the year-end break, picked more often than their share of days.
const SPECIAL = [
  [4, 25],
  [4, 29],
  [5, 1],
  [5, 3],
  [5, 6],
  [12, 24],
  [12, 28],
  [12, 31],
  [1, 1],
  [1, 3],
] as const;

const startDay = fc.oneof(
  fc.integer({ min: 0, max: Math.round((LAST - FIRST) / DAY) }).map((d) => FIRST + d * DAY),
  fc
    .tuple(fc.integer({ min: 2026, max: 2030 }), fc.constantFrom(...SPECIAL))
    .map(([y, [m, d]]) => Date.UTC(y, m - 1, d)),
);

const channel = fc.constantFrom('email' as const, 'dm' as const, 'task' as const);
const step: fc.Arbitrary<PlanStep> = fc
  .record({
    after: fc.constantFrom('P1D', 'P3D', 'P7D', 'P14D', 'P20D', 'P1M', 'P1M', 'P2M', 'P3M', 'PT6H'),
    channel,
    fallback: fc.option(
      fc.constantFrom(
        { channel: 'email' as const, template: 'fb-email' },
        { channel: 'dm' as const, template: 'fb-dm' },
        { channel: 'task' as const, title: 'call' },
      ),
      { nil: undefined },
    ),
  })
  .map((s) => ({
    ...s,
    template: s.channel === 'task' ? undefined : `t-${s.channel}`,
    title: s.channel === 'task' ? 'do' : undefined,
  }));

// Caps that leave room for a touch a month at all: one per up to two weeks, or two and more per month.
const cap = fc.option(
  fc.oneof(
    fc.record({ max: fc.constant(1), per: fc.constantFrom('P7D', 'P14D') }),
    fc.record({ max: fc.integer({ min: 2, max: 4 }), per: fc.constantFrom('P14D', 'P30D', 'P1M') }),
  ),
  { nil: undefined },
);

const window = fc.option(
  fc
    .record({
      timezone: fc.constantFrom(...ZONES),
      businessDays: fc.boolean(),
      fromHour: fc.integer({ min: 0, max: 20 }),
      hours: fc.integer({ min: 1, max: 10 }),
    })
    .map(({ timezone, businessDays, fromHour, hours }) => ({
      timezone,
      businessDays,
      from: `${String(fromHour).padStart(2, '0')}:00`,
      to: `${String(Math.min(23, fromHour + hours)).padStart(2, '0')}:${fromHour + hours > 23 ? '59' : '00'}`,
    })),
  { nil: null },
);

const cadence: fc.Arbitrary<PlanCadence> = fc
  .record({
    steps: fc.array(step, { minLength: 1, maxLength: 8 }),
    repeat: fc.boolean(),
    minGap: fc.option(fc.constantFrom('P1D', 'P3D', 'P7D', 'P10D'), { nil: undefined }),
    frequencyCap: cap,
    sendWindow: window,
    guarantee: fc.constant({
      every: 'month' as const,
      fallback: {
        channel: 'email' as const,
        template: 'g-email',
        fallback: { channel: 'dm' as const, template: 'g-dm' },
      },
    }),
  })
  .map((c) => ({ ...c, repeatFrom: undefined }));

const lead = fc.record({
  hasPostalAddress: fc.boolean(),
  emailSuppressed: fc.boolean(),
  doNotContact: fc.constant(false),
});

const pauses = fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 120 })), {
  maxLength: 2,
});

describe('the touch planner over 36 simulated months', () => {
  it('touches every contactable lead every calendar month, within the cap, the window, the calendar and the minimum gap', () => {
    fc.assert(
      fc.property(
        startDay,
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(...ZONES),
        cadence,
        lead,
        pauses,
        (day, hour, timeZone, c, who, pauseDays) => {
          const startMs = day + hour * 3_600_000;
          const untilMs = addDuration(startMs, 'P36M', timeZone);
          const spans = pauseDays.map(([from, days]) => ({
            fromMs: startMs + from * DAY,
            toMs: startMs + (from + days) * DAY,
          }));
          const touches = simulateTouches({ cadence: c, timeZone, startMs, untilMs, lead: who, pauses: spans });
          const reached = touches.filter((t) => t.reaches && !t.skip).map((t) => t.atMs as number);
          const contactable = !who.emailSuppressed || who.hasPostalAddress;

          // Each broken rule is written down and the list must be empty: as strict as an
          // expect per check, without paying for hundreds of assertion objects a case.
          const broken: string[] = [];
          const iso = (ms: number) => new Date(ms).toISOString();
          // Every full month after the start; a month touched by a pause in its last ten days is excused.
          const first = monthOf(startMs, timeZone) + 1;
          const last = monthOf(untilMs, timeZone) - 1;
          for (let m = first; contactable && m <= last; m++) {
            const start = monthStart(m, timeZone);
            const end = monthEnd(m, timeZone);
            if (spans.some((p) => p.fromMs < end && p.toMs > end - 10 * DAY)) continue;
            if (!reached.some((x) => x >= start && x < end)) broken.push(`no touch in month ${m} (${iso(start)})`);
          }
          const sent = touches.filter((t) => !t.skip);
          for (const t of sent) {
            const at = t.atMs as number;
            if (!isInsideWindow(at, c.sendWindow)) broken.push(`outside the window at ${iso(at)}`);
            if (c.sendWindow?.businessDays && !isBusinessDay(localDateOf(at, c.sendWindow.timezone)))
              broken.push(`not a business day at ${iso(at)}`);
            if (spans.some((p) => p.fromMs <= at && at < p.toMs)) broken.push(`touch while paused at ${iso(at)}`);
          }
          // Reached touches are in time order, so the cap holds when the touch `max` places
          // earlier has left the cap's period, and the gap when the previous one is far enough.
          for (const [i, at] of reached.entries()) {
            const previous = reached[i - 1];
            if (previous !== undefined && !(previous <= at)) broken.push(`out of order at ${iso(at)}`);
            const cap = c.frequencyCap;
            const back = cap ? reached[i - cap.max] : undefined;
            if (cap && back !== undefined && !(addDuration(back, cap.per, timeZone) <= at))
              broken.push(`cap broken at ${iso(at)}`);
            if (c.minGap && previous !== undefined && !(addDuration(previous, c.minGap, timeZone) <= at))
              broken.push(`closer than ${c.minGap} at ${iso(at)}`);
          }
          expect(broken).toEqual([]);
        },
      ),
      {
        numRuns: Number(process.env.PLANNER_PROPERTY_RUNS ?? DEFAULT_RUNS),
        seed: process.env.PLANNER_PROPERTY_SEED === undefined ? undefined : Number(process.env.PLANNER_PROPERTY_SEED),
      },
    );
  }, 3_600_000);
});
