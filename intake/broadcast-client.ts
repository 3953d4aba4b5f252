import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  BROADCAST_CONTROL_SIGNAL,
  BROADCAST_WORKFLOW,
  broadcastWorkflowId,
  type BroadcastAction,
  type BroadcastControl,
  type BroadcastStart,
} from '../domain/broadcasts.ts';
import { startOnce, withTemporalDeadline } from './workflow-starts.ts';

/** Starts a broadcast's workflow (once: its id is the broadcast's). */
export async function startBroadcastWorkflow(client: Client, taskQueue: string, start: BroadcastStart): Promise<void> {
  await startOnce<(input: BroadcastStart) => Promise<void>>(client, BROADCAST_WORKFLOW, {
    taskQueue,
    workflowId: broadcastWorkflowId(start.broadcastId),
    args: [start],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
}

/**
 * Tells a broadcast's workflow that a person paused, resumed or cancelled it. A workflow
 * that has already finished has nothing left to hold: that is not an error.
 */
export async function signalBroadcastControl(
  client: Client,
  broadcastId: string,
  action: BroadcastAction,
): Promise<void> {
  const handle = client.workflow.getHandle(broadcastWorkflowId(broadcastId));
  try {
    await withTemporalDeadline(client, () => handle.signal<[BroadcastControl]>(BROADCAST_CONTROL_SIGNAL, { action }));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    throw error;
  }
}
