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
