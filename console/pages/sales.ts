import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { UUID_PATTERN } from '../../api/schemas.ts';
import type { EscalationList } from '../../api/routes/escalations.ts';
import type { PipelineReport } from '../../api/routes/reports.ts';
import { apiErrorOf, apiFor, contextOf } from '../context.ts';
import { html } from '../html.ts';
import { formatDateTime, formatNumber, messages } from '../i18n.ts';
import { csrfField, notice, sendApiError, sendPage } from '../layout.ts';
import { lineChart } from '../charts.ts';
import { leadAccountBlock } from './lead-account.ts';
import { kindName } from './timeline.ts';

const text = messages({
  ja: {
    inbox: '営業インボックス',
    intro: 'スコアがしきい値を超えたリードです。内容を確認して対応したら「対応済み」にしてください。',
    open: '未対応',
    all: 'すべて',
    show: '表示',
    lead: 'リード',
    kind: '種類',
    status: '状態',
    sales: '新規商談',
    upsell: 'アップセル',
    score: 'スコア',
    owner: '担当',
    at: '日時',
    why: 'ホットな理由（最近の行動と加点）',
    scoreOverTime: 'スコアの推移（破線はしきい値）',
    email_open: 'メール開封',
    email_click: 'メール内リンクのクリック',
    web_visit: 'Webサイト訪問',
    form_submit: 'フォーム送信',
    reply: '返信',
    dm_response: 'DMへの反応',
    meeting_request: '商談の依頼',
    ack: '対応済みにする',
    acked: '対応済み',
    ackDone: '対応済みにしました',
    pipeline: 'パイプライン',
    pipelineIntro: '担当者別の進行中の商談です。動きのない商談は黄色で示します。',
    deals: '商談数',
    expected: '見込み金額',
    weighted: '加重金額',
    nextClose: '次の受注予定日',
    overdue: '予定日超過',
    stalledDays: '停滞日数',
    stage: '商談ステージ',
    amount: '金額',
    probability: '確度',
    closeDate: '受注予定日',
    stalled: '停滞',
    total: '合計',
    unassigned: '担当なし',
  },
  en: {
    inbox: 'Sales inbox',
    intro: 'Leads whose score reached the threshold. Read why, call, then acknowledge.',
    open: 'Open',
    all: 'All',
    show: 'Show',
    lead: 'Lead',
    kind: 'Kind',
    status: 'Status',
    sales: 'New deal',
    upsell: 'Upsell',
    score: 'Score',
    owner: 'Owner',
    at: 'When',
    why: 'Why it is hot (recent activity and points)',
    scoreOverTime: 'Score over time (dashed: threshold)',
    email_open: 'Opened an email',
    email_click: 'Clicked a link in an email',
    web_visit: 'Visited the website',
    form_submit: 'Submitted a form',
    reply: 'Replied',
    dm_response: 'Responded to a DM',
    meeting_request: 'Asked for a meeting',
    ack: 'Acknowledge',
    acked: 'Acknowledged',
    ackDone: 'Acknowledged',
    pipeline: 'Pipeline',
    pipelineIntro: 'Open deals per rep. Deals that have not moved are highlighted.',
    deals: 'Deals',
    expected: 'Expected',
    weighted: 'Weighted',
    nextClose: 'Next close date',
    overdue: 'Overdue',
    stalledDays: 'Days stalled',
    stage: 'Deal stage',
    amount: 'Amount',
    probability: 'Probability',
    closeDate: 'Close date',
    stalled: 'stalled',
    total: 'Total',
    unassigned: 'unassigned',
  },
});

const InboxQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')])),
  acked: Type.Optional(Type.Literal('1')),
});
const IdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN.source }) });

/** GET /v1/escalations/:id: why the lead is hot. */
interface EscalationDetail {
  threshold: number | null;
  recentEvents: { at: string; type: string | null; points: number | null; score: number | null }[];
}

/** GET /v1/leads/:id/score-history. */
interface ScoreHistory {
  threshold: number | null;
  points: { at: string; score: number }[];
}

const EVENT_TYPES = [
  'email_open',
  'email_click',
  'web_visit',
  'form_submit',
  'reply',
  'dm_response',
  'meeting_request',
] as const;

/** An engagement event type in the reader's language. */
function eventName(lang: 'ja' | 'en', type: string): string {
  const known = EVENT_TYPES.find((t) => t === type);
  return known ? text(lang)[known] : type;
}

/** `/inbox` (hot leads to call, with why) and `/pipeline` (deals per rep, stalled ones marked). */
export async function salesPages(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { status?: 'open' | 'all'; acked?: '1' } }>(
    '/inbox',
    { schema: { hide: true, querystring: InboxQuery } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const api = apiFor(app, request);
      const status = request.query.status ?? 'open';
      const answer = await api.get<EscalationList>(`/v1/escalations?status=${status}`);
      if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.inbox, section: 'inbox' }, answer);
      // Why each lead is hot: the engagement that made it so, and its score over time.
      const items = answer.body.items.slice(0, 50);
      const details = await Promise.all(items.map((e) => api.get<EscalationDetail>(`/v1/escalations/${e.id}`)));
      const histories = await Promise.all(
        items.map((e) => api.get<ScoreHistory>(`/v1/leads/${e.leadId}/score-history`)),
      );
      // The escalated lead's colleagues at the same company (docs/accounts.md).
      const colleagues = await Promise.all(
        items.map(async (e) => {
          const lead = await api.get<{ id: string; accountId?: string | null }>(`/v1/leads/${e.leadId}`);
          return lead.status === 200 ? leadAccountBlock(ctx, api, lead.body, 'h3') : html``;
        }),
      );
      const canAck = ctx.can('POST', '/v1/escalations/:id/ack');
      const body = html`<p>${t.intro}</p>
${request.query.acked ? notice('ok', t.ackDone) : ''}
<form method="get" action="/inbox" class="filters"><div><label for="status">${t.status}</label><select id="status" name="status">${(['open', 'all'] as const).map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${t[s]}</option>`)}</select></div><button type="submit" class="secondary">${t.show}</button></form>
${items.length === 0 ? html`<p class="muted">—</p>` : ''}
${items.map((e, i) => {
  const detail = details[i]?.status === 200 ? details[i]?.body : undefined;
  const history = histories[i]?.status === 200 ? histories[i]?.body : undefined;
  const events = detail?.recentEvents ?? [];
  return html`<article class="card" data-escalation-id="${e.id}" aria-labelledby="esc-${e.id}">
<h2 id="esc-${e.id}"><a href="/leads/${e.leadId}">${e.lead?.company ?? ''} ${e.lead?.name ?? e.lead?.email ?? e.leadId}</a> <span class="badge hot">${t.score} ${formatNumber(ctx.lang, e.score, 1)}</span></h2>
<p class="muted">${e.kind === 'upsell' ? t.upsell : t.sales} · ${t.owner}: ${e.ownerEmail ?? '—'} · ${formatDateTime(ctx.lang, e.createdAt)}</p>
<h3>${t.why}</h3>
${events.length === 0 ? html`<p class="muted">—</p>` : html`<ul class="why">${events.map((ev) => html`<li><time datetime="${ev.at}">${formatDateTime(ctx.lang, ev.at)}</time> ${ev.type ? eventName(ctx.lang, ev.type) : kindName(ctx.lang, 'event')}${ev.points === null ? '' : html` <strong>+${formatNumber(ctx.lang, ev.points, 1)}</strong>`}${ev.score === null ? '' : html` → ${formatNumber(ctx.lang, ev.score, 1)}`}</li>`)}</ul>`}
${
  history
    ? lineChart(
        t.scoreOverTime,
        history.points.map((p) => ({ at: Date.parse(p.at), value: p.score })),
        {
          ...(history.threshold === null ? {} : { threshold: history.threshold }),
          formatTime: (ms) => formatDateTime(ctx.lang, new Date(ms)),
        },
      )
    : ''
}
${colleagues[i] ?? ''}
${e.ackedAt ? html`<p>${t.acked}: ${formatDateTime(ctx.lang, e.ackedAt)}</p>` : canAck ? html`<form method="post" action="/inbox/${e.id}/ack">${csrfField(ctx)}<button type="submit">${t.ack}</button></form>` : ''}
</article>`;
})}`;
      return sendPage(reply, ctx, { title: t.inbox, section: 'inbox', body });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/inbox/:id/ack',
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const answer = await apiFor(app, request).send('POST', `/v1/escalations/${request.params.id}/ack`);
      if (answer.status >= 400) {
        const error = apiErrorOf(answer);
        return sendPage(
          reply,
          ctx,
          {
            title: text(ctx.lang).inbox,
            section: 'inbox',
            body: html`${notice('error', error.message)}<p><a href="/inbox">${text(ctx.lang).inbox}</a></p>`,
          },
          answer.status,
        );
      }
      return reply.redirect('/inbox?acked=1', 303);
    },
  );

  app.get('/pipeline', { schema: { hide: true } }, async (request, reply) => {
    const ctx = contextOf(request);
    const t = text(ctx.lang);
    const answer = await apiFor(app, request).get<PipelineReport>('/v1/reports/pipeline');
    if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.pipeline, section: 'pipeline' }, answer);
    const report = answer.body;
    const money = (n: number | null) => (n === null ? '—' : `¥${formatNumber(ctx.lang, n)}`);
    const body = html`<p>${t.pipelineIntro}</p>
<div class="table-wrap"><table><caption>${t.pipeline}</caption><thead><tr><th scope="col">${t.owner}</th><th scope="col" class="num">${t.deals}</th><th scope="col" class="num">${t.expected}</th><th scope="col" class="num">${t.weighted}</th><th scope="col">${t.nextClose}</th><th scope="col" class="num">${t.overdue}</th><th scope="col" class="num">${t.stalledDays}</th></tr></thead>
<tbody>${report.reps.map((r) => html`<tr><th scope="row"><a href="#rep-${r.owner}">${r.owner === 'unassigned' ? t.unassigned : r.owner}</a></th><td class="num">${r.dealCount}</td><td class="num">${money(r.expectedAmount)}</td><td class="num">${money(r.weightedAmount)}</td><td>${r.nextCloseDate ?? '—'}</td><td class="num">${r.overdueCount}</td><td class="num">${r.maxDaysStalled}</td></tr>`)}
<tr><th scope="row">${t.total}</th><td class="num">${report.totals.dealCount}</td><td class="num">${money(report.totals.expectedAmount)}</td><td class="num">${money(report.totals.weightedAmount)}</td><td></td><td></td><td></td></tr></tbody></table></div>
${report.reps.map(
  (r) => html`<h2 id="rep-${r.owner}">${r.owner === 'unassigned' ? t.unassigned : r.owner}</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">${t.lead}</th><th scope="col">${t.stage}</th><th scope="col" class="num">${t.amount}</th><th scope="col" class="num">${t.probability}</th><th scope="col">${t.closeDate}</th><th scope="col" class="num">${t.stalledDays}</th></tr></thead>
<tbody>${r.deals.map((d) => html`<tr class="${d.stalled ? 'stalled' : ''}"><th scope="row"><a href="/leads/${d.leadId}#deals">${d.company ?? ''} ${d.name ?? ''}</a></th><td>${d.dealStage ?? '—'}</td><td class="num">${money(d.amount)}</td><td class="num">${d.probability === null ? '—' : `${d.probability}%`}</td><td>${d.expectedCloseDate ?? '—'}${d.overdue ? html` <span class="badge hot">${t.overdue}</span>` : ''}</td><td class="num">${d.daysStalled}${d.stalled ? html` <span class="badge">${t.stalled}</span>` : ''}</td></tr>`)}</tbody></table></div>`,
)}`;
    return sendPage(reply, ctx, { title: t.pipeline, section: 'pipeline', body, wide: true });
  });
}
