import type { Cadence } from './cadence.ts';
import type { Stage } from './lead.ts';
import { planCadenceOf, type SequenceStage } from './sequence-plan.ts';
import { stepAt } from './touch-plan.ts';

/** The stages whose leads run a sequence of the cadence. */
export const SEQUENCE_STAGES: readonly SequenceStage[] = ['nurturing', 'customer', 'reactivation'];

/** Running leads alike as the read model knows them: stage, the step index they run next, the cadence they run now. */
export interface RunningLeads {
  /** How many leads. */
  count: number;
  stage: Stage;
  /** The workflow's step index (it counts on past the end of a repeating sequence); null: not recorded yet. */
  stepIndex: number | null;
  /** The definition of the version the lead runs now. */
  definition: Cadence;
}

/** What saving a cadence does to the leads running it. */
export interface CadenceImpact {
  /** Running leads on the cadence (nurturing, customer or reactivation). */
  running: number;
  /** How many are at which step (null: past the end already) of their stage's sequence, in the version they ran. */
  byStep: { stage: SequenceStage; step: number | null; leads: number }[];
  /** Leads whose next step is another step of the new version (a step that is gone, or a repeat that wraps elsewhere). */
  moving: number;
  /** Leads whose next step no longer exists: a non-repeating sequence that ended for them. */
  pastEnd: number;
  /**
   * Whether those past the end stay contacted: the new version's monthly guarantee touches
   * them (reactivation's leads go back to nurturing instead).
   */
  pastEndCovered: boolean;
  /** Running leads whose step index is not recorded yet (their next planned touch records it). */
  stepUnknown: number;
}

/**
 * The effect of a new cadence version on the leads running the cadence: a new version of the
 * same cadence continues at the step index each lead's workflow holds, so a lead moves when
 * that index names another step (or none) in the new version.
 */
export function cadenceImpact(groups: readonly RunningLeads[], next: Cadence): CadenceImpact {
  const counts = new Map<string, { stage: SequenceStage; step: number | null; leads: number }>();
  let running = 0;
  let moving = 0;
  let pastEnd = 0;
  let stepUnknown = 0;
  for (const lead of groups) {
    const stage = SEQUENCE_STAGES.find((s) => s === lead.stage);
    if (!stage || lead.count === 0) continue;
    running += lead.count;
    if (lead.stepIndex === null) {
      stepUnknown += lead.count;
      continue;
    }
    const before = positionOf(lead.definition, stage, lead.stepIndex);
    const after = positionOf(next, stage, lead.stepIndex);
    const key = `${stage}/${before ?? '-'}`;
    const entry = counts.get(key) ?? { stage, step: before ?? null, leads: 0 };
    entry.leads += lead.count;
    counts.set(key, entry);
    if (before !== undefined && after === undefined) pastEnd += lead.count;
    else if (after !== undefined && after !== before) moving += lead.count;
  }
  const order = (s: SequenceStage) => SEQUENCE_STAGES.indexOf(s);
  const byStep = [...counts.values()].sort(
    (a, b) => order(a.stage) - order(b.stage) || (a.step ?? Infinity) - (b.step ?? Infinity),
  );
  return { running, byStep, moving, pastEnd, pastEndCovered: next.guarantee !== undefined, stepUnknown };
}

function positionOf(cadence: Cadence, stage: SequenceStage, stepIndex: number): number | undefined {
  const plan = planCadenceOf(cadence, stage);
  return plan ? stepAt(plan, stepIndex) : undefined;
}
