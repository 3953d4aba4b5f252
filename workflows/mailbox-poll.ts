import { continueAsNew, sleep } from '@temporalio/workflow';
import { mailbox } from './activities.ts';

/** How the poller is started: the interval between polls, in seconds (IMAP_POLL_SECONDS). */
export interface MailboxPollInput {
  pollSeconds: number;
}

// Polls per run before continuing as new: keeps the history short (three events a poll).
const POLLS_PER_RUN = 500;

/**
 * Reads the IMAP mailbox for replies every `pollSeconds`, for ever: one workflow per
 * task queue (its id is fixed by the queue), so however many workers run, one poll runs
 * at a time, a poll whose worker died is retried by another, and an IMAP server that is
 * down is retried with backoff, visibly, in Temporal's UI.
 */
export async function mailboxPoll(input: MailboxPollInput): Promise<void> {
  for (let i = 0; i < POLLS_PER_RUN; i++) {
    await mailbox.pollMailbox();
    await sleep(input.pollSeconds * 1000);
  }
  await continueAsNew<typeof mailboxPoll>(input);
}
