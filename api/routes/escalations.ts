import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ackEscalation, listEscalations, type Escalation } from '../../db/repositories/escalations.ts';
import type { AppDependencies } from '../app.ts';
import { notFound } from '../http-errors.ts';
import { IdParams, UUID_PATTERN } from '../schemas.ts';

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

/** `GET /v1/escalations` (the sales inbox) and `POST /v1/escalations/:id/ack`. */
export const escalationRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.get(
    '/v1/escalations',
    { schema: { querystring: Type.Object({ status: Type.Optional(Type.Enum(['open', 'all'])), leadId: Type.Optional(Type.String({ pattern: UUID_PATTERN.source })) }) } },
    async (request) => {
      const items = await listEscalations(db, { open: (request.query.status ?? 'open') === 'open', ...(request.query.leadId ? { leadId: request.query.leadId } : {}) });
      return { items: items.map(present) };
    },
  );

  app.post('/v1/escalations/:id/ack', { schema: { params: IdParams } }, async (request) => {
    const escalation = UUID_PATTERN.test(request.params.id) ? await ackEscalation(db, request.params.id, request.caller?.keyId ?? 'unknown') : undefined;
    if (!escalation) throw notFound('escalation');
    return present(escalation);
  });
};
