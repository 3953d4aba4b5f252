import { twoProportionTest, type ProportionTestResult } from './two-proportion-test.ts';

/** One variant's figures in a test: emails delivered, and the unique opens or clicks among them. */
export interface VariantFigures {
  template: string;
  delivered: number;
  successes: number;
}

/** A variant compared with the control. */
export interface VariantComparison extends ProportionTestResult {
  template: string;
  against: string;
}

/** What a test says so far. */
export interface TestVerdict {
  /** The variant with the highest rate; undefined before any delivery. */
  leader: string | undefined;
  /**
   * How sure one may be that the leader beats every other variant: the least confidence of
   * its comparisons with each of them (0 when one of them cannot be tested yet).
   */
  leaderConfidence: number;
  /** The leader beats every other variant at 95 %. */
  decided: boolean;
  /** Each other variant against the control. */
  comparisons: VariantComparison[];
}

const rate = (v: VariantFigures) => (v.delivered > 0 ? v.successes / v.delivered : -1);

/**
 * The verdict of a test from its variants' figures: each variant against the control by a
 * two-proportion z-test (domain/two-proportion-test.ts), and the leader against every other.
 */
export function compareVariants(figures: readonly VariantFigures[], control: string, alpha = 0.05): TestVerdict {
  const test = (a: VariantFigures, b: VariantFigures) =>
    twoProportionTest(
      { successes: a.successes, trials: a.delivered },
      { successes: b.successes, trials: b.delivered },
      alpha,
    );
  const base = figures.find((f) => f.template === control);
  const comparisons = base
    ? figures.flatMap((f) => {
        if (f === base) return [];
        const result = test(base, f);
        return result ? [{ template: f.template, against: control, ...result }] : [];
      })
    : [];
  const withData = figures.filter((f) => f.delivered > 0);
  const leader = [...withData].sort((a, b) => rate(b) - rate(a))[0];
  if (!leader) return { leader: undefined, leaderConfidence: 0, decided: false, comparisons };
  const others = figures.filter((f) => f !== leader);
  const confidences = others.map((other) => {
    const result = test(other, leader);
    return result && result.difference > 0 ? result.confidence : 0;
  });
  const leaderConfidence = confidences.length === 0 ? 0 : Math.min(...confidences);
  return { leader: leader.template, leaderConfidence, decided: leaderConfidence > 1 - alpha, comparisons };
}
