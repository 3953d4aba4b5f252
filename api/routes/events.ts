import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { EVENT_TYPES } from '../../domain/scoring.ts';
import { findLead, findLeadByEmail } from '../../db/repositories/leads.ts';
import type { AppDependencies } from '../dependencies.ts';
import { acceptDeliveryEvent, acceptEngagement } from '../../intake/engagement.ts';
import { notFound, unprocessable } from '../http-errors.ts';
import { EMAIL_PATTERN } from '../../domain/email-address.ts';
import { errors } from '../schemas.ts';

/** What mail servers and providers report about delivery, as opposed to engagement. */
const DELIVERY_EVENT_TYPES = ['bounce', 'complaint'] as const;

const EventBody = Type.Object(
  {
    leadId: Type.Optional(Type.String({ maxLength: 100 })),
    email: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_PATTERN })),
    type: Type.Enum([...EVENT_TYPES, ...DELIVERY_EVENT_TYPES]),
    /** For `bounce`: a hard bounce (the address does not exist) suppresses it; a soft one is only recorded. */
    bounceType: Type.Optional(Type.Enum(['hard', 'soft'])),
    occurredAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  {
    additionalProperties: false,
    // Checked by the handler (422 naming /leadId); stated in the document as exactly one of the two.
    'x-document': { oneOf: [{ required: ['leadId'] }, { required: ['email'] }] },
  },
);

const Accepted = Type.Object({
  accepted: Type.Literal(true),
  duplicate: Type.Boolean({ description: 'an event with this id was accepted before: no second effect' }),
  leadId: Type.String(),
});

// Clocks disagree; an event a little in the future is a skewed clock, a day ahead is a bug.
const MAX_FUTURE_MS = 5 * 60_000;

/** `POST /v1/events`: an engagement event for a lead, scored by its workflow. */
export const eventRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  app.post(
    '/v1/events',
    { schema: { body: EventBody, response: { 202: Accepted, ...errors([404, 'no lead has this leadId or email']) } } },
    async (request, reply) => {
      const body = request.body;
      if ((body.leadId === undefined) === (body.email === undefined)) {
        throw unprocessable('the event is not valid', [
          { path: '/leadId', message: 'give exactly one of leadId and email' },
        ]);
      }
      const occurredAt = body.occurredAt === undefined ? new Date() : new Date(body.occurredAt);
      if (occurredAt.getTime() > Date.now() + MAX_FUTURE_MS) {
        throw unprocessable('the event is not valid', [{ path: '/occurredAt', message: 'is in the future' }]);
      }
      const lead =
        body.leadId !== undefined ? await findLead(db, body.leadId) : await findLeadByEmail(db, body.email as string);
      if (!lead) throw notFound('lead');

      const deps = { db, temporal: temporal.client, taskQueue: config.temporalTaskQueue };
      const { duplicate } =
        body.type === 'bounce' || body.type === 'complaint'
          ? await acceptDeliveryEvent(deps, {
              lead,
              type: body.type,
              hard: body.type === 'complaint' || body.bounceType !== 'soft',
              occurredAt,
              sourceId: body.id,
            })
          : await acceptEngagement(deps, { leadId: lead.id, type: body.type, occurredAt, sourceId: body.id });
      return reply.code(202).send({ accepted: true, duplicate, leadId: lead.id });
    },
  );
};
