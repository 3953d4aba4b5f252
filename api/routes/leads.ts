import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { leadWorkflowId, STAGES } from '../../domain/lead.ts';
import { DEFAULT_HALF_LIFE, scoreHistory } from '../../domain/scoring.ts';
import { findCadence } from '../../db/repositories/cadences.ts';
import { countTouches, countTouchesOf } from '../../db/repositories/deliveries.ts';
import { findLead, listLeads, type Lead } from '../../db/repositories/leads.ts';
import { suppress } from '../../db/repositories/suppressions.ts';
import { listTimeline, listTimelineOfKinds } from '../../db/repositories/timeline.ts';
import type { AppDependencies } from '../app.ts';
import { notFound } from '../http-errors.ts';
import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import { scoreNow } from '../lead-score.ts';
import { intakeLead, LeadBody } from '../lead-intake.ts';
import { signalLead } from '../lifecycle-client.ts';
import { IdParams } from '../schemas.ts';
import { leadStateQuery, type LeadEvent } from '../../workflows/lead-events.ts';

const PROFILE_FIELDS = ['name', 'company', 'department', 'title', 'phone', 'postalAddress', 'source', 'ownerEmail', 'locale', 'timezone', 'externalId'] as const satisfies readonly (keyof Lead)[];


function present(lead: Lead, touches: number) {
  return {
    id: lead.id,
    email: lead.email,
    stage: lead.stage,
    stageEnteredAt: lead.stageEnteredAt.toISOString(),
    score: scoreNow(lead, Date.now()),
    touches,
    nextTouchAt: lead.nextTouchAt?.toISOString() ?? null,
    cadence: lead.cadenceKey,
    // The version its workflow last planned from; null until it has planned a step of this cadence.
    cadenceVersion: lead.cadenceVersion ?? null,
    paused: lead.paused,
    doNotContact: lead.doNotContact,
    workflowId: leadWorkflowId(lead.id),
    // Absent profile fields are null in answers, so clients see every field, always.
    profile: Object.fromEntries(PROFILE_FIELDS.map((field) => [field, lead[field] ?? null])),
    deal:
      lead.deal === null
        ? null
        : {
            ...lead.deal,
            lastMovedAt: lead.deal.lastMovedAt?.toISOString() ?? null,
            // Whole days without movement, as the stalled alert and the pipeline count them.
            daysStalled: lead.deal.status === 'open' ? Math.max(0, Math.floor((Date.now() - (lead.deal.lastMovedAt ?? lead.stageEnteredAt).getTime()) / 86_400_000)) : null,
          },
    contractEndReason: lead.contractEndReason,
    createdAt: lead.createdAt.toISOString(),
    updatedAt: lead.updatedAt.toISOString(),
  };
}

// Lead actions a marketer or rep takes, each delivered to the workflow as an event.
const ACTIONS: Record<string, LeadEvent['kind']> = { pause: 'pause', resume: 'resume', 'do-not-contact': 'do_not_contact' };

/** Leads: create or update, read, timeline, and the pause / resume / do-not-contact actions. */
export const leadRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  const leadOr404 = async (id: string): Promise<Lead> => {
    const lead = await findLead(db, id);
    if (!lead) throw notFound('lead');
    return lead;
  };

  app.post('/v1/leads', { schema: { body: LeadBody } }, async (request, reply) => {
    const { lead, created, workflowId } = await intakeLead(db, temporal.client, config.temporalTaskQueue, request.body);
    return reply.code(created ? 201 : 200).send({ id: lead.id, stage: lead.stage, workflowId });
  });

  app.get(
    '/v1/leads',
    {
      schema: {
        querystring: Type.Object(
          {
            stage: Type.Optional(Type.Enum([...STAGES])),
            scoreMin: Type.Optional(Type.Number()),
            scoreMax: Type.Optional(Type.Number()),
            owner: Type.Optional(Type.String({ maxLength: 254 })),
            cadence: Type.Optional(Type.String({ maxLength: 100 })),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { cursor, limit, ...filter } = request.query;
      const page = await listLeads(db, filter, cursor === undefined ? undefined : decodeCursor(cursor, 'createdAt'), limit ?? 50);
      const touches = await countTouchesOf(db, page.leads.map((lead) => lead.id));
      return {
        items: page.leads.map((lead) => present(lead, touches.get(lead.id) ?? 0)),
        nextCursor: page.next === undefined ? null : encodeCursor(page.next),
      };
    },
  );

  app.get('/v1/leads/:id', { schema: { params: IdParams } }, async (request) => {
    const lead = await leadOr404(request.params.id);
    return present(lead, await countTouches(db, lead.id));
  });

  app.get('/v1/leads/:id/timeline', { schema: { params: IdParams } }, async (request) => {
    const lead = await leadOr404(request.params.id);
    const items = await listTimeline(db, lead.id);
    return { items: items.map((e) => ({ at: e.at.toISOString(), kind: e.kind, detail: e.detail })) };
  });

  /**
   * The score over time for a line chart, recomputed from the engagement events the
   * workflow scored (their recorded points, at the instants it handled them) with the
   * half-life of the cadence version the lead runs, decayed down to now.
   */
  app.get('/v1/leads/:id/score-history', { schema: { params: IdParams } }, async (request) => {
    const lead = await leadOr404(request.params.id);
    const cadence = await findCadence(db, lead.cadenceKey, lead.cadenceVersion ?? undefined);
    const halfLife = cadence?.definition.scoring?.halfLife ?? DEFAULT_HALF_LIFE;
    const events = (await listTimelineOfKinds(db, lead.id, ['event'])).map((e) => ({ atMs: e.at.getTime(), points: Number(e.detail.points ?? 0), type: typeof e.detail.type === 'string' ? e.detail.type : 'event' }));
    const points = scoreHistory(events, { halfLife, timeZone: lead.timezone, nowMs: Date.now(), startMs: Math.min(lead.createdAt.getTime(), events[0]?.atMs ?? Infinity) });
    return {
      threshold: cadence?.definition.scoring?.threshold ?? null,
      halfLife,
      points: points.map((p) => ({ at: new Date(p.atMs).toISOString(), score: p.score, ...(p.event === undefined ? {} : { event: p.event }) })),
    };
  });

  // Live, from the workflow itself: for when the read model's last write is not enough.
  app.get('/v1/leads/:id/state', { schema: { params: IdParams } }, async (request) => {
    const lead = await leadOr404(request.params.id);
    const handle = temporal.client.workflow.getHandle(leadWorkflowId(lead.id));
    return temporal.client.connection.withDeadline(Date.now() + 5000, () => handle.query(leadStateQuery));
  });

  for (const [action, kind] of Object.entries(ACTIONS)) {
    app.post(`/v1/leads/:id/${action}`, { schema: { params: IdParams } }, async (request, reply) => {
      const lead = await leadOr404(request.params.id);
      // The suppression stops a send already under way; the signal stops every later touch.
      if (kind === 'do_not_contact') await suppress(db, lead.email, 'do not contact');
      await signalLead(temporal.client, config.temporalTaskQueue, lead.id, { kind, eventId: `api-${action}-${randomUUID()}` } as LeadEvent);
      return reply.code(202).send({ accepted: true, action });
    });
  }
};
