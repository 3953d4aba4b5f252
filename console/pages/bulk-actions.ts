import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { BulkActionSchema } from '../../api/routes/bulk-actions.ts';
import type { BulkActionKind, BulkActionState } from '../../domain/bulk-actions.ts';
import { apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, formatNumber, messages, type Lang } from '../i18n.ts';
import { csrfField, sendApiError, sendPage } from '../layout.ts';

const text = messages({
  ja: {
    title: '一括操作',
    segment: 'セグメント',
    selection: '選んだリード',
    action: '操作',
    state: '状態',
    total: '対象',
    done: '完了',
    failed: '失敗',
    skipped: 'スキップ',
    pending: '残り',
    failures: '失敗したリード',
    progress: '進捗',
    cancel: '中止',
    cancelAsk: 'この一括操作を中止します。済んだ分はそのまま残ります。よろしいですか？',
    requestedBy: '実行者',
    created: '開始',
    finished: '終了',
    skippedMeans: 'スキップ：変更が不要だった（すでにその状態、終了・連絡禁止のリード、削除済み）。',
    state_pending: '対象を確定中',
    state_running: '実行中',
    state_completed: '完了',
    state_cancelled: '中止',
    state_failed: '失敗',
    act_move_cadence: 'カデンツを変更',
    act_set_owner: '担当者を変更',
    act_pause: '一時停止',
    act_resume: '再開',
    act_add_tag: 'タグを追加',
    act_remove_tag: 'タグを外す',
    act_do_not_contact: '連絡禁止にする',
  },
  en: {
    title: 'Bulk action',
    segment: 'Segment',
    selection: 'Chosen leads',
    action: 'Action',
    state: 'State',
    total: 'Leads',
    done: 'Done',
    failed: 'Failed',
    skipped: 'Skipped',
    pending: 'To do',
    failures: 'Failed leads',
    progress: 'Progress',
    cancel: 'Cancel',
    cancelAsk: 'Cancel this bulk action? What is done stays done.',
    requestedBy: 'Requested by',
    created: 'Started',
    finished: 'Finished',
    skippedMeans: 'Skipped: nothing needed doing (already so, a closed or do-not-contact lead, or the lead is gone).',
    state_pending: 'Taking the selection',
    state_running: 'Running',
    state_completed: 'Completed',
    state_cancelled: 'Cancelled',
    state_failed: 'Failed',
    act_move_cadence: 'Move to a cadence',
    act_set_owner: 'Set the owner',
    act_pause: 'Pause',
    act_resume: 'Resume',
    act_add_tag: 'Add a tag',
    act_remove_tag: 'Remove a tag',
    act_do_not_contact: 'Mark do not contact',
  },
});

type BulkActionView = Static<typeof BulkActionSchema>;

/** A bulk action's kind in the reader's language (the segment page's form and list use it too). */
export const bulkActionName = (lang: Lang, action: BulkActionKind): string => text(lang)[`act_${action}`];

/** A bulk action's state in the reader's language. */
export const bulkStateName = (lang: Lang, state: BulkActionState): string => text(lang)[`state_${state}`];
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const CancelForm = Type.Object({ _csrf: Type.String() }, { additionalProperties: false });
/** How often an open progress view asks for the figures while the action runs. */
const POLL = 'every 2s';

const running = (a: BulkActionView) => a.state === 'pending' || a.state === 'running';

/**
 * The progress block. While the action runs it reloads itself (htmx takes this block out
 * of the whole page, so there is one route and the page works without script); a
 * finished action's block has no trigger, so the polling stops.
 */
function progress(ctx: ConsoleContext, a: BulkActionView): Html {
  const t = text(ctx.lang);
  const n = (value: number | null) => formatNumber(ctx.lang, value);
  const mayCancel = running(a) && ctx.can('POST', '/v1/bulk-actions/:id/cancel');
  return html`<div id="progress"${running(a) ? html` hx-get="/bulk-actions/${a.id}" hx-select="#progress" hx-trigger="${POLL}" hx-swap="outerHTML"` : ''} aria-live="polite">
<h2>${t.progress}</h2>
<dl class="profile"><dt>${t.state}</dt><dd data-state="${a.state}">${t[`state_${a.state}`]}</dd>
${a.finishedAt ? html`<dt>${t.finished}</dt><dd>${formatDateTime(ctx.lang, a.finishedAt)}</dd>` : ''}</dl>
<div class="table-wrap"><table><thead><tr><th scope="col">${t.total}</th><th scope="col">${t.done}</th><th scope="col">${t.failed}</th><th scope="col">${t.skipped}</th><th scope="col">${t.pending}</th></tr></thead>
<tbody><tr data-progress><td data-total>${n(a.total)}</td><td data-done>${n(a.done)}</td><td data-failed>${n(a.failed)}</td><td data-skipped>${n(a.skipped)}</td><td>${n(a.pending)}</td></tr></tbody></table></div>
${mayCancel ? html`<form method="post" action="/bulk-actions/${a.id}/cancel">${csrfField(ctx)}<button type="submit" class="secondary" data-confirm="${t.cancelAsk}">${t.cancel}</button></form>` : ''}
${
  a.failures.length > 0
    ? html`<h2>${t.failures}</h2><ul>${a.failures.map((f) => html`<li><a href="/leads/${f.leadId}">${f.leadId}</a>${f.detail ? html`: ${f.detail}` : ''}</li>`)}</ul>`
    : ''
}
</div>`;
}

/** `/bulk-actions/:id`: a bulk action's progress, live while it runs, with its cancel button. */
export async function bulkActionPages(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/bulk-actions/:id',
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const answer = await apiFor(app, request).get<BulkActionView>(
        `/v1/bulk-actions/${encodeURIComponent(request.params.id)}`,
      );
      if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'segments' }, answer);
      const a = answer.body;
      const param = a.params.cadence ?? a.params.tag ?? (a.action === 'set_owner' ? (a.params.ownerEmail ?? '—') : '');
      const body = html`<dl class="profile"><dt>${t.action}</dt><dd data-action="${a.action}">${t[`act_${a.action}`]}${param ? html` · ${param}` : ''}</dd>
<dt>${a.segmentId ? t.segment : t.selection}</dt><dd>${
        a.segmentId
          ? html`<a href="/segments/${a.segmentId}">${a.segmentName ?? a.segmentId}</a>`
          : formatNumber(ctx.lang, a.selectedLeadIds)
      }</dd>
<dt>${t.created}</dt><dd>${formatDateTime(ctx.lang, a.createdAt)}</dd>
${a.requestedBy ? html`<dt>${t.requestedBy}</dt><dd>${a.requestedBy}</dd>` : ''}</dl>
${progress(ctx, a)}
<p class="muted">${t.skippedMeans}</p>`;
      return sendPage(reply, ctx, { title: t.title, section: 'segments', body });
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof CancelForm> }>(
    '/bulk-actions/:id/cancel',
    { schema: { hide: true, params: IdParams, body: CancelForm } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const id = encodeURIComponent(request.params.id);
      const answer = await apiFor(app, request).send('POST', `/v1/bulk-actions/${id}/cancel`);
      // Finished meanwhile (409): the page shows how it ended, which is what the reader wants to know.
      if (answer.status >= 400 && answer.status !== 409)
        return sendApiError(reply, ctx, { title: text(ctx.lang).title, section: 'segments' }, answer);
      return reply.redirect(`/bulk-actions/${id}`, 303);
    },
  );
}
