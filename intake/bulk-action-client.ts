import type { Client } from '@temporalio/client';
import { BULK_ACTION_WORKFLOW, bulkActionWorkflowId, type BulkActionInput } from '../domain/bulk-actions.ts';
import { startOnce } from './workflow-starts.ts';

/**
 * Starts the workflow that runs bulk action `bulkActionId` (its id is derived from the
 * action's, so a repeated call starts nothing twice). Answers whether this call started it.
 */
export async function startBulkActionWorkflow(
  client: Client,
  taskQueue: string,
  bulkActionId: string,
  pageSize?: number,
): Promise<boolean> {
  const input: BulkActionInput = { bulkActionId, ...(pageSize === undefined ? {} : { pageSize }) };
  return startOnce(client, BULK_ACTION_WORKFLOW, {
    taskQueue,
    workflowId: bulkActionWorkflowId(bulkActionId),
    args: [input],
  });
}
