import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import {
  completeDmTasks,
  findDmLetter,
  findDmTask,
  listDmTasks,
  type DmTask,
  type Task,
} from '../../db/repositories/tasks.ts';
import { appendTimeline } from '../../db/repositories/timeline.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError, notFound } from '../http-errors.ts';
import { mailingLabelsCsv, mailingLabelsFilename } from '../mailing-labels.ts';
import {
  contentOf,
  errors,
  IdParams,
  Instant,
  Items,
  Nullable,
  PostalAddressSchema,
  UUID_PATTERN,
} from '../schemas.ts';

const ListQuery = Type.Object({
  status: Type.Optional(Type.Enum(['open', 'done', 'cancelled', 'held', 'all'])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
});

const CompleteBody = Type.Object(
  { ids: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

const DEFAULT_LIMIT = 1000;

/** A DM task as the print desk works with it. */
export const DmTaskSchema = Type.Object({
  id: Type.String(),
  leadId: Type.String(),
  lead: Type.Object({
    email: Type.String(),
    name: Nullable(Type.String()),
    company: Nullable(Type.String()),
    department: Nullable(Type.String()),
  }),
  postalAddress: Nullable(PostalAddressSchema),
  templateKey: Nullable(Type.String()),
  templateVersion: Nullable(Type.Integer()),
  letterSubject: Nullable(Type.String()),
  letterUrl: Nullable(Type.String({ description: 'GET it for the letter as HTML' })),
  status: Type.Enum(['open', 'done', 'cancelled', 'held'], {
    description: 'held: the lead is in a deal; cancelled: the letter must not be posted',
  }),
  statusReason: Nullable(Type.String({ description: 'why the task is held or cancelled' })),
  ownerEmail: Nullable(Type.String()),
  createdAt: Instant(),
  completedAt: Nullable(Instant()),
});

/** `GET /v1/dm-tasks`. */
export const DmTaskListSchema = Items(DmTaskSchema);
/** A DM task, as the console reads it. */
export type DmTaskItem = Static<typeof DmTaskSchema>;
/** `GET /v1/dm-tasks`, as the console reads it. */
export type DmTaskList = Static<typeof DmTaskListSchema>;

const CompleteAnswer = Type.Object({
  completed: Type.Integer({ description: 'tasks marked done by this call' }),
  alreadyDone: Type.Integer(),
  notFound: Type.Array(Type.String(), { description: 'the ids given that name no DM task, as given' }),
  notOpen: Type.Array(Type.String(), { description: 'the ids given of tasks held or cancelled, not marked done' }),
});

const taskNotFound = errors([404, 'no such DM task']);

const letterUrl = (id: string) => `/v1/dm-tasks/${id}/letter`;

const present = (t: DmTask) => ({
  id: t.id,
  leadId: t.leadId,
  lead: t.lead,
  postalAddress: t.postalAddress,
  templateKey: t.templateKey,
  templateVersion: t.templateVersion,
  letterSubject: t.letterSubject,
  // The HTML is served on its own (tens of kilobytes a letter): the list stays small.
  letterUrl: t.hasLetter ? letterUrl(t.id) : null,
  status: t.status,
  // Why a task was cancelled, held or released (the lead unsubscribed, entered a deal...).
  statusReason: t.statusReason,
  ownerEmail: t.ownerEmail,
  createdAt: t.createdAt.toISOString(),
  completedAt: t.completedAt?.toISOString() ?? null,
});

// A letter is marketer-written HTML with lead data in it: shown in a sandbox (an opaque
// origin, no scripts, no forms) even if someone opens it straight from the API's origin.
const LETTER_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; font-src https: data:",
  'x-content-type-options': 'nosniff',
  'cache-control': 'private, no-cache',
};

/**
 * DM tasks for the print desk: `GET /v1/dm-tasks` (oldest first), one task and its
 * letter, `GET /v1/dm-tasks.csv` (mailing labels), and marking tasks as sent, one at a
 * time or a batch at once. Completing is idempotent and writes `dm_sent` on the lead's
 * timeline once. Cancelled and held tasks (their lead closed or is in a deal) are never
 * listed as open nor printed on labels, and cannot be marked as sent.
 */
export const dmTaskRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  /** Marks the tasks done and records `dm_sent`, all or nothing. */
  const complete = (ids: readonly string[]) =>
    withTransaction(db, async (client) => {
      const done = await completeDmTasks(client, ids);
      for (const { task } of done) await recordSent(client, task);
      return done;
    });
  const recordSent = (client: Parameters<typeof appendTimeline>[0], task: Task) =>
    appendTimeline(client, {
      leadId: task.leadId,
      at: task.completedAt ?? new Date(),
      kind: 'dm_sent',
      detail: { taskId: task.id, template: task.templateKey },
      dedupeKey: `dm-sent/${task.id}`,
    });

  app.get(
    '/v1/dm-tasks',
    { schema: { querystring: ListQuery, response: { 200: DmTaskListSchema } } },
    async (request) => {
      const items = await listDmTasks(db, {
        status: request.query.status ?? 'open',
        limit: request.query.limit ?? DEFAULT_LIMIT,
      });
      return { items: items.map(present) };
    },
  );

  app.get(
    '/v1/dm-tasks.csv',
    {
      schema: {
        querystring: ListQuery,
        response: { 200: contentOf('text/csv', 'mailing labels, one row a task (UTF-8 with BOM)') },
      },
    },
    async (request, reply) => {
      const items = await listDmTasks(db, {
        status: request.query.status ?? 'open',
        limit: request.query.limit ?? DEFAULT_LIMIT,
      });
      const csv = mailingLabelsCsv(
        items.map((t) => ({
          taskId: t.id,
          postalAddress: t.postalAddress,
          company: t.lead.company,
          department: t.lead.department,
          name: t.lead.name,
        })),
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${mailingLabelsFilename(new Date())}"`)
        .header('cache-control', 'no-store')
        .send(csv);
    },
  );

  app.get(
    '/v1/dm-tasks/:id',
    { schema: { params: IdParams, response: { 200: DmTaskSchema, ...taskNotFound } } },
    async (request) => {
      const task = UUID_PATTERN.test(request.params.id) ? await findDmTask(db, request.params.id) : undefined;
      if (!task) throw notFound('DM task');
      return present(task);
    },
  );

  app.get(
    '/v1/dm-tasks/:id/letter',
    {
      schema: {
        params: IdParams,
        response: {
          200: contentOf('text/html', 'the letter as rendered for the lead'),
          ...errors([404, 'no such DM task, or it has no letter']),
        },
      },
    },
    async (request, reply) => {
      const letter = UUID_PATTERN.test(request.params.id) ? await findDmLetter(db, request.params.id) : undefined;
      if (!letter) throw notFound('letter');
      return reply.headers(LETTER_HEADERS).send(letter.html);
    },
  );

  app.post(
    '/v1/dm-tasks/:id/complete',
    {
      schema: {
        params: IdParams,
        response: { 200: DmTaskSchema, ...taskNotFound, ...errors([409, 'the task is held or cancelled']) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const [done] = UUID_PATTERN.test(id) ? await complete([id]) : [];
      const task = UUID_PATTERN.test(id) ? await findDmTask(db, id) : undefined;
      if (!task) throw notFound('DM task');
      // A cancelled letter must not be posted, a held one not before its lead's deal ends.
      if (!done)
        throw new HttpError(
          409,
          'not_open',
          `the DM task is ${task.status} (${task.statusReason ?? 'no reason given'}) and cannot be marked as sent`,
        );
      return present(task);
    },
  );

  // The console marks a printed batch as sent in one call.
  app.post(
    '/v1/dm-tasks/complete',
    { schema: { body: CompleteBody, response: { 200: CompleteAnswer } } },
    async (request) => {
      // One entry per task however often or in whatever case its id is given.
      const ids = new Map(request.body.ids.map((id) => [id.toLowerCase(), id]));
      const done = await complete([...ids.keys()].filter((id) => UUID_PATTERN.test(id)));
      for (const { task } of done) ids.delete(task.id);
      // What is left is no DM task, or a cancelled or held one, which stays as it is.
      const left = [...ids.keys()].filter((id) => UUID_PATTERN.test(id));
      const notOpen = new Set(
        (await Promise.all(left.map((id) => findDmTask(db, id)))).flatMap((t) => (t ? [t.id] : [])),
      );
      return {
        completed: done.filter((d) => d.newlyDone).length,
        alreadyDone: done.filter((d) => !d.newlyDone).length,
        notFound: [...ids].filter(([key]) => !notOpen.has(key)).map(([, id]) => id),
        notOpen: [...ids].filter(([key]) => notOpen.has(key)).map(([, id]) => id),
      };
    },
  );
};
