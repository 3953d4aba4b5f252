import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ROLES } from '../../domain/roles.ts';
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKey } from '../../db/repositories/api-keys.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound } from '../http-errors.ts';
import { keyDigest } from '../plugins/auth.ts';
import { IdParams, UUID_PATTERN } from '../schemas.ts';

const present = (key: ApiKey) => ({
  id: key.id,
  name: key.name,
  role: key.role,
  keyPrefix: key.keyPrefix,
  createdAt: key.createdAt.toISOString(),
  revokedAt: key.revokedAt?.toISOString() ?? null,
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
});

/**
 * `POST|GET /v1/api-keys`, `DELETE /v1/api-keys/:id` (admins only): keys are random,
 * shown once at creation and stored as SHA-256 digests; a revoked key stops at once.
 */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.post(
    '/v1/api-keys',
    { schema: { body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: Type.Enum([...ROLES]) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const key = `lle_${randomBytes(30).toString('base64url')}`;
      const saved = await insertApiKey(db, { name: request.body.name, role: request.body.role, digest: keyDigest(key), prefix: key.slice(0, 10) });
      return reply.code(201).send({ ...present(saved), key });
    },
  );

  app.get('/v1/api-keys', async () => ({ items: (await listApiKeys(db)).map(present) }));

  app.delete('/v1/api-keys/:id', { schema: { params: IdParams } }, async (request) => {
    const key = UUID_PATTERN.test(request.params.id) ? await revokeApiKey(db, request.params.id) : undefined;
    if (!key) throw notFound('API key');
    return present(key);
  });
};
