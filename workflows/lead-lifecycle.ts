import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LeadLifecycleStart, LeadLifecycleWorkflow } from '../domain/lead-lifecycle.ts';
import { runDealStep, runDormantStep } from './deal-tracking.ts';
import { currentScore } from './lead-event-handling.ts';
import { leadEventSignal, leadStateQuery, oneOffSendSignal } from './lead-events.ts';
import { queueOneOffSend } from './one-off-sends.ts';
import { initialState, type LeadLifecycleState } from './lead-state.ts';
import type { LifecycleContext } from './lifecycle-context.ts';
import { runSequenceStep } from './touches.ts';
import { waitUntil } from './waiting.ts';

/** What starts a lead's lifecycle, and what continue-as-new carries over. */
export interface LeadLifecycleInput extends LeadLifecycleStart {
  /** Carried across continue-as-new; absent on the first run. */
  state?: LeadLifecycleState;
}

/**
 * One lead's whole life, for years: nurturing, deal, customer, dormant, reactivation,
 * closed (DESIGN section 3). Each turn of the loop does one step of the current stage;
 * events arrive by the `leadEvent` signal and are handled between and during waits.
 * A closed lead still listens: a CRM reporting a new deal reopens it.
 */
export async function leadLifecycle(input: LeadLifecycleInput): Promise<void> {
  const ctx: LifecycleContext = {
    leadId: input.leadId,
    workflowId: workflowInfo().workflowId,
    state: input.state ?? initialState(Date.now()),
    inbox: [],
    plan: null,
    replan: false,
  };
  ctx.inbox.push(...ctx.state.inbox);
  ctx.state.inbox = [];
  setHandler(leadEventSignal, (event) => {
    ctx.inbox.push(event);
  });
  setHandler(oneOffSendSignal, (send) => queueOneOffSend(ctx, send));
  setHandler(leadStateQuery, () => ({
    stage: ctx.state.stage,
    score: currentScore(ctx, Date.now()),
    touches: ctx.state.touches,
    nextTouchAt: ctx.state.nextTouchAtMs === null ? null : new Date(ctx.state.nextTouchAtMs).toISOString(),
    paused: ctx.state.paused,
    cadenceKey: ctx.state.cadenceKey,
    cadenceVersion: ctx.state.cadenceVersion,
    pendingEvents: ctx.inbox.length,
    plan: {
      stepIndex: ctx.state.stepIndex,
      stepDueAt: ctx.state.stepDueAtMs == null ? null : new Date(ctx.state.stepDueAtMs).toISOString(),
      stageEnteredAt: new Date(ctx.state.stageEnteredAtMs).toISOString(),
      reachedTouches: ctx.state.recentTouchesMs.map((ms) => new Date(ms).toISOString()),
      emailSuppressed: ctx.state.emailSuppressed,
      doNotContact: ctx.state.doNotContact,
    },
  }));

  for (;;) {
    switch (ctx.state.stage) {
      case 'nurturing':
      case 'customer':
      case 'reactivation':
        await runSequenceStep(ctx, ctx.state.stage);
        break;
      case 'deal':
        await runDealStep(ctx);
        break;
      case 'dormant':
        await runDormantStep(ctx);
        break;
      case 'closed':
        await waitUntil(ctx, null);
        break;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof leadLifecycle>({
        leadId: input.leadId,
        state: { ...ctx.state, inbox: [...ctx.inbox] },
      });
    }
  }
}

// Callers start the workflow by name with a LeadLifecycleStart (domain/lead-lifecycle.ts);
// this type stops compiling if the workflow no longer accepts that.
type Accepts<W extends C, C> = [W, C];
/** The workflow, checked against the signature its callers use. */
export type StartableByCallers = Accepts<typeof leadLifecycle, LeadLifecycleWorkflow>;
