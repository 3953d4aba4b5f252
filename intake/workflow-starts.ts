import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowSignalWithStartOptions,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { Workflow, WithWorkflowArgs } from '@temporalio/common';

/**
 * How long one call to Temporal may take. Bounded, so an unreachable Temporal fails the
 * call in seconds (the API answers 503, a webhook's sender retries) instead of holding a
 * request or a pooled connection while gRPC retries.
 */
export const TEMPORAL_DEADLINE_MS = 5000;

/** Runs one Temporal call under {@link TEMPORAL_DEADLINE_MS}. */
export function withTemporalDeadline<T>(client: Client, call: () => Promise<T>): Promise<T> {
  return client.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, call);
}

/**
 * Starts a workflow unless one with its id is already running (or, with
 * `workflowIdReusePolicy: 'REJECT_DUPLICATE'`, ever ran): answers whether this call
 * started it. The callers derive the workflow id from what the workflow is about, so a
 * repeated request or an earlier attempt whose answer was lost starts nothing twice.
 */
export async function startOnce<T extends Workflow>(
  client: Client,
  workflowType: string,
  options: WorkflowStartOptions<T>,
): Promise<boolean> {
  try {
    await withTemporalDeadline(client, () => client.workflow.start<T>(workflowType, options));
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}

/**
 * Delivers a signal to a workflow, starting it first if it is not running: one start at
 * most per workflow id, however many signals race, and no signal lost for a workflow whose
 * start failed earlier.
 */
export async function signalWithStartOnce<T extends Workflow, SA extends unknown[]>(
  client: Client,
  workflowType: string,
  options: WithWorkflowArgs<T, WorkflowSignalWithStartOptions<SA>>,
): Promise<void> {
  await withTemporalDeadline(client, () => client.workflow.signalWithStart<T, SA>(workflowType, options));
}
