import { continueAsNew, defineQuery, proxyActivities, setHandler, sleep, workflowInfo, allHandlersFinished, condition } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { addDuration } from '../domain/duration.ts';
import { touchKey, type Stage } from '../domain/lead.ts';

/** What starts a lead's lifecycle, and what continue-as-new carries over. */
export interface LeadLifecycleInput {
  leadId: string;
  /** Carried across continue-as-new; absent on the first run. */
  state?: LeadLifecycleState;
}

/** The live state a query answers and continue-as-new carries. */
export interface LeadLifecycleState {
  stage: Stage;
  /** Touches made so far in this stage: the next touch's number in its idempotency key. */
  touches: number;
  /** Index of the next step in the stage's sequence. */
  stepIndex: number;
  /** The cadence and version the last step was taken from. */
  cadenceKey: string | null;
  cadenceVersion: number | null;
  nextTouchAt: string | null;
}

/** The lead's live state, straight from the workflow. */
export const leadStateQuery = defineQuery<LeadLifecycleState>('leadState');

const { planNextStep, recordNextTouch } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const { sendEmail } = proxyActivities<Activities>({
  // Above the SMTP socket timeout, so a slow server fails the call, not the attempt.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', nonRetryableErrorTypes: ['InvalidTemplate', 'TemplateNotFound', 'LeadNotFound', 'MailRejected'] },
});

/**
 * One lead's whole life. Each nurture step waits its `after` on a durable timer, then
 * touches the lead. The lead's cadence is read again before every step, so a lead moves
 * to a new cadence version, or to another cadence, at its next step and never mid-step.
 */
export async function leadLifecycle(input: LeadLifecycleInput): Promise<void> {
  const { workflowId } = workflowInfo();
  const state: LeadLifecycleState = input.state ?? { stage: 'nurturing', touches: 0, stepIndex: 0, cadenceKey: null, cadenceVersion: null, nextTouchAt: null };
  setHandler(leadStateQuery, () => ({ ...state }));

  for (;;) {
    const { cadence, timezone } = await planNextStep(input.leadId);
    // Another cadence starts from its first step; a new version of the same one continues.
    if (state.cadenceKey !== null && state.cadenceKey !== cadence.key) state.stepIndex = 0;
    state.cadenceKey = cadence.key;
    state.cadenceVersion = cadence.version;
    const { steps, repeat } = cadence.definition.nurture;
    if (state.stepIndex >= steps.length) {
      if (!repeat) break;
      state.stepIndex = 0;
    }
    const step = steps[state.stepIndex];
    if (!step) break;

    const dueAt = addDuration(Date.now(), step.after, timezone);
    state.nextTouchAt = new Date(dueAt).toISOString();
    await recordNextTouch({ leadId: input.leadId, at: state.nextTouchAt });
    await sleep(dueAt - Date.now());

    if (step.channel === 'email' && step.template !== undefined) {
      await sendEmail({
        leadId: input.leadId,
        templateKey: step.template,
        idempotencyKey: touchKey(workflowId, state.stage, state.touches),
      });
    }
    state.touches += 1;
    state.stepIndex += 1;

    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof leadLifecycle>({ ...input, state });
    }
  }

  state.nextTouchAt = null;
  await recordNextTouch({ leadId: input.leadId, at: null });
}
