import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Stage } from '../domain/lead.ts';
import type { EventType } from '../domain/scoring.ts';

/** Deal fields a CRM reports; each is optional, an absent one keeps its value. */
export interface DealUpdate {
  stage?: string | undefined;
  amount?: number | undefined;
  probability?: number | undefined;
  /** YYYY-MM-DD */
  expectedCloseDate?: string | undefined;
  ownerEmail?: string | undefined;
}

/**
 * Everything that can happen to a lead from outside, delivered by the one `leadEvent`
 * signal. `eventId` is the source's id: the workflow ignores an id it has seen.
 */
export type LeadEvent =
  | { kind: 'engagement'; eventId: string; type: EventType; occurredAtMs: number }
  | { kind: 'deal_stage_changed'; eventId: string; deal: DealUpdate }
  | { kind: 'deal_won'; eventId: string; deal?: DealUpdate | undefined }
  | { kind: 'deal_lost'; eventId: string; reason?: string | undefined }
  | { kind: 'contract_ended'; eventId: string; reason: string }
  | { kind: 'unsubscribed'; eventId: string }
  | { kind: 'email_bounced'; eventId: string; hard: boolean }
  | { kind: 'do_not_contact'; eventId: string }
  | { kind: 'pause'; eventId: string }
  | { kind: 'resume'; eventId: string }
  /** A marketer moved the lead by hand (`POST /v1/leads/:id/stage`). */
  | { kind: 'stage_moved'; eventId: string; stage: Stage; reason?: string | undefined };

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
export const leadEventSignal = defineSignal<[LeadEvent]>('leadEvent');

/** The lead's live state, straight from the workflow. */
export const leadStateQuery = defineQuery<LeadStateView>('leadState');
