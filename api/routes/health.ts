import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { AppDependencies } from '../dependencies.ts';

const Check = Type.Enum(['ok', 'unavailable']);
const Readiness = (status: 'ready' | 'unavailable', description: string) =>
  Type.Object(
    { status: Type.Literal(status), checks: Type.Object({ database: Check, temporal: Check }) },
    { description },
  );

/** `GET /healthz` (the process answers) and `GET /readyz` (PostgreSQL and Temporal answer too). No auth. */
export async function healthRoutes(app: FastifyInstance, { db, temporal }: AppDependencies): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { usesDependencies: false },
      schema: {
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'the process answers' }) },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        security: [],
        response: {
          200: Readiness('ready', 'PostgreSQL and Temporal answer'),
          503: Readiness(
            'unavailable',
            'PostgreSQL or Temporal does not answer (see checks); retry after Retry-After seconds',
          ),
        },
      },
    },
    async (_request, reply) => {
      const [database, workflows] = await Promise.all([
        probe(() => db.query('SELECT 1')),
        probe(() =>
          temporal.connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }),
        ),
      ]);
      const ready = database === 'ok' && workflows === 'ok';
      if (!ready) reply.code(503).header('retry-after', '5');
      return { status: ready ? 'ready' : 'unavailable', checks: { database, temporal: workflows } };
    },
  );
}

async function probe(check: () => Promise<unknown>): Promise<'ok' | 'unavailable'> {
  try {
    await withTimeout(check(), 3000);
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
