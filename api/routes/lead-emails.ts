import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { findLeadEmail, listLeadEmails, type LeadEmail } from '../../db/repositories/deliveries.ts';
import { findLead } from '../../db/repositories/leads.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound } from '../http-errors.ts';
import { errors, IdParams, Instant, Items, Nullable } from '../schemas.ts';

const EmailParams = Type.Object({ id: Type.String({ maxLength: 100 }), deliveryId: Type.String({ maxLength: 30 }) });
const ListQuery = Type.Object(
  { content: Type.Optional(Type.Boolean({ description: 'false leaves html and text out (null)' })) },
  { additionalProperties: false },
);
// A delivery id is a bigint; anything else is no delivery (404, like an unknown one).
const DELIVERY_ID = /^[1-9][0-9]{0,17}$/;

/** An email sent to (or about) a lead, with what it said. */
export const LeadEmailSchema = Type.Object({
  id: Type.String(),
  kind: Type.Enum(['touch', 'notification']),
  templateKey: Type.String(),
  templateVersion: Nullable(Type.Integer()),
  messageId: Type.String(),
  recipient: Type.String(),
  subject: Nullable(Type.String()),
  status: Type.Enum(['pending', 'sending', 'sent', 'failed', 'unknown']),
  error: Nullable(Type.String()),
  createdAt: Instant(),
  sentAt: Nullable(Instant()),
  html: Nullable(Type.String({ description: 'null when not kept, or with ?content=false' })),
  text: Nullable(Type.String()),
});

const present = (email: LeadEmail) => ({
  id: email.id,
  kind: email.kind,
  templateKey: email.templateKey,
  templateVersion: email.templateVersion,
  messageId: email.messageId,
  recipient: email.recipient,
  subject: email.subject,
  status: email.status,
  error: email.error,
  createdAt: email.createdAt.toISOString(),
  sentAt: email.sentAt?.toISOString() ?? null,
  html: email.html,
  text: email.text,
});

/**
 * A lead's emails with what they said: `GET /v1/leads/:id/emails` (oldest first) and
 * `GET /v1/leads/:id/emails/:deliveryId`. The HTML is the email as rendered for the lead,
 * before the open pixel and click redirects were added; null for emails sent before the
 * content was kept. Readable by whoever may read the lead.
 */
export const leadEmailRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.get(
    '/v1/leads/:id/emails',
    {
      schema: {
        params: IdParams,
        querystring: ListQuery,
        response: { 200: Items(LeadEmailSchema), ...errors([404, 'no such lead']) },
      },
    },
    async (request) => {
      const lead = await findLead(db, request.params.id);
      if (!lead) throw notFound('lead');
      const emails = await listLeadEmails(db, lead.id, { withContent: request.query.content ?? true });
      return { items: emails.map(present) };
    },
  );

  app.get(
    '/v1/leads/:id/emails/:deliveryId',
    {
      schema: {
        params: EmailParams,
        response: { 200: LeadEmailSchema, ...errors([404, 'no such lead, or no such email of it']) },
      },
    },
    async (request) => {
      const lead = await findLead(db, request.params.id);
      if (!lead) throw notFound('lead');
      const email = DELIVERY_ID.test(request.params.deliveryId)
        ? await findLeadEmail(db, lead.id, request.params.deliveryId)
        : undefined;
      if (!email) throw notFound('email');
      return present(email);
    },
  );
};
