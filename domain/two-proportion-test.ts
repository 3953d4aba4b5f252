/**
 * The statistics of an A/B test (issue 15): is one variant's rate really higher, or could
 * chance alone have made the difference? A two-proportion z-test with a pooled estimate,
 * the test marketers' tools (HubSpot, Mautic's plugins, online calculators) use.
 */

/** Successes (unique clicks or opens) out of trials (emails delivered). */
export interface Proportion {
  successes: number;
  trials: number;
}

/** The answer of {@link twoProportionTest}. */
export interface ProportionTestResult {
  /** Rate of b minus rate of a. */
  difference: number;
  z: number;
  /** Two-sided: the chance of a difference at least this large if both rates were equal. */
  pValue: number;
  /** 1 - pValue: how sure one may be that the rates differ. */
  confidence: number;
  /** pValue below alpha. */
  significant: boolean;
}

/**
 * The complementary error function, by Numerical Recipes' `erfcc` (Chebyshev fit,
 * fractional error below 1.2e-7 everywhere): ample for a p-value shown to a few digits.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Compares b's rate with a's. Undefined when the test has nothing to say: a side with no
 * trials, or rates of exactly 0 or 1 on both sides (no variance to test against).
 */
export function twoProportionTest(a: Proportion, b: Proportion, alpha = 0.05): ProportionTestResult | undefined {
  if (a.trials <= 0 || b.trials <= 0) return undefined;
  const pa = a.successes / a.trials;
  const pb = b.successes / b.trials;
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  if (!(se > 0)) return undefined;
  const z = (pb - pa) / se;
  const pValue = Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
  return { difference: pb - pa, z, pValue, confidence: 1 - pValue, significant: pValue < alpha };
}
