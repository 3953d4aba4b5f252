import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from '../dependencies.ts';

/** `GET /healthz` (the process answers) and `GET /readyz` (PostgreSQL and Temporal answer too). No auth. */
export async function healthRoutes(app: FastifyInstance, { db, temporal }: AppDependencies): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const [database, workflows] = await Promise.all([
      probe(() => db.query('SELECT 1')),
      probe(() => temporal.connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' })),
    ]);
    const ready = database === 'ok' && workflows === 'ok';
    if (!ready) reply.code(503).header('retry-after', '5');
    return { status: ready ? 'ready' : 'unavailable', checks: { database, temporal: workflows } };
  });
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
