import { createHash } from 'node:crypto';
import { recordEvent } from '../db/repositories/events.ts';
import { findLead } from '../db/repositories/leads.ts';
import { deliveryAnswered } from '../db/repositories/replies.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import { withTransaction } from '../db/transaction.ts';
import {
  isAutoReply,
  referencedMessageIds,
  REPLY_NOTICE_WORKFLOW,
  replyText,
  type ReplyNoticeWorkflow,
} from '../domain/replies.ts';
import type { InboundMessage } from '../mail/inbound-message.ts';
import { leadOfReplyAddress } from '../mail/reply-address.ts';
import type { IntakeDependencies } from './dependencies.ts';
import { signalLead } from './lifecycle-client.ts';
import { startOnce } from './workflow-starts.ts';

/** Where a reply came from. */
export type ReplySource = 'sendgrid' | 'mailgun' | 'imap';

/** What became of an incoming message. */
export type ReplyOutcome =
  /** Not a reply to the engine's email (no known Message-ID, no valid reply token): ignored. */
  | { outcome: 'unmatched' }
  /** Seen before (the same Message-ID): no second effect. */
  | { outcome: 'duplicate'; leadId: string }
  /** An automatic answer: on the timeline, neither scored nor pausing. */
  | { outcome: 'auto_reply'; leadId: string }
  /** A person's reply: scored, on the timeline, the cadence paused, the owner told. */
  | { outcome: 'reply'; leadId: string };

/** What reply intake needs besides the read model and Temporal: how reply addresses are signed. */
export interface ReplyIntakeDependencies extends IntakeDependencies {
  appSecret: string;
  replyAddress: string | undefined;
}

/** The lead a message answers: by the Message-IDs it refers to, else by a signed reply address. */
async function leadAnswered(
  deps: ReplyIntakeDependencies,
  message: InboundMessage,
): Promise<{ leadId: string; templateKey: string | null } | undefined> {
  const delivery = await deliveryAnswered(deps.db, referencedMessageIds(message.headers));
  if (delivery) return { leadId: delivery.leadId, templateKey: delivery.templateKey };
  if (deps.replyAddress === undefined) return undefined;
  for (const recipient of message.recipients) {
    const leadId = leadOfReplyAddress(deps.replyAddress, deps.appSecret, recipient);
    if (leadId !== undefined && (await findLead(deps.db, leadId))) return { leadId, templateKey: null };
  }
  return undefined;
}

/** The reply notice workflow's id: one per reply, so a retried intake notifies once. */
export const replyNoticeId = (replyKey: string): string =>
  `reply-notice-${createHash('sha256').update(replyKey).digest('hex').slice(0, 32)}`;

/**
 * Takes one incoming message. A reply to the engine's email becomes a `reply` event
 * through the path every engagement event takes (recorded, then the lead's workflow
 * scores it), a `reply_received` timeline entry with its text (quote trimmed, bounded),
 * a pause of the lead's cadence (the existing pause, which a person lifts with resume),
 * and a notice to the lead's owner (a small workflow of its own, exactly once). An
 * automatic answer is recorded and shown, nothing more. All of it in one transaction with
 * the signals, so an accepted reply is never half taken, and the message's own
 * Message-ID keeps a redelivered one from counting twice.
 */
export async function acceptReply(
  deps: ReplyIntakeDependencies,
  message: InboundMessage,
  source: ReplySource,
): Promise<ReplyOutcome> {
  const answered = await leadAnswered(deps, message);
  if (!answered) return { outcome: 'unmatched' };
  const { leadId } = answered;
  const replyKey = `reply:${
    message.messageId ??
    createHash('sha256')
      .update(JSON.stringify([message.from, message.subject, message.date?.toISOString(), message.text]))
      .digest('hex')
  }`;
  const auto = isAutoReply(message.headers, message.subject);
  const now = new Date();
  // A Date header in the future (a wrong clock) is not believed; one in the past is when it was written.
  const occurredAt = message.date && message.date.getTime() <= now.getTime() ? message.date : now;
  const text = replyText(message.text);
  const subject = message.subject.slice(0, 300);
  return withTransaction(deps.db, async (tx) => {
    const rowId = await recordEvent(tx, {
      leadId,
      type: auto ? 'auto_reply' : 'reply',
      occurredAt,
      sourceId: replyKey,
    });
    if (rowId === undefined) return { outcome: 'duplicate', leadId };
    await appendTimeline(tx, {
      leadId,
      at: now,
      kind: auto ? 'auto_reply_received' : 'reply_received',
      detail: {
        from: message.from ?? null,
        subject,
        text,
        source,
        template: answered.templateKey,
        occurredAt: occurredAt.toISOString(),
      },
      dedupeKey: replyKey,
    });
    if (auto) return { outcome: 'auto_reply', leadId };
    await signalLead(deps.temporal, deps.taskQueue, leadId, {
      kind: 'engagement',
      eventId: replyKey,
      type: 'reply',
      occurredAtMs: occurredAt.getTime(),
    });
    await signalLead(deps.temporal, deps.taskQueue, leadId, { kind: 'pause', eventId: `${replyKey}/pause` });
    await startOnce<ReplyNoticeWorkflow>(deps.temporal, REPLY_NOTICE_WORKFLOW, {
      taskQueue: deps.taskQueue,
      workflowId: replyNoticeId(replyKey),
      args: [{ leadId, replyKey, from: message.from ?? null, subject, text }],
    });
    return { outcome: 'reply', leadId };
  });
}
