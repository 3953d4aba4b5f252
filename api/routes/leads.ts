import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { isTimeZone } from '../../domain/cadence.ts';
import { leadWorkflowId } from '../../domain/lead.ts';
import { findCadence } from '../../db/repositories/cadences.ts';
import { countTouches } from '../../db/repositories/deliveries.ts';
import { findLead, findLeadByEmail, upsertLead, type Lead } from '../../db/repositories/leads.ts';
import type { AppDependencies } from '../app.ts';
import { notFound, unprocessable } from '../http-errors.ts';
import { ensureLifecycleStarted } from '../lifecycle-client.ts';
import { IdParams, UUID_PATTERN } from '../schemas.ts';

// Deliberately plain: an address a mail server accepts, not every form RFC 5322 allows.
const EMAIL_PATTERN = '^[^\\s@<>()\\[\\],;:"]+@[^\\s@<>()\\[\\],;:"]+\\.[^\\s@<>()\\[\\],;:"]+$';
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

const LeadBody = Type.Object(
  {
    email: Type.String({ maxLength: 254, pattern: EMAIL_PATTERN }),
    name: Type.Optional(Text(200)),
    company: Type.Optional(Text(200)),
    department: Type.Optional(Text(200)),
    title: Type.Optional(Text(200)),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 40, pattern: '^[0-9+() -]+$' })),
    postalAddress: Type.Optional(
      Type.Object(
        {
          postalCode: Type.String({ pattern: '^[0-9]{3}-?[0-9]{4}$' }),
          prefecture: Text(20),
          city: Text(100),
          line1: Text(200),
          line2: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
    source: Type.Optional(Text(100)),
    ownerEmail: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_PATTERN })),
    cadence: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' })),
    locale: Type.Optional(Type.Enum(['ja', 'en'])),
    timezone: Type.Optional(Text(64)),
    externalId: Type.Optional(Text(200)),
  },
  { additionalProperties: false },
);

const DEFAULT_CADENCE = 'default';

const PROFILE_FIELDS = ['name', 'company', 'department', 'title', 'phone', 'postalAddress', 'source', 'ownerEmail', 'locale', 'timezone', 'externalId'] as const satisfies readonly (keyof Lead)[];

function present(lead: Lead, touches: number) {
  return {
    id: lead.id,
    email: lead.email,
    stage: lead.stage,
    score: lead.score,
    touches,
    nextTouchAt: lead.nextTouchAt?.toISOString() ?? null,
    cadence: lead.cadenceKey,
    workflowId: leadWorkflowId(lead.id),
    // Absent profile fields are null in answers, so clients see every field, always.
    profile: Object.fromEntries(PROFILE_FIELDS.map((field) => [field, lead[field] ?? null])),
    createdAt: lead.createdAt.toISOString(),
    updatedAt: lead.updatedAt.toISOString(),
  };
}

/** `POST /v1/leads` (create or update by email, start the lifecycle once) and `GET /v1/leads/:id`. */
export const leadRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  app.post('/v1/leads', { schema: { body: LeadBody } }, async (request, reply) => {
    const { email, cadence, ...profile } = request.body;
    if (profile.timezone !== undefined && !isTimeZone(profile.timezone)) {
      throw unprocessable('the lead is not valid', [{ path: '/timezone', message: `"${profile.timezone}" is not an IANA time zone` }]);
    }
    // Checked before anything is written: a lead on a cadence that does not exist would
    // start a workflow that can only fail.
    const cadenceKey = cadence ?? DEFAULT_CADENCE;
    const needsCadence = cadence !== undefined || !(await findLeadByEmail(db, email));
    if (needsCadence && !(await findCadence(db, cadenceKey))) {
      throw unprocessable('the lead is not valid', [{ path: '/cadence', message: `cadence "${cadenceKey}" does not exist; create it with PUT /v1/cadences/${cadenceKey}` }]);
    }
    const { lead, created } = await upsertLead(db, email, { ...profile, cadenceKey: cadence }, { cadenceKey, locale: 'ja', timezone: 'Asia/Tokyo' });
    const { workflowId } = await ensureLifecycleStarted(temporal.client, config.temporalTaskQueue, lead);
    return reply.code(created ? 201 : 200).send({ id: lead.id, stage: lead.stage, workflowId });
  });

  app.get('/v1/leads/:id', { schema: { params: IdParams } }, async (request) => {
    const { id } = request.params;
    const lead = UUID_PATTERN.test(id) ? await findLead(db, id) : undefined;
    if (!lead) throw notFound('lead');
    return present(lead, await countTouches(db, lead.id));
  });
};
