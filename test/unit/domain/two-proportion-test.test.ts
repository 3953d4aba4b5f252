import { describe, expect, it } from 'vitest';
import { erfc, twoProportionTest } from '../../../domain/two-proportion-test.ts';

// Known values from Python's math.erfc with the same pooled formula:
//   p = (x1 + x2) / (n1 + n2); se = sqrt(p (1 - p) (1/n1 + 1/n2)); z = (x2/n2 - x1/n1) / se
describe('twoProportionTest', () => {
  it.each([
    { a: [200, 1000], b: [250, 1000], z: 2.677397763008329, p: 0.007419649261025693, significant: true },
    { a: [50, 1000], b: [52, 1000], z: 0.20328100706668575, p: 0.8389153997701586, significant: false },
    { a: [120, 2400], b: [165, 2500], z: 2.3921332362256003, p: 0.01675076033216539, significant: true },
    { a: [30, 100], b: [45, 100], z: 2.1908902300206647, p: 0.02845973691631057, significant: true },
  ])('answers z $z and p $p for $a against $b', ({ a, b, z, p, significant }) => {
    const result = twoProportionTest({ successes: a[0]!, trials: a[1]! }, { successes: b[0]!, trials: b[1]! });
    expect(result?.z).toBeCloseTo(z, 9);
    expect(result?.pValue).toBeCloseTo(p, 6);
    expect(result?.confidence).toBeCloseTo(1 - p, 6);
    expect(result?.significant).toBe(significant);
  });

  it('is symmetric: swapping the sides flips z and keeps p', () => {
    const ab = twoProportionTest({ successes: 200, trials: 1000 }, { successes: 250, trials: 1000 });
    const ba = twoProportionTest({ successes: 250, trials: 1000 }, { successes: 200, trials: 1000 });
    expect(ba?.z).toBeCloseTo(-(ab?.z ?? 0), 12);
    expect(ba?.pValue).toBeCloseTo(ab?.pValue ?? 0, 12);
  });

  it('has nothing to say without trials or without variance', () => {
    expect(twoProportionTest({ successes: 0, trials: 0 }, { successes: 1, trials: 10 })).toBeUndefined();
    expect(twoProportionTest({ successes: 0, trials: 10 }, { successes: 0, trials: 10 })).toBeUndefined();
    expect(twoProportionTest({ successes: 10, trials: 10 }, { successes: 5, trials: 5 })).toBeUndefined();
  });
});

describe('erfc', () => {
  it.each([
    [0, 1],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047266],
    [-1, 1.8427007929497148],
  ])('erfc(%d) is %d to seven digits', (x, expected) => {
    expect(Math.abs(erfc(x) - expected) / expected).toBeLessThan(1.2e-7);
  });
});
