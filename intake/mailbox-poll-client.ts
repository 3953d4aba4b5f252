import type { Client } from '@temporalio/client';
import { MAILBOX_POLL_WORKFLOW, mailboxPollId } from '../domain/replies.ts';
import { startOnce } from './workflow-starts.ts';

/**
 * Starts the IMAP mailbox poller unless it runs: each worker calls this at start-up when
 * IMAP_URL is set, and the fixed workflow id makes every call after the first a no-op.
 * Answers whether this call started it.
 */
export async function ensureMailboxPoll(client: Client, taskQueue: string, pollSeconds: number): Promise<boolean> {
  return startOnce(client, MAILBOX_POLL_WORKFLOW, {
    taskQueue,
    workflowId: mailboxPollId(taskQueue),
    args: [{ pollSeconds }],
  });
}
