import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { STAGES } from '../../domain/lead.ts';
import { findAccount, listAccounts, type AccountSummary } from '../../db/repositories/accounts.ts';
import { isUuid } from '../../db/uuid.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound } from '../http-errors.ts';
import { CURSOR_PATTERN, decodeCursor, encodeCursor } from '../page-cursor.ts';
import { errors, IdParams, Instant, Nullable } from '../schemas.ts';

const AccountSummarySchema = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'the company as its first lead wrote it, or its mail domain' }),
  domain: Nullable(Type.String({ description: 'the corporate mail domain, when one is known' })),
  leadCount: Type.Integer({ minimum: 0 }),
  openDeals: Type.Integer({ minimum: 0 }),
  lastTouchAt: Nullable(Instant('the last email sent or DM/task made to any of its leads')),
  bestScore: Type.Number({ description: 'the highest score now among its leads' }),
  createdAt: Instant(),
});

const AccountPage = Type.Object({
  items: Type.Array(AccountSummarySchema),
  nextCursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page; null on the last' })),
});

/** One account with its leads, deals and recent touches: `GET /v1/accounts/:id`. */
export const AccountSchema = Type.Object({
  ...AccountSummarySchema.properties,
  leads: Type.Array(
    Type.Object({
      id: Type.String(),
      email: Type.String(),
      name: Nullable(Type.String()),
      company: Nullable(Type.String()),
      title: Nullable(Type.String()),
      department: Nullable(Type.String()),
      stage: Type.Enum([...STAGES]),
      score: Type.Number(),
      ownerEmail: Nullable(Type.String()),
    }),
    { description: 'best score first' },
  ),
  deals: Type.Array(
    Type.Object({
      id: Type.String(),
      leadId: Type.String(),
      kind: Type.String(),
      status: Type.String(),
      stage: Nullable(Type.String()),
      amount: Nullable(Type.Number()),
      ownerEmail: Nullable(Type.String()),
      openedAt: Instant(),
      closedAt: Nullable(Instant()),
    }),
    { description: 'newest first' },
  ),
  touches: Type.Array(
    Type.Object({
      leadId: Type.String(),
      at: Instant(),
      kind: Type.String(),
      detail: Type.Record(Type.String(), Type.Unknown()),
    }),
    { description: 'the last 50, newest first' },
  ),
});

const summary = (a: AccountSummary) => ({
  id: a.id,
  name: a.name,
  domain: a.domain,
  leadCount: a.leadCount,
  openDeals: a.openDeals,
  lastTouchAt: a.lastTouchAt?.toISOString() ?? null,
  bestScore: a.bestScore,
  createdAt: a.createdAt.toISOString(),
});

/** Accounts: leads grouped by company (docs/accounts.md), listed and one by one. */
export const accountRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.get(
    '/v1/accounts',
    {
      schema: {
        querystring: Type.Object(
          {
            q: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'part of the name or domain, any case' }),
            ),
            cursor: Type.Optional(
              Type.String({ pattern: CURSOR_PATTERN, description: 'nextCursor of the previous page' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: AccountPage },
      },
    },
    async (request) => {
      const { cursor, limit, q } = request.query;
      const page = await listAccounts(
        db,
        { q },
        cursor === undefined ? undefined : decodeCursor(cursor, 'createdAt'),
        limit ?? 50,
      );
      return {
        items: page.accounts.map(summary),
        nextCursor: page.next ? encodeCursor(page.next, 'createdAt') : null,
      };
    },
  );

  app.get(
    '/v1/accounts/:id',
    { schema: { params: IdParams, response: { 200: AccountSchema, ...errors([404, 'no such account']) } } },
    async (request) => {
      const account = isUuid(request.params.id) ? await findAccount(db, request.params.id) : undefined;
      if (!account) throw notFound('account');
      return {
        ...summary(account.summary),
        leads: account.contacts,
        deals: account.deals.map((d) => ({
          ...d,
          openedAt: d.openedAt.toISOString(),
          closedAt: d.closedAt?.toISOString() ?? null,
        })),
        touches: account.touches.map((t) => ({ ...t, at: t.at.toISOString() })),
      };
    },
  );
};
