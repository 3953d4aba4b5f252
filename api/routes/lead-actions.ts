import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { STAGES } from '../../domain/lead.ts';
import { isReopenMove, manualMovesFrom, reopenRefusal, stageMoveAllowed } from '../../domain/stage-moves.ts';
import { suppressionOf } from '../../db/repositories/suppressions.ts';
import { findLead } from '../../db/repositories/leads.ts';
import { normaliseTags } from '../../domain/segment-query.ts';
import { InvalidInput } from '../../domain/errors.ts';
import { assignOwner, changeLeadTags } from '../../intake/lead-edits.ts';
import { LeadTags } from '../../intake/lead-intake.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError, notFound } from '../http-errors.ts';
import { EMAIL_PATTERN } from '../../domain/email-address.ts';
import { signalLead } from '../../intake/lifecycle-client.ts';
import { errors, IdParams, Nullable } from '../schemas.ts';

const OwnerBody = Type.Object(
  {
    ownerEmail: Type.Union([Type.String({ maxLength: 254, pattern: EMAIL_PATTERN }), Type.Null()], {
      description: "the rep's email; null leaves the lead unassigned (escalations then go round-robin)",
    }),
  },
  { additionalProperties: false },
);

const StageBody = Type.Object(
  {
    stage: Type.Enum([...STAGES]),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: "why, for the lead's timeline" })),
  },
  { additionalProperties: false },
);

const TagsBody = Type.Object(
  {
    add: Type.Optional(LeadTags),
    remove: Type.Optional(LeadTags),
  },
  { additionalProperties: false, description: 'tags to add and to remove (a tag in both is removed)' },
);
const TagsAnswer = Type.Object({ id: Type.String(), tags: Type.Array(Type.String()) });

const OwnerAnswer = Type.Object({
  id: Type.String(),
  ownerEmail: Nullable(Type.String()),
  previousOwnerEmail: Nullable(Type.String()),
});
const StageAnswer = Type.Object({
  accepted: Type.Literal(true),
  from: Type.Enum([...STAGES]),
  to: Type.Enum([...STAGES]),
});
const noLead = errors([404, 'no such lead']);

/**
 * The console's lead actions beyond pause / resume / do-not-contact:
 * `POST /v1/leads/:id/owner`, `POST /v1/leads/:id/stage` and `POST /v1/leads/:id/tags`.
 */
export const leadActionRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  /**
   * The owner lives in the read model only, as `ownerEmail` of `POST /v1/leads` does: the
   * workflow keeps no owner, and escalations and alerts read it when they fire. An open
   * deal follows the new owner, so its stalled alerts reach the person now in charge.
   */
  app.post(
    '/v1/leads/:id/owner',
    { schema: { params: IdParams, body: OwnerBody, response: { 200: OwnerAnswer, ...noLead } } },
    async (request) => {
      const ownerEmail = request.body.ownerEmail?.trim() ?? null;
      const changed = await assignOwner(db, request.params.id, ownerEmail, { keyId: request.caller?.keyId ?? null });
      if (!changed) throw notFound('lead');
      return { id: request.params.id, ownerEmail, previousOwnerEmail: changed.previous };
    },
  );

  /**
   * Adds and removes tags without restating the others (`POST /v1/leads` with `tags`
   * replaces them all). More than 50 tags in the end is 409, and changes nothing.
   */
  app.post(
    '/v1/leads/:id/tags',
    {
      schema: {
        params: IdParams,
        body: TagsBody,
        response: {
          200: TagsAnswer,
          ...noLead,
          ...errors([409, 'the lead would have more than 50 tags (too_many_tags); nothing was changed']),
        },
      },
    },
    async (request) => {
      const add = normaliseTags(request.body.add ?? [], '/add');
      const remove = normaliseTags(request.body.remove ?? [], '/remove');
      const problems = [...add.problems, ...remove.problems];
      if (problems.length > 0) throw new InvalidInput('the tags are not valid', problems);
      const result = await changeLeadTags(db, request.params.id, add.tags, remove.tags);
      if ('refused' in result) {
        if (result.refused === 'no_such_lead') throw notFound('lead');
        throw new HttpError(409, 'too_many_tags', 'the lead would have more than 50 tags');
      }
      return { id: request.params.id, tags: result.tags };
    },
  );

  /**
   * A move by hand, delivered to the workflow as a `stage_moved` event. The allowed moves
   * are domain/stage-moves.ts; another answers 409 (the lead's current stage conflicts
   * with it) and changes nothing.
   */
  app.post(
    '/v1/leads/:id/stage',
    {
      schema: {
        params: IdParams,
        body: StageBody,
        response: {
          202: StageAnswer,
          ...noLead,
          ...errors([
            409,
            "the move is not one allowed by hand from the lead's stage (details: from, to, allowed), or reopens a lead that opted out (lead_opted_out; details: from, to, reason)",
          ]),
        },
      },
    },
    async (request, reply) => {
      const lead = await findLead(db, request.params.id);
      if (!lead) throw notFound('lead');
      const { stage, reason } = request.body;
      if (!stageMoveAllowed(lead.stage, stage)) {
        const allowed = manualMovesFrom(lead.stage);
        throw new HttpError(
          409,
          'stage_move_not_allowed',
          `a lead in ${lead.stage} cannot be moved to ${stage} by hand${allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`,
          { from: lead.stage, to: stage, allowed },
        );
      }
      if (isReopenMove(lead.stage, stage)) {
        const suppression = await suppressionOf(db, lead.email);
        const refusal = reopenRefusal({
          doNotContact: lead.doNotContact,
          unsubscribed: suppression !== undefined && /^(unsubscribed|complaint)/.test(suppression),
        });
        if (refusal !== undefined) {
          throw new HttpError(
            409,
            'lead_opted_out',
            refusal === 'do_not_contact'
              ? 'the lead asked not to be contacted and cannot be reopened by hand'
              : 'the lead unsubscribed and cannot be reopened by hand',
            { from: lead.stage, to: stage, reason: refusal },
          );
        }
      }
      await signalLead(temporal.client, config.temporalTaskQueue, lead.id, {
        kind: 'stage_moved',
        eventId: `api-stage-${randomUUID()}`,
        stage,
        reason,
      });
      return reply.code(202).send({ accepted: true, from: lead.stage, to: stage });
    },
  );
};
