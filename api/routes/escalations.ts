import { ESCALATION_KINDS } from '../../domain/escalation-kinds.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { scoreNow } from '../../domain/scoring.ts';
import {
  ackEscalation,
  findEscalation,
  listEscalations,
  type Escalation,
  type EscalationWithLead,
} from '../../db/repositories/escalations.ts';
import { findCadence } from '../../db/repositories/cadences.ts';
import { listTimelineOfKinds } from '../../db/repositories/timeline.ts';
import type { AppDependencies } from '../dependencies.ts';
import { stopFollowUp } from '../../intake/escalation-follow-up-client.ts';
import { notFound } from '../http-errors.ts';
import { errors, IdParams, Instant, Items, Nullable, UUID_PATTERN } from '../schemas.ts';

/** How many of the engagement events before an escalation its page shows as the reason. */
const RECENT_EVENTS_SHOWN = 10;

/** An escalation: a hot lead handed to sales, or an upsell opportunity. */
const EscalationSchema = Type.Object({
  id: Type.String(),
  leadId: Type.String(),
  kind: Type.Enum([...ESCALATION_KINDS]),
  score: Type.Number({ description: 'the score when the lead was escalated' }),
  ownerEmail: Nullable(Type.String()),
  createdAt: Instant(),
  ackedAt: Nullable(Instant()),
  ackedBy: Nullable(Type.String({ description: 'the id of the key that acknowledged it' })),
});

/** An escalation with its lead, as the sales inbox lists it. */
export const EscalationWithLeadSchema = Type.Object({
  ...EscalationSchema.properties,
  lead: Type.Object({
    id: Type.String(),
    email: Type.String(),
    name: Nullable(Type.String()),
    company: Nullable(Type.String()),
    stage: Type.String(),
    score: Type.Number({ description: 'the score now' }),
  }),
});

/** `GET /v1/escalations`. */
export const EscalationListSchema = Items(EscalationWithLeadSchema);
/** One escalation of the sales inbox, as the console reads it. */
export type EscalationItem = Static<typeof EscalationWithLeadSchema>;
/** `GET /v1/escalations`, as the console reads it. */
export type EscalationList = Static<typeof EscalationListSchema>;

const EscalationDetail = Type.Object({
  ...EscalationWithLeadSchema.properties,
  threshold: Nullable(Type.Number()),
  acknowledged: Type.Boolean(),
  recentEvents: Type.Array(
    Type.Object({
      at: Instant(),
      type: Type.Unknown(),
      points: Type.Unknown(),
      score: Type.Unknown(),
      occurredAt: Type.Unknown(),
    }),
  ),
});

const notFoundHere = errors([404, 'no such escalation']);

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
  lead: {
    id: e.lead.id,
    email: e.lead.email,
    name: e.lead.name,
    company: e.lead.company,
    stage: e.lead.stage,
    score: scoreNow(e.lead, Date.now()),
  },
});

/**
 * `GET /v1/escalations` (the sales inbox, each with its lead's name, company and score
 * now), `GET /v1/escalations/:id` (why the lead is hot) and `POST /v1/escalations/:id/ack`.
 */
export const escalationRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal }) => {
  app.get(
    '/v1/escalations',
    {
      schema: {
        querystring: Type.Object({
          status: Type.Optional(Type.Enum(['open', 'all'])),
          leadId: Type.Optional(Type.String({ pattern: UUID_PATTERN.source })),
        }),
        response: { 200: EscalationListSchema },
      },
    },
    async (request) => {
      const items = await listEscalations(db, {
        open: (request.query.status ?? 'open') === 'open',
        ...(request.query.leadId ? { leadId: request.query.leadId } : {}),
      });
      return { items: items.map(presentWithLead) };
    },
  );

  /**
   * Why the lead is hot: the score when it was escalated against the threshold of the
   * cadence the lead runs, and the engagement events up to that moment (the newest
   * {@link RECENT_EVENTS_SHOWN}, with the points each earned and the score it left).
   */
  app.get(
    '/v1/escalations/:id',
    { schema: { params: IdParams, response: { 200: EscalationDetail, ...notFoundHere } } },
    async (request) => {
      const escalation = await findEscalation(db, request.params.id);
      if (!escalation) throw notFound('escalation');
      const cadence = await findCadence(db, escalation.lead.cadenceKey, escalation.lead.cadenceVersion ?? undefined);
      const events = await listTimelineOfKinds(db, escalation.leadId, ['event'], {
        before: escalation.createdAt,
        limit: RECENT_EVENTS_SHOWN,
      });
      return {
        ...presentWithLead(escalation),
        threshold: cadence?.definition.scoring?.threshold ?? null,
        acknowledged: escalation.ackedAt !== null,
        recentEvents: events.map((e) => ({
          at: e.at.toISOString(),
          type: e.detail.type ?? null,
          points: e.detail.points ?? null,
          score: e.detail.score ?? null,
          occurredAt: e.detail.occurredAt ?? null,
        })),
      };
    },
  );

  app.post(
    '/v1/escalations/:id/ack',
    { schema: { params: IdParams, response: { 200: EscalationSchema, ...notFoundHere } } },
    async (request) => {
      const escalation = UUID_PATTERN.test(request.params.id)
        ? await ackEscalation(db, request.params.id, request.caller?.keyId ?? 'unknown')
        : undefined;
      if (!escalation) throw notFound('escalation');
      const stopped = await stopFollowUp(temporal.client, escalation.id);
      if (stopped.error !== undefined)
        request.log.warn(
          { err: stopped.error, escalationId: escalation.id },
          'could not tell the escalation follow-up of its acknowledgement; it will read it from the database',
        );
      return present(escalation);
    },
  );
};
