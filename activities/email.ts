import { ApplicationFailure, log } from '@temporalio/activity';
import { markEmailSent } from '../db/repositories/email-stats.ts';
import { findLeadForTouch } from '../db/repositories/leads.ts';
import { chooseVariant, type Variant } from '../domain/email-variants.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import { consentBlocksEmail } from '../domain/consent.ts';
import { listUnsubscribeHeaders, withComplianceFooter } from '../mail/compliance.ts';
import { InvalidTemplateError, renderEmail } from '../mail/render.ts';
import { ResolvedTemplateCache } from '../mail/template-source.ts';
import { replyAddressFor } from '../mail/reply-address.ts';
import { signToken } from '../mail/tokens.ts';
import { addTracking } from '../mail/tracking-links.ts';
import { emailsFailed, emailsSuppressed, suppressionReasonLabel, touches } from '../observability/metrics.ts';
import { deliverOnce, failDelivery, type DeliveryOutcome } from './deliver-once.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** One email touch to send. */
export interface SendEmailInput {
  leadId: string;
  templateKey: string;
  /** Stable across attempts: see `touchKey` in domain/lead.ts. */
  idempotencyKey: string;
  /**
   * The cadence step the touch runs, for the email report (step null: the monthly guarantee).
   * Absent in workflow histories from before the report; an activity's input is not part of
   * the replayed commands, so adding it needs no patch.
   */
  origin?: { cadenceKey: string; stage: string; step: number | null };
  /** The step's A/B test: the lead gets one of these templates instead of `templateKey` (domain/email-variants.ts). */
  variants?: Variant[];
}

/** What became of a touch; `suppressed`: the address may not receive marketing email. */
export interface SendEmailResult {
  status: DeliveryOutcome | 'suppressed';
  messageId: string;
}

class Suppressed extends Error {
  override readonly name = 'Suppressed';
}

/** Marketing email, exactly once per idempotency key. */
export function createEmailActivities(deps: ActivityDependencies) {
  const { db, templates } = deps;
  const resolvedTemplates = new ResolvedTemplateCache();
  return {
    /**
     * Renders the template's newest version for the lead and sends it once (see
     * deliverOnce). The suppression list is checked right before the SMTP call, so an
     * unsubscribe that lands while the touch is scheduled still stops it.
     */
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      // The lead, this touch's delivery row, the suppression list and the templates'
      // generation in one statement. Then, for a first send, two more: the claim (with the
      // email report's row) and `sent` (with the timeline entry and the report's count).
      const found = await findLeadForTouch(db, input.leadId, input.idempotencyKey);
      if (!found) throw ApplicationFailure.nonRetryable(`lead ${input.leadId} does not exist`, 'LeadNotFound');
      const { lead } = found;
      const { origin } = input;
      // Chosen from the lead and the step alone: every attempt of this activity picks the same one.
      const variant =
        input.variants && origin && origin.step !== null
          ? chooseVariant(input.variants, lead.id, { ...origin, step: origin.step })
          : undefined;
      input = { ...input, templateKey: variant?.template ?? input.templateKey };
      try {
        const result = await deliverOnce(deps, {
          idempotencyKey: input.idempotencyKey,
          leadId: lead.id,
          kind: 'touch',
          templateKey: input.templateKey,
          to: lead.name ? { name: lead.name, address: lead.email } : lead.email,
          existing: found.delivery,
          emailOrigin: {
            cadenceKey: origin?.cadenceKey ?? lead.cadenceKey,
            stage: origin?.stage ?? null,
            step: origin?.step ?? null,
            variantTest: variant !== undefined,
          },
          sentTimeline: ({ subject, messageId }) => ({
            kind: 'email_sent',
            detail: { template: input.templateKey, subject, messageId },
            dedupeKey: `${input.idempotencyKey}/sent`,
          }),
          render: async () => {
            // Read with the lead, before the template and the render: still before the SMTP call.
            const reason = found.suppression ?? consentBlocksEmail(deps.consentRequired === true, lead.consent);
            if (reason !== undefined && reason !== null) throw new Suppressed(reason);
            const resolved = await resolvedTemplates.resolve(
              db,
              input.templateKey,
              lead.locale,
              found.templateGeneration,
            );
            if (!resolved)
              throw ApplicationFailure.nonRetryable(
                `template "${input.templateKey}" does not exist`,
                'TemplateNotFound',
              );
            const { template } = resolved;
            const compiled = await templates.get(resolved.cacheKey, template.version, resolved.content);
            // The delivery in the token: each email's link is its own, so a link that leaked
            // (a forwarded email) names the email it came from. The route reads only the lead,
            // so tokens signed before this carried it still unsubscribe, for years.
            const unsubscribeToken = signToken(deps.appSecret, {
              p: 'unsubscribe',
              l: lead.id,
              d: input.idempotencyKey,
            });
            const unsubscribeUrl = `${deps.publicBaseUrl}/u/${unsubscribeToken}`;
            const rendered = withComplianceFooter(renderEmail(compiled, { lead, unsubscribeUrl }), {
              sender: deps.sender,
              unsubscribeUrl,
              locale: lead.locale,
            });
            // Links become signed click redirects and an open pixel is added; the text part
            // keeps the plain links, which readers of text mail would rather see.
            const html = addTracking(rendered.html, {
              baseUrl: deps.publicBaseUrl,
              secret: deps.appSecret,
              leadId: lead.id,
              deliveryKey: input.idempotencyKey,
            });
            return {
              ...rendered,
              html,
              keptHtml: rendered.html,
              templateVersion: template.version,
              headers: {
                ...listUnsubscribeHeaders(unsubscribeUrl, deps.unsubscribeMailto, unsubscribeToken),
                // A reply goes to an address that names the lead, so it is matched even when
                // the replier's client drops In-Reply-To and References.
                ...(deps.replyAddress === undefined
                  ? {}
                  : { 'Reply-To': replyAddressFor(deps.replyAddress, deps.appSecret, lead.id) }),
              },
            };
          },
        });
        // A message found sent: counted already, unless a worker from before the count joined
        // the `sent` statement stopped between the two (markEmailSent counts once).
        if (result.outcome === 'already-sent') await markEmailSent(db, input.idempotencyKey);
        if (result.outcome === 'sent') touches.inc({ channel: 'email' });
        return { status: result.outcome, messageId: result.messageId };
      } catch (error) {
        if (error instanceof Suppressed) {
          await failDelivery(deps, input.idempotencyKey, `suppressed: ${error.message}`);
          if (
            await appendTimeline(db, {
              leadId: lead.id,
              at: new Date(),
              kind: 'email_skipped',
              detail: { template: input.templateKey, reason: error.message },
              dedupeKey: `${input.idempotencyKey}/skipped`,
            })
          ) {
            emailsSuppressed.inc({ reason: suppressionReasonLabel(error.message) });
            log.info('touch not sent: the address is suppressed', {
              templateKey: input.templateKey,
              reason: error.message,
            });
          }
          return { status: 'suppressed', messageId: '' };
        }
        if (error instanceof InvalidTemplateError) {
          await failDelivery(deps, input.idempotencyKey, error.message);
          emailsFailed.inc({ kind: 'touch', reason: 'invalid_template' });
          log.warn('touch not sent: the template does not render', {
            templateKey: input.templateKey,
            error: error.message,
          });
          throw ApplicationFailure.nonRetryable(error.message, 'InvalidTemplate');
        }
        // Refused for good during the SMTP call: sent, and bounced at once.
        if (error instanceof ApplicationFailure && error.type === 'MailRejected')
          await markEmailSent(db, input.idempotencyKey, true);
        if (error instanceof ApplicationFailure && error.type === 'TemplateNotFound') {
          emailsFailed.inc({ kind: 'touch', reason: 'template_missing' });
          log.warn('touch not sent: the template does not exist', { templateKey: input.templateKey });
        }
        throw error;
      }
    },
  };
}
