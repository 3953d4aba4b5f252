import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { BULK_ACTION_STATES, BULK_ACTIONS, normaliseBulkParams } from '../../domain/bulk-actions.ts';
import { EMAIL_PATTERN } from '../../domain/email-address.ts';
import { InvalidInput, type InputProblem } from '../../domain/errors.ts';
import { MAX_TAG_LENGTH } from '../../domain/segment-query.ts';
import {
  cancelBulkAction,
  deleteBulkAction,
  findBulkAction,
  insertBulkAction,
  listBulkActions,
  listBulkFailures,
  type BulkAction,
} from '../../db/repositories/bulk-actions.ts';
import { findCadence } from '../../db/repositories/cadences.ts';
import { findSegment } from '../../db/repositories/segments.ts';
import { startBulkActionWorkflow } from '../../intake/bulk-action-client.ts';
import { missingCadence } from '../../intake/lead-intake.ts';
import { bulkActionWorkflowId } from '../../domain/bulk-actions.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError, notFound } from '../http-errors.ts';
import { errors, IdParams, Instant, Items, Nullable } from '../schemas.ts';

/** At most this many lead ids in an explicit selection; a larger one is a segment. */
export const MAX_SELECTED_LEADS = 1000;

const BulkActionBody = Type.Object(
  {
    segmentId: Type.Optional(Type.String({ maxLength: 100, description: 'act on the leads of this segment; or' })),
    leadIds: Type.Optional(
      Type.Array(
        Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
        {
          minItems: 1,
          maxItems: MAX_SELECTED_LEADS,
          description: 'act on these leads (ids that name no lead are left out)',
        },
      ),
    ),
    action: Type.Enum([...BULK_ACTIONS]),
    params: Type.Optional(
      Type.Object(
        {
          cadence: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 100,
              pattern: '^[a-z0-9][a-z0-9_-]*$',
              description: 'move_cadence',
            }),
          ),
          ownerEmail: Type.Optional(
            Type.Union([Type.String({ maxLength: 254, pattern: EMAIL_PATTERN }), Type.Null()], {
              description: 'set_owner; null leaves the leads unassigned',
            }),
          ),
          tag: Type.Optional(
            Type.String({ minLength: 1, maxLength: MAX_TAG_LENGTH * 4, description: 'add_tag, remove_tag' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A bulk action and its progress, as the API answers it. */
export const BulkActionSchema = Type.Object({
  id: Type.String(),
  workflowId: Type.String(),
  action: Type.Enum([...BULK_ACTIONS]),
  params: Type.Object({
    cadence: Type.Optional(Type.String()),
    ownerEmail: Type.Optional(Nullable(Type.String())),
    tag: Type.Optional(Type.String()),
  }),
  segmentId: Nullable(Type.String()),
  segmentName: Nullable(Type.String()),
  selectedLeadIds: Nullable(Type.Integer({ description: 'how many ids an explicit selection named' })),
  state: Type.Enum([...BULK_ACTION_STATES]),
  total: Nullable(Type.Integer({ description: 'leads in the frozen selection; null until it is taken' })),
  done: Type.Integer(),
  failed: Type.Integer(),
  skipped: Type.Integer({ description: 'nothing to do (already so), or the lead is gone' }),
  pending: Type.Integer(),
  failures: Type.Array(Type.Object({ leadId: Type.String(), detail: Nullable(Type.String()) }), {
    description: 'the first failed leads, with why (single reads only; empty in lists)',
  }),
  requestedBy: Nullable(Type.String()),
  createdAt: Instant(),
  startedAt: Nullable(Instant()),
  finishedAt: Nullable(Instant()),
});

const Accepted = Type.Object({
  id: Type.String(),
  state: Type.Enum([...BULK_ACTION_STATES]),
  workflowId: Type.String(),
});

function present(action: BulkAction, failures: { leadId: string; detail: string | null }[] = []) {
  const recorded = action.done + action.failed + action.skipped;
  return {
    id: action.id,
    workflowId: bulkActionWorkflowId(action.id),
    action: action.action,
    params: action.params,
    segmentId: action.segmentId,
    segmentName: action.segmentName,
    selectedLeadIds: action.leadIdCount,
    state: action.state,
    total: action.total,
    done: action.done,
    failed: action.failed,
    skipped: action.skipped,
    pending: action.total === null ? 0 : Math.max(0, action.total - recorded),
    failures,
    requestedBy: action.requestedBy,
    createdAt: action.createdAt.toISOString(),
    startedAt: action.startedAt?.toISOString() ?? null,
    finishedAt: action.finishedAt?.toISOString() ?? null,
  };
}

const noAction = errors([404, 'no such bulk action']);

/**
 * Bulk actions on a segment or an explicit selection: `POST /v1/bulk-actions` records the
 * request and starts its workflow (202; the work is never done in the request), `GET`
 * shows progress, `POST /v1/bulk-actions/:id/cancel` stops it before its next lead.
 */
export const bulkActionRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  app.post(
    '/v1/bulk-actions',
    {
      schema: {
        body: BulkActionBody,
        response: {
          202: Accepted,
          ...errors([404, 'the segment does not exist (the body names it: 404, as an unknown id in a path)']),
        },
      },
    },
    async (request, reply) => {
      const { segmentId, leadIds, action } = request.body;
      const problems: InputProblem[] = [];
      if ((segmentId === undefined) === (leadIds === undefined))
        problems.push({ path: '/segmentId', message: 'name either segmentId or leadIds, not both or neither' });
      const params = normaliseBulkParams(action, request.body.params ?? {});
      if (!params.ok) problems.push(...params.problems);
      if (params.ok && params.params.cadence !== undefined && !(await findCadence(db, params.params.cadence)))
        problems.push({ path: '/params/cadence', message: missingCadence(params.params.cadence) });
      if (problems.length > 0 || !params.ok) throw new InvalidInput('the bulk action is not valid', problems);
      const segment = segmentId === undefined ? undefined : await findSegment(db, segmentId);
      if (segmentId !== undefined && !segment) throw notFound('segment');
      const id = await insertBulkAction(db, {
        segment: segment && { id: segment.id, name: segment.name },
        leadIds: leadIds && [...new Set(leadIds.map((leadId) => leadId.toLowerCase()))],
        action,
        params: params.params,
        requestedBy: request.caller?.name ?? null,
      });
      try {
        await startBulkActionWorkflow(temporal.client, config.temporalTaskQueue, id);
      } catch (error) {
        // Nothing ran: the request changes nothing, and may be repeated.
        await deleteBulkAction(db, id);
        throw error;
      }
      return reply.code(202).send({ id, state: 'pending' as const, workflowId: bulkActionWorkflowId(id) });
    },
  );

  app.get(
    '/v1/bulk-actions',
    {
      schema: {
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
          { additionalProperties: false },
        ),
        response: { 200: Items(BulkActionSchema) },
      },
    },
    async (request) => ({
      items: (await listBulkActions(db, request.query.limit ?? 50)).map((action) => present(action)),
    }),
  );

  app.get(
    '/v1/bulk-actions/:id',
    { schema: { params: IdParams, response: { 200: BulkActionSchema, ...noAction } } },
    async (request) => {
      const action = await findBulkAction(db, request.params.id);
      if (!action) throw notFound('bulk action');
      return present(action, action.failed > 0 ? await listBulkFailures(db, action.id, 20) : []);
    },
  );

  app.post(
    '/v1/bulk-actions/:id/cancel',
    {
      schema: {
        params: IdParams,
        response: {
          202: Accepted,
          ...noAction,
          ...errors([409, 'the action has finished already (bulk_action_finished); nothing was changed']),
        },
      },
    },
    async (request, reply) => {
      if (!(await cancelBulkAction(db, request.params.id))) {
        const action = await findBulkAction(db, request.params.id);
        if (!action) throw notFound('bulk action');
        throw new HttpError(409, 'bulk_action_finished', `the bulk action has ended (${action.state})`, {
          state: action.state,
        });
      }
      const id = request.params.id.toLowerCase();
      return reply.code(202).send({ id, state: 'cancelled' as const, workflowId: bulkActionWorkflowId(id) });
    },
  );
};
