import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDuration } from '../../../domain/duration.ts';
import {
  nextFiscalYearStart,
  parseDateOrInstant,
  planReactivation,
  type ReactivationDecision,
  type ReactivationRules,
  waitEndsAt,
  waitForReason,
} from '../../../domain/reactivation.ts';
import { localDateOf } from '../../../domain/zone-offset.ts';

const TOKYO = 'Asia/Tokyo';
const RULES: ReactivationRules = {
  eligibleReasons: ['budget', 'timing'],
  waitAfterEnd: 'P6M',
  waitByReason: { timing: 'P3M', reorganization: 'nextFiscalYear' },
};
const ENDED = Date.parse('2026-03-31T00:00:00+09:00');
const decision = (d: Partial<ReactivationDecision>): ReactivationDecision => ({
  decision: 'resume',
  resumeAtMs: null,
  cadence: null,
  note: null,
  decidedBy: 'rep@example.jp',
  decidedAtMs: ENDED,
  ...d,
});

describe('waitForReason', () => {
  it('uses the reason’s own wait, else waitAfterEnd', () => {
    expect(waitForReason(RULES, 'timing')).toBe('P3M');
    expect(waitForReason(RULES, 'budget')).toBe('P6M');
    expect(waitForReason(RULES, 'toString')).toBe('P6M');
  });
});

describe('nextFiscalYearStart', () => {
  it('is the next 1 April at midnight in the lead’s time zone', () => {
    expect(nextFiscalYearStart(ENDED, TOKYO)).toBe(Date.parse('2026-04-01T00:00:00+09:00'));
    expect(nextFiscalYearStart(Date.parse('2026-04-01T10:00:00+09:00'), TOKYO)).toBe(
      Date.parse('2027-04-01T00:00:00+09:00'),
    );
    expect(nextFiscalYearStart(Date.parse('2026-12-15T00:00:00Z'), 'America/New_York')).toBe(
      Date.parse('2027-04-01T00:00:00-04:00'),
    );
  });

  it('counts the day in the lead’s zone: 31 March 20:00 UTC is already 1 April in Tokyo', () => {
    expect(nextFiscalYearStart(Date.parse('2026-03-31T20:00:00Z'), TOKYO)).toBe(
      Date.parse('2027-04-01T00:00:00+09:00'),
    );
  });

  it('is always a later 1 April within a year (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2090, 0, 1) }),
        fc.constantFrom(TOKYO, 'UTC', 'America/New_York', 'Australia/Sydney'),
        (from, zone) => {
          const at = nextFiscalYearStart(from, zone);
          const local = localDateOf(at, zone);
          expect(at).toBeGreaterThan(from);
          expect(at - from).toBeLessThanOrEqual(366 * 86_400_000 + 3_600_000);
          expect([local.month, local.day]).toEqual([4, 1]);
          expect(nextFiscalYearStart(at - 1, zone)).toBe(at);
        },
      ),
    );
  });
});

describe('planReactivation', () => {
  const plan = (reason: string, d: ReactivationDecision | null = null) =>
    planReactivation({ reason, endedAtMs: ENDED, rules: RULES, decision: d, timeZone: TOKYO });

  it('waits the reason’s wait from the contract end for an eligible reason', () => {
    expect(plan('timing')).toEqual({
      action: 'resume',
      atMs: Date.parse('2026-06-30T00:00:00+09:00'),
      why: 'reactivation wait over',
    });
    expect(plan('budget')).toMatchObject({ action: 'resume', atMs: Date.parse('2026-09-30T00:00:00+09:00') });
  });

  it('closes a reason the list leaves out', () => {
    expect(plan('competitor')).toMatchObject({ action: 'close' });
  });

  it('lets a decision override the list both ways', () => {
    expect(plan('budget', decision({ decision: 'close' }))).toMatchObject({ action: 'close' });
    expect(plan('competitor', decision({}))).toMatchObject({
      action: 'resume',
      atMs: Date.parse('2026-09-30T00:00:00+09:00'),
    });
    const at = Date.parse('2026-05-10T09:00:00+09:00');
    expect(plan('budget', decision({ resumeAtMs: at }))).toMatchObject({ action: 'resume', atMs: at });
  });

  it('waits until the next fiscal year where the cadence says so', () => {
    expect(plan('reorganization', decision({}))).toMatchObject({ atMs: Date.parse('2026-04-01T00:00:00+09:00') });
  });

  it('resumes at once (a time already gone) when the end is older than the wait (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 5000 }), fc.constantFrom('budget', 'timing'), (daysAgo, reason) => {
        const now = Date.parse('2026-12-01T00:00:00Z');
        const endedAtMs = now - daysAgo * 86_400_000;
        const result = planReactivation({ reason, endedAtMs, rules: RULES, decision: null, timeZone: TOKYO });
        expect(result.action).toBe('resume');
        if (result.action === 'resume') {
          expect(result.atMs).toBe(addDuration(endedAtMs, waitForReason(RULES, reason), TOKYO));
          expect(result.atMs).toBeLessThanOrEqual(now);
        }
      }),
    );
  });

  it('never resumes before the contract ended without a date chosen by a person (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.constantFrom('budget', 'timing', 'reorganization', 'other'),
        fc.boolean(),
        (endedAtMs, reason, decided) => {
          const result = planReactivation({
            reason,
            endedAtMs,
            rules: RULES,
            decision: decided ? decision({}) : null,
            timeZone: TOKYO,
          });
          if (result.action === 'resume') expect(result.atMs).toBeGreaterThan(endedAtMs);
          else expect(decided || !RULES.eligibleReasons.includes(reason)).toBe(true);
        },
      ),
    );
  });
});

describe('waitEndsAt', () => {
  it('adds a duration in the lead’s zone', () => {
    expect(waitEndsAt(ENDED, 'P1M', TOKYO)).toBe(Date.parse('2026-04-30T00:00:00+09:00'));
  });
});

describe('parseDateOrInstant', () => {
  it('reads a date as the start of that day in the zone, and a date-time with its offset', () => {
    expect(parseDateOrInstant('2027-03-31', TOKYO)).toBe(Date.parse('2027-03-31T00:00:00+09:00'));
    expect(parseDateOrInstant('2027-03-31T12:00:00Z', TOKYO)).toBe(Date.parse('2027-03-31T12:00:00Z'));
  });

  it('refuses what is not a date', () => {
    for (const text of ['2027-02-30', '2027-13-01', 'tomorrow', '2027-03-31T12:00', ''])
      expect(parseDateOrInstant(text, TOKYO)).toBeUndefined();
  });
});
