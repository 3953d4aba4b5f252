// A broadcast (one-off send): one template to a frozen list of leads at a set time, each
// sent through the lead's own lifecycle. The names below are shared by the API, the
// broadcast workflow and the lead lifecycle; the rules for one lead are in one-off-send.ts.

/** The workflow type of a broadcast (the exported name in workflows/broadcast.ts). */
export const BROADCAST_WORKFLOW = 'broadcast';

/** The signal a broadcast workflow takes its pause, resume and cancel by. */
export const BROADCAST_CONTROL_SIGNAL = 'broadcastControl';

/** The signal that hands one broadcast's email to a lead's lifecycle workflow. */
export const ONE_OFF_SEND_SIGNAL = 'oneOffSend';

/** A broadcast's workflow id: one workflow per broadcast, ever. */
export function broadcastWorkflowId(broadcastId: string): string {
  return `broadcast-${broadcastId}`;
}

/**
 * The idempotency key of a broadcast's email to one lead: derived from the lead's workflow
 * and the broadcast alone, so a repeated signal, a retried activity or a restarted worker
 * finds the same delivery row and never sends a second message.
 */
export function broadcastDeliveryKey(leadWorkflowId: string, broadcastId: string): string {
  return `${leadWorkflowId}/broadcast/${broadcastId}`;
}

/** What a broadcast is doing: waiting for its time, handing leads over, held, stopped or done. */
export const BROADCAST_STATES = ['scheduled', 'sending', 'paused', 'cancelled', 'completed'] as const;

/** A broadcast's state. */
export type BroadcastState = (typeof BROADCAST_STATES)[number];

/** What a person may do to a broadcast. */
export type BroadcastAction = 'pause' | 'resume' | 'cancel';

/** What the broadcast workflow is told by the `broadcastControl` signal. */
export interface BroadcastControl {
  action: BroadcastAction;
}

/** What starts a broadcast workflow. */
export interface BroadcastStart {
  broadcastId: string;
  /** When the hand-over starts (epoch ms). */
  sendAtMs: number;
}

/** What a lead's lifecycle is handed by the `oneOffSend` signal. */
export interface OneOffSend {
  broadcastId: string;
  /** The template key, rendered for the lead in its locale as a cadence touch's is. */
  template: string;
  /** The broadcast's name, for the lead's timeline. */
  name: string;
}

/** What became of one recipient: not yet handed over, handed over and waiting, sent, or skipped. */
export const RECIPIENT_STATUSES = ['pending', 'handed_over', 'sent', 'skipped'] as const;

/** A recipient's status. */
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

/** Why a recipient got no email; each is counted apart in a broadcast's progress. */
export const SKIP_REASONS = [
  'stage',
  'do_not_contact',
  'email_suppressed',
  'no_consent',
  'paused',
  'frequency_cap',
  'min_gap',
  'cancelled',
  'send_failed',
  'no_lifecycle',
] as const;

/** A recipient's skip reason. */
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * What each action needs and does: the states it applies in and the state it leads to. A
 * resume leads back to `sending` (to `scheduled` when the recipients were not yet frozen).
 */
export const BROADCAST_ACTIONS: Record<BroadcastAction, { from: readonly BroadcastState[]; to: BroadcastState }> = {
  pause: { from: ['scheduled', 'sending'], to: 'paused' },
  resume: { from: ['paused'], to: 'sending' },
  cancel: { from: ['scheduled', 'sending', 'paused'], to: 'cancelled' },
};
