import { ApplicationFailure, log } from '@temporalio/activity';
import type { CrmProvider } from '../domain/crm-provider.ts';
import type { EscalationKind } from '../domain/escalation-kinds.ts';
import type { DealKind } from '../domain/deals.ts';
import { applyDealReport, openDealRow } from '../db/repositories/deals.ts';
import { withTransaction } from '../db/transaction.ts';
import { chatNotified, createEscalationOnce, markChatNotified, nextRep } from '../db/repositories/escalations.ts';
import { findLead, updateDeal, type Lead } from '../db/repositories/leads.ts';
import { appendTimeline, listTimeline } from '../db/repositories/timeline.ts';
import { renderNotification, type AccountNotice, type NotificationKind } from '../mail/notifications.ts';
import { accountContacts, accountOfLead } from '../db/repositories/accounts.ts';
import { InvalidTemplateError, renderEmail } from '../mail/render.ts';
import { resolveTemplate } from '../mail/template-source.ts';
import { escalations } from '../observability/metrics.ts';
import { deliverOnce } from './deliver-once.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** The editable template of each rep notice (templates/ja|en/notice-*.mjml). */
const NOTICE_TEMPLATES: Record<NotificationKind, string> = {
  sales_escalation: 'notice-sales-escalation',
  upsell_escalation: 'notice-upsell-escalation',
  deal_stalled: 'notice-deal-stalled',
  close_date_passed: 'notice-close-date-passed',
  reactivation_intent: 'notice-reactivation-intent',
  repeat_intent: 'notice-repeat-intent',
};

/** How many of the account's other contacts an escalation notice lists (best score first). */
const ACCOUNT_CONTACTS_SHOWN = 10;

/** The notice each escalation kind sends its owner. */
const ESCALATION_NOTICES: Record<EscalationKind, NotificationKind> = {
  sales: 'sales_escalation',
  upsell: 'upsell_escalation',
  reactivation: 'reactivation_intent',
  repeat_intent: 'repeat_intent',
};

const CHAT_HEADLINES: Record<EscalationKind, string> = {
  sales: 'Hot lead',
  upsell: 'Upsell opportunity',
  reactivation: 'Former customer asking',
  repeat_intent: 'Hot lead asking again',
};

/** A lead over its threshold: hand it to sales (or its account owner, for upsell). */
export interface EscalateInput {
  leadId: string;
  kind: EscalationKind;
  score: number;
  atMs: number;
  idempotencyKey: string;
  /** The engagement event that showed intent (`meeting_request`, `reply`), for intent escalations. */
  trigger?: string;
  /**
   * The kind of the deal a sales escalation opens (`new` or `reactivation`); absent in
   * histories from before deals had kinds: then the lead's stage decides.
   */
  dealKind?: DealKind | undefined;
}

/** A deal that needs its owner's attention. */
export interface DealAlertInput {
  leadId: string;
  alert: 'deal_stalled' | 'close_date_passed';
  daysStalled: number;
  atMs: number;
  idempotencyKey: string;
}

/** Escalations and deal alerts: a record, an email to the rep, a chat message. */
export function createEscalationActivities(deps: ActivityDependencies) {
  const { db, salesReps, salesWebhookUrl, publicBaseUrl, templates } = deps;

  async function leadOrFail(leadId: string): Promise<Lead> {
    const lead = await findLead(db, leadId);
    if (!lead) throw ApplicationFailure.nonRetryable(`lead ${leadId} does not exist`, 'LeadNotFound');
    return lead;
  }

  async function notifyRep(
    lead: Lead,
    kind: NotificationKind,
    to: string,
    score: number,
    idempotencyKey: string,
    daysStalled?: number,
    withAccount = false,
  ): Promise<void> {
    const recent = (await listTimeline(db, lead.id)).slice(-10);
    const leadUrl = `${publicBaseUrl}/leads/${lead.id}`;
    // An escalation shows the rep the lead's colleagues at the same company (docs/accounts.md).
    const account = withAccount ? await accountNotice(lead.id) : undefined;
    const templateKey = NOTICE_TEMPLATES[kind];
    await deliverOnce(deps, {
      idempotencyKey,
      leadId: lead.id,
      kind: 'notification',
      templateKey,
      to,
      // The marketers' editable notice template when there is one (shipped ja and en),
      // else the built-in text, so a deleted or broken template never silences an alert.
      render: async () => {
        try {
          const resolved = await resolveTemplate(db, templateKey, lead.locale);
          if (resolved) {
            const compiled = await templates.get(resolved.cacheKey, resolved.template.version, resolved.content);
            const data = {
              lead,
              score: Math.round(score),
              daysStalled: daysStalled ?? 0,
              leadUrl,
              recent: recent.map((e) => ({ at: e.at.toISOString(), kind: e.kind, detail: JSON.stringify(e.detail) })),
              account,
            };
            return { ...renderEmail(compiled, data), templateVersion: resolved.template.version };
          }
        } catch (error) {
          if (!(error instanceof InvalidTemplateError)) throw error;
          log.warn('notice template does not compile; sending the built-in notice', {
            templateKey,
            error: error.message,
          });
        }
        return renderNotification({ kind, lead, score, recent, leadUrl, daysStalled, account });
      },
    });
  }

  async function accountNotice(leadId: string): Promise<AccountNotice | undefined> {
    const account = await accountOfLead(db, leadId);
    if (!account) return undefined;
    const contacts = (await accountContacts(db, account.id, leadId)).slice(0, ACCOUNT_CONTACTS_SHOWN);
    return {
      name: account.name,
      url: `${publicBaseUrl}/accounts/${account.id}`,
      contacts: contacts.map((c) => ({
        name: c.name,
        email: c.email,
        title: c.title,
        department: c.department,
        stage: c.stage,
        score: Math.round(c.score),
        url: `${publicBaseUrl}/leads/${c.id}`,
      })),
    };
  }

  async function postToChat(text: string): Promise<void> {
    if (salesWebhookUrl === undefined) return;
    const response = await fetch(salesWebhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`chat webhook answered ${response.status}`);
  }

  return {
    /**
     * Records the escalation once, assigns the owner (the lead's, else the next rep in the
     * round-robin), emails them once and posts to the chat webhook. For sales, the lead's
     * deal opens with that owner. Answers which CRM (if any) takes the deal.
     */
    async escalate(
      input: EscalateInput,
    ): Promise<{ escalationId: string; ownerEmail: string | null; crmProvider: CrmProvider | null }> {
      const lead = await leadOrFail(input.leadId);
      const at = new Date(input.atMs);
      const owner = lead.ownerEmail ?? (await nextRep(db, salesReps)) ?? null;
      const escalation = await createEscalationOnce(db, {
        idempotencyKey: input.idempotencyKey,
        leadId: lead.id,
        kind: input.kind,
        score: input.score,
        ownerEmail: owner,
        at,
      });
      // A sales escalation opens a new deal (nothing of an earlier, lost one carried over);
      // an upsell one opens an upsell deal where a CRM will hold it. The escalation's key is
      // the deal's, so a retry opens nothing twice. An intent escalation (a customer's meeting
      // request or reply) only tells the owner: the workflow keeps no deal for it, so none opens.
      const upsellDeal = input.kind === 'upsell' && input.trigger === undefined && deps.crm?.deals !== undefined;
      if (input.kind === 'sales' || upsellDeal) {
        await withTransaction(db, async (client) => {
          const kind: DealKind =
            input.kind === 'upsell'
              ? 'upsell'
              : (input.dealKind ?? (lead.stage === 'reactivation' ? 'reactivation' : 'new'));
          const deal = await openDealRow(client, {
            leadId: lead.id,
            key: input.idempotencyKey,
            kind,
            at,
            mirror: input.kind === 'sales',
          });
          if (escalation.ownerEmail)
            await applyDealReport(client, deal.id, {
              status: 'open',
              deal: { ownerEmail: escalation.ownerEmail },
              at,
              moved: false,
              dedupeKey: `${input.idempotencyKey}/owner`,
            });
          if (input.kind === 'sales')
            await updateDeal(client, lead.id, {
              status: 'open',
              lastMovedAt: at,
              ...(escalation.ownerEmail ? { ownerEmail: escalation.ownerEmail } : {}),
            });
        });
      }
      if (
        await appendTimeline(db, {
          leadId: lead.id,
          at,
          kind: 'escalated',
          detail: {
            escalationId: escalation.id,
            kind: input.kind,
            score: Math.round(input.score),
            owner: escalation.ownerEmail,
            ...(input.trigger === undefined ? {} : { trigger: input.trigger }),
          },
          dedupeKey: input.idempotencyKey,
        })
      ) {
        escalations.inc({ kind: input.kind });
        log.info('lead escalated', { escalationId: escalation.id, kind: input.kind, owner: escalation.ownerEmail });
      }
      const kind = ESCALATION_NOTICES[input.kind];
      if (escalation.ownerEmail)
        await notifyRep(
          lead,
          kind,
          escalation.ownerEmail,
          input.score,
          `${input.idempotencyKey}/email`,
          undefined,
          true,
        );
      if (salesWebhookUrl !== undefined && !(await chatNotified(db, escalation.id))) {
        const who = [lead.company, lead.name ?? lead.email].filter(Boolean).join(' ');
        await postToChat(
          `${CHAT_HEADLINES[input.kind]}${input.trigger === undefined ? '' : ` (${input.trigger})`}: ${who} (score ${Math.round(input.score)}) → ${escalation.ownerEmail ?? 'unassigned'} ${publicBaseUrl}/leads/${lead.id}`,
        );
        await markChatNotified(db, escalation.id);
      }
      // Tells the workflow, through its history, whether a CRM deal is to be made.
      return {
        escalationId: escalation.id,
        ownerEmail: escalation.ownerEmail,
        crmProvider: deps.crm?.deals?.provider ?? null,
      };
    },

    /** Tells the deal's owner that the deal has stalled or passed its expected close date. */
    async sendDealAlert(input: DealAlertInput): Promise<void> {
      const lead = await leadOrFail(input.leadId);
      const at = new Date(input.atMs);
      const owner = lead.deal?.ownerEmail ?? lead.ownerEmail ?? (await nextRep(db, salesReps)) ?? null;
      const fresh = await appendTimeline(db, {
        leadId: lead.id,
        at,
        kind: input.alert,
        detail: { daysStalled: input.daysStalled, owner, expectedCloseDate: lead.deal?.expectedCloseDate ?? null },
        dedupeKey: input.idempotencyKey,
      });
      if (owner)
        await notifyRep(lead, input.alert, owner, lead.score, `${input.idempotencyKey}/email`, input.daysStalled);
      if (fresh) {
        const who = [lead.company, lead.name ?? lead.email].filter(Boolean).join(' ');
        await postToChat(
          input.alert === 'deal_stalled'
            ? `Stalled deal: ${who}, no movement for ${input.daysStalled} days`
            : `Close date passed: ${who} (${lead.deal?.expectedCloseDate ?? ''})`,
        );
      }
    },
  };
}
