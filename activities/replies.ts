import { ApplicationFailure, log } from '@temporalio/activity';
import { findLead } from '../db/repositories/leads.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import type { ReplyNoticeInput } from '../domain/replies.ts';
import { renderReplyNotice } from '../mail/reply-notice.ts';
import { deliverOnce } from './deliver-once.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** Telling a lead's owner that the lead replied. */
export function createReplyActivities(deps: ActivityDependencies) {
  const { db, salesReps, salesManagerEmail, publicBaseUrl } = deps;
  return {
    /**
     * Emails the reply to the lead's owner once (the deal's owner, else the lead's, else
     * the sales manager, else the first rep: a fixed choice, so a retry writes to the same
     * person), and notes on the timeline who was told. A lead nobody owns gets a
     * `reply_unassigned` entry, for the console to show.
     */
    async notifyReply(input: ReplyNoticeInput): Promise<{ notified: string | null }> {
      const lead = await findLead(db, input.leadId);
      if (!lead) throw ApplicationFailure.nonRetryable(`lead ${input.leadId} does not exist`, 'LeadNotFound');
      const owner = lead.deal?.ownerEmail ?? lead.ownerEmail ?? salesManagerEmail ?? salesReps[0] ?? null;
      if (owner === null) {
        await appendTimeline(db, {
          leadId: lead.id,
          at: new Date(),
          kind: 'reply_unassigned',
          detail: {},
          dedupeKey: `${input.replyKey}/notice`,
        });
        log.warn('reply not notified: the lead has no owner and no rep is configured');
        return { notified: null };
      }
      await deliverOnce(deps, {
        idempotencyKey: `${input.replyKey}/notice`,
        leadId: lead.id,
        kind: 'notification',
        templateKey: 'notice-reply',
        to: owner,
        render: async () =>
          renderReplyNotice({
            lead,
            from: input.from,
            subject: input.subject,
            text: input.text,
            leadUrl: `${publicBaseUrl}/leads/${lead.id}`,
          }),
      });
      await appendTimeline(db, {
        leadId: lead.id,
        at: new Date(),
        kind: 'reply_owner_notified',
        detail: { owner },
        dedupeKey: `${input.replyKey}/notified`,
      });
      return { notified: owner };
    },
  };
}
