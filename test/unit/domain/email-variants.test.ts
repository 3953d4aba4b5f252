import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseVariant, hash32, type Variant } from '../../../domain/email-variants.ts';

const STEP = { cadenceKey: 'default', stage: 'nurturing', step: 2 };
const uuid = fc.uuid();

describe('chooseVariant', () => {
  it('gives a lead the same variant every time it is asked (a retry never switches)', () => {
    const variants: Variant[] = [
      { template: 'a', weight: 50 },
      { template: 'b', weight: 30 },
      { template: 'c', weight: 20 },
    ];
    fc.assert(
      fc.property(uuid, fc.nat(20), (leadId, step) => {
        const first = chooseVariant(variants, leadId, { ...STEP, step });
        for (let i = 0; i < 3; i += 1) expect(chooseVariant(variants, leadId, { ...STEP, step })).toBe(first);
      }),
    );
  });

  it('honours the weights within two points over 20,000 leads', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (weights, salt) => {
          const variants = weights.map((weight, i) => ({ template: `t${i}`, weight }));
          const total = weights.reduce((a, b) => a + b, 0);
          const counts = new Map<string, number>();
          const n = 20_000;
          for (let i = 0; i < n; i += 1) {
            const chosen = chooseVariant(variants, `lead-${salt}-${i}`, STEP);
            counts.set(chosen.template, (counts.get(chosen.template) ?? 0) + 1);
          }
          variants.forEach((v) =>
            expect(Math.abs((counts.get(v.template) ?? 0) / n - v.weight / total)).toBeLessThan(0.02),
          );
        },
      ),
      { numRuns: 10 },
    );
  });

  it('never chooses a variant of weight 0', () => {
    const variants = [
      { template: 'a', weight: 0 },
      { template: 'b', weight: 1 },
    ];
    fc.assert(
      fc.property(uuid, (leadId) => {
        expect(chooseVariant(variants, leadId, STEP).template).toBe('b');
      }),
    );
  });

  it('splits the same leads independently on different steps', () => {
    const variants = [
      { template: 'a', weight: 1 },
      { template: 'b', weight: 1 },
    ];
    let same = 0;
    for (let i = 0; i < 4000; i += 1) {
      const id = `lead-${i}`;
      if (chooseVariant(variants, id, STEP).template === chooseVariant(variants, id, { ...STEP, step: 3 }).template)
        same += 1;
    }
    // Independent halves agree about half the time; the same split would agree always.
    expect(same / 4000).toBeGreaterThan(0.45);
    expect(same / 4000).toBeLessThan(0.55);
  });

  it('refuses a list without a positive weight', () => {
    expect(() => chooseVariant([{ template: 'a', weight: 0 }], 'lead', STEP)).toThrow(RangeError);
  });
});

describe('hash32', () => {
  it('is a fixed function of the text (known values keep assignments stable across releases)', () => {
    expect(hash32('lead-1/default/nurturing/0')).toBe(2509194380);
    expect(hash32('lead-2/default/nurturing/0')).not.toBe(2509194380);
  });
});
