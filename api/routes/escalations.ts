import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ackEscalation, findEscalation, listEscalations, type Escalation, type EscalationWithLead } from '../../db/repositories/escalations.ts';
import { findCadence } from '../../db/repositories/cadences.ts';
import { listTimelineOfKinds } from '../../db/repositories/timeline.ts';
import type { AppDependencies } from '../app.ts';
import { notFound } from '../http-errors.ts';
import { scoreNow } from '../lead-score.ts';
import { IdParams, UUID_PATTERN } from '../schemas.ts';
import { stopFollowUp } from '../escalation-follow-up-client.ts';

/** How many of the engagement events before an escalation its page shows as the reason. */
const RECENT_EVENTS_SHOWN = 10;

const present = (e: Escalation) => ({
  id: e.id,
  leadId: e.leadId,
  kind: e.kind,
  score: Math.round(e.score * 100) / 100,
  ownerEmail: e.ownerEmail,
  createdAt: e.createdAt.toISOString(),
  ackedAt: e.ackedAt?.toISOString() ?? null,
  ackedBy: e.ackedBy,
});

const presentWithLead = (e: EscalationWithLead) => ({
  ...present(e),
  lead: { id: e.lead.id, email: e.lead.email, name: e.lead.name, company: e.lead.company, stage: e.lead.stage, score: scoreNow(e.lead, Date.now()) },
});

/**
 * `GET /v1/escalations` (the sales inbox, each with its lead's name, company and score
 * now), `GET /v1/escalations/:id` (why the lead is hot) and `POST /v1/escalations/:id/ack`.
 */
export const escalationRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal }) => {
  app.get(
    '/v1/escalations',
    { schema: { querystring: Type.Object({ status: Type.Optional(Type.Enum(['open', 'all'])), leadId: Type.Optional(Type.String({ pattern: UUID_PATTERN.source })) }) } },
    async (request) => {
      const items = await listEscalations(db, { open: (request.query.status ?? 'open') === 'open', ...(request.query.leadId ? { leadId: request.query.leadId } : {}) });
      return { items: items.map(presentWithLead) };
    },
  );

  /**
   * Why the lead is hot: the score when it was escalated against the threshold of the
   * cadence the lead runs, and the engagement events up to that moment (the newest
   * {@link RECENT_EVENTS_SHOWN}, with the points each earned and the score it left).
   */
  app.get('/v1/escalations/:id', { schema: { params: IdParams } }, async (request) => {
    const escalation = await findEscalation(db, request.params.id);
    if (!escalation) throw notFound('escalation');
    const cadence = await findCadence(db, escalation.lead.cadenceKey, escalation.lead.cadenceVersion ?? undefined);
    const events = await listTimelineOfKinds(db, escalation.leadId, ['event'], { before: escalation.createdAt, limit: RECENT_EVENTS_SHOWN });
    return {
      ...presentWithLead(escalation),
      threshold: cadence?.definition.scoring?.threshold ?? null,
      acknowledged: escalation.ackedAt !== null,
      recentEvents: events.map((e) => ({ at: e.at.toISOString(), type: e.detail.type ?? null, points: e.detail.points ?? null, score: e.detail.score ?? null, occurredAt: e.detail.occurredAt ?? null })),
    };
  });

  app.post('/v1/escalations/:id/ack', { schema: { params: IdParams } }, async (request) => {
    const escalation = UUID_PATTERN.test(request.params.id) ? await ackEscalation(db, request.params.id, request.caller?.keyId ?? 'unknown') : undefined;
    if (!escalation) throw notFound('escalation');
    await stopFollowUp(temporal.client, escalation.id, request.log);
    return present(escalation);
  });
};
