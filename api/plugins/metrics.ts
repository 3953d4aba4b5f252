import type { Client, Connection } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';
import type { Gauge } from 'prom-client';
import Type from 'typebox';
import { unacknowledgedEscalations } from '../../db/repositories/escalations.ts';
import {
  escalationsUnacknowledged,
  httpRequestDuration,
  METRICS_CONTENT_TYPE,
  oldestUnacknowledgedEscalationAge,
  registry,
  sharedStateReadable,
  sharedStateRegistry,
  taskQueueBacklog,
  taskQueueBacklogAge,
  webhookReceipts,
} from '../../observability/metrics.ts';
import { metricsTokenMatches } from '../../observability/metrics-token.ts';
import { HttpError } from '../http-errors.ts';
import { ErrorSchema } from '../schemas.ts';

/** What `/metrics` reads at scrape time, and who may read it. */
export interface MetricsPluginOptions {
  db: pg.Pool;
  temporal: { client: Client; connection: Connection };
  taskQueue: string;
  /** When set, `/metrics` wants `Authorization: Bearer <token>`; otherwise it is open. */
  metricsToken: string | undefined;
}

/** Label for requests no route matched: one series for all of them, whatever the URL. */
const UNMATCHED = '(unmatched)';
/** A slow source must not hold the scrape past Prometheus's own timeout (10 s by default). */
const SOURCE_TIMEOUT_MS = 2000;

/**
 * `GET /metrics` in Prometheus text format, and the hooks that feed it: the duration of
 * every request by route pattern, and every webhook request by provider and outcome.
 * Registered at the root (fastify-plugin) so its hooks see every route.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, options: MetricsPluginOptions) => {
    app.addHook('onSend', async (request, reply, payload) => {
      countWebhook(request, reply, payload);
      return payload;
    });
    app.addHook('onResponse', async (request, reply) => {
      httpRequestDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? UNMATCHED, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    app.get(
      '/metrics',
      {
        schema: {
          summary: 'Prometheus metrics of this API process',
          description:
            "The Prometheus text exposition format (version 0.0.4): this process's counters and request durations, and gauges read at scrape time from PostgreSQL (unacknowledged escalations) and Temporal (task queue backlog). No API key: open, unless METRICS_TOKEN is set, then `Authorization: Bearer <METRICS_TOKEN>`. See docs/metrics.md.",
          security: [],
          response: {
            200: { description: 'Prometheus text format', content: { 'text/plain': { schema: Type.String() } } },
            401: {
              description: 'METRICS_TOKEN is set and the request does not carry it',
              content: { 'application/json': { schema: ErrorSchema } },
            },
          },
        },
      },
      async (request, reply) => {
        if (
          options.metricsToken !== undefined &&
          !metricsTokenMatches(request.headers.authorization, options.metricsToken)
        ) {
          throw new HttpError(401, 'unauthorized', 'send Authorization: Bearer <METRICS_TOKEN>');
        }
        await readSharedState(options);
        const text = (await registry.metrics()) + (await sharedStateRegistry.metrics());
        return reply.type(METRICS_CONTENT_TYPE).send(text);
      },
    );
  },
  { name: 'metrics', dependencies: ['error-handler'] },
);

/** Sets the shared-state gauges; a source that does not answer is reported down, not fatal. */
async function readSharedState({ db, temporal, taskQueue }: MetricsPluginOptions): Promise<void> {
  const [database, backlog] = await Promise.allSettled([
    withTimeout(unacknowledgedEscalations(db)),
    temporal.connection.withDeadline(Date.now() + SOURCE_TIMEOUT_MS, () => describeBacklog(temporal.client, taskQueue)),
  ]);
  sharedStateReadable.set({ source: 'database' }, database.status === 'fulfilled' ? 1 : 0);
  sharedStateReadable.set({ source: 'temporal' }, backlog.status === 'fulfilled' ? 1 : 0);
  publish(database, 'kind', escalationsUnacknowledged, oldestUnacknowledgedEscalationAge);
  publish(backlog, 'type', taskQueueBacklog, taskQueueBacklogAge);
}

/** Sets a count gauge and an age gauge per label value; a source that failed leaves both empty. */
function publish(
  result: PromiseSettledResult<Record<string, { count: number; ageSeconds: number }>>,
  label: string,
  count: Gauge,
  age: Gauge,
): void {
  count.reset();
  age.reset();
  if (result.status === 'rejected') return;
  for (const [value, stats] of Object.entries(result.value)) {
    count.set({ [label]: value }, stats.count);
    age.set({ [label]: value }, stats.ageSeconds);
  }
}

/** Temporal's approximate backlog of the task queue, for workflow and activity tasks. */
async function describeBacklog(
  client: Client,
  taskQueue: string,
): Promise<Record<'workflow' | 'activity', { count: number; ageSeconds: number }>> {
  const describe = async (taskQueueType: 1 | 2) => {
    const response = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType,
      reportStats: true,
    });
    const age = response.stats?.approximateBacklogAge;
    return {
      count: Number(response.stats?.approximateBacklogCount ?? 0),
      ageSeconds: age ? Number(age.seconds ?? 0) + (age.nanos ?? 0) / 1e9 : 0,
    };
  };
  // 1 and 2: TASK_QUEUE_TYPE_WORKFLOW and TASK_QUEUE_TYPE_ACTIVITY.
  const [workflow, activity] = await Promise.all([describe(1), describe(2)]);
  return { workflow, activity };
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${SOURCE_TIMEOUT_MS} ms`)), SOURCE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Counts a webhook request once its answer is known: 2xx as accepted, duplicate or
 * ignored (from the answer's own `duplicate` / `ignored` fields), anything else by the
 * error code answered, so a wave of bad signatures shows as `bad_signature`.
 */
function countWebhook(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
  const route = request.routeOptions.url;
  if (route === undefined || !route.startsWith('/v1/webhooks/')) return;
  const provider = route
    .slice('/v1/webhooks/'.length)
    .replace(/^(crm|mail)\//, '')
    .replaceAll('/', '_');
  webhookReceipts.inc({ provider, outcome: outcomeOf(reply.statusCode, payload) });
}

function outcomeOf(status: number, payload: unknown): string {
  let body: unknown;
  try {
    body = typeof payload === 'string' && payload.length < 65_536 ? JSON.parse(payload) : undefined;
  } catch {
    body = undefined;
  }
  const fields = (typeof body === 'object' && body !== null ? body : {}) as {
    duplicate?: unknown;
    ignored?: unknown;
    error?: { code?: unknown };
  };
  if (status >= 200 && status < 300) {
    if (fields.duplicate === true) return 'duplicate';
    if (typeof fields.ignored === 'string') return 'ignored';
    return 'accepted';
  }
  const code = fields.error?.code;
  // Codes are a fixed set in the code base; anything else is bucketed by status.
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : `status_${status}`;
}
