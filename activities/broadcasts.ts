import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import type { BroadcastState, SkipReason } from '../domain/broadcasts.ts';
import {
  findBroadcast,
  freezeRecipients,
  markHandedOver,
  pendingRecipients,
  setRecipientDelivery,
  settleRecipient,
  transitionBroadcast,
  type LeadIdPager,
} from '../db/repositories/broadcasts.ts';
import { segmentLeadIdsPage } from '../db/repositories/segments.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import { SegmentNotFound } from '../domain/segment-query.ts';
import { withTransaction } from '../db/transaction.ts';
import { signalOneOffSend } from '../intake/lifecycle-client.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** What a lead's lifecycle records when a broadcast's email to it is settled. */
export interface SettleBroadcastInput {
  broadcastId: string;
  leadId: string;
  name: string;
  template: string;
  status: 'sent' | 'skipped';
  reason?: SkipReason | undefined;
  deliveryKey: string;
  atMs: number;
  /** Why a send failed for good, for the timeline. */
  error?: string | undefined;
}

/** How many leads one hand-over activity signals: a pause or cancel is seen between batches. */
export const HAND_OVER_BATCH = 50;

/** A segment's lead ids page by page, as its query matches them when the broadcast starts. */
const segmentPager =
  (db: ActivityDependencies['db']) =>
  (segmentId: string): LeadIdPager =>
  async (afterLeadId, limit) =>
    (await segmentLeadIdsPage(db, segmentId, afterLeadId, limit)).leadIds;

/** The broadcast workflow's steps and the lead lifecycle's broadcast records. */
export function createBroadcastActivities({ db }: Pick<ActivityDependencies, 'db'>) {
  return {
    /** Freezes the recipient list once (a retry finds it frozen) and answers the broadcast's state. */
    async freezeBroadcastRecipients(broadcastId: string): Promise<{ state: BroadcastState; total: number }> {
      let broadcast;
      try {
        broadcast = await freezeRecipients(db, broadcastId, segmentPager(db));
      } catch (error) {
        if (!(error instanceof SegmentNotFound)) throw error;
        // The segment was deleted before the send time: nobody to send to, ever.
        await transitionBroadcast(db, broadcastId, ['scheduled', 'paused'], 'cancelled');
        throw ApplicationFailure.nonRetryable(error.message, 'SegmentNotFound');
      }
      if (!broadcast)
        throw ApplicationFailure.nonRetryable(`broadcast ${broadcastId} does not exist`, 'BroadcastNotFound');
      return { state: broadcast.state, total: broadcast.total ?? 0 };
    },

    /**
     * Hands the next batch of recipients to their lifecycles, then marks them handed over:
     * in that order, so a worker that dies between the two signals them again on the
     * retry (the lead's workflow ignores the repeat) and never leaves one out. Nothing is
     * handed over unless the broadcast is `sending`.
     */
    async handOverBroadcastBatch(broadcastId: string): Promise<{ handedOver: number; state: BroadcastState }> {
      const broadcast = await findBroadcast(db, broadcastId);
      if (!broadcast)
        throw ApplicationFailure.nonRetryable(`broadcast ${broadcastId} does not exist`, 'BroadcastNotFound');
      if (broadcast.state !== 'sending') return { handedOver: 0, state: broadcast.state };
      const leadIds = await pendingRecipients(db, broadcastId, HAND_OVER_BATCH);
      const context = Context.current();
      const send = { broadcastId, template: broadcast.templateKey, name: broadcast.name };
      for (const leadId of leadIds) {
        heartbeat();
        await signalOneOffSend(context.client, context.info.taskQueue, leadId, send);
      }
      await markHandedOver(db, broadcastId, leadIds);
      return { handedOver: leadIds.length, state: broadcast.state };
    },

    /** A broadcast whose every recipient is handed over is `completed` (unless cancelled meanwhile). */
    async completeBroadcast(broadcastId: string): Promise<void> {
      await transitionBroadcast(db, broadcastId, ['sending'], 'completed');
    },

    /**
     * Asked by a lead's lifecycle right before it sends a broadcast's email: no when the
     * broadcast was cancelled (or is gone). Records the delivery the email goes by, so the
     * report finds it however it ends.
     */
    async claimBroadcastTouch(input: { broadcastId: string; leadId: string; deliveryKey: string }): Promise<{
      go: boolean;
    }> {
      const broadcast = await findBroadcast(db, input.broadcastId);
      if (!broadcast || broadcast.state === 'cancelled') return { go: false };
      await setRecipientDelivery(db, input.broadcastId, input.leadId, input.deliveryKey);
      return { go: true };
    },

    /** Settles a recipient (sent or skipped with its reason) and puts it on the lead's timeline, once. */
    async settleBroadcastRecipient(input: SettleBroadcastInput): Promise<void> {
      await withTransaction(db, async (client) => {
        await settleRecipient(client, {
          broadcastId: input.broadcastId,
          leadId: input.leadId,
          status: input.status,
          reason: input.reason,
          deliveryKey: input.status === 'sent' ? input.deliveryKey : undefined,
        });
        await appendTimeline(client, {
          leadId: input.leadId,
          at: new Date(input.atMs),
          kind: input.status === 'sent' ? 'broadcast_sent' : 'broadcast_skipped',
          detail: {
            broadcastId: input.broadcastId,
            name: input.name,
            template: input.template,
            ...(input.reason ? { reason: input.reason } : {}),
            ...(input.error ? { error: input.error } : {}),
          },
          // Not `/sent`: the email_sent entry of the same delivery has that key.
          dedupeKey: `${input.deliveryKey}/broadcast_${input.status}`,
        });
      });
    },
  };
}
