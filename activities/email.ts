import { ApplicationFailure, log } from '@temporalio/activity';
import { claimDelivery, transitionDelivery } from '../db/repositories/deliveries.ts';
import { findLead } from '../db/repositories/leads.ts';
import { findTemplate } from '../db/repositories/templates.ts';
import { InvalidTemplateError, renderEmail, type RenderedEmail } from '../mail/render.ts';
import { messageIdFor } from '../mail/transport.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** One email touch to send. */
export interface SendEmailInput {
  leadId: string;
  templateKey: string;
  /** Stable across attempts: see `touchKey` in domain/lead.ts. */
  idempotencyKey: string;
}

/** What became of a touch: `unknown` means an earlier attempt died mid-send and nothing was resent. */
export interface SendEmailResult {
  status: 'sent' | 'already-sent' | 'unknown';
  messageId: string;
}

/** Email sending, exactly once per idempotency key. */
export function createEmailActivities({ db, mailer, templates, mailFrom }: ActivityDependencies) {
  return {
    /**
     * Renders the template's newest version for the lead and sends it. The delivery row is
     * claimed and moved to `sending` before the SMTP call; an attempt that finds it already
     * `sending` knows an earlier attempt died mid-call and, since it cannot know whether the
     * server accepted the message, does not send again: never a duplicate, by design.
     */
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const lead = await findLead(db, input.leadId);
      if (!lead) throw ApplicationFailure.nonRetryable(`lead ${input.leadId} does not exist`, 'LeadNotFound');
      const messageId = messageIdFor(input.idempotencyKey, mailFrom);
      const delivery = await claimDelivery(db, { ...input, messageId, recipient: lead.email });
      if (delivery.status === 'sent') return { status: 'already-sent', messageId };
      if (delivery.status === 'sending' || delivery.status === 'unknown') {
        await transitionDelivery(db, input.idempotencyKey, 'sending', 'unknown', { error: 'an earlier attempt stopped during the SMTP call; not resent' });
        log.warn('touch not resent: an earlier attempt stopped during the SMTP call', { idempotencyKey: input.idempotencyKey });
        return { status: 'unknown', messageId };
      }
      if (delivery.status === 'failed') throw ApplicationFailure.nonRetryable(delivery.error ?? 'delivery failed', 'DeliveryFailed');

      const template = await findTemplate(db, input.templateKey);
      if (!template) throw ApplicationFailure.nonRetryable(`template "${input.templateKey}" does not exist`, 'TemplateNotFound');
      let rendered: RenderedEmail;
      try {
        const compiled = await templates.get(template.key, template.version, template);
        rendered = renderEmail(compiled, { lead });
      } catch (error) {
        if (error instanceof InvalidTemplateError) {
          await transitionDelivery(db, input.idempotencyKey, 'pending', 'failed', { error: error.message });
          throw ApplicationFailure.nonRetryable(error.message, 'InvalidTemplate');
        }
        throw error;
      }

      const claimed = await transitionDelivery(db, input.idempotencyKey, 'pending', 'sending', {
        subject: rendered.subject,
        templateVersion: template.version,
      });
      if (!claimed) throw new Error(`delivery ${input.idempotencyKey} was taken by a concurrent attempt`);
      try {
        await mailer.sendMail({
          from: mailFrom,
          to: lead.name ? { name: lead.name, address: lead.email } : lead.email,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          messageId,
        });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const message = (error as Error).message;
        if (code !== undefined && code >= 500) {
          await transitionDelivery(db, input.idempotencyKey, 'sending', 'failed', { error: message });
          throw ApplicationFailure.nonRetryable(`the mail server refused the message: ${message}`, 'MailRejected');
        }
        // Refused or cut before the server accepted the message: nothing was delivered, so
        // the touch goes back to pending and Temporal's retry sends it.
        await transitionDelivery(db, input.idempotencyKey, 'sending', 'pending', { error: message });
        throw error;
      }
      await transitionDelivery(db, input.idempotencyKey, 'sending', 'sent');
      return { status: 'sent', messageId };
    },
  };
}
