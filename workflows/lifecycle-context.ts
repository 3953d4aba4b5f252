import type { LeadPlan } from '../activities/cadences.ts';
import type { LeadEvent } from '../domain/lead-events.ts';
import type { LeadLifecycleState } from './lead-state.ts';

/** What every part of the lifecycle works on: the lead, its state, the events waiting. */
export interface LifecycleContext {
  leadId: string;
  workflowId: string;
  state: LeadLifecycleState;
  /** Signals received and not yet handled, oldest first. */
  inbox: LeadEvent[];
  /** The cadence as last read; events are scored with it. */
  plan: LeadPlan | null;
  /** Set by an event that changes what the current wait waits for (a deal moved). */
  replan: boolean;
}
