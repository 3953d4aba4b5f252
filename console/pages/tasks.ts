import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { TaskItem } from '../../api/routes/tasks.ts';
import { UUID_PATTERN } from '../../api/schemas.ts';
import { apiErrorOf, apiFor, contextOf } from '../context.ts';
import { html } from '../html.ts';
import { formatDateTime, messages } from '../i18n.ts';
import { csrfField, notice, sendApiError, sendPage } from '../layout.ts';

const text = messages({
  ja: {
    title: 'マイタスク',
    intro:
      'カデンツのタスクステップで作られた、担当者のやることです。担当者を選ぶと自分のタスクだけを表示します。終わったら「完了」を押してください (リードへの接触として記録されます)。',
    owner: '担当者',
    everyone: 'すべての担当者',
    status: '状態',
    open: '未完了',
    done: '完了済み',
    all: 'すべて',
    show: '表示',
    task: 'タスク',
    lead: 'リード',
    due: '期限',
    overdue: '期限切れ',
    note: 'メモ (任意)',
    complete: '完了',
    completed: 'タスクを完了にしました',
    completedAt: '完了',
    none: 'タスクはありません',
    more: '次のページ',
  },
  en: {
    title: 'My tasks',
    intro:
      "To-dos that cadence task steps made for the leads' owners. Pick yourself as the owner to see only yours. Mark a task as done once it is (it counts as a touch of the lead).",
    owner: 'Owner',
    everyone: 'All owners',
    status: 'Status',
    open: 'Open',
    done: 'Done',
    all: 'All',
    show: 'Show',
    task: 'Task',
    lead: 'Lead',
    due: 'Due',
    overdue: 'Overdue',
    note: 'Note (optional)',
    complete: 'Done',
    completed: 'Task marked as done',
    completedAt: 'Done',
    none: 'No tasks',
    more: 'Next page',
  },
});

const STATUSES = ['open', 'done', 'all'] as const;
const ListQuery = Type.Object({
  owner: Type.Optional(Type.String({ maxLength: 254 })),
  status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  completed: Type.Optional(Type.Literal('1')),
});
const IdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN.source }) });
const CompleteForm = Type.Object(
  {
    _csrf: Type.String(),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    owner: Type.Optional(Type.String({ maxLength: 254 })),
    status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
);

type Query = { owner?: string; status?: (typeof STATUSES)[number]; cursor?: string; completed?: '1' };

/** Where the list goes back to after a completion: the same owner and status. */
const listUrl = (owner: string | undefined, status: string, extra: Record<string, string> = {}): string => {
  const params = new URLSearchParams({ ...(owner ? { owner } : {}), status, ...extra });
  return `/tasks?${params.toString()}`;
};

/**
 * `/tasks`: owners' to-dos, the soonest due first, with the lead, the due date and a
 * button to complete each. A console sign-in is an API key, which names no person, so the
 * page filters by owner (everyone by default; the notice email links to the owner's own
 * list) rather than guessing who is reading.
 */
export async function taskPages(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: Query }>(
    '/tasks',
    { schema: { hide: true, querystring: ListQuery } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const api = apiFor(app, request);
      const owner = request.query.owner?.trim() || undefined;
      const status = request.query.status ?? 'open';
      const query = new URLSearchParams({
        status,
        limit: '100',
        ...(owner ? { owner } : {}),
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      });
      const [answer, owners] = await Promise.all([
        api.get<{ items: TaskItem[]; nextCursor: string | null }>(`/v1/tasks?${query.toString()}`),
        api.get<{ items: { email: string; open: number }[] }>('/v1/tasks/owners'),
      ]);
      if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'tasks' }, answer);
      const ownerList = owners.status === 200 ? owners.body.items : [];
      const canComplete = ctx.can('POST', '/v1/tasks/:id/complete');
      const items = answer.body.items;
      const now = Date.now();
      const body = html`<p>${t.intro}</p>
${request.query.completed ? notice('ok', t.completed) : ''}
<form method="get" action="/tasks" class="filters">
<div><label for="owner">${t.owner}</label><select id="owner" name="owner"><option value="">${t.everyone}</option>
${ownerList.map((o) => html`<option value="${o.email}"${o.email === owner?.toLowerCase() ? html` selected` : ''}>${o.email} (${o.open})</option>`)}</select></div>
<div><label for="status">${t.status}</label><select id="status" name="status">
${STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${t[s]}</option>`)}</select></div>
<button type="submit" class="secondary">${t.show}</button></form>
<div class="table-wrap"><table><caption>${t.title} (${items.length})</caption><thead><tr>
<th scope="col">${t.task}</th><th scope="col">${t.lead}</th><th scope="col">${t.owner}</th><th scope="col">${t.due}</th><th scope="col">${t.status}</th></tr></thead>
<tbody>${items.length === 0 ? html`<tr><td colspan="5" class="muted">${t.none}</td></tr>` : ''}${items.map((task) => {
        const overdue = task.status === 'open' && task.dueAt !== null && Date.parse(task.dueAt) < now;
        return html`<tr data-task-id="${task.id}">
<td>${task.title ?? '—'}${task.note ? html`<br><span class="muted">${task.note}</span>` : ''}</td>
<td><a href="/leads/${task.leadId}">${task.lead.company ?? ''} ${task.lead.name ?? task.lead.email}</a></td>
<td>${task.ownerEmail ?? '—'}</td>
<td><time datetime="${task.dueAt ?? ''}">${formatDateTime(ctx.lang, task.dueAt)}</time>${overdue ? html` <span class="badge hot">${t.overdue}</span>` : ''}</td>
<td>${
          task.status === 'done'
            ? html`${t.completedAt} ${formatDateTime(ctx.lang, task.completedAt)}`
            : canComplete
              ? html`<form method="post" action="/tasks/${task.id}/complete" class="inline">${csrfField(ctx)}<input type="hidden" name="status" value="${status}">${owner ? html`<input type="hidden" name="owner" value="${owner}">` : ''}
<label class="visually-hidden" for="note-${task.id}">${t.note}</label><input type="text" id="note-${task.id}" name="note" maxlength="2000" placeholder="${t.note}">
<button type="submit" aria-label="${t.complete}: ${task.title ?? ''} ${task.lead.name ?? task.lead.email}">${t.complete}</button></form>`
              : t.open
        }</td></tr>`;
      })}</tbody></table></div>
${answer.body.nextCursor ? html`<p><a href="${listUrl(owner, status, { cursor: answer.body.nextCursor })}">${t.more}</a></p>` : ''}`;
      return sendPage(reply, ctx, { title: t.title, section: 'tasks', body, wide: true });
    },
  );

  app.post<{ Params: { id: string }; Body: { note?: string; owner?: string; status?: (typeof STATUSES)[number] } }>(
    '/tasks/:id/complete',
    { schema: { hide: true, params: IdParams, body: CompleteForm } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const note = request.body.note?.trim();
      const answer = await apiFor(app, request).send(
        'POST',
        `/v1/tasks/${request.params.id}/complete`,
        note ? { note } : {},
      );
      if (answer.status >= 400) {
        const error = apiErrorOf(answer);
        return sendPage(
          reply,
          ctx,
          {
            title: text(ctx.lang).title,
            section: 'tasks',
            body: html`${notice('error', error.message, error.details)}<p><a href="/tasks">${text(ctx.lang).title}</a></p>`,
          },
          answer.status,
        );
      }
      return reply.redirect(
        listUrl(request.body.owner?.trim() || undefined, request.body.status ?? 'open', { completed: '1' }),
        303,
      );
    },
  );
}
