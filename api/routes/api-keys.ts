import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ROLES } from '../../domain/roles.ts';
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKey } from '../../db/repositories/api-keys.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound } from '../http-errors.ts';
import { keyDigest } from '../plugins/auth.ts';
import { errors, IdParams, Instant, Items, Nullable, UUID_PATTERN } from '../schemas.ts';

/** An API key as listed: never the key itself. */
export const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.Enum([...ROLES]),
  keyPrefix: Type.String({ description: 'the first characters of the key, to tell keys apart' }),
  createdAt: Instant(),
  revokedAt: Nullable(Instant()),
  lastUsedAt: Nullable(Instant()),
});

const CreatedKey = Type.Object(
  { ...ApiKeySchema.properties, key: Type.String({ description: 'the key itself, shown this once' }) },
  { description: 'the key, created' },
);

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
    {
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100 }), role: Type.Enum([...ROLES]) },
          { additionalProperties: false },
        ),
        response: { 201: CreatedKey },
      },
    },
    async (request, reply) => {
      const key = `lle_${randomBytes(30).toString('base64url')}`;
      const saved = await insertApiKey(db, {
        name: request.body.name,
        role: request.body.role,
        digest: keyDigest(key),
        prefix: key.slice(0, 10),
      });
      return reply.code(201).send({ ...present(saved), key });
    },
  );

  app.get('/v1/api-keys', { schema: { response: { 200: Items(ApiKeySchema) } } }, async () => ({
    items: (await listApiKeys(db)).map(present),
  }));

  app.delete(
    '/v1/api-keys/:id',
    { schema: { params: IdParams, response: { 200: ApiKeySchema, ...errors([404, 'no such key']) } } },
    async (request) => {
      const key = UUID_PATTERN.test(request.params.id) ? await revokeApiKey(db, request.params.id) : undefined;
      if (!key) throw notFound('API key');
      return present(key);
    },
  );
};
