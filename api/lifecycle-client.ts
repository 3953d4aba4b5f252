import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { leadWorkflowId } from '../domain/lead.ts';
import type { leadLifecycle } from '../workflows/lead-lifecycle.ts';
import { leadEventSignal, type LeadEvent } from '../workflows/lead-events.ts';

// A bounded wait: an unreachable Temporal answers the HTTP client with a 503 in seconds
// instead of holding the request while gRPC retries.
const DEADLINE_MS = 5000;

/**
 * Starts the lead's lifecycle workflow unless it already runs. Called on every create or
 * update, so a start that failed earlier (Temporal briefly down) is made by the retry.
 * REJECT_DUPLICATE: a lifecycle that has ended is never started again by a repeated POST.
 */
export async function ensureLifecycleStarted(client: Client, taskQueue: string, lead: { id: string }): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = leadWorkflowId(lead.id);
  try {
    await client.connection.withDeadline(Date.now() + DEADLINE_MS, () =>
      client.workflow.start<typeof leadLifecycle>('leadLifecycle', {
        taskQueue,
        workflowId,
        args: [{ leadId: lead.id }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    );
    return { workflowId, started: true };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw error;
  }
}

/**
 * Delivers an event to the lead's workflow, starting the workflow if it is not running
 * (signal-with-start), so an event for a lead whose start failed is never lost.
 */
export async function signalLead(client: Client, taskQueue: string, leadId: string, event: LeadEvent): Promise<void> {
  await client.connection.withDeadline(Date.now() + DEADLINE_MS, () =>
    client.workflow.signalWithStart<typeof leadLifecycle, [LeadEvent]>('leadLifecycle', {
      taskQueue,
      workflowId: leadWorkflowId(leadId),
      args: [{ leadId }],
      signal: leadEventSignal,
      signalArgs: [event],
    }),
  );
}
