import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { apiErrorOf, apiFor, type ApiAnswer } from '../context.ts';
import { errorsByField, filledFields } from './lead-fields.ts';
import { renderLeadPage, type LeadPageState } from './lead-page.ts';

const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const Text = Type.Optional(Type.String({ maxLength: 600 }));
const CsrfOnly = Type.Object({ _csrf: Type.String() }, { additionalProperties: false });
const OwnerForm = Type.Object({ _csrf: Type.String(), ownerEmail: Text }, { additionalProperties: false });
const StageForm = Type.Object({ _csrf: Type.String(), stage: Text, reason: Text }, { additionalProperties: false });

// The console's action name (for the done notice) of each API action.
const SIGNALS = { pause: 'pause', resume: 'resume', 'do-not-contact': 'dnc' } as const;

/**
 * The lead page's forms: each calls the API with the reader's session and comes back to
 * the page, with a notice (303) or, when the API refused, the page again with its error
 * beside the field and the status the API answered (a role that may not: 403).
 */
export async function leadActionPages(app: FastifyInstance): Promise<void> {
  const answerWith = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    answer: ApiAnswer,
    done: string,
    values: LeadPageState['values'] = {},
  ) => {
    if (answer.status < 300) return reply.redirect(`/leads/${encodeURIComponent(id)}?done=${done}`, 303);
    const error = apiErrorOf(answer);
    // 409 from a stage move names no field; it is about the stage chosen.
    const fieldErrors = answer.status === 409 ? { stage: error.message } : errorsByField(error.details);
    return renderLeadPage(app, request, reply, id, { error: { status: answer.status, ...error }, fieldErrors, values });
  };

  for (const [action, done] of Object.entries(SIGNALS)) {
    app.post<{ Params: { id: string } }>(
      `/leads/:id/${action}`,
      { schema: { hide: true, params: IdParams, body: CsrfOnly } },
      async (request, reply) => {
        const answer = await apiFor(app, request).send(
          'POST',
          `/v1/leads/${encodeURIComponent(request.params.id)}/${action}`,
        );
        return answerWith(request, reply, request.params.id, answer, done);
      },
    );
  }

  app.post<{ Params: { id: string }; Body: { ownerEmail?: string } }>(
    '/leads/:id/owner',
    { schema: { hide: true, params: IdParams, body: OwnerForm } },
    async (request, reply) => {
      const { ownerEmail } = filledFields(request.body, ['ownerEmail']);
      const answer = await apiFor(app, request).send(
        'POST',
        `/v1/leads/${encodeURIComponent(request.params.id)}/owner`,
        { ownerEmail: ownerEmail ?? null },
      );
      return answerWith(request, reply, request.params.id, answer, 'owner', {
        ownerEmail: request.body.ownerEmail ?? '',
      });
    },
  );

  app.post<{ Params: { id: string }; Body: { stage?: string; reason?: string } }>(
    '/leads/:id/stage',
    { schema: { hide: true, params: IdParams, body: StageForm } },
    async (request, reply) => {
      const values = filledFields(request.body, ['stage', 'reason']);
      const answer = await apiFor(app, request).send(
        'POST',
        `/v1/leads/${encodeURIComponent(request.params.id)}/stage`,
        values,
      );
      return answerWith(request, reply, request.params.id, answer, 'stage', values);
    },
  );
}
