import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { leadWorkflowId } from '../../domain/lead.ts';

/**
 * Puts `leadId` and `workflowId` on the log lines of a request about one lead (the
 * handler's own and Fastify's "request completed"), so an operator can follow a lead
 * from its API calls to its workflow and activities, whose log lines carry the same two.
 */
export function logAboutLead(request: FastifyRequest, reply: FastifyReply, leadId: string): void {
  const log = request.log.child({ leadId, workflowId: leadWorkflowId(leadId) });
  request.log = log;
  reply.log = log;
}

/**
 * Names the lead wherever the route does: `/v1/leads/:id…` routes by their path, and
 * bodies that carry a `leadId` (engagement events). Routes that learn the lead only as
 * they run (creating one) call {@link logAboutLead} themselves.
 */
export const leadLogContextPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preHandler', async (request, reply) => {
      const route = request.routeOptions.url ?? '';
      const params = request.params as { id?: unknown } | undefined;
      const body = request.body as { leadId?: unknown } | undefined;
      const fromPath = route.startsWith('/v1/leads/:id') ? params?.id : undefined;
      const fromBody = typeof body === 'object' && body !== null && !Array.isArray(body) ? body.leadId : undefined;
      const leadId = typeof fromPath === 'string' ? fromPath : typeof fromBody === 'string' ? fromBody : undefined;
      // Ids are at most 100 characters (IdParams); a longer one is refused anyway.
      if (leadId !== undefined && leadId.length <= 100) logAboutLead(request, reply, leadId);
    });
  },
  { name: 'lead-log-context' },
);
