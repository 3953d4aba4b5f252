import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import { escalationAckedSignal, escalationFollowUpId } from '../workflows/escalation-follow-up.ts';

// Bounded, as every Temporal call from a request is (lifecycle-client.ts).
const DEADLINE_MS = 5000;

/**
 * Tells an escalation's follow-up that it was acknowledged, so it ends now rather than at
 * its next timer. Best effort: the acknowledgement is already stored, and the follow-up
 * reads it before it reminds or hands over, so a lost signal changes nothing a rep sees.
 * An escalation without a follow-up (its cadence has no `escalation.remindAfter`, or it
 * has ended) is the usual case and not an error.
 */
export async function stopFollowUp(client: Client, escalationId: string, log: FastifyBaseLogger): Promise<void> {
  try {
    await client.connection.withDeadline(Date.now() + DEADLINE_MS, () => client.workflow.getHandle(escalationFollowUpId(escalationId)).signal(escalationAckedSignal));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    log.warn({ err: error, escalationId }, 'could not tell the escalation follow-up of its acknowledgement; it will read it from the database');
  }
}
