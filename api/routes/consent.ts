import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import Type from 'typebox';
import { leadsWithoutConsent } from '../../db/repositories/consent.ts';
import { findLead } from '../../db/repositories/leads.ts';
import { suppressionOf } from '../../db/repositories/suppressions.ts';
import { consentBlocksEmail } from '../../domain/consent.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound } from '../http-errors.ts';
import { contentOf, errors, IdParams } from '../schemas.ts';

const CONSENT_CSV_HEADER = [
  'lead_id',
  'email',
  'name',
  'company',
  'consent_basis',
  'consent_source',
  'consent_at',
  'consent_evidence',
  'email_suppressed',
  'exported_at',
] as const;

/**
 * Consent records (特定電子メール法): one lead's record as CSV, the proof to keep or hand
 * over (its basis, source, time and evidence, and whether email to it is suppressed now:
 * the record outlives an unsubscribe); and the report of leads that have none.
 */
export const consentRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, config }) => {
  app.get(
    '/v1/leads/:id/consent.csv',
    {
      schema: {
        params: IdParams,
        response: {
          200: contentOf('text/csv', "the lead's consent record, one row (UTF-8 with BOM)"),
          ...errors([404, 'no such lead']),
        },
      },
    },
    async (request, reply) => {
      const lead = await findLead(db, request.params.id);
      if (!lead) throw notFound('lead');
      const consent = lead.consent;
      const csv = stringify(
        [
          [...CONSENT_CSV_HEADER],
          [
            lead.id,
            lead.email,
            lead.name ?? '',
            lead.company ?? '',
            consent?.basis ?? '',
            consent?.source ?? '',
            consent?.at ?? '',
            consent?.evidence ?? '',
            (await suppressionOf(db, lead.email)) ?? '',
            new Date().toISOString(),
          ],
        ],
        { bom: true, record_delimiter: '\r\n' },
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="consent-${lead.id}.csv"`)
        .header('cache-control', 'no-store')
        .send(csv);
    },
  );

  app.get(
    '/v1/reports/consent',
    {
      schema: {
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            consentRequired: Type.Boolean({ description: 'CONSENT_REQUIRED: leads without a basis get no email' }),
            withoutBasis: Type.Integer({ description: 'leads with no consent basis on record' }),
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                email: Type.String(),
                name: Type.Union([Type.String(), Type.Null()]),
                company: Type.Union([Type.String(), Type.Null()]),
                source: Type.Union([Type.String(), Type.Null()]),
                createdAt: Type.String({ format: 'date-time' }),
                emailBlocked: Type.Union([Type.String(), Type.Null()]),
              }),
              { description: 'the newest of them, up to limit (100)' },
            ),
          }),
        },
      },
    },
    async (request) => {
      const { count, items } = await leadsWithoutConsent(db, { limit: request.query.limit ?? 100 });
      return {
        consentRequired: config.consentRequired,
        withoutBasis: count,
        items: items.map((l) => ({
          ...l,
          createdAt: l.createdAt.toISOString(),
          emailBlocked: consentBlocksEmail(config.consentRequired, null),
        })),
      };
    },
  );
};
