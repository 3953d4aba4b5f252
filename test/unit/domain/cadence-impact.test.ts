import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cadence } from '../../../domain/cadence.ts';
import { cadenceImpact } from '../../../domain/cadence-impact.ts';

const steps = (n: number) =>
  Array.from({ length: n }, () => ({ after: 'P7D', channel: 'task' as const, title: 'call' }));
const cadence = (n: number, repeat = false, guarantee = false): Cadence => ({
  name: 'c',
  nurture: { steps: steps(n), repeat, repeatFrom: 0 },
  ...(guarantee ? { guarantee: { every: 'month', fallback: { channel: 'email', template: 'm' } } } : {}),
});

describe('cadence impact', () => {
  it('moves nobody when the steps stay as they were', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.array(fc.record({ stepIndex: fc.integer({ min: 0, max: 40 }), count: fc.integer({ min: 1, max: 5 }) })),
        (n, repeat, leads) => {
          const c = cadence(n, repeat);
          const impact = cadenceImpact(
            leads.map((l) => ({ ...l, stage: 'nurturing', definition: c })),
            c,
          );
          expect(impact).toMatchObject({ moving: 0, pastEnd: 0, running: leads.reduce((a, l) => a + l.count, 0) });
          expect(impact.byStep.reduce((a, s) => a + s.leads, 0)).toBe(impact.running);
        },
      ),
    );
  });

  it('puts the leads beyond a shortened sequence past the end, and says whether the guarantee covers them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 11 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 11 }),
        (before, after, guarantee, stepIndex) => {
          fc.pre(after < before && stepIndex < before);
          const impact = cadenceImpact(
            [{ stage: 'nurturing', stepIndex, count: 1, definition: cadence(before) }],
            cadence(after, false, guarantee),
          );
          expect(impact.pastEnd).toBe(stepIndex >= after ? 1 : 0);
          expect(impact.moving).toBe(0);
          expect(impact.pastEndCovered).toBe(guarantee);
        },
      ),
    );
  });

  it('counts leads without a recorded step apart, and leads outside a sequence stage not at all', () => {
    const c = cadence(3);
    const impact = cadenceImpact(
      [
        { stage: 'nurturing', stepIndex: null, count: 2, definition: c },
        { stage: 'deal', stepIndex: 1, count: 4, definition: c },
      ],
      cadence(1),
    );
    expect(impact).toEqual({ running: 2, byStep: [], moving: 0, pastEnd: 0, pastEndCovered: false, stepUnknown: 2 });
  });
});
