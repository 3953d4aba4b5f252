import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { CONTACT_HEALTH } from '../../domain/contact-health.ts';
import { STAGES } from '../../domain/lead.ts';
import { apiErrorOf, apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, formatNumber, messages, stageName } from '../i18n.ts';
import { csrfField, notice, sendPage } from '../layout.ts';
import {
  errorsByField,
  filledFields,
  inputField,
  leadTitle,
  selectField,
  type FieldErrors,
  type LeadItem,
} from './lead-fields.ts';
import { LEAD_LIST_FILTERS as SEGMENT_FILTERS } from './segments.ts';

const text = messages({
  ja: {
    title: 'リード',
    intro: '名前・会社名・メールアドレスで検索し、ステージやスコアで絞り込めます。',
    q: 'キーワード（名前・会社・メール）',
    stage: 'ステージ',
    anyStage: 'すべて',
    contact: '接触状況（今月）',
    contactable: '接触可能',
    touched: '今月接触済み',
    at_risk: '今月未接触のおそれ',
    scoreMin: 'スコア（以上）',
    scoreMax: 'スコア（以下）',
    owner: '担当者（メール）',
    cadence: 'カデンツ',
    filter: '絞り込む',
    clear: '条件をクリア',
    broadcast: 'この絞り込みのリードに一斉配信',
    saveSegment: 'この絞り込みをセグメントとして保存',
    segmentName: 'セグメント名',
    save: '保存する',
    contactNotSaved: '「接触状況」の条件はセグメントに保存できません。外してから保存してください。',
    lead: 'リード',
    score: 'スコア',
    nextTouch: '次のタッチ',
    nextPage: '次のページ',
    firstPage: '最初のページ',
    none: '条件に合うリードはありません。',
    newLead: '新しいリードを登録',
    email: 'メールアドレス',
    name: '氏名',
    company: '会社名',
    locale: '言語',
    ja: '日本語',
    en: '英語',
    defaultCadence: '空欄なら default',
    create: '登録する',
    invalid: '入力内容を確認してください',
    paused: '一時停止中',
    dnc: '連絡禁止',
  },
  en: {
    title: 'Leads',
    intro: 'Search by name, company or email, and narrow by stage or score.',
    q: 'Search (name, company, email)',
    stage: 'Stage',
    anyStage: 'Any',
    contact: 'Contact (this month)',
    contactable: 'Contactable',
    touched: 'Touched this month',
    at_risk: 'At risk of a month without touch',
    scoreMin: 'Score from',
    scoreMax: 'Score to',
    owner: 'Owner (email)',
    cadence: 'Cadence',
    filter: 'Filter',
    clear: 'Clear filters',
    broadcast: 'Send a broadcast to these leads',
    saveSegment: 'Save this filter as a segment',
    segmentName: 'Segment name',
    save: 'Save',
    contactNotSaved: 'A segment cannot keep the contact condition: clear it to save the filter.',
    lead: 'Lead',
    score: 'Score',
    nextTouch: 'Next touch',
    nextPage: 'Next page',
    firstPage: 'First page',
    none: 'No lead matches.',
    newLead: 'New lead',
    email: 'Email',
    name: 'Name',
    company: 'Company',
    locale: 'Language',
    ja: 'Japanese',
    en: 'English',
    defaultCadence: 'default when empty',
    create: 'Create lead',
    invalid: 'Please check the form',
    paused: 'paused',
    dnc: 'do not contact',
  },
});

const FILTERS = ['q', 'stage', 'scoreMin', 'scoreMax', 'owner', 'cadence', 'contact'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;
const NEW_LEAD_FIELDS = ['email', 'name', 'company', 'ownerEmail', 'cadence', 'locale'] as const;
type NewLead = Partial<Record<(typeof NEW_LEAD_FIELDS)[number], string>>;

const Text = Type.Optional(Type.String({ maxLength: 300 }));
const ListQuery = Type.Object({
  q: Text,
  stage: Text,
  scoreMin: Text,
  scoreMax: Text,
  owner: Text,
  cadence: Text,
  contact: Text,
  cursor: Text,
});
const NewLeadForm = Type.Object(
  { _csrf: Type.String(), email: Text, name: Text, company: Text, ownerEmail: Text, cadence: Text, locale: Text },
  { additionalProperties: false },
);
const PAGE_SIZE = 25;

/** The new-lead form's state when it comes back with errors. */
interface NewLeadState {
  values: NewLead;
  errors: FieldErrors;
  message: string;
}

const query = (filters: Filters, extra: Record<string, string> = {}): string =>
  new URLSearchParams({ ...filters, ...extra }).toString();

function filterForm(ctx: ConsoleContext, filters: Filters, errors: FieldErrors, cadences: readonly string[]): Html {
  const t = text(ctx.lang);
  return html`<form method="get" action="/leads" class="filters" role="search">
${inputField({ id: 'q', name: 'q', label: t.q, type: 'search', value: filters.q, error: errors.q })}
${selectField({ id: 'stage', name: 'stage', label: t.stage, value: filters.stage, options: [{ value: '', label: t.anyStage }, ...STAGES.map((s) => ({ value: s, label: stageName(ctx.lang, s) }))], error: errors.stage })}
${inputField({ id: 'scoreMin', name: 'scoreMin', label: t.scoreMin, type: 'number', value: filters.scoreMin, error: errors.scoreMin })}
${inputField({ id: 'scoreMax', name: 'scoreMax', label: t.scoreMax, type: 'number', value: filters.scoreMax, error: errors.scoreMax })}
${inputField({ id: 'owner', name: 'owner', label: t.owner, value: filters.owner, error: errors.owner })}
${inputField({ id: 'cadence-filter', name: 'cadence', label: t.cadence, value: filters.cadence, error: errors.cadence, list: 'cadence-keys' })}
${selectField({ id: 'contact', name: 'contact', label: t.contact, value: filters.contact, options: [{ value: '', label: t.anyStage }, ...CONTACT_HEALTH.map((c) => ({ value: c, label: t[c] }))], error: errors.contact })}
<datalist id="cadence-keys">${cadences.map((c) => html`<option value="${c}"></option>`)}</datalist>
<div class="field"><button type="submit">${t.filter}</button> <a href="/leads">${t.clear}</a></div>
</form>`;
}

/**
 * "Save this filter as a segment": the filter travels in hidden fields, and `POST /segments`
 * maps it to the segment query. The contact condition (this month's touches) has no
 * segment equivalent, so a filter using it is not offered rather than saved as another.
 */
function saveSegmentForm(ctx: ConsoleContext, filters: Filters): Html {
  const t = text(ctx.lang);
  if (filters.contact) return html`<p class="muted">${t.contactNotSaved}</p>`;
  return html`<details class="card save-segment"><summary>${t.saveSegment}</summary>
<form method="post" action="/segments">${csrfField(ctx)}
${SEGMENT_FILTERS.map((k) => (filters[k] ? html`<input type="hidden" name="${k}" value="${filters[k]}">` : ''))}
${inputField({ id: 'segment-name', name: 'name', label: t.segmentName, required: true })}
<button type="submit">${t.save}</button></form></details>`;
}

function newLeadForm(ctx: ConsoleContext, state: NewLeadState | undefined): Html {
  const t = text(ctx.lang);
  const v = state?.values ?? {};
  const e = state?.errors ?? {};
  return html`<details class="card new-lead"${state ? html` open` : ''}><summary>${t.newLead}</summary>
<form method="post" action="/leads" novalidate>${csrfField(ctx)}
${state ? notice('error', state.message) : ''}
<div class="row">
${inputField({ id: 'new-email', name: 'email', label: t.email, type: 'email', value: v.email, error: e.email, required: true })}
${inputField({ id: 'new-name', name: 'name', label: t.name, value: v.name, error: e.name })}
${inputField({ id: 'new-company', name: 'company', label: t.company, value: v.company, error: e.company })}
${inputField({ id: 'new-owner', name: 'ownerEmail', label: t.owner, type: 'email', value: v.ownerEmail, error: e.ownerEmail })}
${inputField({ id: 'new-cadence', name: 'cadence', label: t.cadence, value: v.cadence, error: e.cadence, list: 'cadence-keys', placeholder: t.defaultCadence })}
${selectField({
  id: 'new-locale',
  name: 'locale',
  label: t.locale,
  value: v.locale ?? ctx.lang,
  options: [
    { value: 'ja', label: t.ja },
    { value: 'en', label: t.en },
  ],
  error: e.locale,
})}
</div>
<button type="submit">${t.create}</button>
</form></details>`;
}

function leadsTable(ctx: ConsoleContext, leads: readonly LeadItem[]): Html {
  const t = text(ctx.lang);
  if (leads.length === 0) return html`<p class="muted">${t.none}</p>`;
  return html`<div class="table-wrap"><table class="leads"><caption>${t.title}</caption><thead><tr>
<th scope="col">${t.lead}</th><th scope="col">${t.stage}</th><th scope="col" class="num">${t.score}</th><th scope="col" class="hide-narrow">${t.owner}</th><th scope="col" class="hide-narrow">${t.nextTouch}</th></tr></thead>
<tbody>${leads.map(
    (
      l,
    ) => html`<tr data-lead-id="${l.id}"><th scope="row"><a href="/leads/${l.id}">${leadTitle(l)}</a><br><span class="muted">${l.email}</span></th>
<td>${stageName(ctx.lang, l.stage)}${l.paused ? html` <span class="badge">${t.paused}</span>` : ''}${l.doNotContact ? html` <span class="badge hot">${t.dnc}</span>` : ''}</td>
<td class="num">${formatNumber(ctx.lang, l.score, 1)}</td><td class="hide-narrow">${l.profile.ownerEmail ?? '—'}</td><td class="hide-narrow">${formatDateTime(ctx.lang, l.nextTouchAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

async function renderList(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  raw: Filters & { cursor?: string },
  form?: NewLeadState,
): Promise<FastifyReply> {
  const ctx = contextOf(request);
  const t = text(ctx.lang);
  const api = apiFor(app, request);
  const filters: Filters = filledFields(raw, FILTERS);
  const cadences = ctx.can('GET', '/v1/cadences')
    ? await api.get<{ items: { key: string }[] }>('/v1/cadences')
    : undefined;
  const cadenceKeys = cadences?.status === 200 ? cadences.body.items.map((c) => c.key) : [];
  const answer = await api.get<{ items: LeadItem[]; nextCursor: string | null }>(
    `/v1/leads?${query(filters, { limit: String(PAGE_SIZE), ...(raw.cursor ? { cursor: raw.cursor } : {}) })}`,
  );
  const failed = answer.status === 200 ? undefined : apiErrorOf(answer);
  const errors = failed ? errorsByField(failed.details) : {};
  const body = html`<p>${t.intro}</p>
${ctx.can('POST', '/v1/leads') ? newLeadForm(ctx, form) : ''}
${filterForm(ctx, filters, errors, cadenceKeys)}
${Object.keys(filters).length > 0 && !failed && ctx.can('POST', '/v1/broadcasts') ? html`<p><a href="/broadcasts/new?${query(filters)}">${t.broadcast}</a></p>` : ''}
${Object.keys(filters).length > 0 && !failed && ctx.can('POST', '/v1/segments') ? saveSegmentForm(ctx, filters) : ''}
${failed ? notice('error', failed.message, failed.details) : leadsTable(ctx, answer.body.items)}
<nav class="pager" aria-label="${t.title}">${raw.cursor ? html`<a href="/leads?${query(filters)}">${t.firstPage}</a>` : ''}${
    !failed && answer.body.nextCursor
      ? html` <a href="/leads?${query(filters, { cursor: answer.body.nextCursor })}" rel="next">${t.nextPage}</a>`
      : ''
  }</nav>`;
  const status = form ? 422 : failed ? answer.status : 200;
  return sendPage(reply, ctx, { title: t.title, section: 'leads', body, wide: true }, status);
}

/** `/leads`: the searchable, filterable list with keyset pages, and the new-lead form. */
export async function leadListPages(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: Filters & { cursor?: string } }>(
    '/leads',
    { schema: { hide: true, querystring: ListQuery } },
    async (request, reply) => renderList(app, request, reply, request.query),
  );

  app.post<{ Body: NewLead }>('/leads', { schema: { hide: true, body: NewLeadForm } }, async (request, reply) => {
    const ctx = contextOf(request);
    const values = filledFields(request.body, NEW_LEAD_FIELDS);
    const answer = await apiFor(app, request).send<{ id: string }>('POST', '/v1/leads', values);
    if (answer.status === 200 || answer.status === 201)
      return reply.redirect(`/leads/${answer.body.id}?done=${answer.status === 201 ? 'created' : 'updated'}`, 303);
    const error = apiErrorOf(answer);
    if (answer.status !== 422)
      return sendPage(
        reply,
        ctx,
        {
          title: text(ctx.lang).title,
          section: 'leads',
          body: html`${notice('error', error.message)}<p><a href="/leads">${text(ctx.lang).title}</a></p>`,
        },
        answer.status,
      );
    return renderList(
      app,
      request,
      reply,
      {},
      { values, errors: errorsByField(error.details), message: text(ctx.lang).invalid },
    );
  });
}
