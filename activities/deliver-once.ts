import { ApplicationFailure, heartbeat, log } from '@temporalio/activity';
import {
  claimDelivery,
  claimForSending,
  findDelivery,
  markSent,
  transitionDelivery,
  type Delivery,
} from '../db/repositories/deliveries.ts';
import type { EmailOrigin } from '../db/repositories/email-stats.ts';
import type { RenderedEmail } from '../mail/render.ts';
import { messageIdFor } from '../mail/transport.ts';
import { emailsFailed, emailsSent } from '../observability/metrics.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** What became of a message: `unknown` means an earlier attempt died mid-send and nothing was resent. */
export type DeliveryOutcome = 'sent' | 'already-sent' | 'unknown';

/** One message to deliver exactly once. */
export interface OnceMessage {
  idempotencyKey: string;
  leadId: string;
  kind: 'touch' | 'notification';
  templateKey: string;
  to: string | { name: string; address: string };
  /**
   * Rendered lazily: a retry that finds the message sent does not render again.
   * `keptHtml` is the HTML to keep on the delivery row when it differs from the HTML sent
   * (a touch's, before tracking was added: reading it in the console must not count).
   */
  render: () => Promise<
    RenderedEmail & { templateVersion?: number; headers?: Record<string, string>; keptHtml?: string }
  >;
  /**
   * The delivery row as the caller already read it in its own query (null: none yet), so
   * it is not read again; read here when left out.
   */
  existing?: Pick<Delivery, 'status' | 'error'> | null;
  /**
   * A marketing email's origin for the email report: recorded by the claim's statement and
   * counted as sent by the `sent` one, so a send costs no statement of its own for the report.
   */
  emailOrigin?: EmailOrigin;
  /** The lead's timeline entry for a sent message, written in the same statement as `sent`. */
  sentTimeline?: (sent: { subject: string; messageId: string }) => {
    kind: string;
    detail: Record<string, unknown>;
    dedupeKey: string;
  };
}

/**
 * The exactly-once send path shared by marketing touches and rep notifications. The
 * delivery row is claimed and moved to `sending` before the SMTP call; an attempt that
 * finds it already `sending` knows an earlier attempt died mid-call and, since it cannot
 * know whether the server accepted the message, does not send again: never a duplicate.
 */
export async function deliverOnce(
  deps: Pick<ActivityDependencies, 'db' | 'mailer' | 'mailFrom'>,
  message: OnceMessage,
): Promise<{ outcome: DeliveryOutcome; messageId: string; subject?: string }> {
  const { db, mailer, mailFrom } = deps;
  const messageId = messageIdFor(message.idempotencyKey, mailFrom);
  const recipient = typeof message.to === 'string' ? message.to : message.to.address;
  const claim = {
    idempotencyKey: message.idempotencyKey,
    leadId: message.leadId,
    templateKey: message.templateKey,
    messageId,
    recipient,
    kind: message.kind,
  };
  // Three statements on the way of a first attempt (read, claim as `sending`, mark `sent`),
  // two when the caller read the row with its own: the claim and the move to `sending` are
  // one upsert that only a new or `pending` row lets through.
  const delivery = message.existing === undefined ? await findDelivery(db, message.idempotencyKey) : message.existing;
  if (delivery) {
    if (delivery.status === 'sent') return { outcome: 'already-sent', messageId };
    if (delivery.status === 'sending' || delivery.status === 'unknown') {
      if (
        await transitionDelivery(db, message.idempotencyKey, 'sending', 'unknown', {
          error: 'an earlier attempt stopped during the SMTP call; not resent',
        })
      ) {
        emailsFailed.inc({ kind: message.kind, reason: 'unknown' });
      }
      log.warn('message not resent: an earlier attempt stopped during the SMTP call', {
        idempotencyKey: message.idempotencyKey,
      });
      return { outcome: 'unknown', messageId };
    }
    if (delivery.status === 'failed')
      throw ApplicationFailure.nonRetryable(delivery.error ?? 'delivery failed', 'DeliveryFailed');
  }

  let rendered: Awaited<ReturnType<OnceMessage['render']>>;
  try {
    rendered = await message.render();
  } catch (error) {
    // A message that cannot be rendered (suppressed, a broken template) still gets its row,
    // `pending`, for the caller to mark failed (failDelivery) as the reason it never went.
    if (!delivery) await claimDelivery(db, claim);
    throw error;
  }
  const claimed = await claimForSending(db, {
    ...claim,
    subject: rendered.subject,
    html: rendered.keptHtml ?? rendered.html,
    text: rendered.text,
    templateVersion: rendered.templateVersion,
    emailOrigin: message.emailOrigin,
  });
  if (!claimed) throw new Error(`delivery ${message.idempotencyKey} was taken by a concurrent attempt`);
  // Heartbeats while the SMTP call runs: if this worker dies mid-send, Temporal notices
  // within the heartbeat timeout instead of the whole start-to-close timeout.
  const beat = setInterval(() => heartbeat(), 2000);
  try {
    await mailer.sendMail({
      from: mailFrom,
      to: message.to,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      messageId,
      ...(rendered.headers ? { headers: rendered.headers } : {}),
    });
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    const text = (error as Error).message;
    if (code !== undefined && code >= 500) {
      await transitionDelivery(db, message.idempotencyKey, 'sending', 'failed', { error: text });
      emailsFailed.inc({ kind: message.kind, reason: 'rejected' });
      log.warn('the mail server refused the message', {
        idempotencyKey: message.idempotencyKey,
        smtpCode: code,
        error: text,
      });
      throw ApplicationFailure.nonRetryable(`the mail server refused the message: ${text}`, 'MailRejected');
    }
    // Refused or cut before the server accepted the message: nothing was delivered, so
    // the row goes back to pending and Temporal's retry sends it.
    await transitionDelivery(db, message.idempotencyKey, 'sending', 'pending', { error: text });
    emailsFailed.inc({ kind: message.kind, reason: 'smtp_transient' });
    log.warn('send failed before the server accepted the message; Temporal retries it', {
      idempotencyKey: message.idempotencyKey,
      error: text,
    });
    throw error;
  } finally {
    clearInterval(beat);
  }
  await markSent(
    db,
    message.idempotencyKey,
    message.sentTimeline && {
      leadId: message.leadId,
      ...message.sentTimeline({ subject: rendered.subject, messageId }),
    },
    { countEmail: message.emailOrigin !== undefined },
  );
  emailsSent.inc({ kind: message.kind });
  log.info('email sent', { kind: message.kind, templateKey: message.templateKey, messageId });
  return { outcome: 'sent', messageId, subject: rendered.subject };
}

/** Marks a claimed delivery failed for a reason found before sending (a template that does not compile). */
export async function failDelivery(
  deps: Pick<ActivityDependencies, 'db'>,
  idempotencyKey: string,
  reason: string,
): Promise<void> {
  await transitionDelivery(deps.db, idempotencyKey, 'pending', 'failed', { error: reason });
}
