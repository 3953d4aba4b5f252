import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { STAGES } from '../../domain/lead.ts';
import {
  MAX_CUSTOM_FIELD_NAME,
  MAX_CUSTOM_FIELDS,
  MAX_ENGAGEMENT_DAYS,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  normaliseSegmentQuery,
  type SegmentQuery,
} from '../../domain/segment-query.ts';
import { InvalidInput } from '../../domain/errors.ts';
import {
  countQuery,
  deleteSegment,
  findSegment,
  insertSegment,
  listQueryLeads,
  listSegmentCounts,
  listSegments,
  segmentNameTaken,
  snapshotSegmentCount,
  updateSegment,
  type Segment,
} from '../../db/repositories/segments.ts';
import { CustomFieldValueSchema } from '../../intake/lead-intake.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError, notFound } from '../http-errors.ts';
import { CURSOR_PATTERN, decodeCursor } from '../page-cursor.ts';
import { errors, IdParams, Instant, Items, Nullable } from '../schemas.ts';
import { leadPageAnswer, LeadPageSchema } from './leads.ts';

const Key = Type.String({ minLength: 1, maxLength: 100 });
const When = (description: string) => Type.String({ format: 'date-time', description });

/** A segment's query: every condition optional, all given ones must hold. */
export const SegmentQuerySchema = Type.Object(
  {
    stages: Type.Optional(Type.Array(Type.Enum([...STAGES]), { maxItems: STAGES.length, description: 'any of' })),
    scoreMin: Type.Optional(Type.Number({ minimum: 0, description: 'the score now (decayed) is at least this' })),
    scoreMax: Type.Optional(Type.Number({ minimum: 0, description: 'the score now (decayed) is at most this' })),
    owner: Type.Optional(
      Type.String({ maxLength: 254, description: "the lead's or its deal's owner (email, any case)" }),
    ),
    cadences: Type.Optional(Type.Array(Key, { maxItems: 50, description: 'any of these cadence keys' })),
    tags: Type.Optional(
      Type.Object(
        {
          match: Type.Enum(['all', 'any']),
          values: Type.Array(Type.String({ minLength: 1, maxLength: MAX_TAG_LENGTH * 4 }), {
            minItems: 1,
            maxItems: MAX_TAGS,
          }),
        },
        { additionalProperties: false, description: 'the lead has all / any of these tags (normalised as stored)' },
      ),
    ),
    company: Type.Optional(Type.String({ maxLength: 200, description: 'the company name contains this (any case)' })),
    sources: Type.Optional(Type.Array(Key, { maxItems: 50, description: 'any of these sources (exact)' })),
    createdAfter: Type.Optional(When('created at or after')),
    createdBefore: Type.Optional(When('created before')),
    lastTouchAfter: Type.Optional(When('the last touch that reached the lead was at or after this')),
    lastTouchBefore: Type.Optional(When('the last touch was before this, or the lead was never touched')),
    openedWithinDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_ENGAGEMENT_DAYS, description: 'an email was opened in the last N days' }),
    ),
    clickedWithinDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_ENGAGEMENT_DAYS, description: 'a link was clicked in the last N days' }),
    ),
    customFields: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: MAX_CUSTOM_FIELD_NAME }), CustomFieldValueSchema, {
        maxProperties: MAX_CUSTOM_FIELDS,
        description: 'every named custom field equals its value (same type)',
      }),
    ),
    search: Type.Optional(Type.String({ maxLength: 200, description: 'part of the name, company or email' })),
  },
  { additionalProperties: false },
);

const SegmentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'unique, whatever its case' }),
    query: SegmentQuerySchema,
  },
  { additionalProperties: false },
);

/** A segment as the API answers it. */
export const SegmentSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  query: SegmentQuerySchema,
  count: Nullable(
    Type.Integer({ description: 'leads in it now (single reads); the latest daily count in lists, null before one' }),
  ),
  countDay: Nullable(Type.String({ format: 'date', description: 'the day `count` was taken; null for a live count' })),
  createdBy: Nullable(Type.String()),
  createdAt: Instant(),
  updatedAt: Instant(),
});

const CountsQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 730, description: 'how far back, default 90' })) },
  { additionalProperties: false },
);
const Counts = Items(Type.Object({ day: Type.String({ format: 'date' }), count: Type.Integer() }));
const noSegment = errors([404, 'no such segment']);
const nameTaken = errors([409, 'another segment has this name (segment_name_taken); nothing was changed']);

const present = (segment: Segment, count: number | null, countDay: string | null): Static<typeof SegmentSchema> => ({
  id: segment.id,
  name: segment.name,
  query: segment.query,
  count,
  countDay,
  createdBy: segment.createdBy,
  createdAt: segment.createdAt.toISOString(),
  updatedAt: segment.updatedAt.toISOString(),
});

/** The query in its canonical form, or a 422 naming each problem under `/query`. */
function canonicalQuery(query: SegmentQuery): SegmentQuery {
  const result = normaliseSegmentQuery(query, '/query');
  if (!result.ok) throw new InvalidInput('the segment query is not valid', result.problems);
  return result.query;
}

const taken = () => new HttpError(409, 'segment_name_taken', 'another segment has this name');

/** The day `days - 1` days before today in Asia/Tokyo, as segment counts are dated. */
const firstDay = (days: number): string =>
  new Date(Date.now() + 9 * 3_600_000 - (days - 1) * 86_400_000).toISOString().slice(0, 10);

/**
 * Segments: saved queries over leads, their leads (keyset pages, as `GET /v1/leads`) and
 * their daily counts. A save counts the segment at once, so its chart starts that day.
 */
export const segmentRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  const segmentOr404 = async (id: string): Promise<Segment> => {
    const segment = await findSegment(db, id);
    if (!segment) throw notFound('segment');
    return segment;
  };

  app.post(
    '/v1/segments',
    { schema: { body: SegmentBody, response: { 201: SegmentSchema, ...nameTaken } } },
    async (request, reply) => {
      const query = canonicalQuery(request.body.query);
      const name = request.body.name.trim();
      if (name.length === 0)
        throw new InvalidInput('the segment is not valid', [{ path: '/name', message: 'a name cannot be blank' }]);
      const segment = await insertSegment(db, { name, query, createdBy: request.caller?.name ?? null });
      if (!segment) throw taken();
      const count = (await snapshotSegmentCount(db, segment.id)) ?? null;
      return reply.code(201).send(present(segment, count, null));
    },
  );

  app.get('/v1/segments', { schema: { response: { 200: Items(SegmentSchema) } } }, async () => ({
    items: (await listSegments(db)).map((s) => present(s, s.latestCount, s.latestCountDay)),
  }));

  app.get(
    '/v1/segments/:id',
    { schema: { params: IdParams, response: { 200: SegmentSchema, ...noSegment } } },
    async (request) => {
      const segment = await segmentOr404(request.params.id);
      return present(segment, await countQuery(db, segment.query), null);
    },
  );

  app.put(
    '/v1/segments/:id',
    { schema: { params: IdParams, body: SegmentBody, response: { 200: SegmentSchema, ...noSegment, ...nameTaken } } },
    async (request) => {
      await segmentOr404(request.params.id);
      const query = canonicalQuery(request.body.query);
      const name = request.body.name.trim();
      if (name.length === 0)
        throw new InvalidInput('the segment is not valid', [{ path: '/name', message: 'a name cannot be blank' }]);
      if (await segmentNameTaken(db, name, request.params.id)) throw taken();
      const segment = await updateSegment(db, request.params.id, { name, query }).catch((error: unknown) => {
        // Another request took the name between the check and the update.
        if ((error as { code?: string }).code === '23505') throw taken();
        throw error;
      });
      if (!segment) throw notFound('segment');
      const count = (await snapshotSegmentCount(db, segment.id)) ?? null;
      return present(segment, count, null);
    },
  );

  app.delete(
    '/v1/segments/:id',
    {
      schema: {
        params: IdParams,
        response: {
          200: Type.Object(
            { id: Type.String(), deleted: Type.Literal(true) },
            { description: 'deleted, with its counts; bulk actions keep their record' },
          ),
          ...noSegment,
        },
      },
    },
    async (request) => {
      if (!(await deleteSegment(db, request.params.id))) throw notFound('segment');
      return { id: request.params.id, deleted: true as const };
    },
  );

  app.get(
    '/v1/segments/:id/leads',
    {
      schema: {
        params: IdParams,
        querystring: Type.Object(
          {
            cursor: Type.Optional(
              Type.String({ pattern: CURSOR_PATTERN, description: 'nextCursor of the previous page' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: LeadPageSchema, ...noSegment },
      },
    },
    async (request) => {
      const segment = await segmentOr404(request.params.id);
      const { cursor, limit } = request.query;
      const page = await listQueryLeads(
        db,
        segment.query,
        cursor === undefined ? undefined : decodeCursor(cursor, 'createdAt'),
        limit ?? 50,
      );
      return leadPageAnswer(db, page);
    },
  );

  app.get(
    '/v1/segments/:id/counts',
    { schema: { params: IdParams, querystring: CountsQuery, response: { 200: Counts, ...noSegment } } },
    async (request) => {
      const segment = await segmentOr404(request.params.id);
      return { items: await listSegmentCounts(db, segment.id, firstDay(request.query.days ?? 90)) };
    },
  );
};
