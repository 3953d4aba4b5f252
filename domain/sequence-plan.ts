import type { Cadence } from './cadence.ts';
import type { PlanCadence } from './touch-plan.ts';

/** The stages that run a sequence of touches. */
export type SequenceStage = 'nurturing' | 'customer' | 'reactivation';

/**
 * What the planner reads of `cadence` for a lead in `stage`: that stage's steps with the
 * cadence-wide rules (window, cap, minimum gap, guarantee). Undefined when the cadence
 * has no sequence for the stage.
 */
export function planCadenceOf(cadence: Cadence, stage: SequenceStage): PlanCadence | undefined {
  const rules = {
    sendWindow: cadence.sendWindow ?? null,
    frequencyCap: cadence.frequencyCap ?? null,
    minGap: cadence.minGap,
    guarantee: cadence.guarantee,
  };
  if (stage === 'nurturing')
    return {
      ...rules,
      steps: cadence.nurture.steps,
      repeat: cadence.nurture.repeat ?? false,
      repeatFrom: cadence.nurture.repeatFrom,
    };
  if (stage === 'customer')
    return cadence.upsell
      ? {
          ...rules,
          steps: cadence.upsell.steps,
          repeat: cadence.upsell.repeat ?? false,
          repeatFrom: cadence.upsell.repeatFrom,
        }
      : undefined;
  return cadence.reactivation ? { ...rules, steps: cadence.reactivation.steps, repeat: false } : undefined;
}
