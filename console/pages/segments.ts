import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { SegmentSchema } from '../../api/routes/segments.ts';
import { BULK_ACTIONS, type BulkActionKind, type BulkActionState } from '../../domain/bulk-actions.ts';
import { normaliseTag, type SegmentQuery } from '../../domain/segment-query.ts';
import { lineChart } from '../charts.ts';
import { bulkActionName, bulkStateName } from './bulk-actions.ts';
import { apiErrorOf, apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { common, formatDateTime, formatNumber, messages, stageName, type Lang } from '../i18n.ts';
import { csrfField, notice, sendApiError, sendPage } from '../layout.ts';
import { leadTitle, type LeadItem } from './lead-fields.ts';

const text = messages({
  ja: {
    title: 'セグメント',
    intro:
      'セグメントは保存したリードの絞り込みです。毎日0時5分（日本時間）に件数を数えるので、規模の推移を追えます。リード一覧で絞り込み、「この絞り込みをセグメントとして保存」で作ります。',
    none: 'まだセグメントはありません。リード一覧で絞り込んでから保存してください。',
    name: '名前',
    count: '件数',
    countAsOf: '{day} 時点',
    chart: '件数の推移（90日）',
    query: '条件',
    everyLead: 'すべてのリード',
    leads: 'リード',
    lead: 'リード',
    stage: 'ステージ',
    score: 'スコア',
    owner: '担当者',
    nextPage: '次のページ',
    firstPage: '最初のページ',
    noLeads: '今この条件に合うリードはありません。',
    leadsNow: '今の件数',
    bulkTitle: '一括操作',
    bulkIntro: '操作を始めた時点でこのセグメントに入っているリードに、1件ずつ一度だけ適用します。途中で中止できます。',
    action: '操作',
    cadence: 'カデンツ（キー）',
    ownerEmail: '担当者のメールアドレス（空欄なら担当者なし）',
    tag: 'タグ',
    next: '確認へ進む',
    confirmTitle: '一括操作の確認',
    run: '実行する',
    back: '戻る',
    recent: 'このセグメントの一括操作',
    created: '作成',
    state: '状態',
    saved: 'セグメントを保存しました',
    fromList: 'リード一覧',
    ask_move_cadence: '{n}件のリードのカデンツを「{p}」に変更します',
    ask_set_owner: '{n}件のリードの担当者を変更します',
    ask_pause: '{n}件のリードを一時停止します',
    ask_resume: '{n}件のリードを再開します',
    ask_add_tag: '{n}件のリードにタグ「{p}」を追加します',
    ask_remove_tag: '{n}件のリードからタグ「{p}」を外します',
    ask_do_not_contact: '{n}件のリードを連絡禁止にします（元に戻せません）',
    newOwner: '新しい担当者',
    unassigned: '担当者なし',
    frozen: '件数は今の時点のものです。実行した時点で条件に合うリードに適用されます。',
    q_stages: 'ステージが {v}',
    q_scoreMin: 'スコアが {v} 以上',
    q_scoreMax: 'スコアが {v} 以下',
    q_owner: '担当者が {v}',
    q_cadences: 'カデンツが {v}',
    q_tagsAll: 'タグ {v} をすべて持つ',
    q_tagsAny: 'タグ {v} のいずれかを持つ',
    q_company: '会社名に「{v}」を含む',
    q_sources: '流入元が {v}',
    q_createdAfter: '{v} 以降に登録',
    q_createdBefore: '{v} より前に登録',
    q_lastTouchAfter: '最後の接触が {v} 以降',
    q_lastTouchBefore: '{v} 以降に接触していない',
    q_openedWithinDays: '過去{v}日以内にメールを開封',
    q_clickedWithinDays: '過去{v}日以内にリンクをクリック',
    q_customField: 'カスタム項目「{k}」が {v}',
    q_search: '名前・会社・メールに「{v}」を含む',
    or: ' または ',
  },
  en: {
    title: 'Segments',
    intro:
      'A segment is a saved lead filter. It is counted every day at 00:05 Japan time, so its size can be followed. Filter the lead list, then "Save this filter as a segment".',
    none: 'No segments yet. Filter the lead list, then save the filter.',
    name: 'Name',
    count: 'Leads',
    countAsOf: 'as of {day}',
    chart: 'Leads over 90 days',
    query: 'Conditions',
    everyLead: 'every lead',
    leads: 'Leads',
    lead: 'Lead',
    stage: 'Stage',
    score: 'Score',
    owner: 'Owner',
    nextPage: 'Next page',
    firstPage: 'First page',
    noLeads: 'No lead matches now.',
    leadsNow: 'Leads now',
    bulkTitle: 'Bulk action',
    bulkIntro:
      'Applied once to each lead in the segment when the action starts, one at a time. It can be cancelled while it runs.',
    action: 'Action',
    cadence: 'Cadence (key)',
    ownerEmail: 'Owner email (empty: no owner)',
    tag: 'Tag',
    next: 'Review',
    confirmTitle: 'Confirm the bulk action',
    run: 'Run',
    back: 'Back',
    recent: 'Bulk actions on this segment',
    created: 'Created',
    state: 'State',
    saved: 'Segment saved',
    fromList: 'Lead list',
    ask_move_cadence: 'Move {n} leads to the cadence "{p}"',
    ask_set_owner: 'Change the owner of {n} leads',
    ask_pause: 'Pause {n} leads',
    ask_resume: 'Resume {n} leads',
    ask_add_tag: 'Add the tag "{p}" to {n} leads',
    ask_remove_tag: 'Remove the tag "{p}" from {n} leads',
    ask_do_not_contact: 'Mark {n} leads do not contact (this cannot be undone)',
    newOwner: 'New owner',
    unassigned: 'no owner',
    frozen: 'The count is as of now. The action applies to the leads that match when it starts.',
    q_stages: 'stage is {v}',
    q_scoreMin: 'score at least {v}',
    q_scoreMax: 'score at most {v}',
    q_owner: 'owner is {v}',
    q_cadences: 'cadence is {v}',
    q_tagsAll: 'has all the tags {v}',
    q_tagsAny: 'has any of the tags {v}',
    q_company: 'company contains "{v}"',
    q_sources: 'source is {v}',
    q_createdAfter: 'created on or after {v}',
    q_createdBefore: 'created before {v}',
    q_lastTouchAfter: 'last touched on or after {v}',
    q_lastTouchBefore: 'not touched since {v}',
    q_openedWithinDays: 'opened an email in the last {v} days',
    q_clickedWithinDays: 'clicked a link in the last {v} days',
    q_customField: 'custom field "{k}" is {v}',
    q_search: 'name, company or email contains "{v}"',
    or: ' or ',
  },
});

type T = ReturnType<typeof text>;
type SegmentView = Static<typeof SegmentSchema>;

const fill = (template: string, values: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);

/** The lead list's filter fields, as its form names them. */
export const LEAD_LIST_FILTERS = ['q', 'stage', 'scoreMin', 'scoreMax', 'owner', 'cadence'] as const;
type ListFilter = Partial<Record<(typeof LEAD_LIST_FILTERS)[number], string>>;

/**
 * The lead list's filter as a segment query: the same conditions, in the segment's words
 * (`q` is `search`, a stage or cadence is a list of one). A score that is not a number is
 * passed on as typed, so the API names it in its 422 rather than the console guessing.
 */
export function segmentQueryOfListFilter(filter: ListFilter): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  const score = (value: string) => (value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value);
  if (filter.q) query.search = filter.q;
  if (filter.stage) query.stages = [filter.stage];
  if (filter.scoreMin) query.scoreMin = score(filter.scoreMin);
  if (filter.scoreMax) query.scoreMax = score(filter.scoreMax);
  if (filter.owner) query.owner = filter.owner;
  if (filter.cadence) query.cadences = [filter.cadence];
  return query;
}

/** A segment's query as a sentence of conditions, in the reader's language. */
export function queryInWords(lang: Lang, query: SegmentQuery): string[] {
  const t = text(lang);
  const list = (values: readonly string[]) => values.join(t.or);
  const day = (instant: string) => formatDateTime(lang, instant);
  const words: string[] = [];
  const say = (template: string, v: string) => words.push(fill(template, { v }));
  if (query.stages) say(t.q_stages, list(query.stages.map((s) => stageName(lang, s))));
  if (query.scoreMin !== undefined) say(t.q_scoreMin, formatNumber(lang, query.scoreMin, 1));
  if (query.scoreMax !== undefined) say(t.q_scoreMax, formatNumber(lang, query.scoreMax, 1));
  if (query.owner) say(t.q_owner, query.owner);
  if (query.cadences) say(t.q_cadences, list(query.cadences));
  if (query.tags) say(query.tags.match === 'all' ? t.q_tagsAll : t.q_tagsAny, query.tags.values.join(', '));
  if (query.company) say(t.q_company, query.company);
  if (query.sources) say(t.q_sources, list(query.sources));
  if (query.createdAfter) say(t.q_createdAfter, day(query.createdAfter));
  if (query.createdBefore) say(t.q_createdBefore, day(query.createdBefore));
  if (query.lastTouchAfter) say(t.q_lastTouchAfter, day(query.lastTouchAfter));
  if (query.lastTouchBefore) say(t.q_lastTouchBefore, day(query.lastTouchBefore));
  if (query.openedWithinDays) say(t.q_openedWithinDays, String(query.openedWithinDays));
  if (query.clickedWithinDays) say(t.q_clickedWithinDays, String(query.clickedWithinDays));
  for (const [k, v] of Object.entries(query.customFields ?? {}))
    words.push(fill(t.q_customField, { k, v: JSON.stringify(v) }));
  if (query.search) say(t.q_search, query.search);
  return words;
}

const Text = (max: number) => Type.Optional(Type.String({ maxLength: max }));
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const SaveForm = Type.Object(
  {
    _csrf: Type.String(),
    name: Text(200),
    ...Object.fromEntries(LEAD_LIST_FILTERS.map((k) => [k, Text(300)])),
  },
  { additionalProperties: false },
);
const PageQuery = Type.Object({ cursor: Text(300), done: Text(20) });
const BulkForm = Type.Object(
  {
    _csrf: Type.String(),
    action: Type.Enum([...BULK_ACTIONS]),
    cadence: Text(100),
    ownerEmail: Text(254),
    tag: Text(256),
    step: Type.Union([Type.Literal('confirm'), Type.Literal('run')]),
  },
  { additionalProperties: false },
);
type BulkFields = Static<typeof BulkForm>;
const PAGE_SIZE = 25;

/** The parameters an action takes, from the form (the API refuses what is missing or extra). */
function paramsOf(fields: BulkFields): Record<string, string | null> {
  switch (fields.action) {
    case 'move_cadence':
      return { cadence: fields.cadence?.trim() ?? '' };
    case 'set_owner':
      return { ownerEmail: fields.ownerEmail?.trim() || null };
    case 'add_tag':
    case 'remove_tag':
      // Shown and sent as it will be stored: "ＶＩＰ" is the tag `vip`.
      return { tag: normaliseTag(fields.tag ?? '') };
    default:
      return {};
  }
}

/** The confirmation's sentence: what is about to happen to how many leads. */
function askOf(t: T, lang: Lang, action: BulkActionKind, count: number, params: Record<string, string | null>) {
  const p = params.cadence ?? params.tag ?? '';
  return fill(t[`ask_${action}`], { n: formatNumber(lang, count), p });
}

function bulkForm(ctx: ConsoleContext, segmentId: string, values: Partial<BulkFields> = {}): Html {
  const t = text(ctx.lang);
  return html`<section class="card" aria-labelledby="bulk-title"><h2 id="bulk-title">${t.bulkTitle}</h2><p class="muted">${t.bulkIntro}</p>
<form method="post" action="/segments/${segmentId}/bulk" class="stack">${csrfField(ctx)}<input type="hidden" name="step" value="confirm">
<div class="field"><label for="bulk-action">${t.action}</label><select id="bulk-action" name="action">${BULK_ACTIONS.map(
    (a) =>
      html`<option value="${a}"${a === values.action ? html` selected` : ''}>${bulkActionName(ctx.lang, a)}</option>`,
  )}</select></div>
<div class="field"><label for="bulk-cadence">${t.cadence}</label><input id="bulk-cadence" name="cadence" maxlength="100" value="${values.cadence ?? ''}"></div>
<div class="field"><label for="bulk-owner">${t.ownerEmail}</label><input id="bulk-owner" name="ownerEmail" type="email" maxlength="254" value="${values.ownerEmail ?? ''}"></div>
<div class="field"><label for="bulk-tag">${t.tag}</label><input id="bulk-tag" name="tag" maxlength="256" value="${values.tag ?? ''}"></div>
<p><button type="submit">${t.next}</button></p></form></section>`;
}

/** `/segments`: saved filters with their counts over time; each segment's page with its leads and bulk actions. */
export async function segmentPages(app: FastifyInstance): Promise<void> {
  app.get('/segments', { schema: { hide: true } }, async (request, reply) => {
    const ctx = contextOf(request);
    const t = text(ctx.lang);
    const api = apiFor(app, request);
    const answer = await api.get<{ items: SegmentView[] }>('/v1/segments');
    if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'segments' }, answer);
    const items = answer.body.items;
    const counts = await Promise.all(
      items.map((s) => api.get<{ items: { day: string; count: number }[] }>(`/v1/segments/${s.id}/counts?days=90`)),
    );
    const cards = items.map((s, i) => {
      const series = counts[i]?.status === 200 ? (counts[i]?.body.items ?? []) : [];
      const chart = lineChart(
        `${s.name}: ${t.chart}`,
        series.map((c) => ({ at: Date.parse(`${c.day}T00:00:00+09:00`), value: c.count })),
        { formatTime: (ms) => new Date(ms + 9 * 3_600_000).toISOString().slice(5, 10) },
      );
      return html`<li class="card" data-segment-id="${s.id}"><h2><a href="/segments/${s.id}">${s.name}</a></h2>
<p><span class="figure" data-count>${formatNumber(ctx.lang, s.count)}</span> ${t.count}${s.countDay ? html` <span class="muted">(${fill(t.countAsOf, { day: s.countDay })})</span>` : ''}</p>
<p class="muted">${queryInWords(ctx.lang, s.query).join(' · ') || t.everyLead}</p>
${chart}</li>`;
    });
    const body = html`<p>${t.intro}</p>
${items.length === 0 ? html`<p class="muted">${t.none}</p>` : html`<ul class="cards segments">${cards}</ul>`}`;
    return sendPage(reply, ctx, { title: t.title, section: 'segments', body });
  });

  // From the lead list: its current filter, saved under a name.
  app.post<{ Body: Static<typeof SaveForm> }>(
    '/segments',
    { schema: { hide: true, body: SaveForm } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const filter: ListFilter = {};
      for (const key of LEAD_LIST_FILTERS) {
        const value = (request.body as Record<string, string | undefined>)[key]?.trim();
        if (value) filter[key] = value;
      }
      const answer = await apiFor(app, request).send<SegmentView>('POST', '/v1/segments', {
        name: request.body.name ?? '',
        query: segmentQueryOfListFilter(filter),
      });
      if (answer.status === 201) return reply.redirect(`/segments/${answer.body.id}?done=saved`, 303);
      const error = apiErrorOf(answer);
      const back = new URLSearchParams(filter as Record<string, string>).toString();
      return sendPage(
        reply,
        ctx,
        {
          title: t.title,
          section: 'segments',
          body: html`${notice('error', error.message, error.details)}<p><a href="/leads?${back}">${t.fromList}</a></p>`,
        },
        answer.status,
      );
    },
  );

  app.get<{ Params: { id: string }; Querystring: Static<typeof PageQuery> }>(
    '/segments/:id',
    { schema: { hide: true, params: IdParams, querystring: PageQuery } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const api = apiFor(app, request);
      const id = encodeURIComponent(request.params.id);
      const answer = await api.get<SegmentView>(`/v1/segments/${id}`);
      if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'segments' }, answer);
      const s = answer.body;
      const cursor = request.query.cursor;
      const leads = await api.get<{ items: LeadItem[]; nextCursor: string | null }>(
        `/v1/segments/${id}/leads?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      if (leads.status !== 200) return sendApiError(reply, ctx, { title: s.name, section: 'segments' }, leads);
      const mayAct = ctx.can('POST', '/v1/bulk-actions');
      const actions = mayAct
        ? await api.get<{
            items: {
              id: string;
              segmentId: string | null;
              action: BulkActionKind;
              state: BulkActionState;
              createdAt: string;
            }[];
          }>('/v1/bulk-actions?limit=200')
        : undefined;
      const recent = actions?.status === 200 ? actions.body.items.filter((a) => a.segmentId === s.id).slice(0, 10) : [];
      const words = queryInWords(ctx.lang, s.query);
      const body = html`${request.query.done === 'saved' ? notice('ok', t.saved) : ''}
<p><a href="/segments">${t.title}</a></p>
<dl class="profile"><dt>${t.leadsNow}</dt><dd data-count>${formatNumber(ctx.lang, s.count)}</dd>
<dt>${t.query}</dt><dd data-query>${words.length > 0 ? html`<ul>${words.map((w) => html`<li>${w}</li>`)}</ul>` : t.everyLead}</dd></dl>
${mayAct ? bulkForm(ctx, s.id) : ''}
${
  recent.length > 0
    ? html`<h2>${t.recent}</h2><ul>${recent.map(
        (a) =>
          html`<li><a href="/bulk-actions/${a.id}">${bulkActionName(ctx.lang, a.action)}</a> · ${bulkStateName(ctx.lang, a.state)} · ${formatDateTime(ctx.lang, a.createdAt)}</li>`,
      )}</ul>`
    : ''
}
<h2>${t.leads}</h2>
${
  leads.body.items.length === 0
    ? html`<p class="muted">${t.noLeads}</p>`
    : html`<div class="table-wrap"><table><caption>${s.name}</caption><thead><tr><th scope="col">${t.lead}</th><th scope="col">${t.stage}</th><th scope="col" class="num">${t.score}</th><th scope="col" class="hide-narrow">${t.owner}</th></tr></thead>
<tbody>${leads.body.items.map(
        (l) =>
          html`<tr data-lead-id="${l.id}"><th scope="row"><a href="/leads/${l.id}">${leadTitle(l)}</a><br><span class="muted">${l.email}</span></th><td>${stageName(ctx.lang, l.stage)}</td><td class="num">${formatNumber(ctx.lang, l.score, 1)}</td><td class="hide-narrow">${l.profile.ownerEmail ?? '—'}</td></tr>`,
      )}</tbody></table></div>`
}
<nav class="pager" aria-label="${t.leads}">${cursor ? html`<a href="/segments/${s.id}">${t.firstPage}</a>` : ''}${
        leads.body.nextCursor
          ? html` <a href="/segments/${s.id}?cursor=${encodeURIComponent(leads.body.nextCursor)}" rel="next">${t.nextPage}</a>`
          : ''
      }</nav>`;
      return sendPage(reply, ctx, { title: s.name, section: 'segments', body, wide: true });
    },
  );

  // Two steps: `confirm` names the count and what will change; `run` starts the bulk action.
  app.post<{ Params: { id: string }; Body: BulkFields }>(
    '/segments/:id/bulk',
    { schema: { hide: true, params: IdParams, body: BulkForm } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      // A role that may not act is refused before the confirmation, as the API would refuse the run.
      if (!ctx.can('POST', '/v1/bulk-actions'))
        return sendPage(
          reply,
          ctx,
          { title: t.title, section: 'segments', body: notice('error', common(ctx.lang).forbidden) },
          403,
        );
      const api = apiFor(app, request);
      const id = encodeURIComponent(request.params.id);
      const segment = await api.get<SegmentView>(`/v1/segments/${id}`);
      if (segment.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'segments' }, segment);
      const s = segment.body;
      const fields = request.body;
      const params = paramsOf(fields);
      if (fields.step === 'run') {
        const answer = await api.send<{ id: string }>('POST', '/v1/bulk-actions', {
          segmentId: s.id,
          action: fields.action,
          ...(Object.keys(params).length > 0 ? { params } : {}),
        });
        if (answer.status === 202) return reply.redirect(`/bulk-actions/${answer.body.id}`, 303);
        const error = apiErrorOf(answer);
        return sendPage(
          reply,
          ctx,
          {
            title: s.name,
            section: 'segments',
            body: html`${notice('error', error.message, error.details)}${bulkForm(ctx, s.id, fields)}<p><a href="/segments/${s.id}">${t.back}</a></p>`,
          },
          answer.status,
        );
      }
      const count = s.count ?? 0;
      const ask = askOf(t, ctx.lang, fields.action, count, params);
      const body = html`<p><a href="/segments/${s.id}">${s.name}</a></p>
<form method="post" action="/segments/${s.id}/bulk" class="stack card">${csrfField(ctx)}
<input type="hidden" name="step" value="run"><input type="hidden" name="action" value="${fields.action}">
${fields.cadence ? html`<input type="hidden" name="cadence" value="${fields.cadence}">` : ''}
${fields.ownerEmail ? html`<input type="hidden" name="ownerEmail" value="${fields.ownerEmail}">` : ''}
${fields.tag ? html`<input type="hidden" name="tag" value="${fields.tag}">` : ''}
<p><strong data-confirm-text>${ask}</strong></p>
${fields.action === 'set_owner' ? html`<p>${t.newOwner}: ${params.ownerEmail ?? t.unassigned}</p>` : ''}
<p class="muted">${t.frozen}</p>
<p><button type="submit">${t.run}</button> <a href="/segments/${s.id}">${t.back}</a></p></form>`;
      return sendPage(reply, ctx, { title: t.confirmTitle, section: 'segments', body });
    },
  );
}
