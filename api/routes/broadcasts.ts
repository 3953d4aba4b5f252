import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import {
  broadcastEmailSums,
  broadcastProgress,
  deleteUnstartedBroadcast,
  explicitLeads,
  findBroadcast,
  insertBroadcast,
  listBroadcasts,
  transitionBroadcast,
  unknownLeadIds,
  type Broadcast,
  type BroadcastProgress,
} from '../../db/repositories/broadcasts.ts';
import { findLead } from '../../db/repositories/leads.ts';
import { countSegment, findSegment, segmentLeadIdsPage } from '../../db/repositories/segments.ts';
import { findTemplate } from '../../db/repositories/templates.ts';
import { isUuid } from '../../db/uuid.ts';
import { BROADCAST_ACTIONS, BROADCAST_STATES, type BroadcastAction } from '../../domain/broadcasts.ts';
import type { Locale } from '../../domain/lead.ts';
import { signalBroadcastControl, startBroadcastWorkflow } from '../../intake/broadcast-client.ts';
import { compileTemplate, renderEmail, type CompiledTemplate } from '../../mail/render.ts';
import { resolveTemplate } from '../../mail/template-source.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError, notFound, unprocessable } from '../http-errors.ts';
import { CURSOR_PATTERN, decodeCursor, encodeCursor } from '../page-cursor.ts';
import { or422 } from '../template-preview.ts';
import { DOCUMENTED, errors, IdParams, Instant, Nullable, UUID_PATTERN } from '../schemas.ts';
import { EmailFiguresSchema, figuresOf } from './email-reports.ts';

/** Most leads one explicit selection may name; a larger audience is a segment. */
export const MAX_LEAD_IDS = 10_000;

/** How many recipients a preview shows. */
const PREVIEW_LEADS = 20;

const TemplateKey = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' });
const LeadIds = Type.Array(Type.String({ pattern: UUID_PATTERN.source }), {
  minItems: 1,
  maxItems: MAX_LEAD_IDS,
  uniqueItems: true,
  description: 'the leads, one by one (instead of segmentId)',
});

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'what the marketer calls it: セミナー案内 12月' }),
    template: TemplateKey,
    sendAt: Type.Optional(Instant('when the hand-over starts; absent or past: now')),
    segmentId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a saved segment' })),
    leadIds: Type.Optional(LeadIds),
  },
  {
    additionalProperties: false,
    // Checked by the handler, so its 422 says which recipient source is missing or doubled.
    [DOCUMENTED]: { oneOf: [{ required: ['segmentId'] }, { required: ['leadIds'] }] },
  },
);

const ProgressSchema = Type.Object({
  total: Nullable(Type.Integer({ description: 'recipients frozen when sending started; null before' })),
  pending: Type.Integer({ description: 'not yet handed to their lifecycles' }),
  handedOver: Type.Integer({ description: 'handed to their lifecycles so far' }),
  waiting: Type.Integer({ description: 'handed over, not yet sent or skipped (held for the send window)' }),
  sent: Type.Integer(),
  skipped: Type.Integer(),
  skippedByReason: Type.Record(Type.String(), Type.Integer(), {
    description:
      'stage, do_not_contact, email_suppressed, no_consent, paused, frequency_cap, min_gap, cancelled, send_failed',
  }),
});

const BroadcastSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  template: Type.String(),
  segmentId: Nullable(Type.String()),
  leadCount: Nullable(Type.Integer({ description: 'an explicit selection: how many leads it names' })),
  sendAt: Instant(),
  state: Type.Enum([...BROADCAST_STATES]),
  createdAt: Instant(),
  startedAt: Nullable(Instant()),
  finishedAt: Nullable(Instant()),
  progress: ProgressSchema,
});

const BroadcastDetail = Type.Object({
  ...BroadcastSchema.properties,
  report: EmailFiguresSchema,
});

const ListQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ pattern: CURSOR_PATTERN, description: 'nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

/** The most lead ids a preview's URL names. */
export const PREVIEW_MAX_LEAD_IDS = 200;

const PreviewQuery = Type.Object(
  {
    template: TemplateKey,
    segmentId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    leadIds: Type.Optional(
      Type.String({
        // A URL carries at most 16 KiB of request line and headers (Node's limit; 431 past
        // it), so a preview names at most 200 ids; preview a larger selection as a segment.
        maxLength: 37 * PREVIEW_MAX_LEAD_IDS - 1,
        pattern: `^${UUID_PATTERN.source.slice(1, -1)}(,${UUID_PATTERN.source.slice(1, -1)})*$`,
        description: `comma-separated lead ids, at most ${PREVIEW_MAX_LEAD_IDS} (a URL holds no more; preview a larger selection as a segment)`,
      }),
    ),
  },
  { additionalProperties: false },
);

const PreviewAnswer = Type.Object({
  count: Type.Integer({ description: 'recipients the broadcast would have if it started now' }),
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      email: Type.String(),
      name: Nullable(Type.String()),
      company: Nullable(Type.String()),
      stage: Type.String(),
      subject: Type.String({ description: "the template's subject rendered for the lead" }),
    }),
  ),
});

type View = Static<typeof BroadcastSchema>;
/** A broadcast in `GET /v1/broadcasts`, as the console reads it. */
export type BroadcastItem = View;
/** `GET /v1/broadcasts/:id`, as the console reads it. */
export type BroadcastDetailView = Static<typeof BroadcastDetail>;
/** `GET /v1/broadcasts/preview`, as the console reads it. */
export type BroadcastPreview = Static<typeof PreviewAnswer>;

const EMPTY: BroadcastProgress = { pending: 0, handedOver: 0, waiting: 0, sent: 0, skipped: 0, skippedByReason: {} };

const view = (b: Broadcast, progress: BroadcastProgress | undefined): View => ({
  id: b.id,
  name: b.name,
  template: b.templateKey,
  segmentId: b.segmentId,
  leadCount: b.leadIds?.length ?? null,
  sendAt: b.sendAt.toISOString(),
  state: b.state,
  createdAt: b.createdAt.toISOString(),
  startedAt: b.startedAt?.toISOString() ?? null,
  finishedAt: b.finishedAt?.toISOString() ?? null,
  progress: { total: b.total, ...(progress ?? EMPTY) },
});

const noBroadcast = errors([404, 'no such broadcast']);

/**
 * One-off sends: `POST /v1/broadcasts` schedules one (a Temporal workflow that hands each
 * recipient to its lead's lifecycle at `sendAt`), `GET /v1/broadcasts` and
 * `GET /v1/broadcasts/:id` show them with their progress and report,
 * `POST /v1/broadcasts/:id/{pause,resume,cancel}` steer them, and
 * `GET /v1/broadcasts/preview` shows the recipients before scheduling. See docs/broadcasts.md.
 */
export const broadcastRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  /** The recipients a source names now: their count and the first leads' ids. 422 for a source that cannot be used. */
  const recipientsOf = async (
    source: { segmentId?: string | undefined; leadIds?: readonly string[] | undefined },
    prefix: '' | 'querystring:',
  ): Promise<{ segmentId: string | null; leadIds: string[] | null; count: number; first: string[] }> => {
    if ((source.segmentId === undefined) === (source.leadIds === undefined))
      throw unprocessable('name the recipients: a segmentId or leadIds, not both', [
        { path: `${prefix}/segmentId`, message: 'give exactly one of segmentId and leadIds' },
      ]);
    if (source.segmentId !== undefined) {
      const segment = isUuid(source.segmentId) ? await findSegment(db, source.segmentId) : undefined;
      if (!segment)
        throw unprocessable(`segment "${source.segmentId}" does not exist`, [
          { path: `${prefix}/segmentId`, message: 'no such segment' },
        ]);
      const first = await segmentLeadIdsPage(db, segment.id, null, PREVIEW_LEADS);
      return { segmentId: segment.id, leadIds: null, count: await countSegment(db, segment.id), first: first.leadIds };
    }
    const ids = (source.leadIds ?? []).map((id) => id.toLowerCase());
    const unknown = await unknownLeadIds(db, ids);
    if (unknown.length > 0)
      throw unprocessable(
        'some lead ids name no lead',
        unknown.slice(0, 20).map((id) => ({ path: `${prefix}/leadIds/${ids.indexOf(id)}`, message: `no lead ${id}` })),
      );
    return { segmentId: null, leadIds: ids, ...(await explicitLeads(db, ids, PREVIEW_LEADS)) };
  };

  const templateMustExist = async (key: string, path: string) => {
    if (!(await findTemplate(db, key)))
      throw unprocessable(`template "${key}" does not exist`, [{ path, message: 'no such template' }]);
  };

  app.get(
    '/v1/broadcasts',
    {
      schema: {
        querystring: ListQuery,
        response: {
          200: Type.Object({
            items: Type.Array(BroadcastSchema),
            nextCursor: Nullable(Type.String({ description: 'pass as `cursor` for the next page; null on the last' })),
          }),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const cursor = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor, 'createdAt');
      const page = await listBroadcasts(db, {
        limit: limit + 1,
        before: cursor && { createdAt: new Date(cursor.createdAt), id: cursor.id },
      });
      const items = page.slice(0, limit);
      const progress = await broadcastProgress(
        db,
        items.map((b) => b.id),
      );
      const last = items.at(-1);
      return {
        items: items.map((b) => view(b, progress.get(b.id))),
        nextCursor:
          page.length > limit && last
            ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }, 'createdAt')
            : null,
      };
    },
  );

  app.get(
    '/v1/broadcasts/preview',
    {
      schema: {
        querystring: PreviewQuery,
        response: {
          200: PreviewAnswer,
          ...errors([422, 'no such template, a template that does not render, or no recipients named']),
        },
      },
    },
    async (request) => {
      const { template, segmentId, leadIds } = request.query;
      await templateMustExist(template, 'querystring:/template');
      const recipients = await recipientsOf({ segmentId, leadIds: leadIds?.split(',') }, 'querystring:');
      const compiled = new Map<Locale, CompiledTemplate | undefined>();
      const items = [];
      for (const id of recipients.first) {
        const lead = await findLead(db, id);
        if (!lead) continue;
        if (!compiled.has(lead.locale)) {
          const resolved = await resolveTemplate(db, template, lead.locale);
          compiled.set(lead.locale, resolved && (await or422(() => compileTemplate(resolved.content))));
        }
        const compiledTemplate = compiled.get(lead.locale);
        const subject = compiledTemplate
          ? renderEmail(compiledTemplate, { lead, unsubscribeUrl: `${config.publicBaseUrl}/u/preview` }).subject
          : '';
        items.push({
          id: lead.id,
          email: lead.email,
          name: lead.name ?? null,
          company: lead.company ?? null,
          stage: lead.stage,
          subject,
        });
      }
      return { count: recipients.count, items };
    },
  );

  app.post(
    '/v1/broadcasts',
    {
      schema: {
        body: CreateBody,
        response: {
          201: BroadcastSchema,
          ...errors([422, 'no such template, no recipients named, or lead ids that name no lead']),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await templateMustExist(body.template, '/template');
      const recipients = await recipientsOf(body, '');
      const sendAt = body.sendAt === undefined ? new Date() : new Date(body.sendAt);
      const broadcast = await insertBroadcast(db, {
        id: randomUUID(),
        name: body.name.trim(),
        templateKey: body.template,
        segmentId: recipients.segmentId,
        leadIds: recipients.leadIds,
        sendAt,
        createdBy: request.caller?.keyId ?? null,
      });
      try {
        await startBroadcastWorkflow(temporal.client, config.temporalTaskQueue, {
          broadcastId: broadcast.id,
          sendAtMs: sendAt.getTime(),
        });
      } catch (error) {
        // Nothing half-made: without its workflow the broadcast would never go.
        await deleteUnstartedBroadcast(db, broadcast.id);
        throw error;
      }
      return reply.code(201).send(view(broadcast, undefined));
    },
  );

  app.get(
    '/v1/broadcasts/:id',
    { schema: { params: IdParams, response: { 200: BroadcastDetail, ...noBroadcast } } },
    async (request) => {
      const broadcast = isUuid(request.params.id) ? await findBroadcast(db, request.params.id) : undefined;
      if (!broadcast) throw notFound('broadcast');
      const progress = await broadcastProgress(db, [broadcast.id]);
      return {
        ...view(broadcast, progress.get(broadcast.id)),
        report: figuresOf(await broadcastEmailSums(db, broadcast.id)),
      };
    },
  );

  for (const action of ['pause', 'resume', 'cancel'] as const satisfies readonly BroadcastAction[]) {
    app.post(
      `/v1/broadcasts/:id/${action}`,
      {
        schema: {
          params: IdParams,
          response: {
            200: BroadcastSchema,
            ...errors([404, 'no such broadcast'], [409, `the broadcast's state does not allow ${action}`]),
          },
        },
      },
      async (request) => {
        const id = request.params.id;
        const before = isUuid(id) ? await findBroadcast(db, id) : undefined;
        if (!before) throw notFound('broadcast');
        const rule = BROADCAST_ACTIONS[action];
        const after = await transitionBroadcast(db, before.id, rule.from, rule.to);
        if (!after)
          throw new HttpError(409, 'conflict', `a ${before.state} broadcast cannot be ${action}d`, {
            state: before.state,
          });
        // The stored state already stops the hand-over; the signal wakes a paused workflow or ends it.
        await signalBroadcastControl(temporal.client, after.id, action);
        const progress = await broadcastProgress(db, [after.id]);
        return view(after, progress.get(after.id));
      },
    );
  }
};
