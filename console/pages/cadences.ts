import type { FastifyInstance, FastifyReply } from 'fastify';
import Type from 'typebox';
import { KeyParams } from '../../api/schemas.ts';
import type { Cadence, Step } from '../../domain/cadence.ts';
import { EVENT_TYPES } from '../../domain/scoring.ts';
import { apiErrorOf, apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html, type HtmlValue } from '../html.ts';
import { formatDateTime, formatNumber, messages, type Lang } from '../i18n.ts';
import { notice, sendPage } from '../layout.ts';
import { cadenceEditorPages, eventName } from './cadence-editor.ts';
import { durationInWords } from './cadence-form.ts';
import { ImpactQuery, impactFromQuery, impactSection } from './cadence-impact.ts';
import {
  channelName,
  previewButtonLabel,
  previewHeading,
  previewTable,
  previewTimeline,
  startDateField,
  startDateOf,
  todayIn,
} from './cadence-preview.ts';

/** GET /v1/cadences/:key. */
export interface CadenceAnswer {
  key: string;
  version: number;
  createdAt: string;
  definition: Cadence;
  versions: { version: number; createdAt: string }[];
}

/** GET /v1/cadences/:key/versions. */
interface VersionsAnswer {
  key: string;
  items: { version: number; name: string; createdAt: string; leads: number }[];
  leadsNotYetPlanned: number;
  leadsTotal: number;
}

const text = messages({
  ja: {
    title: 'カデンツ',
    intro:
      'リードに送るタッチの順序と間隔、スコアリング、商談・再営業のルールです。保存するたびに新しいバージョンになり、各リードは次のステップから新しいバージョンを使います。',
    key: 'キー',
    name: '名前',
    version: 'バージョン',
    updated: '更新日時',
    leads: 'リード数',
    newCadence: '新しいカデンツ',
    edit: '編集',
    caption: 'カデンツ一覧',
    nurture: '育成ステップ',
    upsell: 'アップセルステップ',
    reactivation: '再営業',
    repeat: '最後のステップの後は最初から繰り返します',
    noRepeat: '最後のステップで終わります',
    wait: '待機',
    channel: 'チャネル',
    template: 'テンプレート／内容',
    scoring: 'スコアリング',
    event: 'イベント',
    points: '点数',
    threshold: 'エスカレーションのしきい値',
    halfLife: '半減期',
    deals: '商談',
    stalledAfter: '停滞とみなす期間',
    returnToNurture: '失注後、育成に戻るまで',
    reasons: '再営業の対象となる終了理由',
    waitAfterEnd: '契約終了から再営業まで',
    cap: '送信上限',
    capText: '回まで／',
    window: '送信時間帯',
    anyTime: '制限なし（いつでも送信）',
    businessDays: '営業日のみ（土日・祝日・年末年始を除く）',
    everyDay: '毎日',
    notSet: '未設定',
    history: 'バージョン履歴',
    historyCaption: 'バージョンと、そのバージョンで動いているリード数',
    current: '表示中',
    latest: '最新',
    view: '表示',
    notYetPlanned: 'まだステップを計画していないリード',
    oldVersion: '過去のバージョンを表示しています。',
    showLatest: '最新を表示',
    savedAs: 'バージョンとして保存しました：',
    stepNo: '#',
  },
  en: {
    title: 'Cadences',
    intro:
      'The order and spacing of touches, scoring, and the rules for deals and reactivation. Every save is a new version; each lead takes the new version at its next step.',
    key: 'Key',
    name: 'Name',
    version: 'Version',
    updated: 'Updated',
    leads: 'Leads',
    newCadence: 'New cadence',
    edit: 'Edit',
    caption: 'Cadences',
    nurture: 'Nurture steps',
    upsell: 'Upsell steps',
    reactivation: 'Reactivation',
    repeat: 'Starts over after the last step',
    noRepeat: 'Ends after the last step',
    wait: 'Wait',
    channel: 'Channel',
    template: 'Template / task',
    scoring: 'Scoring',
    event: 'Event',
    points: 'Points',
    threshold: 'Escalation threshold',
    halfLife: 'Half-life',
    deals: 'Deals',
    stalledAfter: 'Stalled after',
    returnToNurture: 'Lost deal back to nurture after',
    reasons: 'Contract end reasons eligible for reactivation',
    waitAfterEnd: 'Reactivation after the contract ends',
    cap: 'Frequency cap',
    capText: ' touches at most per ',
    window: 'Send window',
    anyTime: 'None (any time)',
    businessDays: 'Business days only (no weekends, Japanese holidays or year-end break)',
    everyDay: 'Every day',
    notSet: 'Not set',
    history: 'Version history',
    historyCaption: 'Versions and how many leads run each',
    current: 'shown',
    latest: 'latest',
    view: 'View',
    notYetPlanned: 'Leads that have not planned a step yet',
    oldVersion: 'You are looking at an old version.',
    showLatest: 'Show the latest',
    savedAs: 'Saved as version ',
    stepNo: '#',
  },
});

/** A duration as stored and in words: `P1M (1 month)`. */
export function durationText(lang: Lang, value: string | undefined): string {
  if (value === undefined) return text(lang).notSet;
  const words = durationInWords(lang, value);
  return words === undefined ? value : `${value} (${words})`;
}

/** Sends a console page, with `status` when it is not 200. */
export function sendCadencePage(
  reply: FastifyReply,
  ctx: ConsoleContext,
  title: string,
  body: HtmlValue,
  status = 200,
) {
  return sendPage(reply, ctx, { title, section: 'cadences', body, wide: true }, status);
}

const dl = (rows: [string, HtmlValue][]): Html =>
  html`<dl class="profile">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;

function stepsTable(lang: Lang, caption: string, steps: readonly Step[]): Html {
  const t = text(lang);
  return html`<div class="table-wrap"><table><caption>${caption}</caption><thead><tr><th scope="col">${t.stepNo}</th><th scope="col">${t.wait}</th><th scope="col">${t.channel}</th><th scope="col">${t.template}</th></tr></thead>
<tbody>${steps.map((s, i) => html`<tr><td class="num">${i + 1}</td><td>${durationText(lang, s.after)}</td><td>${channelName(lang, s.channel)}</td><td>${s.template ?? s.title ?? '—'}</td></tr>`)}</tbody></table></div>`;
}

/** A cadence as a marketer reads it: tables for the steps, plain sentences for the rules. */
function cadenceDetails(lang: Lang, c: Cadence): Html {
  const t = text(lang);
  const w = c.sendWindow;
  return html`<h2>${t.nurture}</h2>${stepsTable(lang, t.nurture, c.nurture.steps)}<p>${c.nurture.repeat ? t.repeat : t.noRepeat}</p>
<h2>${t.scoring}</h2>${
    c.scoring
      ? html`${dl([
          [t.threshold, formatNumber(lang, c.scoring.threshold)],
          [t.halfLife, durationText(lang, c.scoring.halfLife)],
        ])}
<div class="table-wrap"><table><caption>${t.points}</caption><thead><tr><th scope="col">${t.event}</th><th scope="col" class="num">${t.points}</th></tr></thead>
<tbody>${EVENT_TYPES.filter((e) => c.scoring?.points[e] !== undefined).map((e) => html`<tr><th scope="row">${eventName(lang, e)}</th><td class="num">${formatNumber(lang, c.scoring?.points[e])}</td></tr>`)}</tbody></table></div>`
      : html`<p>${t.notSet}</p>`
  }
<h2>${t.deals}</h2>${dl([
    [t.stalledAfter, durationText(lang, c.deal?.stalledAfter)],
    [t.returnToNurture, durationText(lang, c.lostDeal?.returnToNurtureAfter)],
  ])}
<h2>${t.upsell}</h2>${c.upsell ? html`${stepsTable(lang, t.upsell, c.upsell.steps)}<p>${c.upsell.repeat ? t.repeat : t.noRepeat}</p>` : html`<p>${t.notSet}</p>`}
<h2>${t.reactivation}</h2>${
    c.reactivation
      ? html`${dl([
          [t.reasons, c.reactivation.eligibleReasons.join(', ') || '—'],
          [t.waitAfterEnd, durationText(lang, c.reactivation.waitAfterEnd)],
        ])}${c.reactivation.steps.length > 0 ? stepsTable(lang, t.reactivation, c.reactivation.steps) : ''}`
      : html`<p>${t.notSet}</p>`
  }
<h2>${t.cap} / ${t.window}</h2>${dl([
    [t.cap, c.frequencyCap ? `${c.frequencyCap.max}${t.capText}${durationText(lang, c.frequencyCap.per)}` : t.notSet],
    [t.window, w ? `${w.timezone}, ${w.from}–${w.to}, ${w.businessDays ? t.businessDays : t.everyDay}` : t.anyTime],
  ])}`;
}

const ViewQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  start: Type.Optional(Type.String({ maxLength: 20 })),
  saved: Type.Optional(Type.Integer({ minimum: 1 })),
  ...ImpactQuery,
});

/** `/cadences`: the list; `/cadences/:key`: one cadence readably, its versions and its timeline; the editor. */
export async function cadencePages(app: FastifyInstance): Promise<void> {
  app.get('/cadences', { schema: { hide: true } }, async (request, reply) => {
    const ctx = contextOf(request);
    const t = text(ctx.lang);
    const api = apiFor(app, request);
    const answer = await api.get<{ items: { key: string; version: number; createdAt: string; definition: Cadence }[] }>(
      '/v1/cadences',
    );
    if (answer.status !== 200)
      return sendCadencePage(reply, ctx, t.title, notice('error', apiErrorOf(answer).message), answer.status);
    const items = answer.body.items;
    // One small query per cadence: there are a handful of cadences, not thousands.
    const counts = await Promise.all(
      items.map(async (c) => {
        const versions = await api.get<VersionsAnswer>(`/v1/cadences/${encodeURIComponent(c.key)}/versions`);
        return versions.status === 200 ? versions.body.leadsTotal : undefined;
      }),
    );
    const canEdit = ctx.can('PUT', '/v1/cadences/:key');
    const body = html`<p>${t.intro}</p>
${canEdit ? html`<p><a class="button" href="/cadences/new">${t.newCadence}</a></p>` : ''}
<div class="table-wrap"><table><caption>${t.caption} (${items.length})</caption><thead><tr><th scope="col">${t.key}</th><th scope="col">${t.name}</th><th scope="col" class="num">${t.version}</th><th scope="col" class="hide-narrow">${t.updated}</th><th scope="col" class="num">${t.leads}</th>${canEdit ? html`<th scope="col"><span class="offscreen">${t.edit}</span></th>` : ''}</tr></thead>
<tbody>${items.map(
      (c, i) =>
        html`<tr data-cadence="${c.key}"><td><a href="/cadences/${c.key}"><code>${c.key}</code></a></td><td>${c.definition.name}</td><td class="num">${c.version}</td><td class="hide-narrow">${formatDateTime(ctx.lang, c.createdAt)}</td><td class="num">${counts[i] === undefined ? '—' : formatNumber(ctx.lang, counts[i])}</td>${
          canEdit
            ? html`<td><a href="/cadences/${c.key}/edit" aria-label="${t.edit}: ${c.definition.name}">${t.edit}</a></td>`
            : ''
        }</tr>`,
    )}</tbody></table></div>`;
    return sendCadencePage(reply, ctx, t.title, body);
  });

  await app.register(cadenceEditorPages);

  app.get<{
    Params: { key: string };
    Querystring: { version?: number; start?: string; saved?: number; impact?: string; at?: string };
  }>(
    '/cadences/:key',
    { schema: { hide: true, params: KeyParams, querystring: ViewQuery } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const { key } = request.params;
      const { version } = request.query;
      const api = apiFor(app, request);
      const answer = await api.get<CadenceAnswer>(
        `/v1/cadences/${key}${version === undefined ? '' : `?version=${version}`}`,
      );
      if (answer.status !== 200)
        return sendCadencePage(
          reply,
          ctx,
          t.title,
          html`${notice('error', apiErrorOf(answer).message)}<p><a href="/cadences">${t.title}</a></p>`,
          answer.status,
        );
      const cadence = answer.body;
      const latest = Math.max(...cadence.versions.map((v) => v.version));
      const versions = await api.get<VersionsAnswer>(`/v1/cadences/${key}/versions`);
      const history =
        versions.status === 200
          ? versions.body.items
          : cadence.versions.map((v) => ({ ...v, name: '', leads: undefined }));
      const zone = cadence.definition.sendWindow?.timezone ?? 'Asia/Tokyo';
      const start = startDateOf(request.query.start);
      const canPreview = ctx.can('POST', '/v1/cadences/preview-timeline');
      const preview = canPreview
        ? await previewTimeline(api, { ...cadence.definition, key: undefined }, start, zone)
        : undefined;
      const canEdit = ctx.can('PUT', '/v1/cadences/:key');
      const impact = request.query.saved === undefined ? undefined : impactFromQuery(request.query);
      const body = html`${request.query.saved !== undefined ? notice('ok', `${t.savedAs}${request.query.saved}`) : ''}
${impact ? impactSection(ctx.lang, impact) : ''}
${cadence.version !== latest ? html`<p class="notice error" role="note">${t.oldVersion} <a href="/cadences/${key}">${t.showLatest}</a></p>` : ''}
${dl([
  [t.key, html`<code>${cadence.key}</code>`],
  [t.name, cadence.definition.name],
  [t.version, `${cadence.version}${cadence.version === latest ? ` (${t.latest})` : ''}`],
  [t.updated, formatDateTime(ctx.lang, cadence.createdAt)],
])}
${canEdit ? html`<p class="actions"><a class="button" href="/cadences/${key}/edit">${t.edit}</a></p>` : ''}
${cadenceDetails(ctx.lang, cadence.definition)}
<h2>${t.history}</h2>
<div class="table-wrap"><table class="versions"><caption>${t.historyCaption}</caption><thead><tr><th scope="col" class="num">${t.version}</th><th scope="col">${t.name}</th><th scope="col" class="hide-narrow">${t.updated}</th><th scope="col" class="num">${t.leads}</th><th scope="col"><span class="offscreen">${t.view}</span></th></tr></thead>
<tbody>${history.map(
        (v) =>
          html`<tr data-version="${v.version}"${v.version === cadence.version ? html` aria-current="true"` : ''}><th scope="row" class="num">${v.version}</th><td>${v.name}</td><td class="hide-narrow">${formatDateTime(ctx.lang, v.createdAt)}</td><td class="num">${v.leads === undefined ? '—' : formatNumber(ctx.lang, v.leads)}</td><td>${
            v.version === cadence.version
              ? t.current
              : html`<a href="/cadences/${key}?version=${v.version}">${t.view} v${v.version}</a>`
          }</td></tr>`,
      )}</tbody></table></div>
${versions.status === 200 && versions.body.leadsNotYetPlanned > 0 ? html`<p class="muted">${t.notYetPlanned}: ${formatNumber(ctx.lang, versions.body.leadsNotYetPlanned)}</p>` : ''}
${
  preview
    ? html`${previewHeading(ctx.lang)}
<form method="get" action="/cadences/${key}#preview" class="filters">${version === undefined ? '' : html`<input type="hidden" name="version" value="${version}">`}${startDateField(ctx.lang, start ?? todayIn(zone))}<button type="submit" class="secondary">${previewButtonLabel(ctx.lang)}</button></form>
${preview.ok ? previewTable(ctx.lang, preview.preview) : notice('error', preview.message, preview.problems)}`
    : ''
}`;
      return sendCadencePage(reply, ctx, `${t.title}: ${cadence.definition.name}`, body);
    },
  );
}
