import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { DmTaskItem, DmTaskList } from '../../api/routes/dm-tasks.ts';
import { apiErrorOf, apiFor, contextOf } from '../context.ts';
import { html } from '../html.ts';
import { formatDateTime, messages } from '../i18n.ts';
import { csrfField, notice, sendApiError, sendPage } from '../layout.ts';

const text = messages({
  ja: {
    title: 'DMタスク',
    intro: '印刷して郵送するDMの一覧です。発送したら「発送済みにする」を押してください。',
    open: '未発送',
    done: '発送済み',
    all: 'すべて',
    cancelled: '取消',
    held: '保留 (商談中)',
    show: '表示',
    csv: '宛名ラベルCSVをダウンロード',
    select: '選択',
    selectAll: 'すべて選択',
    lead: 'リード',
    label: '宛名',
    letter: 'DM',
    created: '作成日時',
    view: '文面を見る',
    complete: '発送済みにする',
    completeSelected: '選択したDMを発送済みにする',
    completed: '件を発送済みにしました',
    sama: '様',
    noAddress: '住所が未登録です',
    status: '状態',
  },
  en: {
    title: 'DM tasks',
    intro: 'Direct mail to print and post. Mark each one as sent once it is in the post.',
    open: 'Open',
    done: 'Sent',
    all: 'All',
    cancelled: 'Cancelled',
    held: 'Held (in a deal)',
    show: 'Show',
    csv: 'Download mailing labels (CSV)',
    select: 'Select',
    selectAll: 'Select all',
    lead: 'Lead',
    label: 'Label',
    letter: 'Letter',
    created: 'Created',
    view: 'View letter',
    complete: 'Mark as sent',
    completeSelected: 'Mark selected as sent',
    completed: 'marked as sent',
    sama: '',
    noAddress: 'No postal address',
    status: 'Status',
  },
});

const STATUSES = ['open', 'done', 'held', 'cancelled', 'all'] as const;
const StatusQuery = Type.Object({
  status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
  completed: Type.Optional(Type.Integer({ minimum: 0 })),
});
const CompleteForm = Type.Object(
  {
    _csrf: Type.String(),
    ids: Type.Optional(
      Type.Union([Type.String({ maxLength: 100 }), Type.Array(Type.String({ maxLength: 100 }), { maxItems: 1000 })]),
    ),
  },
  { additionalProperties: false },
);
// A row's own button completes that row only, whatever else is ticked.
const CompleteQuery = Type.Object({ only: Type.Optional(Type.String({ maxLength: 100 })) });

/** `/dm-tasks`: the print desk's queue with letters and labels, marking one or many as sent. */
export async function dmTaskPages(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { status?: (typeof STATUSES)[number]; completed?: number } }>(
    '/dm-tasks',
    { schema: { hide: true, querystring: StatusQuery } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const status = request.query.status ?? 'open';
      const answer = await apiFor(app, request).get<DmTaskList>(`/v1/dm-tasks?status=${status}&limit=1000`);
      if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'dmTasks' }, answer);
      const canComplete = ctx.can('POST', '/v1/dm-tasks/complete');
      const items = answer.body.items;
      const label = (d: DmTaskItem) =>
        d.postalAddress
          ? html`〒${d.postalAddress.postalCode} ${d.postalAddress.prefecture}${d.postalAddress.city}${d.postalAddress.line1}${d.postalAddress.line2 ? html` ${d.postalAddress.line2}` : ''}<br>${d.lead.company ?? ''} ${d.lead.department ?? ''}<br>${d.lead.name ?? d.lead.email} ${t.sama}`
          : html`<span class="muted">${t.noAddress}</span>`;
      const body = html`<p>${t.intro}</p>
${request.query.completed !== undefined ? notice('ok', `${request.query.completed} ${t.completed}`) : ''}
<form method="get" action="/dm-tasks" class="filters"><div><label for="status">${t.status}</label><select id="status" name="status">
${STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${t[s]}</option>`)}</select></div>
<button type="submit" class="secondary">${t.show}</button>
<a class="button secondary" href="/v1/dm-tasks.csv?status=${status}" download>${t.csv}</a></form>
<form method="post" action="/dm-tasks/complete" id="complete-form">${csrfField(ctx)}
<div class="table-wrap"><table><caption>${t.title} (${items.length})</caption><thead><tr>
${canComplete ? html`<th scope="col"><input type="checkbox" aria-label="${t.selectAll}" data-select-all="ids"></th>` : ''}
<th scope="col">${t.label}</th><th scope="col">${t.letter}</th><th scope="col" class="hide-narrow">${t.created}</th><th scope="col">${t.status}</th></tr></thead>
<tbody>${items.map(
        (d) => html`<tr data-task-id="${d.id}">
${canComplete ? html`<td>${d.status === 'open' ? html`<input type="checkbox" name="ids" value="${d.id}" aria-label="${t.select}: ${d.lead.name ?? d.lead.email}">` : ''}</td>` : ''}
<td><a href="/leads/${d.leadId}">${label(d)}</a></td>
<td>${d.letterSubject ?? d.templateKey ?? ''}${d.letterUrl ? html`<details><summary>${t.view}</summary><iframe class="preview-frame" title="${t.letter}: ${d.letterSubject ?? ''}" sandbox src="${d.letterUrl}" loading="lazy"></iframe></details>` : ''}</td>
<td class="hide-narrow">${formatDateTime(ctx.lang, d.createdAt)}</td>
<td>${d.status === 'open' ? (canComplete ? html`<button type="submit" class="secondary" formaction="/dm-tasks/complete?only=${d.id}">${t.complete}</button>` : t.open) : d.status === 'done' ? html`${t.done} ${formatDateTime(ctx.lang, d.completedAt)}` : html`${t[d.status]}<br><span class="muted">${d.statusReason ?? ''}</span>`}</td></tr>`,
      )}</tbody></table></div>
${canComplete && items.some((d) => d.status === 'open') ? html`<p><button type="submit">${t.completeSelected}</button></p>` : ''}
</form>`;
      return sendPage(reply, ctx, { title: t.title, section: 'dmTasks', body, wide: true });
    },
  );

  app.post<{ Body: { ids?: string | string[] }; Querystring: { only?: string } }>(
    '/dm-tasks/complete',
    { schema: { hide: true, body: CompleteForm, querystring: CompleteQuery } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const ticked =
        request.body.ids === undefined ? [] : Array.isArray(request.body.ids) ? request.body.ids : [request.body.ids];
      const ids = request.query.only !== undefined ? [request.query.only] : [...new Set(ticked)];
      if (ids.length === 0) return reply.redirect('/dm-tasks', 303);
      const answer = await apiFor(app, request).send<{ items?: unknown[] }>('POST', '/v1/dm-tasks/complete', { ids });
      if (answer.status >= 400) {
        const error = apiErrorOf(answer);
        return sendPage(
          reply,
          ctx,
          {
            title: text(ctx.lang).title,
            section: 'dmTasks',
            body: html`${notice('error', error.message, error.details)}<p><a href="/dm-tasks">${text(ctx.lang).title}</a></p>`,
          },
          answer.status,
        );
      }
      return reply.redirect(`/dm-tasks?completed=${ids.length}`, 303);
    },
  );
}
