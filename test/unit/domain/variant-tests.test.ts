import { describe, expect, it } from 'vitest';
import type { Cadence } from '../../../domain/cadence.ts';
import { endVariantTest, runningVariantTests } from '../../../domain/email-variants.ts';
import { InvalidInput } from '../../../domain/errors.ts';
import { compareVariants } from '../../../domain/variant-comparison.ts';

const cadence: Cadence = {
  name: 'A/B',
  nurture: {
    steps: [
      { after: 'P1D', channel: 'email', template: 'welcome' },
      {
        after: 'P1M',
        channel: 'email',
        template: 'a',
        variants: [
          { template: 'a', weight: 50 },
          { template: 'b', weight: 50 },
        ],
        testMetric: 'opens',
      },
    ],
  },
};

describe('compareVariants', () => {
  it('compares each variant with the control and names the leader with its confidence (known values)', () => {
    const verdict = compareVariants(
      [
        { template: 'a', delivered: 1000, successes: 200 },
        { template: 'b', delivered: 1000, successes: 250 },
      ],
      'a',
    );
    expect(verdict.leader).toBe('b');
    expect(verdict.comparisons).toHaveLength(1);
    expect(verdict.comparisons[0]?.z).toBeCloseTo(2.677397763008329, 9);
    expect(verdict.leaderConfidence).toBeCloseTo(1 - 0.007419649261025693, 6);
    expect(verdict.decided).toBe(true);
  });

  it('is undecided while the leader is not ahead of every other variant at 95 %', () => {
    const verdict = compareVariants(
      [
        { template: 'a', delivered: 1000, successes: 50 },
        { template: 'b', delivered: 1000, successes: 52 },
        { template: 'c', delivered: 1000, successes: 20 },
      ],
      'a',
    );
    expect(verdict.leader).toBe('b');
    expect(verdict.leaderConfidence).toBeCloseTo(1 - 0.8389153997701586, 6);
    expect(verdict.decided).toBe(false);
    expect(verdict.comparisons.map((c) => c.template)).toEqual(['b', 'c']);
  });

  it('has no leader before anything was delivered', () => {
    expect(compareVariants([{ template: 'a', delivered: 0, successes: 0 }], 'a')).toEqual({
      leader: undefined,
      leaderConfidence: 0,
      decided: false,
      comparisons: [],
    });
  });
});

describe('endVariantTest', () => {
  it('keeps one variant as the step template and drops the test, leaving other steps alone', () => {
    const ended = endVariantTest(cadence, 'nurturing', 1, 'b');
    expect(ended.nurture.steps).toEqual([
      { after: 'P1D', channel: 'email', template: 'welcome' },
      { after: 'P1M', channel: 'email', template: 'b' },
    ]);
    expect(runningVariantTests(ended)).toEqual([]);
  });

  it.each([
    ['nurturing', 5, 'a', '/step'],
    ['nurturing', 0, 'a', '/step'],
    ['customer', 0, 'a', '/step'],
    ['nurturing', 1, 'z', '/keep'],
  ] as const)('refuses %s step %d keeping "%s", naming %s', (stage, step, keep, path) => {
    try {
      endVariantTest(cadence, stage, step, keep);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInput);
      expect((error as InvalidInput).details[0]?.path).toBe(path);
    }
  });
});

describe('runningVariantTests', () => {
  it('lists the steps testing variants with their control and metric', () => {
    expect(runningVariantTests(cadence)).toEqual([
      {
        stage: 'nurturing',
        step: 1,
        control: 'a',
        metric: 'opens',
        variants: [
          { template: 'a', weight: 50 },
          { template: 'b', weight: 50 },
        ],
      },
    ]);
  });
});
