import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import {
  completeOwnerTask,
  findOwnerTask,
  listOwnerTasks,
  listTaskOwners,
  type OwnerTask,
} from '../../db/repositories/owner-tasks.ts';
import { appendTimeline } from '../../db/repositories/timeline.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound } from '../http-errors.ts';
import { signalLead } from '../../intake/lifecycle-client.ts';
import { CURSOR_PATTERN, decodeCursor, encodeCursor } from '../page-cursor.ts';
import { ErrorSchema, IdParams, Nullable, UUID_PATTERN } from '../schemas.ts';

/** One owner's to-do as the API answers it. */
export const TaskSchema = Type.Object({
  id: Type.String(),
  leadId: Type.String(),
  lead: Type.Object({
    email: Type.String(),
    name: Nullable(Type.String()),
    company: Nullable(Type.String()),
    stage: Type.String(),
  }),
  title: Nullable(Type.String()),
  ownerEmail: Nullable(
    Type.String({ description: "the lead's deal owner or owner when the task was made, else the round-robin rep" }),
  ),
  status: Type.Enum(['open', 'done']),
  dueAt: Nullable(
    Type.String({
      format: 'date-time',
      description: "18:00 on the second business day after the task was made, in the lead's time zone",
    }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  completedAt: Nullable(Type.String({ format: 'date-time' })),
  completedBy: Nullable(
    Type.String({ description: 'the id of the API key that completed it (`admin` for ADMIN_API_KEY)' }),
  ),
  note: Nullable(Type.String()),
});

/** A to-do as the API answers it; the console reads the same shape. */
export type TaskItem = Static<typeof TaskSchema>;

const TaskPage = Type.Object({
  items: Type.Array(TaskSchema),
  nextCursor: Nullable(Type.String({ description: 'pass as `cursor` for the next page; null on the last' })),
});

/** `GET /v1/tasks/owners` items: everyone with to-dos, and how many are open. */
export const TaskOwnerSchema = Type.Object({ email: Type.String(), open: Type.Integer() });

const ListQuery = Type.Object(
  {
    owner: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'an owner email, any case' })),
    status: Type.Optional(Type.Enum(['open', 'done', 'all'], { description: 'default open' })),
    leadId: Type.Optional(Type.String({ pattern: UUID_PATTERN.source })),
    cursor: Type.Optional(Type.String({ pattern: CURSOR_PATTERN, description: 'nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

const CompleteBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

/** The error answers every task route may give, for the OpenAPI document and serialisation. */
const ERRORS = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema };

const present = (t: OwnerTask): TaskItem => ({
  id: t.id,
  leadId: t.leadId,
  lead: t.lead,
  title: t.title,
  ownerEmail: t.ownerEmail,
  status: t.status === 'done' ? 'done' : 'open',
  dueAt: t.dueAt?.toISOString() ?? null,
  createdAt: t.createdAt.toISOString(),
  completedAt: t.completedAt?.toISOString() ?? null,
  completedBy: t.completedBy,
  note: t.note,
});

/**
 * Owners' to-dos, made by `task` steps: `GET /v1/tasks` (the soonest due first, paged by
 * cursor), `GET /v1/tasks/owners` (who has tasks) and `POST /v1/tasks/:id/complete`.
 * Completing is a touch that reached the lead: it writes `task_completed` on the lead's
 * timeline and tells the lead's workflow, once, in the transaction that completes it; a
 * repeat answers the task as first completed and changes nothing.
 */
export const taskRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  app.get(
    '/v1/tasks',
    { schema: { querystring: ListQuery, response: { 200: TaskPage, 422: ErrorSchema, ...ERRORS } } },
    async (request) => {
      const { cursor, limit, status, ...filter } = request.query;
      const page = await listOwnerTasks(
        db,
        { ...filter, status: status ?? 'open' },
        cursor === undefined ? undefined : decodeCursor(cursor, 'dueAt'),
        limit ?? 50,
      );
      return {
        items: page.tasks.map(present),
        nextCursor: page.next === undefined ? null : encodeCursor(page.next, 'dueAt'),
      };
    },
  );

  app.get(
    '/v1/tasks/owners',
    {
      schema: {
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(TaskOwnerSchema) }), 422: ErrorSchema, ...ERRORS },
      },
    },
    async () => ({ items: await listTaskOwners(db) }),
  );

  app.post(
    '/v1/tasks/:id/complete',
    {
      schema: {
        params: IdParams,
        body: CompleteBody,
        response: {
          200: TaskSchema,
          404: ErrorSchema,
          413: ErrorSchema,
          415: ErrorSchema,
          422: ErrorSchema,
          ...ERRORS,
        },
      },
      // The note is optional, and so is the body that carries it: a bare POST completes.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const { id } = request.params;
      const by = request.caller?.keyId ?? 'unknown';
      const note = request.body.note?.trim() || undefined;
      const done = await withTransaction(db, async (client) => {
        const result = await completeOwnerTask(client, id, by, note);
        if (result?.newlyDone) {
          const { task } = result;
          await appendTimeline(client, {
            leadId: task.leadId,
            at: task.completedAt ?? new Date(),
            kind: 'task_completed',
            detail: { taskId: task.id, title: task.title, owner: task.ownerEmail, by, note: task.note },
            dedupeKey: `task-completed/${task.id}`,
          });
          // Inside the transaction: if the workflow cannot be told (Temporal down, 503),
          // nothing is kept and the client's retry completes the task afresh.
          await signalLead(temporal.client, config.temporalTaskQueue, task.leadId, {
            kind: 'task_completed',
            eventId: `task-completed/${task.id}`,
            taskId: task.id,
            completedAtMs: (task.completedAt ?? new Date()).getTime(),
          });
        }
        return result;
      });
      if (!done) throw notFound('task');
      const answer = await findOwnerTask(db, id);
      if (!answer) throw notFound('task');
      return present(answer);
    },
  );
};
