import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { apiErrorOf, apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, formatNumber, messages, stageName } from '../i18n.ts';
import { notice, sendApiError, sendPage } from '../layout.ts';
import { kindName } from './timeline.ts';

/** `GET /v1/accounts` items and `GET /v1/accounts/:id`, as these pages read them. */
interface AccountItem {
  id: string;
  name: string;
  domain: string | null;
  leadCount: number;
  openDeals: number;
  lastTouchAt: string | null;
  bestScore: number;
}
/** One of an account's leads. */
export interface AccountLead {
  id: string;
  email: string;
  name: string | null;
  title: string | null;
  department: string | null;
  stage: string;
  score: number;
  ownerEmail: string | null;
}
/** An account with its leads, deals and touches. */
export interface AccountDetail extends AccountItem {
  leads: AccountLead[];
  deals: {
    id: string;
    leadId: string;
    kind: string;
    status: string;
    stage: string | null;
    amount: number | null;
    ownerEmail: string | null;
    openedAt: string;
  }[];
  touches: { leadId: string; at: string; kind: string; detail: Record<string, unknown> }[];
}

const text = messages({
  ja: {
    title: '企業（アカウント）',
    intro:
      '会社名の表記ゆれ（株式会社・(株)・全角半角など）と会社のメールドメインでリードをまとめた企業の一覧です。フリーメールのドメインではまとめません。',
    q: '企業名・ドメイン',
    filter: '絞り込む',
    clear: '条件をクリア',
    account: '企業',
    leads: 'リード数',
    openDeals: '進行中の商談',
    lastTouch: '最後の接触',
    bestScore: '最高スコア',
    none: '条件に合う企業はありません。',
    nextPage: '次のページ',
    firstPage: '最初のページ',
    contacts: 'この企業のリード',
    lead: 'リード',
    stage: 'ステージ',
    score: 'スコア',
    owner: '担当者',
    deals: '商談',
    noDeals: '商談はありません。',
    kind: '種類',
    status: '状態',
    amount: '金額',
    opened: '開始',
    touches: '最近の接触',
    noTouches: 'まだ接触はありません。',
    at: '日時',
    domain: 'ドメイン',
    notFound: '企業が見つかりません',
  },
  en: {
    title: 'Accounts',
    intro:
      'Leads grouped by company: spellings of one company name (株式会社, (株), Co., Ltd., full- and half-width) and its corporate mail domain. Free-mail domains never group leads.',
    q: 'Company or domain',
    filter: 'Filter',
    clear: 'Clear filters',
    account: 'Account',
    leads: 'Leads',
    openDeals: 'Open deals',
    lastTouch: 'Last touch',
    bestScore: 'Best score',
    none: 'No account matches.',
    nextPage: 'Next page',
    firstPage: 'First page',
    contacts: 'Leads at this account',
    lead: 'Lead',
    stage: 'Stage',
    score: 'Score',
    owner: 'Owner',
    deals: 'Deals',
    noDeals: 'No deals.',
    kind: 'Kind',
    status: 'Status',
    amount: 'Amount',
    opened: 'Opened',
    touches: 'Recent touches',
    noTouches: 'No touches yet.',
    at: 'When',
    domain: 'Domain',
    notFound: 'No such account',
  },
});

const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const PAGE_SIZE = 25;

const personOf = (lead: Pick<AccountLead, 'name' | 'email'>): string => lead.name ?? lead.email;

/** The account's leads with stage and score: on its page, and beside a lead (without that lead). */
export function accountLeadsTable(ctx: ConsoleContext, leads: readonly AccountLead[], caption: string): Html {
  const t = text(ctx.lang);
  return html`<div class="table-wrap"><table class="account-leads"><caption>${caption}</caption><thead><tr>
<th scope="col">${t.lead}</th><th scope="col">${t.stage}</th><th scope="col" class="num">${t.score}</th><th scope="col" class="hide-narrow">${t.owner}</th></tr></thead>
<tbody>${leads.map(
    (l) =>
      html`<tr data-lead-id="${l.id}"><th scope="row"><a href="/leads/${l.id}">${personOf(l)}</a>${
        l.title || l.department
          ? html`<br><span class="muted">${[l.department, l.title].filter(Boolean).join(' · ')}</span>`
          : ''
      }</th><td>${stageName(ctx.lang, l.stage)}</td><td class="num">${formatNumber(ctx.lang, l.score, 1)}</td><td class="hide-narrow">${l.ownerEmail ?? '—'}</td></tr>`,
  )}</tbody></table></div>`;
}

function accountsTable(ctx: ConsoleContext, items: readonly AccountItem[]): Html {
  const t = text(ctx.lang);
  if (items.length === 0) return html`<p class="muted">${t.none}</p>`;
  return html`<div class="table-wrap"><table class="accounts"><caption>${t.title}</caption><thead><tr>
<th scope="col">${t.account}</th><th scope="col" class="num">${t.leads}</th><th scope="col" class="num">${t.openDeals}</th><th scope="col" class="num">${t.bestScore}</th><th scope="col" class="hide-narrow">${t.lastTouch}</th></tr></thead>
<tbody>${items.map(
    (a) =>
      html`<tr data-account-id="${a.id}"><th scope="row"><a href="/accounts/${a.id}">${a.name}</a>${
        a.domain && a.domain !== a.name ? html`<br><span class="muted">${a.domain}</span>` : ''
      }</th><td class="num">${a.leadCount}</td><td class="num">${a.openDeals}</td><td class="num">${formatNumber(ctx.lang, a.bestScore, 1)}</td><td class="hide-narrow">${formatDateTime(ctx.lang, a.lastTouchAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

function accountBody(ctx: ConsoleContext, a: AccountDetail): Html {
  const t = text(ctx.lang);
  const byId = new Map(a.leads.map((l) => [l.id, l]));
  const who = (leadId: string): Html => {
    const lead = byId.get(leadId);
    return html`<a href="/leads/${leadId}">${lead ? personOf(lead) : leadId}</a>`;
  };
  return html`<section class="card" aria-labelledby="account-h"><h2 id="account-h">${a.name}</h2><dl class="profile">
${a.domain ? html`<dt>${t.domain}</dt><dd>${a.domain}</dd>` : ''}
<dt>${t.leads}</dt><dd data-field="lead-count">${a.leadCount}</dd>
<dt>${t.openDeals}</dt><dd>${a.openDeals}</dd>
<dt>${t.bestScore}</dt><dd data-field="best-score">${formatNumber(ctx.lang, a.bestScore, 1)}</dd>
<dt>${t.lastTouch}</dt><dd>${formatDateTime(ctx.lang, a.lastTouchAt)}</dd>
</dl></section>
<section aria-labelledby="contacts-h"><h2 id="contacts-h">${t.contacts}</h2>${accountLeadsTable(ctx, a.leads, t.contacts)}</section>
<section aria-labelledby="deals-h"><h2 id="deals-h">${t.deals}</h2>${
    a.deals.length === 0
      ? html`<p class="muted">${t.noDeals}</p>`
      : html`<div class="table-wrap"><table class="account-deals"><caption>${t.deals}</caption><thead><tr><th scope="col">${t.lead}</th><th scope="col">${t.kind}</th><th scope="col">${t.status}</th><th scope="col">${t.stage}</th><th scope="col" class="num">${t.amount}</th><th scope="col" class="hide-narrow">${t.opened}</th></tr></thead>
<tbody>${a.deals.map(
          (d) =>
            html`<tr><th scope="row">${who(d.leadId)}</th><td>${d.kind}</td><td>${d.status}</td><td>${d.stage ?? '—'}</td><td class="num">${d.amount === null ? '—' : `¥${formatNumber(ctx.lang, d.amount)}`}</td><td class="hide-narrow">${formatDateTime(ctx.lang, d.openedAt)}</td></tr>`,
        )}</tbody></table></div>`
  }</section>
<section aria-labelledby="touches-h"><h2 id="touches-h">${t.touches}</h2>${
    a.touches.length === 0
      ? html`<p class="muted">${t.noTouches}</p>`
      : html`<ul class="timeline">${a.touches.map(
          (e) =>
            html`<li><time datetime="${e.at}">${formatDateTime(ctx.lang, e.at)}</time> ${kindName(ctx.lang, e.kind)} · ${who(e.leadId)}${
              typeof e.detail.subject === 'string' ? html` · ${e.detail.subject}` : ''
            }</li>`,
        )}</ul>`
  }</section>`;
}

/** `/accounts` (the list, searchable, keyset pages) and `/accounts/:id` (its leads, deals, touches and score). */
export async function accountPages(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { q?: string; cursor?: string } }>(
    '/accounts',
    { schema: { hide: true, querystring: ListQuery } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const q = request.query.q?.trim() || undefined;
      const params = new URLSearchParams({
        limit: String(PAGE_SIZE),
        ...(q ? { q } : {}),
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      });
      const answer = await apiFor(app, request).get<{ items: AccountItem[]; nextCursor: string | null }>(
        `/v1/accounts?${params.toString()}`,
      );
      const failed = answer.status === 200 ? undefined : apiErrorOf(answer);
      const keep = q ? `q=${encodeURIComponent(q)}&` : '';
      const body = html`<p>${t.intro}</p>
<form method="get" action="/accounts" class="filters" role="search">
<div class="field"><label for="account-q">${t.q}</label><input id="account-q" name="q" type="search" value="${q ?? ''}" maxlength="200"></div>
<div class="field"><button type="submit">${t.filter}</button> <a href="/accounts">${t.clear}</a></div>
</form>
${failed ? notice('error', failed.message, failed.details) : accountsTable(ctx, answer.body.items)}
<nav class="pager" aria-label="${t.title}">${request.query.cursor ? html`<a href="/accounts?${keep}">${t.firstPage}</a>` : ''}${
        !failed && answer.body.nextCursor
          ? html` <a href="/accounts?${keep}cursor=${encodeURIComponent(answer.body.nextCursor)}" rel="next">${t.nextPage}</a>`
          : ''
      }</nav>`;
      return sendPage(
        reply,
        ctx,
        { title: t.title, section: 'accounts', body, wide: true },
        failed ? answer.status : 200,
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/accounts/:id',
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const answer = await apiFor(app, request).get<AccountDetail>(
        `/v1/accounts/${encodeURIComponent(request.params.id)}`,
      );
      if (answer.status !== 200)
        return sendApiError(reply, ctx, { title: text(ctx.lang).notFound, section: 'accounts' }, answer);
      return sendPage(reply, ctx, {
        title: answer.body.name,
        section: 'accounts',
        body: accountBody(ctx, answer.body),
        wide: true,
      });
    },
  );
}
