import type { Client } from '@temporalio/client';
import { ONE_OFF_SEND_SIGNAL, type OneOffSend } from '../domain/broadcasts.ts';
import { leadWorkflowId } from '../domain/lead.ts';
import type { LeadEvent } from '../domain/lead-events.ts';
import { LEAD_EVENT_SIGNAL, LEAD_LIFECYCLE_WORKFLOW, type LeadLifecycleWorkflow } from '../domain/lead-lifecycle.ts';
import { signalWithStartOnce, startOnce } from './workflow-starts.ts';

/**
 * Starts the lead's lifecycle workflow unless it already runs. Called on every create or
 * update, so a start that failed earlier (Temporal briefly down) is made by the retry.
 * REJECT_DUPLICATE: a lifecycle that has ended is never started again by a repeated POST.
 */
export async function ensureLifecycleStarted(
  client: Client,
  taskQueue: string,
  lead: { id: string },
): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = leadWorkflowId(lead.id);
  const started = await startOnce<LeadLifecycleWorkflow>(client, LEAD_LIFECYCLE_WORKFLOW, {
    taskQueue,
    workflowId,
    args: [{ leadId: lead.id }],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  return { workflowId, started };
}

/**
 * Delivers an event to the lead's workflow, starting the workflow if it is not running
 * (signal-with-start), so an event for a lead whose start failed is never lost.
 */
export async function signalLead(client: Client, taskQueue: string, leadId: string, event: LeadEvent): Promise<void> {
  await signalWithStartOnce<LeadLifecycleWorkflow, [LeadEvent]>(client, LEAD_LIFECYCLE_WORKFLOW, {
    taskQueue,
    workflowId: leadWorkflowId(leadId),
    args: [{ leadId }],
    signal: LEAD_EVENT_SIGNAL,
    signalArgs: [event],
  });
}

/**
 * Hands a broadcast's email to the lead's workflow (the `oneOffSend` signal), starting the
 * workflow if it is not running. A repeated hand-over is ignored by the workflow.
 */
export async function signalOneOffSend(
  client: Client,
  taskQueue: string,
  leadId: string,
  send: OneOffSend,
): Promise<void> {
  await signalWithStartOnce<LeadLifecycleWorkflow, [OneOffSend]>(client, LEAD_LIFECYCLE_WORKFLOW, {
    taskQueue,
    workflowId: leadWorkflowId(leadId),
    args: [{ leadId }],
    signal: ONE_OFF_SEND_SIGNAL,
    signalArgs: [send],
  });
}
