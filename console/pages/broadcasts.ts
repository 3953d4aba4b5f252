import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import {
  PREVIEW_MAX_LEAD_IDS,
  type BroadcastDetailView,
  type BroadcastItem,
  type BroadcastPreview,
} from '../../api/routes/broadcasts.ts';
import type { TemplateList } from '../../api/routes/templates.ts';
import { apiErrorOf, apiFor, contextOf, type ApiAnswer, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, formatNumber, messages, type Lang } from '../i18n.ts';
import { csrfField, notice, sendApiError, sendPage } from '../layout.ts';

const text = messages({
  ja: {
    title: '一斉配信',
    intro:
      'カデンツとは別に、セグメントや選んだリードへ一度だけメールを送ります（セミナー案内など）。配信停止・接触上限・送信時間帯は各リードのルールどおりに守られ、その月の接触に数えられます。',
    newBroadcast: '新しい一斉配信',
    none: 'まだ一斉配信はありません。',
    name: '名前',
    template: 'テンプレート',
    recipients: '配信先',
    segment: 'セグメントID',
    fromLeads: 'リード一覧の現在の絞り込み',
    leadsChosen: '件のリード',
    sendAt: '送信日時 (あなたのタイムゾーン)',
    sendAtHint: '空欄なら今すぐ',
    preview: 'プレビュー',
    testSend: 'テスト送信',
    testTo: 'テスト送信先',
    testSent: 'テストメールを送信しました',
    confirm: '{n} 件のリードに配信を予約する',
    confirmAsk: '{n}件のリードに配信します。よろしいですか？',
    count: '配信対象',
    firstLeads: '最初の配信先',
    lead: 'リード',
    subject: '件名',
    state: '状態',
    progress: '進捗',
    total: '対象',
    handedOver: '引き渡し済み',
    waiting: '送信待ち',
    sent: '送信',
    skipped: 'スキップ',
    reasons: 'スキップの理由',
    report: 'レポート',
    delivered: '到達',
    opened: '開封',
    clicked: 'クリック',
    bounced: 'バウンス',
    unsubscribed: '配信停止',
    pause: '一時停止',
    resume: '再開',
    cancel: '中止',
    cancelAsk: 'この一斉配信を中止します。よろしいですか？',
    state_scheduled: '予約済み',
    state_sending: '配信中',
    state_paused: '一時停止中',
    state_cancelled: '中止',
    state_completed: '引き渡し完了',
    reason_stage: '配信対象外のステージ',
    reason_do_not_contact: '連絡不可',
    reason_email_suppressed: 'メール配信停止中',
    reason_no_consent: '同意記録なし',
    reason_paused: 'リードが一時停止中',
    reason_frequency_cap: '接触上限に達している',
    reason_min_gap: '前回の接触から間がない',
    reason_cancelled: '配信中止',
    reason_send_failed: '送信できなかった',
    reason_no_lifecycle: 'ライフサイクルなし',
    created: '作成',
  },
  en: {
    title: 'Broadcasts',
    intro:
      'One email, once, to a segment or chosen leads, outside the cadences (a seminar invitation, say). Unsubscribes, the frequency cap and the send window hold for each lead as for its cadence, and the email counts as its touch for the month.',
    newBroadcast: 'New broadcast',
    none: 'No broadcasts yet.',
    name: 'Name',
    template: 'Template',
    recipients: 'Recipients',
    segment: 'Segment id',
    fromLeads: 'The current lead filter',
    leadsChosen: 'leads',
    sendAt: 'Send at (your time zone)',
    sendAtHint: 'empty: now',
    preview: 'Preview',
    testSend: 'Test send',
    testTo: 'Test address',
    testSent: 'Test email sent',
    confirm: 'Schedule for {n} leads',
    confirmAsk: 'Send this broadcast to {n} leads?',
    count: 'Recipients',
    firstLeads: 'First recipients',
    lead: 'Lead',
    subject: 'Subject',
    state: 'State',
    progress: 'Progress',
    total: 'Recipients',
    handedOver: 'Handed over',
    waiting: 'Waiting',
    sent: 'Sent',
    skipped: 'Skipped',
    reasons: 'Skip reasons',
    report: 'Report',
    delivered: 'Delivered',
    opened: 'Opened',
    clicked: 'Clicked',
    bounced: 'Bounced',
    unsubscribed: 'Unsubscribed',
    pause: 'Pause',
    resume: 'Resume',
    cancel: 'Cancel',
    cancelAsk: 'Cancel this broadcast?',
    state_scheduled: 'Scheduled',
    state_sending: 'Sending',
    state_paused: 'Paused',
    state_cancelled: 'Cancelled',
    state_completed: 'Handed over',
    reason_stage: 'stage receives no marketing email',
    reason_do_not_contact: 'do not contact',
    reason_email_suppressed: 'email suppressed',
    reason_no_consent: 'no consent basis',
    reason_paused: 'lead paused',
    reason_frequency_cap: 'frequency cap reached',
    reason_min_gap: 'too soon after the last touch',
    reason_cancelled: 'broadcast cancelled',
    reason_send_failed: 'could not be sent',
    reason_no_lifecycle: 'no lifecycle',
    created: 'Created',
  },
});

type T = ReturnType<typeof text>;

type Progress = BroadcastItem['progress'];
type BroadcastDetail = BroadcastDetailView;
type Preview = BroadcastPreview;

const LEAD_FILTERS = ['stage', 'scoreMin', 'scoreMax', 'owner', 'cadence', 'contact', 'q'] as const;
const Text = (max: number) => Type.Optional(Type.String({ maxLength: max }));
const NewQuery = Type.Object(Object.fromEntries(LEAD_FILTERS.map((k) => [k, Text(200)])));
const NewForm = Type.Object(
  {
    _csrf: Type.String(),
    name: Text(200),
    template: Text(100),
    source: Type.Optional(Type.Union([Type.Literal('segment'), Type.Literal('leads')])),
    segmentId: Text(100),
    leadIds: Text(37 * 10_000),
    sendAtLocal: Text(30),
    offset: Text(6),
    to: Text(254),
    action: Type.Union([Type.Literal('preview'), Type.Literal('test'), Type.Literal('schedule')]),
  },
  { additionalProperties: false },
);
type NewFields = Static<typeof NewForm>;
const ActionForm = Type.Object(
  { _csrf: Type.String(), action: Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('cancel')]) },
  { additionalProperties: false },
);

const stateLabel = (t: T, state: BroadcastItem['state']) => t[`state_${state}`];
const n = (lang: Lang, value: number | null) => formatNumber(lang, value);

function progressCells(ctx: ConsoleContext, p: Progress): Html {
  return html`<td>${n(ctx.lang, p.total)}</td><td>${n(ctx.lang, p.handedOver)}</td><td>${n(ctx.lang, p.sent)}</td><td>${n(ctx.lang, p.skipped)}</td>`;
}

/** The send time as an instant: the local time the reader typed, at their browser's offset (Japan's without it). */
function sendAtOf(fields: NewFields): string | undefined {
  const local = fields.sendAtLocal?.trim();
  if (!local) return undefined;
  const offset = Number(fields.offset ?? '540');
  const minutes = Number.isInteger(offset) && Math.abs(offset) <= 14 * 60 ? offset : 540;
  const sign = minutes < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  const mm = String(Math.abs(minutes) % 60).padStart(2, '0');
  const date = new Date(`${local.length === 16 ? `${local}:00` : local}${sign}${hh}:${mm}`);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

/** `/broadcasts`: the list, the new-broadcast form (preview, test send, confirmation) and each broadcast's page. */
export async function broadcastPages(app: FastifyInstance): Promise<void> {
  app.get('/broadcasts', { schema: { hide: true } }, async (request, reply) => {
    const ctx = contextOf(request);
    const t = text(ctx.lang);
    const answer = await apiFor(app, request).get<{ items: BroadcastItem[] }>('/v1/broadcasts?limit=200');
    if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'broadcasts' }, answer);
    const items = answer.body.items;
    const body = html`<p>${t.intro}</p>
${ctx.can('POST', '/v1/broadcasts') ? html`<p><a class="button" href="/broadcasts/new">${t.newBroadcast}</a></p>` : ''}
${
  items.length === 0
    ? html`<p class="muted">${t.none}</p>`
    : html`<div class="table-wrap"><table><caption>${t.title} (${items.length})</caption><thead><tr>
<th scope="col">${t.name}</th><th scope="col">${t.state}</th><th scope="col" class="hide-narrow">${t.sendAt}</th>
<th scope="col">${t.total}</th><th scope="col">${t.handedOver}</th><th scope="col">${t.sent}</th><th scope="col">${t.skipped}</th></tr></thead>
<tbody>${items.map(
        (
          b,
        ) => html`<tr data-broadcast-id="${b.id}"><td><a href="/broadcasts/${b.id}">${b.name}</a><br><span class="muted">${b.template}</span></td>
<td>${stateLabel(t, b.state)}</td><td class="hide-narrow">${formatDateTime(ctx.lang, b.sendAt)}</td>${progressCells(ctx, b.progress)}</tr>`,
      )}</tbody></table></div>`
}`;
    return sendPage(reply, ctx, { title: t.title, section: 'broadcasts', body, wide: true });
  });

  /** The form, with what the last action answered (a preview, a test send's result, an error). */
  const newPage = async (
    request: Parameters<typeof contextOf>[0],
    fields: Partial<NewFields>,
    extra: { preview?: Preview; message?: Html },
  ) => {
    const ctx = contextOf(request);
    const t = text(ctx.lang);
    const templates = await apiFor(app, request).get<TemplateList>('/v1/templates');
    const keys =
      templates.status === 200
        ? templates.body.items.map((i) => i.key).filter((k) => !k.startsWith('_') && !k.startsWith('notice-'))
        : [];
    const leadIds = fields.leadIds ?? '';
    const chosen = leadIds === '' ? 0 : leadIds.split(',').length;
    const source = fields.source ?? (chosen > 0 ? 'leads' : 'segment');
    const preview = extra.preview;
    const body = html`${extra.message ?? ''}
<form method="post" action="/broadcasts/new" class="stack" id="broadcast-form">${csrfField(ctx)}
<input type="hidden" name="offset" value="${fields.offset ?? '540'}" data-utc-offset>
<input type="hidden" name="leadIds" value="${leadIds}">
<div><label for="name">${t.name}</label><input id="name" name="name" required maxlength="200" value="${fields.name ?? ''}"></div>
<div><label for="template">${t.template}</label><select id="template" name="template">${keys.map(
      (k) => html`<option value="${k}"${k === fields.template ? html` selected` : ''}>${k}</option>`,
    )}</select></div>
<fieldset><legend>${t.recipients}</legend>
<label><input type="radio" name="source" value="segment"${source === 'segment' ? html` checked` : ''}> ${t.segment}</label>
<input name="segmentId" aria-label="${t.segment}" maxlength="100" value="${fields.segmentId ?? ''}">
${chosen > 0 ? html`<label><input type="radio" name="source" value="leads"${source === 'leads' ? html` checked` : ''}> ${t.fromLeads}: ${n(ctx.lang, chosen)} ${t.leadsChosen}</label>` : ''}
</fieldset>
<div><label for="sendAtLocal">${t.sendAt}</label><input id="sendAtLocal" type="datetime-local" name="sendAtLocal" value="${fields.sendAtLocal ?? ''}"> <span class="muted">${t.sendAtHint}</span></div>
<p><button type="submit" name="action" value="preview" class="secondary">${t.preview}</button></p>
<div><label for="to">${t.testTo}</label><input id="to" name="to" type="email" maxlength="254" value="${fields.to ?? ''}" data-enter-action="test">
<button type="submit" name="action" value="test" data-action="test" class="secondary">${t.testSend}</button></div>
${
  preview
    ? html`<section aria-labelledby="preview-title"><h2 id="preview-title">${t.count}: <span data-recipient-count>${n(ctx.lang, preview.count)}</span></h2>
<div class="table-wrap"><table><caption>${t.firstLeads}</caption><thead><tr><th scope="col">${t.lead}</th><th scope="col">${t.subject}</th></tr></thead>
<tbody>${preview.items.map((i) => html`<tr><td><a href="/leads/${i.id}">${i.name ?? i.email}</a><br><span class="muted">${i.company ?? ''}</span></td><td>${i.subject}</td></tr>`)}</tbody></table></div>
<p><button type="submit" name="action" value="schedule" data-confirm="${t.confirmAsk.replace('{n}', String(preview.count))}">${t.confirm.replace('{n}', n(ctx.lang, preview.count))}</button></p></section>`
    : ''
}
</form>`;
    return { ctx, page: { title: t.newBroadcast, section: 'broadcasts' as const, body } };
  };

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/broadcasts/new',
    { schema: { hide: true, querystring: NewQuery } },
    async (request, reply) => {
      // From the lead list: the leads its current filter matches, page by page (at most 10,000).
      const filter = new URLSearchParams();
      for (const key of LEAD_FILTERS) {
        const value = request.query[key];
        if (value) filter.set(key, value);
      }
      const ids: string[] = [];
      if ([...filter.keys()].length > 0) {
        let cursor: string | null = null;
        do {
          const page: ApiAnswer<{ items: { id: string }[]; nextCursor: string | null }> = await apiFor(
            app,
            request,
          ).get(`/v1/leads?${filter.toString()}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          if (page.status !== 200) break;
          ids.push(...page.body.items.map((i) => i.id));
          cursor = page.body.nextCursor;
        } while (cursor && ids.length < 10_000);
      }
      const { ctx, page } = await newPage(request, { leadIds: ids.slice(0, 10_000).join(',') }, {});
      return sendPage(reply, ctx, page);
    },
  );

  app.post<{ Body: NewFields }>(
    '/broadcasts/new',
    { schema: { hide: true, body: NewForm } },
    async (request, reply) => {
      const fields = request.body;
      const api = apiFor(app, request);
      const t = text(contextOf(request).lang);
      const recipients: { leadIds: string[] } | { segmentId: string } =
        fields.source === 'leads' && fields.leadIds
          ? { leadIds: fields.leadIds.split(',') }
          : { segmentId: fields.segmentId?.trim() ?? '' };
      const refused = async (answer: ApiAnswer) => {
        const error = apiErrorOf(answer);
        const { ctx, page } = await newPage(request, fields, {
          message: notice('error', error.message, error.details),
        });
        return sendPage(reply, ctx, page, answer.status);
      };
      if (fields.action === 'test') {
        const answer = await api.send('POST', `/v1/templates/${encodeURIComponent(fields.template ?? '')}/test-send`, {
          to: fields.to ?? '',
        });
        if (answer.status >= 400) return refused(answer);
        const { ctx, page } = await newPage(request, fields, {
          message: notice('ok', `${t.testSent}: ${fields.to ?? ''}`),
        });
        return sendPage(reply, ctx, page);
      }
      if (fields.action === 'preview') {
        const query = new URLSearchParams({ template: fields.template ?? '' });
        // A preview's URL names at most PREVIEW_MAX_LEAD_IDS leads: the first of a larger
        // selection show their subjects, and the count is the selection's (the leads came
        // from the list just now; scheduling checks each one again).
        const shown = 'leadIds' in recipients ? recipients.leadIds.slice(0, PREVIEW_MAX_LEAD_IDS) : [];
        if ('leadIds' in recipients) query.set('leadIds', shown.join(','));
        else query.set('segmentId', recipients.segmentId);
        const answer = await api.get<Preview>(`/v1/broadcasts/preview?${query.toString()}`);
        if (answer.status !== 200) return refused(answer);
        const preview =
          'leadIds' in recipients && recipients.leadIds.length > shown.length
            ? { ...answer.body, count: new Set(recipients.leadIds.map((id) => id.toLowerCase())).size }
            : answer.body;
        const { ctx, page } = await newPage(request, fields, { preview });
        return sendPage(reply, ctx, page);
      }
      const sendAt = sendAtOf(fields);
      const answer = await api.send<BroadcastItem>('POST', '/v1/broadcasts', {
        name: fields.name ?? '',
        template: fields.template ?? '',
        ...recipients,
        ...(sendAt === undefined ? {} : { sendAt }),
      });
      if (answer.status !== 201) return refused(answer);
      return reply.redirect(`/broadcasts/${answer.body.id}`, 303);
    },
  );

  app.get<{ Params: { id: string } }>('/broadcasts/:id', { schema: { hide: true } }, async (request, reply) => {
    const ctx = contextOf(request);
    const t = text(ctx.lang);
    const answer = await apiFor(app, request).get<BroadcastDetail>(
      `/v1/broadcasts/${encodeURIComponent(request.params.id)}`,
    );
    if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'broadcasts' }, answer);
    const b = answer.body;
    const p = b.progress;
    const r = b.report;
    const can = (action: string) => ctx.can('POST', `/v1/broadcasts/:id/${action}`);
    const button = (action: 'pause' | 'resume' | 'cancel') =>
      can(action)
        ? html`<button type="submit" name="action" value="${action}"${action === 'cancel' ? html` class="secondary" data-confirm="${t.cancelAsk}"` : ''}>${t[action]}</button> `
        : '';
    const actions = [
      ...(b.state === 'scheduled' || b.state === 'sending' ? (['pause', 'cancel'] as const) : []),
      ...(b.state === 'paused' ? (['resume', 'cancel'] as const) : []),
    ];
    const reasons = Object.entries(p.skippedByReason);
    const body = html`<p><a href="/broadcasts">${t.title}</a></p>
<dl class="facts"><dt>${t.state}</dt><dd data-state>${stateLabel(t, b.state)}</dd><dt>${t.template}</dt><dd>${b.template}</dd>
<dt>${t.sendAt}</dt><dd>${formatDateTime(ctx.lang, b.sendAt)}</dd><dt>${t.recipients}</dt><dd>${b.segmentId ? html`${t.segment} ${b.segmentId}` : html`${n(ctx.lang, b.leadCount)} ${t.leadsChosen}`}</dd></dl>
${actions.length > 0 ? html`<form method="post" action="/broadcasts/${b.id}/action">${csrfField(ctx)}${actions.map(button)}</form>` : ''}
<h2>${t.progress}</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">${t.total}</th><th scope="col">${t.handedOver}</th><th scope="col">${t.waiting}</th><th scope="col">${t.sent}</th><th scope="col">${t.skipped}</th></tr></thead>
<tbody><tr data-progress><td>${n(ctx.lang, p.total)}</td><td>${n(ctx.lang, p.handedOver)}</td><td>${n(ctx.lang, p.waiting)}</td><td>${n(ctx.lang, p.sent)}</td><td>${n(ctx.lang, p.skipped)}</td></tr></tbody></table></div>
${reasons.length > 0 ? html`<h3>${t.reasons}</h3><ul>${reasons.map(([reason, count]) => html`<li>${(t as Record<string, string>)[`reason_${reason}`] ?? reason}: ${n(ctx.lang, count)}</li>`)}</ul>` : ''}
<h2>${t.report}</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">${t.sent}</th><th scope="col">${t.delivered}</th><th scope="col">${t.opened}</th><th scope="col">${t.clicked}</th><th scope="col">${t.bounced}</th><th scope="col">${t.unsubscribed}</th></tr></thead>
<tbody><tr data-report><td>${n(ctx.lang, r.sent)}</td><td>${n(ctx.lang, r.delivered)}</td><td>${n(ctx.lang, r.opened)}</td><td>${n(ctx.lang, r.clicked)}</td><td>${n(ctx.lang, r.bounced.hard + r.bounced.soft)}</td><td>${n(ctx.lang, r.unsubscribed)}</td></tr></tbody></table></div>`;
    return sendPage(reply, ctx, { title: b.name, section: 'broadcasts', body, wide: true });
  });

  app.post<{ Params: { id: string }; Body: Static<typeof ActionForm> }>(
    '/broadcasts/:id/action',
    { schema: { hide: true, body: ActionForm } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const id = encodeURIComponent(request.params.id);
      const answer = await apiFor(app, request).send('POST', `/v1/broadcasts/${id}/${request.body.action}`);
      if (answer.status >= 400)
        return sendApiError(reply, ctx, { title: text(ctx.lang).title, section: 'broadcasts' }, answer);
      return reply.redirect(`/broadcasts/${id}`, 303);
    },
  );
}
