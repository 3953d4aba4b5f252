import type { IntentKind } from '../domain/intent.ts';
import type { LeadEvent } from '../domain/lead-events.ts';
import { sends } from './activities.ts';
import { followUpEscalation } from './escalation-reminders.ts';
import type { LifecycleContext } from './lifecycle-context.ts';

/**
 * Tells the lead's owner that the lead asked for a meeting or replied: an escalation of
 * `kind`, keyed by the event's id so a redelivered event never notifies twice. The lead's
 * stage does not move: a dormant account waits for the rep or the CRM to say so.
 */
export async function escalateIntent(
  ctx: LifecycleContext,
  kind: IntentKind,
  event: Extract<LeadEvent, { kind: 'engagement' }>,
  score: number,
  nowMs: number,
): Promise<void> {
  const escalation = await sends.escalate({
    leadId: ctx.leadId,
    kind,
    score,
    atMs: nowMs,
    idempotencyKey: `${ctx.workflowId}/intent/${event.eventId}`,
    trigger: event.type,
  });
  await followUpEscalation(ctx, escalation.escalationId, nowMs);
}
