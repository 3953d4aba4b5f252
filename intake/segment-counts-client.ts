import type { Client } from '@temporalio/client';
import { SEGMENT_COUNTS_WORKFLOW, segmentCountsId } from '../domain/segment-counts.ts';
import { startOnce } from './workflow-starts.ts';

/**
 * Starts the daily segment count unless it runs: each worker calls this at start-up, and
 * the fixed workflow id makes every call after the first a no-op. Answers whether this
 * call started it.
 */
export async function ensureSegmentCounts(client: Client, taskQueue: string): Promise<boolean> {
  return startOnce(client, SEGMENT_COUNTS_WORKFLOW, { taskQueue, workflowId: segmentCountsId(taskQueue), args: [] });
}
