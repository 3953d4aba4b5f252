import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { DEAL_KINDS } from '../../domain/deals.ts';
import { listDeals } from '../../db/repositories/deals.ts';
import { findLead } from '../../db/repositories/leads.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound } from '../http-errors.ts';
import { errors, IdParams, Instant, Nullable } from '../schemas.ts';

const DEAL_STATUSES = ['open', 'won', 'lost'] as const;

/** One deal of a lead, with its stage history. */
export const DealSchema = Type.Object({
  id: Type.String(),
  kind: Type.Enum([...DEAL_KINDS], {
    description: 'new: a first sale; upsell: more for a customer; reactivation: a former customer won back',
  }),
  crm: Nullable(
    Type.Object({
      provider: Type.String({ description: 'zoho, hubspot or generic' }),
      dealId: Type.String({ description: "the deal's id in that CRM" }),
    }),
  ),
  status: Type.Enum([...DEAL_STATUSES]),
  stage: Nullable(Type.String({ description: "the CRM's stage" })),
  amount: Nullable(Type.Number()),
  probability: Nullable(Type.Number({ description: 'percent' })),
  expectedCloseDate: Nullable(Type.String({ description: 'YYYY-MM-DD' })),
  ownerEmail: Nullable(Type.String()),
  openedAt: Instant(),
  closedAt: Nullable(Instant('when it was won or lost')),
  lastStageChangeAt: Instant('days stalled count from here'),
  history: Type.Array(
    Type.Object({
      at: Instant(),
      stage: Nullable(Type.String()),
      status: Type.Enum([...DEAL_STATUSES]),
    }),
    { description: 'the deal opening and each stage move, win or loss, oldest first' },
  ),
});

const Deals = Type.Object({
  items: Type.Array(DealSchema, { description: 'newest first' }),
});

/** `GET /v1/leads/:id/deals`: every deal of a lead, open and closed, each with its stage history. */
export const leadDealRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.get(
    '/v1/leads/:id/deals',
    { schema: { params: IdParams, response: { 200: Deals, ...errors([404, 'no such lead']) } } },
    async (request) => {
      const lead = await findLead(db, request.params.id);
      if (!lead) throw notFound('lead');
      const deals = await listDeals(db, lead.id);
      return {
        items: deals.map((deal) => ({
          id: deal.id,
          kind: deal.kind,
          crm:
            deal.crmProvider !== null && deal.crmDealId !== null
              ? { provider: deal.crmProvider, dealId: deal.crmDealId }
              : null,
          status: deal.status,
          stage: deal.stage,
          amount: deal.amount,
          probability: deal.probability,
          expectedCloseDate: deal.expectedCloseDate,
          ownerEmail: deal.ownerEmail,
          openedAt: deal.openedAt.toISOString(),
          closedAt: deal.closedAt?.toISOString() ?? null,
          lastStageChangeAt: deal.lastStageChangeAt.toISOString(),
          history: deal.history.map((h) => ({ at: h.at.toISOString(), stage: h.stage, status: h.status })),
        })),
      };
    },
  );
};
