import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Stage } from '../domain/lead.ts';
import type { LeadEvent } from '../domain/lead-events.ts';
import { LEAD_EVENT_SIGNAL } from '../domain/lead-lifecycle.ts';
import { ONE_OFF_SEND_SIGNAL, type OneOffSend } from '../domain/broadcasts.ts';

/** The lead's live state, as the `leadState` query answers it. */
export interface LeadStateView {
  stage: Stage;
  score: number;
  touches: number;
  nextTouchAt: string | null;
  paused: boolean;
  cadenceKey: string | null;
  cadenceVersion: number | null;
  pendingEvents: number;
  /** Where the lead is in its sequence, for the explain route's planner (absent before the touch planner). */
  plan?: {
    stepIndex: number;
    stepDueAt: string | null;
    stageEnteredAt: string;
    reachedTouches: string[];
    emailSuppressed: boolean;
    doNotContact: boolean;
  };
}

/** Delivers a {@link LeadEvent} to the lead's workflow. */
export const leadEventSignal = defineSignal<[LeadEvent]>(LEAD_EVENT_SIGNAL);

/** The lead's live state, straight from the workflow. */
export const leadStateQuery = defineQuery<LeadStateView>('leadState');

/** Hands a broadcast's email to the lead (workflows/one-off-sends.ts). */
export const oneOffSendSignal = defineSignal<[OneOffSend]>(ONE_OFF_SEND_SIGNAL);
