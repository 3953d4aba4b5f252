import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CadenceSchema, cadenceProblems, type Cadence } from '../../domain/cadence.ts';
import { findCadence, listCadences, listCadenceVersions, saveCadence, type CadenceVersion } from '../../db/repositories/cadences.ts';
import { findTemplate } from '../../db/repositories/templates.ts';
import type { AppDependencies } from '../app.ts';
import { notFound, unprocessable } from '../http-errors.ts';
import { KeyParams } from '../schemas.ts';

const present = (c: CadenceVersion) => ({ key: c.key, version: c.version, createdAt: c.createdAt.toISOString(), definition: c.definition });

function templateKeys(cadence: Cadence): string[] {
  const steps = [...cadence.nurture.steps, ...(cadence.upsell?.steps ?? []), ...(cadence.reactivation?.steps ?? [])];
  return [...new Set(steps.flatMap((s) => (s.template === undefined ? [] : [s.template])))];
}

/** `PUT|GET /v1/cadences/:key`, `GET /v1/cadences`: versioned cadences, validated on save. */
export const cadenceRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.put('/v1/cadences/:key', { schema: { params: KeyParams, body: CadenceSchema } }, async (request, reply) => {
    const { key } = request.params;
    const problems = cadenceProblems(request.body);
    if (request.body.key !== undefined && request.body.key !== key) {
      problems.push({ path: '/key', message: `must match the key in the URL ("${key}") or be left out` });
    }
    if (problems.length > 0) throw unprocessable('the cadence is not valid', problems);
    const definition: Cadence = { ...request.body, key };
    const { saved, created } = await saveCadence(db, key, definition);
    // Templates may be written after the cadence, so a missing one is a warning, not an error;
    // the touch that needs it fails visibly if it is still missing when due.
    const missing = [];
    for (const template of templateKeys(definition)) {
      if (!(await findTemplate(db, template))) missing.push(template);
    }
    const warnings = missing.map((t) => ({ path: '/', message: `template "${t}" does not exist yet` }));
    return reply.code(created ? 201 : 200).send({ ...present(saved), created, warnings });
  });

  app.get('/v1/cadences/:key', { schema: { params: KeyParams } }, async (request) => {
    const cadence = await findCadence(db, request.params.key);
    if (!cadence) throw notFound(`cadence "${request.params.key}"`);
    return { ...present(cadence), versions: (await listCadenceVersions(db, cadence.key)).map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString() })) };
  });

  app.get('/v1/cadences', async () => ({ items: (await listCadences(db)).map(present) }));
};
