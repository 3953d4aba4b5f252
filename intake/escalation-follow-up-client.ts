import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ESCALATION_ACKED_SIGNAL, escalationFollowUpId } from '../domain/escalation-follow-up.ts';
import { withTemporalDeadline } from './workflow-starts.ts';

/**
 * Tells an escalation's follow-up that it was acknowledged, so it ends now rather than at
 * its next timer. Best effort: the acknowledgement is already stored, and the follow-up
 * reads it before it reminds or hands over, so a lost signal changes nothing a rep sees.
 * An escalation without a follow-up (its cadence has no `escalation.remindAfter`, or it
 * has ended) is the usual case and not an error. Answers whether the signal went out,
 * with the error when it did not for another reason, for the caller to log.
 */
export async function stopFollowUp(
  client: Client,
  escalationId: string,
): Promise<{ signalled: boolean; error?: unknown }> {
  try {
    await withTemporalDeadline(client, () =>
      client.workflow.getHandle(escalationFollowUpId(escalationId)).signal(ESCALATION_ACKED_SIGNAL),
    );
    return { signalled: true };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { signalled: false };
    return { signalled: false, error };
  }
}
