import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { STAGES } from '../../domain/lead.ts';
import { parseDateOrInstant } from '../../domain/reactivation.ts';
import { findCadence } from '../../db/repositories/cadences.ts';
import { findLead } from '../../db/repositories/leads.ts';
import {
  insertReactivationDecision,
  listReactivationDecisions,
  type ReactivationDecisionRecord,
} from '../../db/repositories/reactivation-decisions.ts';
import { appendTimeline } from '../../db/repositories/timeline.ts';
import { withTransaction } from '../../db/transaction.ts';
import { signalLead } from '../../intake/lifecycle-client.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError, notFound, unprocessable } from '../http-errors.ts';
import { errors, IdParams, Instant, Items, Nullable } from '../schemas.ts';

/** The stages a reactivation may be decided in: ahead of the contract end, or during the wait. */
const DECIDABLE_STAGES = ['customer', 'dormant'] as const;

const DecisionBody = Type.Object(
  {
    decision: Type.Enum(['resume', 'close'], {
      description: 'resume: a reactivation target whatever the end reason; close: not one',
    }),
    resumeAt: Type.Optional(
      Type.String({
        maxLength: 40,
        description:
          "when to resume: a date (the start of that day in the lead's time zone) or a date-time with offset; absent: after the cadence's wait for the end reason, counted from the contract end",
      }),
    ),
    cadence: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: "the cadence to resume on; absent: the lead's own" }),
    ),
    note: Type.Optional(Type.String({ maxLength: 2000, description: 'why, for the lead page and timeline' })),
  },
  { additionalProperties: false },
);

const DecisionView = Type.Object({
  id: Type.String(),
  decision: Type.Enum(['resume', 'close']),
  resumeAt: Nullable(Instant()),
  cadence: Nullable(Type.String()),
  note: Nullable(Type.String()),
  decidedBy: Type.String({ description: "the API key's name (a rep's key is named by their email), or admin" }),
  decidedAt: Instant(),
  stage: Type.Enum([...STAGES], { description: 'the lead stage when it was decided' }),
});

const view = (d: ReactivationDecisionRecord) => ({
  id: d.id,
  decision: d.decision,
  resumeAt: d.resumeAt?.toISOString() ?? null,
  cadence: d.cadenceKey,
  note: d.note,
  decidedBy: d.decidedBy,
  decidedAt: d.decidedAt.toISOString(),
  stage: d.stage,
});

/**
 * `POST /v1/leads/:id/reactivation`: a person decides whether an account comes back after
 * its contract, when and on which cadence, overriding the cadence's reason list;
 * `GET` lists the decisions made, newest first.
 */
export const leadReactivationRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (
  app,
  { db, temporal, config },
) => {
  app.get(
    '/v1/leads/:id/reactivation',
    {
      schema: {
        params: IdParams,
        response: { 200: Items(DecisionView), ...errors([404, 'no such lead']) },
      },
    },
    async (request) => {
      const lead = await findLead(db, request.params.id);
      if (!lead) throw notFound('lead');
      return { items: (await listReactivationDecisions(db, lead.id)).map(view) };
    },
  );

  /**
   * Checked here, applied by the lead's workflow (a `reactivation_decided` event): a
   * dormant lead's wait is planned again at once; a customer's decision waits for the
   * contract end. Recorded after the signal, so a decision on the page is one the workflow has.
   */
  app.post(
    '/v1/leads/:id/reactivation',
    {
      schema: {
        params: IdParams,
        body: DecisionBody,
        response: {
          202: DecisionView,
          ...errors(
            [403, "a sales key may decide only for leads it owns (the key's name is the lead's or its deal's owner)"],
            [404, 'no such lead'],
            [409, 'the lead is not a customer or dormant; details: stage, allowed'],
            [422, 'resumeAt is not a date, the cadence does not exist, or close came with resumeAt or cadence'],
          ),
        },
      },
    },
    async (request, reply) => {
      const lead = await findLead(db, request.params.id);
      if (!lead) throw notFound('lead');
      const caller = request.caller;
      const who = caller?.name ?? caller?.keyId ?? 'unknown';
      if (caller?.role === 'sales') {
        const owners = [lead.ownerEmail, lead.deal?.ownerEmail].filter((o): o is string => typeof o === 'string');
        if (!owners.some((o) => o.toLowerCase() === who.toLowerCase()))
          throw new HttpError(403, 'forbidden', 'a sales key may decide the reactivation of its own leads only');
      }
      if (!(DECIDABLE_STAGES as readonly string[]).includes(lead.stage)) {
        throw new HttpError(
          409,
          'reactivation_not_decidable',
          `a lead in ${lead.stage} has no reactivation to decide (only customer or dormant leads)`,
          { stage: lead.stage, allowed: DECIDABLE_STAGES },
        );
      }
      const { decision, resumeAt, cadence, note } = request.body;
      const problems: { path: string; message: string }[] = [];
      const resumeAtMs = resumeAt === undefined ? undefined : parseDateOrInstant(resumeAt, lead.timezone);
      if (resumeAt !== undefined && resumeAtMs === undefined)
        problems.push({ path: '/resumeAt', message: 'must be a date (YYYY-MM-DD) or a date-time with an offset' });
      if (decision === 'close' && resumeAt !== undefined)
        problems.push({ path: '/resumeAt', message: 'a close decision has no resume time' });
      if (decision === 'close' && cadence !== undefined)
        problems.push({ path: '/cadence', message: 'a close decision has no cadence' });
      if (cadence !== undefined && !(await findCadence(db, cadence)))
        problems.push({ path: '/cadence', message: `no cadence "${cadence}"` });
      if (problems.length > 0) throw unprocessable('the decision is not valid', problems);

      const eventId = `api-reactivation-${randomUUID()}`;
      const decidedAt = new Date();
      const resumeAtIso = resumeAtMs === undefined ? undefined : new Date(resumeAtMs).toISOString();
      await signalLead(temporal.client, config.temporalTaskQueue, lead.id, {
        kind: 'reactivation_decided',
        eventId,
        decision,
        resumeAt: resumeAtIso,
        cadence,
        note,
        decidedBy: who,
        decidedAt: decidedAt.toISOString(),
      });
      const record = await withTransaction(db, async (client) => {
        const saved = await insertReactivationDecision(client, {
          eventId,
          leadId: lead.id,
          decision,
          resumeAt: resumeAtMs === undefined ? null : new Date(resumeAtMs),
          cadenceKey: cadence ?? null,
          note: note ?? null,
          decidedBy: who,
          decidedAt,
          stage: lead.stage,
        });
        await appendTimeline(client, {
          leadId: lead.id,
          at: decidedAt,
          kind: 'reactivation_decided',
          detail: {
            decision,
            resumeAt: resumeAtIso ?? null,
            cadence: cadence ?? null,
            note: note ?? null,
            by: who,
          },
          dedupeKey: eventId,
        });
        return saved;
      });
      return reply.code(202).send(view(record));
    },
  );
};
