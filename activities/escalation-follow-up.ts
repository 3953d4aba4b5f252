import { ApplicationFailure } from '@temporalio/activity';
import { handOverTo } from '../domain/escalation-handover.ts';
import { findEscalation, handOver, markReminded } from '../db/repositories/escalations.ts';
import { findLead, type Lead } from '../db/repositories/leads.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import { renderFollowUpNotice, type FollowUpKind } from '../mail/follow-up-notices.ts';
import { deliverOnce } from './deliver-once.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** One step of an escalation's follow-up, at the time the workflow decided on. */
export interface EscalationFollowUpInput {
  escalationId: string;
  atMs: number;
}

/** Reminders and hand-overs of escalations no rep acknowledged (issue 11, item 6). */
export function createEscalationFollowUpActivities(deps: ActivityDependencies) {
  const { db, salesReps, publicBaseUrl } = deps;

  const escalationOrFail = async (id: string) => {
    const escalation = await findEscalation(db, id);
    if (!escalation) throw ApplicationFailure.nonRetryable(`escalation ${id} does not exist`, 'EscalationNotFound');
    const lead = await findLead(db, escalation.leadId);
    if (!lead) throw ApplicationFailure.nonRetryable(`lead ${escalation.leadId} does not exist`, 'LeadNotFound');
    return { escalation, lead };
  };

  const notice = (lead: Lead, kind: FollowUpKind, to: string, idempotencyKey: string, previousOwner?: string) =>
    deliverOnce(deps, {
      idempotencyKey,
      leadId: lead.id,
      kind: 'notification',
      templateKey: kind === 'escalation_reminder' ? 'notice-escalation-reminder' : 'notice-escalation-handover',
      to,
      render: () =>
        Promise.resolve(
          renderFollowUpNotice({
            kind,
            lead,
            previousOwner,
            actionUrl: `${publicBaseUrl}/inbox`,
            leadUrl: `${publicBaseUrl}/leads/${lead.id}`,
          }),
        ),
    });

  return {
    /**
     * Reminds the escalation's rep once, unless it was acknowledged meanwhile (the
     * database is the authority: an acknowledgement whose signal was lost still counts).
     * Answers whether it was acknowledged, so the workflow can stop.
     */
    async remindEscalation(input: EscalationFollowUpInput): Promise<{ acked: boolean }> {
      const { escalation, lead } = await escalationOrFail(input.escalationId);
      if (escalation.ackedAt !== null) return { acked: true };
      const at = new Date(input.atMs);
      await markReminded(db, escalation.id, at);
      await appendTimeline(db, {
        leadId: lead.id,
        at,
        kind: 'escalation_reminded',
        detail: { escalationId: escalation.id, owner: escalation.ownerEmail },
        dedupeKey: `escalation/${escalation.id}/reminder`,
      });
      if (escalation.ownerEmail)
        await notice(lead, 'escalation_reminder', escalation.ownerEmail, `escalation/${escalation.id}/reminder/email`);
      return { acked: false };
    },

    /**
     * Hands the escalation to the next rep in the rotation (or SALES_MANAGER_EMAIL) once,
     * and tells them; with nobody to hand it to, says so on the lead's timeline.
     */
    async handOverEscalation(input: EscalationFollowUpInput): Promise<{ acked: boolean; to: string | null }> {
      const { escalation, lead } = await escalationOrFail(input.escalationId);
      if (escalation.ackedAt !== null) return { acked: true, to: null };
      const at = new Date(input.atMs);
      const dedupeKey = `escalation/${escalation.id}/handover`;
      const to = handOverTo(salesReps, escalation.ownerEmail, deps.salesManagerEmail);
      if (to === undefined) {
        await appendTimeline(db, {
          leadId: lead.id,
          at,
          kind: 'escalation_unanswered',
          detail: {
            escalationId: escalation.id,
            owner: escalation.ownerEmail,
            reason: 'no other rep and no SALES_MANAGER_EMAIL',
          },
          dedupeKey,
        });
        return { acked: false, to: null };
      }
      const moved = await handOver(db, escalation.id, to, at);
      if (!moved?.to) return { acked: false, to: null };
      await appendTimeline(db, {
        leadId: lead.id,
        at,
        kind: 'escalation_handed_over',
        detail: { escalationId: escalation.id, from: moved.from, to: moved.to },
        dedupeKey,
      });
      await notice(lead, 'escalation_handover', moved.to, `${dedupeKey}/email`, moved.from ?? undefined);
      return { acked: false, to: moved.to };
    },
  };
}
