import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountCapHoldUntil, accountCapWindowMs } from '../../../domain/account-cap.ts';
import { cadenceProblems } from '../../../domain/cadence.ts';

const DAY = 86_400_000;

describe('accountCapWindowMs', () => {
  it('reads fixed-length durations', () => {
    expect(accountCapWindowMs('P7D')).toBe(7 * DAY);
    expect(accountCapWindowMs('P1W')).toBe(7 * DAY);
    expect(accountCapWindowMs('PT2S')).toBe(2000);
    expect(accountCapWindowMs('P1DT12H')).toBe(1.5 * DAY);
  });

  it('refuses months, years and empty durations', () => {
    for (const text of ['P1M', 'P1Y', 'P', 'PT', 'P0D', '7D']) expect(accountCapWindowMs(text), text).toBeUndefined();
  });
});

describe('accountCapHoldUntil', () => {
  const cap = { touches: 2, windowMs: 7 * DAY };
  const now = Date.UTC(2026, 5, 10);

  it('lets a touch through while the account has room', () => {
    expect(accountCapHoldUntil([], cap, now)).toBeNull();
    expect(accountCapHoldUntil([now - DAY], cap, now)).toBeNull();
    expect(accountCapHoldUntil([now - 8 * DAY, now - 7 * DAY, now - DAY], cap, now)).toBeNull();
  });

  it('holds a third touch until the oldest counted one ages out', () => {
    expect(accountCapHoldUntil([now - DAY, now - 3 * DAY], cap, now)).toBe(now - 3 * DAY + 7 * DAY);
  });

  it('holds until enough have aged out when the account is over its cap', () => {
    // Three in the window (a guarantee touch went over): two must age out for one more.
    expect(accountCapHoldUntil([now - DAY, now - 2 * DAY, now - 3 * DAY], cap, now)).toBe(now - 2 * DAY + 7 * DAY);
  });

  it('never holds past the moment a slot frees, and that moment really has room', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -10 * DAY, max: 0 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        (offsets, touches) => {
          const counted = offsets.map((o) => now + o);
          const c = { touches, windowMs: 7 * DAY };
          const until = accountCapHoldUntil(counted, c, now);
          if (until === null) return;
          expect(until).toBeGreaterThan(now);
          expect(accountCapHoldUntil(counted, c, until)).toBeNull();
          expect(accountCapHoldUntil(counted, c, until - 1)).not.toBeNull();
        },
      ),
    );
  });
});

describe('perAccountCap in a cadence', () => {
  const cadence = (perAccountCap: unknown) => ({
    name: 'c',
    nurture: { steps: [{ after: 'P1D', channel: 'task' }] },
    perAccountCap,
  });

  it('is accepted with a fixed-length window', () => {
    expect(cadenceProblems(cadence({ touches: 2, per: 'P7D' }))).toEqual([]);
  });

  it('names the field when the window is calendar-relative or the count is wrong', () => {
    expect(cadenceProblems(cadence({ touches: 2, per: 'P1M' })).map((p) => p.path)).toEqual(['/perAccountCap/per']);
    expect(cadenceProblems(cadence({ touches: 0, per: 'P7D' })).map((p) => p.path)).toEqual(['/perAccountCap/touches']);
    expect(cadenceProblems(cadence({ touches: 2 })).map((p) => p.path)).toEqual(['/perAccountCap']);
    expect(cadenceProblems(cadence({ touches: 2, per: 'P7D', extra: 1 })).map((p) => p.path)).toEqual([
      '/perAccountCap/extra',
    ]);
  });
});
