import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { isTimeZone } from '../../domain/cadence.ts';
import { CONTACT_HEALTH } from '../../domain/contact-health.ts';
import { leadWorkflowId, STAGES } from '../../domain/lead.ts';
import { DOCUMENTED_TIME_ZONE } from '../../domain/time-zones.ts';
import { DEFAULT_HALF_LIFE, scoreHistory, scoreNow } from '../../domain/scoring.ts';
import { findCadence } from '../../db/repositories/cadences.ts';
import { countTouches, countTouchesOf } from '../../db/repositories/deliveries.ts';
import type { Queryable } from '../../db/pool.ts';
import { findLead, listLeads, type Lead, type LeadCursor } from '../../db/repositories/leads.ts';
import { suppress } from '../../db/repositories/suppressions.ts';
import { listTimeline, listTimelineOfKinds } from '../../db/repositories/timeline.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound, unprocessable } from '../http-errors.ts';
import { CURSOR_PATTERN, decodeCursor, encodeCursor } from '../page-cursor.ts';
import { CustomFieldValueSchema, intakeLead, LeadBody } from '../../intake/lead-intake.ts';
import { signalLead } from '../../intake/lifecycle-client.ts';
import { logAboutLead } from '../plugins/lead-log-context.ts';
import { errors, IdParams, Instant, Items, Nullable, PostalAddressSchema } from '../schemas.ts';
import type { LeadEvent } from '../../domain/lead-events.ts';
import { withTemporalDeadline } from '../../intake/workflow-starts.ts';
import { leadStateQuery } from '../../workflows/lead-events.ts';

const PROFILE_FIELDS = [
  'name',
  'company',
  'department',
  'title',
  'phone',
  'postalAddress',
  'source',
  'ownerEmail',
  'locale',
  'timezone',
  'externalId',
] as const satisfies readonly (keyof Lead)[];

const Text = Nullable(Type.String());

/** A lead as the API answers it. */
export const LeadSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  stage: Type.Enum([...STAGES]),
  stageEnteredAt: Instant(),
  score: Type.Number({ description: 'the engagement score now, decayed' }),
  touches: Type.Integer(),
  nextTouchAt: Nullable(Instant()),
  cadence: Type.String(),
  cadenceVersion: Nullable(Type.Integer({ description: 'the version its workflow last planned from' })),
  paused: Type.Boolean(),
  doNotContact: Type.Boolean(),
  workflowId: Type.String(),
  profile: Type.Object({
    name: Text,
    company: Text,
    department: Text,
    title: Text,
    phone: Text,
    postalAddress: Nullable(PostalAddressSchema),
    source: Text,
    ownerEmail: Text,
    locale: Nullable(Type.Enum(['ja', 'en'])),
    timezone: Text,
    externalId: Text,
  }),
  deal: Nullable(
    Type.Object({
      status: Type.Enum(['open', 'won', 'lost']),
      stage: Text,
      amount: Nullable(Type.Number()),
      probability: Nullable(Type.Number()),
      expectedCloseDate: Nullable(Type.String({ format: 'date' })),
      ownerEmail: Text,
      lastMovedAt: Nullable(Instant()),
      daysStalled: Nullable(Type.Integer({ description: 'whole days without movement, for an open deal' })),
    }),
  ),
  contractEndReason: Text,
  tags: Type.Array(Type.String(), { description: 'normalised: trimmed, NFKC, lower case' }),
  customFields: Type.Record(Type.String(), CustomFieldValueSchema),
  lastTouchAt: Nullable(Instant('when a touch last reached the lead (email accepted, DM to an address, to-do done)')),
  consent: Nullable(
    Type.Object(
      {
        basis: Type.String(),
        source: Type.String(),
        at: Type.String(),
        evidence: Type.Optional(Type.String()),
      },
      { description: 'the legal basis for email (特定電子メール法); null: none on record' },
    ),
  ),
  accountId: Nullable(
    Type.String({ description: 'the account (company) the lead is grouped into: GET /v1/accounts/:id; null: none' }),
  ),
  createdAt: Instant(),
  updatedAt: Instant(),
});

const LeadPage = Type.Object({
  items: Type.Array(LeadSchema),
  nextCursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page; null on the last' })),
});
const Intake = (description: string) =>
  Type.Object({ id: Type.String(), stage: Type.Enum([...STAGES]), workflowId: Type.String() }, { description });
const Timeline = Items(
  Type.Object({ at: Instant(), kind: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) }),
);
const ScoreHistory = Type.Object({
  threshold: Nullable(Type.Number()),
  halfLife: Type.String({ description: 'ISO 8601 duration' }),
  points: Type.Array(Type.Object({ at: Instant(), score: Type.Number(), event: Type.Optional(Type.String()) })),
});
const LeadState = Type.Object(
  {
    stage: Type.Enum([...STAGES]),
    score: Type.Number(),
    touches: Type.Optional(Type.Integer()),
    nextTouchAt: Type.Optional(Nullable(Type.String())),
    paused: Type.Optional(Type.Boolean()),
    cadenceKey: Type.Optional(Nullable(Type.String())),
    cadenceVersion: Type.Optional(Nullable(Type.Integer())),
    pendingEvents: Type.Optional(Type.Integer()),
  },
  { description: "the workflow's own view, queried live" },
);
const ActionAccepted = Type.Object({ accepted: Type.Literal(true), action: Type.String() });
const noLead = errors([404, 'no such lead']);

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
    profile: Object.fromEntries(PROFILE_FIELDS.map((field) => [field, lead[field] ?? null])) as Static<
      typeof LeadSchema
    >['profile'],
    deal:
      lead.deal === null
        ? null
        : {
            ...lead.deal,
            lastMovedAt: lead.deal.lastMovedAt?.toISOString() ?? null,
            // Whole days without movement, as the stalled alert and the pipeline count them.
            daysStalled:
              lead.deal.status === 'open'
                ? Math.max(
                    0,
                    Math.floor((Date.now() - (lead.deal.lastMovedAt ?? lead.stageEnteredAt).getTime()) / 86_400_000),
                  )
                : null,
          },
    contractEndReason: lead.contractEndReason,
    tags: lead.tags ?? [],
    customFields: lead.customFields ?? {},
    lastTouchAt: lead.lastTouchAt?.toISOString() ?? null,
    consent: lead.consent ?? null,
    accountId: lead.accountId ?? null,
    createdAt: lead.createdAt.toISOString(),
    updatedAt: lead.updatedAt.toISOString(),
  };
}

// Lead actions a marketer or rep takes, each delivered to the workflow as an event.
const ACTIONS: Record<string, LeadEvent['kind']> = {
  pause: 'pause',
  resume: 'resume',
  'do-not-contact': 'do_not_contact',
};

/** A page of leads as GET /v1/leads and a segment's lead list answer it: each with its touches, and the next cursor. */
export async function leadPageAnswer(db: Queryable, page: { leads: Lead[]; next: LeadCursor | undefined }) {
  const touches = await countTouchesOf(
    db,
    page.leads.map((lead) => lead.id),
  );
  return {
    items: page.leads.map((lead) => present(lead, touches.get(lead.id) ?? 0)),
    nextCursor: page.next === undefined ? null : encodeCursor(page.next, 'createdAt'),
  };
}

/** A page of leads and the cursor of the next. */
export const LeadPageSchema = LeadPage;

/** Leads: create or update, read, timeline, and the pause / resume / do-not-contact actions. */
export const leadRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  const leadOr404 = async (id: string): Promise<Lead> => {
    const lead = await findLead(db, id);
    if (!lead) throw notFound('lead');
    return lead;
  };

  app.post(
    '/v1/leads',
    {
      schema: {
        body: LeadBody,
        response: { 200: Intake('the lead existed and was updated'), 201: Intake('the lead was created') },
      },
    },
    async (request, reply) => {
      const { lead, created, workflowId } = await intakeLead(
        db,
        temporal.client,
        config.temporalTaskQueue,
        request.body,
      );
      logAboutLead(request, reply, lead.id);
      return reply.code(created ? 201 : 200).send({ id: lead.id, stage: lead.stage, workflowId });
    },
  );

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
            contact: Type.Optional(
              Type.Enum([...CONTACT_HEALTH], {
                description:
                  'contact health as of now (GET /v1/reports/contact-health): contactable, touched this month, or at risk of a month without touch',
              }),
            ),
            timezone: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 64,
                ...DOCUMENTED_TIME_ZONE,
                description: "with contact: the zone whose calendar month is counted; default each lead's own",
              }),
            ),
            cursor: Type.Optional(
              Type.String({ pattern: CURSOR_PATTERN, description: 'nextCursor of the previous page' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: LeadPage },
      },
    },
    async (request) => {
      const { cursor, limit, ...filter } = request.query;
      if (filter.timezone !== undefined && !isTimeZone(filter.timezone)) {
        throw unprocessable('the request does not match the expected shape', [
          { path: 'querystring:/timezone', message: `"${filter.timezone}" is not an IANA time zone` },
        ]);
      }
      const page = await listLeads(
        db,
        filter,
        cursor === undefined ? undefined : decodeCursor(cursor, 'createdAt'),
        limit ?? 50,
      );
      return leadPageAnswer(db, page);
    },
  );

  app.get(
    '/v1/leads/:id',
    { schema: { params: IdParams, response: { 200: LeadSchema, ...noLead } } },
    async (request) => {
      const lead = await leadOr404(request.params.id);
      return present(lead, await countTouches(db, lead.id));
    },
  );

  app.get(
    '/v1/leads/:id/timeline',
    { schema: { params: IdParams, response: { 200: Timeline, ...noLead } } },
    async (request) => {
      const lead = await leadOr404(request.params.id);
      const items = await listTimeline(db, lead.id);
      return { items: items.map((e) => ({ at: e.at.toISOString(), kind: e.kind, detail: e.detail })) };
    },
  );

  /**
   * The score over time for a line chart, recomputed from the engagement events the
   * workflow scored (their recorded points, at the instants it handled them) with the
   * half-life of the cadence version the lead runs, decayed down to now.
   */
  app.get(
    '/v1/leads/:id/score-history',
    { schema: { params: IdParams, response: { 200: ScoreHistory, ...noLead } } },
    async (request) => {
      const lead = await leadOr404(request.params.id);
      const cadence = await findCadence(db, lead.cadenceKey, lead.cadenceVersion ?? undefined);
      const halfLife = cadence?.definition.scoring?.halfLife ?? DEFAULT_HALF_LIFE;
      const events = (await listTimelineOfKinds(db, lead.id, ['event'])).map((e) => ({
        atMs: e.at.getTime(),
        points: Number(e.detail.points ?? 0),
        type: typeof e.detail.type === 'string' ? e.detail.type : 'event',
      }));
      const points = scoreHistory(events, {
        halfLife,
        timeZone: lead.timezone,
        nowMs: Date.now(),
        startMs: Math.min(lead.createdAt.getTime(), events[0]?.atMs ?? Infinity),
      });
      return {
        threshold: cadence?.definition.scoring?.threshold ?? null,
        halfLife,
        points: points.map((p) => ({
          at: new Date(p.atMs).toISOString(),
          score: p.score,
          ...(p.event === undefined ? {} : { event: p.event }),
        })),
      };
    },
  );

  // Live, from the workflow itself: for when the read model's last write is not enough.
  app.get(
    '/v1/leads/:id/state',
    { schema: { params: IdParams, response: { 200: LeadState, ...noLead } } },
    async (request) => {
      const lead = await leadOr404(request.params.id);
      const handle = temporal.client.workflow.getHandle(leadWorkflowId(lead.id));
      return withTemporalDeadline(temporal.client, () => handle.query(leadStateQuery));
    },
  );

  for (const [action, kind] of Object.entries(ACTIONS)) {
    app.post(
      `/v1/leads/:id/${action}`,
      { schema: { params: IdParams, response: { 202: ActionAccepted, ...noLead } } },
      async (request, reply) => {
        const lead = await leadOr404(request.params.id);
        // The suppression stops a send already under way; the signal stops every later touch.
        if (kind === 'do_not_contact') await suppress(db, lead.email, 'do not contact');
        await signalLead(temporal.client, config.temporalTaskQueue, lead.id, {
          kind,
          eventId: `api-${action}-${randomUUID()}`,
        } as LeadEvent);
        return reply.code(202).send({ accepted: true, action });
      },
    );
  }
};
