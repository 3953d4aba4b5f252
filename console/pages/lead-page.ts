import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { manualMovesFrom } from '../../domain/stage-moves.ts';
import type { Stage } from '../../domain/lead.ts';
import { lineChart } from '../charts.ts';
import { apiErrorOf, apiFor, contextOf, type ConsoleApi, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { consentBasisName, formatDateTime, formatNumber, messages, stageName } from '../i18n.ts';
import { consolePage, csrfField, notice, sendApiError } from '../layout.ts';
import { inputField, leadTitle, selectField, type FieldErrors, type LeadItem } from './lead-fields.ts';
import { timelineList, type TimelineItem } from './timeline.ts';
import { explainBlock } from './lead-explain.ts';
import { reactivationBlock } from './lead-reactivation.ts';
import { dealsBlock } from './lead-deals.ts';
import { leadAccountBlock } from './lead-account.ts';

const text = messages({
  ja: {
    notFound: 'リードが見つかりません',
    status: '状況',
    stage: 'ステージ',
    score: 'スコア',
    nextTouch: '次のタッチ',
    touches: 'タッチ数',
    owner: '担当者',
    unassigned: '担当なし',
    flags: '状態',
    consent: '同意の根拠',
    noConsent: '記録なし',
    tags: 'タグ',
    noTags: 'なし',
    yes: 'はい',
    no: 'いいえ',
    consentCsv: '同意記録 (CSV)',
    evidence: '証跡',
    consentGaps: '根拠のないリード一覧',
    active: '配信中',
    paused: '一時停止中',
    dnc: '連絡禁止',
    profile: 'プロフィール',
    email: 'メールアドレス',
    name: '氏名',
    company: '会社名',
    department: '部署',
    title: '役職',
    phone: '電話番号',
    cadence: 'カデンツ',
    locale: '言語',
    timezone: 'タイムゾーン',
    source: '流入元',
    created: '登録日時',
    deal: '商談',
    scoreHistory: 'スコアの推移',
    scoreChart: 'スコアの推移（破線はしきい値）',
    noHistory: 'スコアの推移を取得できませんでした',
    timeline: 'タイムライン',
    timelineIntro: 'このページを開いている間、数秒ごとに自動で更新されます。',
    content: 'メールの内容を見る',
    textPart: 'テキスト部分',
    notKept: 'このメールの内容は保存されていません（内容の保存を始める前に送信されました）。',
    actions: '操作',
    pause: '一時停止',
    resume: '再開',
    markDnc: '連絡禁止にする',
    confirmDnc: 'このリードを連絡禁止にします。以後メールもDMも送られず、元に戻せません。よろしいですか？',
    ownerEmail: '担当者のメールアドレス（空欄で担当なし）',
    changeOwner: '担当者を変更',
    moveTo: '移動先のステージ',
    reason: '理由（任意）',
    move: 'ステージを移動',
    done_created: 'リードを登録しました。最初のメールが送られるとタイムラインに表示されます。',
    done_updated: '同じメールアドレスのリードがあったため、その内容を更新しました。',
    done_pause: '一時停止を依頼しました。まもなく反映されます。',
    done_resume: '再開を依頼しました。まもなく反映されます。',
    done_dnc: '連絡禁止を依頼しました。まもなく反映されます。',
    done_owner: '担当者を変更しました。',
    done_stage: 'ステージの移動を依頼しました。まもなく反映されます。',
  },
  en: {
    notFound: 'Lead not found',
    status: 'Status',
    stage: 'Stage',
    score: 'Score',
    nextTouch: 'Next touch',
    touches: 'Touches',
    owner: 'Owner',
    unassigned: 'unassigned',
    flags: 'State',
    consent: 'Consent basis',
    noConsent: 'none on record',
    tags: 'Tags',
    noTags: 'none',
    yes: 'yes',
    no: 'no',
    consentCsv: 'Consent record (CSV)',
    evidence: 'evidence',
    consentGaps: 'all leads without a basis',
    active: 'active',
    paused: 'paused',
    dnc: 'do not contact',
    profile: 'Profile',
    email: 'Email',
    name: 'Name',
    company: 'Company',
    department: 'Department',
    title: 'Title',
    phone: 'Phone',
    cadence: 'Cadence',
    locale: 'Language',
    timezone: 'Time zone',
    source: 'Source',
    created: 'Created',
    deal: 'Deal',
    scoreHistory: 'Score over time',
    scoreChart: 'Score over time (dashed: threshold)',
    noHistory: 'The score history could not be read',
    timeline: 'Timeline',
    timelineIntro: 'Updates by itself every few seconds while this page is open.',
    content: 'Show the email',
    textPart: 'Plain-text part',
    notKept: 'The content of this email was not kept (it was sent before contents were stored).',
    actions: 'Actions',
    pause: 'Pause',
    resume: 'Resume',
    markDnc: 'Mark do-not-contact',
    confirmDnc: 'Mark this lead do-not-contact? No more email or DM will be sent, and this cannot be undone.',
    ownerEmail: "Owner's email (empty: unassigned)",
    changeOwner: 'Change owner',
    moveTo: 'Move to stage',
    reason: 'Reason (optional)',
    move: 'Move stage',
    done_created: 'Lead created. Its first email shows in the timeline when it is sent.',
    done_updated: 'A lead with this email existed; it was updated.',
    done_pause: 'Pause requested; it shows in a moment.',
    done_resume: 'Resume requested; it shows in a moment.',
    done_dnc: 'Do-not-contact requested; it shows in a moment.',
    done_owner: 'Owner changed.',
    done_stage: 'Stage move requested; it shows in a moment.',
  },
});

/** What a lead action came back with: a done notice, or an error and the user's input. */
export interface LeadPageState {
  done?: string | undefined;
  error?: { status: number; message: string; details: { path: string; message: string }[] } | undefined;
  fieldErrors?: FieldErrors;
  values?: { ownerEmail?: string; stage?: string; reason?: string };
}

const DONE = ['created', 'updated', 'pause', 'resume', 'dnc', 'owner', 'stage'] as const;
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const PageQuery = Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) });
const FragmentQuery = Type.Object({ v: Type.Optional(Type.String({ maxLength: 40 })) });
/** How often an open lead page asks whether its timeline changed. */
const POLL = 'every 3s';

interface LeadEmailItem {
  id: string;
  messageId: string;
  subject: string | null;
  html: string | null;
  text: string | null;
}

/**
 * What the polled part shows, as a short digest: the poll answers 204 (nothing to swap,
 * so an email the reader opened stays open) until it changes. The score is left out: it
 * decays every second.
 */
function versionOf(lead: LeadItem, timeline: readonly TimelineItem[]): string {
  const last = timeline[timeline.length - 1];
  const seen = [
    timeline.length,
    last?.at,
    lead.stage,
    lead.paused,
    lead.doNotContact,
    lead.nextTouchAt,
    lead.profile.ownerEmail,
    lead.touches,
  ];
  return createHash('sha256').update(JSON.stringify(seen)).digest('base64url').slice(0, 16);
}

const pauseUrl = '/v1/leads/:id/pause';

/** The lead's consent basis in words, with its source, date and evidence; a badge (and the list of such leads) when there is none. */
function consentLine(ctx: ConsoleContext, lead: LeadItem): Html {
  const t = text(ctx.lang);
  const consent = lead.consent;
  if (!consent)
    return html`<span class="badge hot">${t.noConsent}</span>${ctx.can('GET', '/v1/reports/consent') ? html` <a href="/leads/without-consent">${t.consentGaps}</a>` : ''}`;
  return html`<span data-consent-basis="${consent.basis}">${consentBasisName(ctx.lang, consent.basis)}</span> · ${consent.source} · ${formatDateTime(ctx.lang, consent.at)}${consent.evidence ? html` · ${t.evidence}: ${consent.evidence}` : ''}`;
}

function statusBlock(ctx: ConsoleContext, lead: LeadItem, oob: boolean): Html {
  const t = text(ctx.lang);
  const open = lead.stage !== 'closed' && !lead.doNotContact;
  const action = (path: string, label: string, extra?: Html) =>
    html`<form method="post" action="/leads/${lead.id}/${path}" class="inline">${csrfField(ctx)}<button type="submit"${extra ?? ''}>${label}</button></form>`;
  const actions = [
    open && !lead.paused && ctx.can('POST', pauseUrl) ? action('pause', t.pause, html` class="secondary"`) : '',
    open && lead.paused && ctx.can('POST', '/v1/leads/:id/resume')
      ? action('resume', t.resume, html` class="secondary"`)
      : '',
    open && ctx.can('POST', '/v1/leads/:id/do-not-contact')
      ? action('do-not-contact', t.markDnc, html` class="danger" data-confirm="${t.confirmDnc}"`)
      : '',
  ].filter((a) => a !== '');
  return html`<section id="lead-status" class="card" aria-labelledby="status-h"${oob ? html` hx-swap-oob="true"` : ''}><h2 id="status-h">${t.status}</h2>
<dl class="profile">
<dt>${t.stage}</dt><dd data-field="stage"><span class="badge">${stageName(ctx.lang, lead.stage)}</span> <span class="muted">${formatDateTime(ctx.lang, lead.stageEnteredAt)}</span></dd>
<dt>${t.score}</dt><dd data-field="score">${formatNumber(ctx.lang, lead.score, 1)}</dd>
<dt>${t.nextTouch}</dt><dd data-field="next-touch">${formatDateTime(ctx.lang, lead.nextTouchAt)}</dd>
<dt>${t.touches}</dt><dd>${lead.touches}</dd>
<dt>${t.owner}</dt><dd data-field="owner">${lead.profile.ownerEmail ?? t.unassigned}</dd>
<dt>${t.flags}</dt><dd data-field="flags">${lead.doNotContact ? html`<span class="badge hot">${t.dnc}</span>` : lead.paused ? html`<span class="badge">${t.paused}</span>` : t.active}</dd>
<dt>${t.consent}</dt><dd data-field="consent">${consentLine(ctx, lead)} <a href="/v1/leads/${lead.id}/consent.csv" download>${t.consentCsv}</a></dd>
<dt>${t.tags}</dt><dd data-field="tags">${
    (lead.tags ?? []).length === 0
      ? html`<span class="muted">${t.noTags}</span>`
      : (lead.tags ?? []).map((tag) => html`<span class="badge">${tag}</span> `)
  }</dd>
${Object.entries(lead.customFields ?? {}).map(
  ([name, value]) =>
    html`<dt>${name}</dt><dd data-field="custom-field">${typeof value === 'boolean' ? (value ? t.yes : t.no) : typeof value === 'number' ? formatNumber(ctx.lang, value) : value}</dd>`,
)}
${lead.deal ? html`<dt>${t.deal}</dt><dd>${lead.deal.status}${lead.deal.stage ? ` · ${lead.deal.stage}` : ''}${lead.deal.amount === null ? '' : ` · ¥${formatNumber(ctx.lang, lead.deal.amount)}`}</dd>` : ''}
</dl>
${actions.length > 0 ? html`<div class="actions" role="group" aria-label="${t.actions}">${actions}</div>` : ''}
</section>`;
}

function emailContent(ctx: ConsoleContext, email: LeadEmailItem): Html {
  const t = text(ctx.lang);
  // hx-preserve: an email the reader opened stays open (and loaded) when the timeline refreshes.
  return html`<details id="email-${email.id}" class="email-content" hx-preserve="true"><summary>${t.content}</summary>${
    email.html === null
      ? html`<p class="muted">${t.notKept}</p>`
      : html`<iframe class="preview-frame" title="${email.subject ?? ''}" sandbox srcdoc="${email.html}" loading="lazy"></iframe>${
          email.text
            ? html`<details><summary>${t.textPart}</summary><pre class="email-text">${email.text}</pre></details>`
            : ''
        }`
  }</details>`;
}

async function timelineBlock(
  ctx: ConsoleContext,
  api: ConsoleApi,
  lead: LeadItem,
  timeline: readonly TimelineItem[],
): Promise<Html> {
  const hasEmails = timeline.some((item) => item.kind === 'email_sent');
  const emails = hasEmails ? await api.get<{ items: LeadEmailItem[] }>(`/v1/leads/${lead.id}/emails`) : undefined;
  const byMessageId = new Map((emails?.status === 200 ? emails.body.items : []).map((e) => [e.messageId, e]));
  const more = (item: TimelineItem) => {
    const email =
      item.kind === 'email_sent' && typeof item.detail.messageId === 'string'
        ? byMessageId.get(item.detail.messageId)
        : undefined;
    return email ? emailContent(ctx, email) : '';
  };
  return html`<div id="timeline" hx-get="/leads/${lead.id}/timeline?v=${versionOf(lead, timeline)}" hx-trigger="${POLL}" hx-swap="outerHTML">${timelineList(ctx.lang, timeline, more)}</div>`;
}

function ownerAndStageForms(ctx: ConsoleContext, lead: LeadItem, state: LeadPageState): Html {
  const t = text(ctx.lang);
  const e = state.fieldErrors ?? {};
  const moves = manualMovesFrom(lead.stage as Stage);
  const owner = ctx.can('POST', '/v1/leads/:id/owner')
    ? html`<form method="post" action="/leads/${lead.id}/owner" class="card" novalidate>${csrfField(ctx)}
${inputField({ id: 'ownerEmail', name: 'ownerEmail', label: t.ownerEmail, type: 'email', value: state.values?.ownerEmail ?? lead.profile.ownerEmail, error: e.ownerEmail })}
<button type="submit" class="secondary">${t.changeOwner}</button></form>`
    : '';
  const stage =
    ctx.can('POST', '/v1/leads/:id/stage') && moves.length > 0
      ? html`<form method="post" action="/leads/${lead.id}/stage" class="card" novalidate>${csrfField(ctx)}
${selectField({ id: 'move-stage', name: 'stage', label: t.moveTo, value: state.values?.stage, options: moves.map((s) => ({ value: s, label: stageName(ctx.lang, s) })), error: e.stage })}
${inputField({ id: 'move-reason', name: 'reason', label: t.reason, value: state.values?.reason, error: e.reason })}
<button type="submit" class="secondary">${t.move}</button></form>`
      : '';
  if (owner === '' && stage === '') return html``;
  return html`<h2>${t.actions}</h2><div class="split">${owner}${stage}</div>`;
}

function profileBlock(ctx: ConsoleContext, lead: LeadItem): Html {
  const t = text(ctx.lang);
  const p = lead.profile;
  const rows: [string, string | null][] = [
    [t.email, lead.email],
    [t.name, p.name],
    [t.company, p.company],
    [t.department, p.department],
    [t.title, p.title],
    [t.phone, p.phone],
    [t.cadence, lead.cadence],
    [t.locale, p.locale],
    [t.timezone, p.timezone],
    [t.source, p.source],
    [t.created, formatDateTime(ctx.lang, lead.createdAt)],
  ];
  return html`<section class="card lead-block" aria-labelledby="profile-h"><h2 id="profile-h">${t.profile}</h2><dl class="profile">${rows
    .filter(([, value]) => value !== null)
    .map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl></section>`;
}

async function scoreBlock(ctx: ConsoleContext, api: ConsoleApi, leadId: string): Promise<Html> {
  const t = text(ctx.lang);
  const history = await api.get<{ threshold: number | null; points: { at: string; score: number }[] }>(
    `/v1/leads/${leadId}/score-history`,
  );
  const chart =
    history.status === 200
      ? lineChart(
          history.body.threshold === null ? t.scoreHistory : t.scoreChart,
          history.body.points.map((p) => ({ at: Date.parse(p.at), value: p.score })),
          {
            ...(history.body.threshold === null ? {} : { threshold: history.body.threshold }),
            formatTime: (ms) => formatDateTime(ctx.lang, new Date(ms)),
          },
        )
      : notice('error', `${t.noHistory}: ${apiErrorOf(history).message}`);
  return html`<section class="card" aria-labelledby="score-h"><h2 id="score-h">${t.scoreHistory}</h2>${chart}</section>`;
}

/** Renders the lead page, with a notice or the errors of an action that came back. */
export async function renderLeadPage(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
  state: LeadPageState = {},
): Promise<FastifyReply> {
  const ctx = contextOf(request);
  const t = text(ctx.lang);
  const api = apiFor(app, request);
  const [leadAnswer, timelineAnswer] = await Promise.all([
    api.get<LeadItem>(`/v1/leads/${encodeURIComponent(id)}`),
    api.get<{ items: TimelineItem[] }>(`/v1/leads/${encodeURIComponent(id)}/timeline`),
  ]);
  if (leadAnswer.status !== 200) {
    return sendApiError(reply, ctx, { title: t.notFound, section: 'leads' }, leadAnswer);
  }
  const lead = leadAnswer.body;
  const timeline = timelineAnswer.status === 200 ? timelineAnswer.body.items : [];
  const done =
    state.done && (DONE as readonly string[]).includes(state.done)
      ? t[`done_${state.done as (typeof DONE)[number]}`]
      : undefined;
  const body = html`<p class="muted">${lead.email}</p>
${done ? notice('ok', done) : ''}${state.error ? notice('error', state.error.message, state.error.details) : ''}
<div class="split">${statusBlock(ctx, lead, false)}${await scoreBlock(ctx, api, lead.id)}</div>
${await explainBlock(ctx, api, lead.id)}
${ownerAndStageForms(ctx, lead, state)}
${await reactivationBlock(ctx, api, lead)}
${await dealsBlock(ctx, api, lead.id)}
${await leadAccountBlock(ctx, api, lead)}
${profileBlock(ctx, lead)}
<section aria-labelledby="timeline-h"><h2 id="timeline-h">${t.timeline}</h2><p class="muted">${t.timelineIntro}</p>
${await timelineBlock(ctx, api, lead, timeline)}</section>`;
  return reply
    .code(state.error?.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(consolePage(ctx, { title: leadTitle(lead), section: 'leads', body, wide: true }));
}

/** `/leads/:id`: profile, status, score over time, actions, deals with their history and the self-refreshing timeline. */
export async function leadPages(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: { done?: string } }>(
    '/leads/:id',
    { schema: { hide: true, params: IdParams, querystring: PageQuery } },
    async (request, reply) => renderLeadPage(app, request, reply, request.params.id, { done: request.query.done }),
  );

  // The polled fragment: the timeline, and the status beside it (out of band), or 204 when nothing changed.
  app.get<{ Params: { id: string }; Querystring: { v?: string } }>(
    '/leads/:id/timeline',
    { schema: { hide: true, params: IdParams, querystring: FragmentQuery } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const api = apiFor(app, request);
      const id = encodeURIComponent(request.params.id);
      const [leadAnswer, timelineAnswer] = await Promise.all([
        api.get<LeadItem>(`/v1/leads/${id}`),
        api.get<{ items: TimelineItem[] }>(`/v1/leads/${id}/timeline`),
      ]);
      if (leadAnswer.status !== 200 || timelineAnswer.status !== 200)
        return reply.code(leadAnswer.status === 200 ? timelineAnswer.status : leadAnswer.status).send();
      if (request.query.v === versionOf(leadAnswer.body, timelineAnswer.body.items)) return reply.code(204).send();
      const fragment = html`${await timelineBlock(ctx, api, leadAnswer.body, timelineAnswer.body.items)}${statusBlock(ctx, leadAnswer.body, true)}`;
      return reply.type('text/html; charset=utf-8').send(fragment.value);
    },
  );
}
