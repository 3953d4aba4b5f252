import type { Client } from '@temporalio/client';
import { leadWorkflowId } from '../../domain/lead.ts';
import { waitFor } from './services.ts';

/**
 * Waits until the lead's workflow has no activity and no workflow task in flight, and
 * `nothingScheduled` says the lead has no touch planned. Then nothing can send another
 * message until an event arrives: the proof that a message did not come, without a sleep
 * that a loaded machine outlasts. (A send cut by a dead worker is retried after the send
 * activity's 20 s heartbeat timeout: the default wait leaves room for that.)
 */
export async function leadSettled(
  client: Client,
  leadId: string,
  nothingScheduled: () => Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const handle = client.workflow.getHandle(leadWorkflowId(leadId));
  await waitFor(
    async () => {
      const { raw } = await handle.describe();
      return (raw.pendingActivities?.length ?? 0) === 0 && !raw.pendingWorkflowTask && (await nothingScheduled());
    },
    `lead ${leadId}'s workflow to have nothing in flight or scheduled`,
    timeoutMs,
  );
}
