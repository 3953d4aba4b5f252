import type { Cadence, Step } from './cadence.ts';
import { InvalidInput } from './errors.ts';

/**
 * A/B tests (issue 15): a step may list `variants`, and each lead gets one of them. The
 * choice is a hash of the lead and the step, never a random draw, so a retried activity, a
 * replayed workflow or a second worker all pick the same template, with no state to keep.
 */

/** One template of a step's A/B test and its share of the leads. */
export interface Variant {
  template: string;
  weight: number;
}

/** What identifies a step for the choice: the same lead on the same step always gets the same variant. */
export interface VariantStep {
  cadenceKey: string;
  stage: string;
  step: number;
}

/**
 * A 32-bit hash of `text`: FNV-1a over its UTF-16 code units, then MurmurHash3's finaliser,
 * so that ids differing in one character land far apart (FNV-1a alone leaves the low bits
 * of similar strings close).
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    h = Math.imul(h ^ (unit & 0xff), 0x01000193);
    h = Math.imul(h ^ (unit >>> 8), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The variant `leadId` gets on `step`: a point in [0, total weight) from the hash of lead
 * and step, and the variant whose share holds it. Variants with weight 0 are never chosen
 * (a test being wound down); at least one weight must be positive.
 */
export function chooseVariant(variants: readonly Variant[], leadId: string, step: VariantStep): Variant {
  const total = variants.reduce((sum, v) => sum + Math.max(0, v.weight), 0);
  if (variants.length === 0 || total <= 0) throw new RangeError('a variant needs a positive weight');
  const point = (hash32(`${leadId}/${step.cadenceKey}/${step.stage}/${step.step}`) / 2 ** 32) * total;
  let upTo = 0;
  for (const variant of variants) {
    upTo += Math.max(0, variant.weight);
    if (point < upTo) return variant;
  }
  // Rounding can leave the point at the very end: the last variant with a share takes it.
  return [...variants].reverse().find((v) => v.weight > 0) as Variant;
}

/** A sequence that runs steps, as a cadence names it. */
export type SequenceName = 'nurturing' | 'customer' | 'reactivation';

/** The cadence's steps of `stage`, as the workflow runs them (nurture, upsell, reactivation). */
function stepsOf(cadence: Cadence, stage: SequenceName): Step[] | undefined {
  if (stage === 'nurturing') return cadence.nurture.steps;
  if (stage === 'customer') return cadence.upsell?.steps;
  return cadence.reactivation?.steps;
}

/**
 * The cadence with the A/B test of one step ended: the step sends `keep` to every lead from
 * now on (`variants` and `testMetric` removed). Throws InvalidInput naming the field when
 * the step does not exist, has no test, or `keep` is not one of its variants.
 */
export function endVariantTest(cadence: Cadence, stage: SequenceName, step: number, keep: string): Cadence {
  const steps = stepsOf(cadence, stage);
  const current = steps?.[step];
  if (!steps || !current)
    throw new InvalidInput('no such step', [{ path: '/step', message: `the cadence has no ${stage} step ${step}` }]);
  if (!current.variants)
    throw new InvalidInput('no test on this step', [{ path: '/step', message: 'this step tests no variants' }]);
  if (!current.variants.some((v) => v.template === keep))
    throw new InvalidInput('not a variant', [
      { path: '/keep', message: `must be one of ${current.variants.map((v) => `"${v.template}"`).join(', ')}` },
    ]);
  const { variants: _variants, testMetric: _metric, ...rest } = current;
  const replaced = steps.map((s, i) => (i === step ? { ...rest, template: keep } : s));
  if (stage === 'nurturing') return { ...cadence, nurture: { ...cadence.nurture, steps: replaced } };
  if (stage === 'customer' && cadence.upsell) return { ...cadence, upsell: { ...cadence.upsell, steps: replaced } };
  if (stage === 'reactivation' && cadence.reactivation)
    return { ...cadence, reactivation: { ...cadence.reactivation, steps: replaced } };
  return cadence;
}

/** Every step of the cadence that runs an A/B test now. */
export function runningVariantTests(
  cadence: Cadence,
): { stage: SequenceName; step: number; control: string; metric: 'clicks' | 'opens'; variants: Variant[] }[] {
  const stages: SequenceName[] = ['nurturing', 'customer', 'reactivation'];
  return stages.flatMap((stage) =>
    (stepsOf(cadence, stage) ?? []).flatMap((s, step) =>
      s.variants
        ? [
            {
              stage,
              step,
              control: s.template ?? s.variants[0]?.template ?? '',
              metric: s.testMetric ?? 'clicks',
              variants: s.variants,
            },
          ]
        : [],
    ),
  );
}
