import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { EmailReport, LinkReport } from '../../api/routes/email-reports.ts';
import type { VariantReport } from '../../api/routes/email-tests.ts';
import { barChart } from '../charts.ts';
import { apiErrorOf, apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatNumber, messages, stageName } from '../i18n.ts';
import { csrfField, notice, sendApiError, sendPage } from '../layout.ts';

const text = messages({
  ja: {
    title: 'メール配信成果',
    period: '期間（送信日）',
    from: '開始日',
    to: '終了日',
    show: '表示',
    totals: '全体',
    byTemplate: 'テンプレート別',
    byStep: 'カデンツのステップ別',
    template: 'テンプレート',
    step: 'ステップ',
    guarantee: '月次保証の接触',
    noCadence: 'カデンツ外',
    sent: '送信',
    delivered: '配信',
    bounced: 'バウンス（ハード／ソフト）',
    opened: '開封（ユニーク）',
    clicked: 'クリック（ユニーク）',
    machineOpened: '機械による開封',
    machineClicked: '機械によるクリック',
    chartOpened: '開封',
    chartClicked: 'クリック',
    chartMachineOpened: '機械の開封',
    chartMachineClicked: '機械のクリック',
    unsubscribed: '配信停止',
    complaints: '苦情',
    openRate: '開封率',
    clickRate: 'クリック率',
    machineHelp:
      '機械による開封・クリック（Apple メールのプライバシー保護による先読み、セキュリティスキャナー、リンクチェッカー）は人の開封・クリックに含めず、別に数えています。',
    links: 'リンク別クリック',
    url: 'リンク',
    clicks: 'クリック数',
    tests: 'A/Bテスト',
    noTests: '実施中・実施済みのA/Bテストはありません。',
    metric_clicks: 'クリック率で比較',
    metric_opens: '開封率で比較',
    running: '実施中',
    ended: '終了',
    control: '基準',
    rate: '率',
    weight: '配分',
    confidence: '差の信頼度',
    leader: '優勢',
    decided: '有意差あり（95%）',
    undecided: 'まだ有意差はありません',
    keep: 'を残してテストを終了',
    confirmEnd:
      'このテストを終了し、選んだテンプレートをすべてのリードに送ります。カデンツの新しいバージョンが保存されます。よろしいですか？',
    endedNotice: 'テストを終了しました。カデンツのバージョン',
    none: 'この期間に送信されたメールはありません。',
  },
  en: {
    title: 'Email performance',
    period: 'Period (send days)',
    from: 'From',
    to: 'To',
    show: 'Show',
    totals: 'All emails',
    byTemplate: 'By template',
    byStep: 'By cadence step',
    template: 'Template',
    step: 'Step',
    guarantee: 'monthly guarantee touch',
    noCadence: 'outside a cadence',
    sent: 'Sent',
    delivered: 'Delivered',
    bounced: 'Bounced (hard / soft)',
    opened: 'Opened (unique)',
    clicked: 'Clicked (unique)',
    machineOpened: 'Machine opens',
    machineClicked: 'Machine clicks',
    chartOpened: 'Opened',
    chartClicked: 'Clicked',
    chartMachineOpened: 'Machine opens',
    chartMachineClicked: 'Machine clicks',
    unsubscribed: 'Unsubscribed',
    complaints: 'Complaints',
    openRate: 'Open rate',
    clickRate: 'Click rate',
    machineHelp:
      'Opens and clicks by machines (Apple Mail Privacy Protection prefetch, security scanners, link checkers) are not counted as people’s; they are counted apart.',
    links: 'Clicks per link',
    url: 'Link',
    clicks: 'Clicks',
    tests: 'A/B tests',
    noTests: 'No A/B test is running or has run.',
    metric_clicks: 'compared on click rate',
    metric_opens: 'compared on open rate',
    running: 'running',
    ended: 'ended',
    control: 'control',
    rate: 'Rate',
    weight: 'Weight',
    confidence: 'Confidence of the difference',
    leader: 'Leading',
    decided: 'significant at 95 %',
    undecided: 'no significant difference yet',
    keep: ': keep it and end the test',
    confirmEnd: 'End this test and send the chosen template to every lead? A new version of the cadence is saved.',
    endedNotice: 'Test ended. Cadence version',
    none: 'No email was sent in this period.',
  },
});

const DayText = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });
const Query = Type.Object({
  from: Type.Optional(Type.Union([DayText, Type.Literal('')])),
  to: Type.Optional(Type.Union([DayText, Type.Literal('')])),
  template: Type.Optional(Type.String({ maxLength: 100 })),
  ended: Type.Optional(Type.String({ maxLength: 200 })),
});
const EndForm = Type.Object({
  _csrf: Type.String(),
  cadence: Type.String({ minLength: 1, maxLength: 100 }),
  stage: Type.String({ minLength: 1, maxLength: 20 }),
  step: Type.String({ pattern: '^[0-9]{1,2}$' }),
  keep: Type.String({ minLength: 1, maxLength: 100 }),
});

type Row = EmailReport['items'][number];
const percent = (ctx: ConsoleContext, value: number | null) =>
  value === null ? '—' : `${formatNumber(ctx.lang, value * 100, 1)}%`;

function stepLabel(
  ctx: ConsoleContext,
  row: { cadence: string | null; stage: string | null; step: number | null },
): string {
  const t = text(ctx.lang);
  if (row.cadence === null) return t.noCadence;
  const stage = row.stage === null ? '' : ` · ${stageName(ctx.lang, row.stage)}`;
  return `${row.cadence}${stage} · ${row.step === null ? t.guarantee : `${t.step} ${row.step + 1}`}`;
}

/** One group's chart: counts side by side, machines apart. */
function groupChart(ctx: ConsoleContext, title: string, row: Row): Html {
  const t = text(ctx.lang);
  return barChart(title, [
    { label: t.sent, value: row.sent },
    { label: t.delivered, value: row.delivered },
    { label: t.chartOpened, value: row.opened },
    { label: t.chartClicked, value: row.clicked },
    { label: t.chartMachineOpened, value: row.machineOpened },
    { label: t.chartMachineClicked, value: row.machineClicked },
  ]);
}

function figuresTable(
  ctx: ConsoleContext,
  id: string,
  caption: string,
  first: string,
  rows: { label: Html | string; row: Row }[],
): Html {
  const t = text(ctx.lang);
  const n = (v: number) => formatNumber(ctx.lang, v);
  return html`<div class="table-wrap"><table aria-labelledby="${id}" data-testid="${id}-table"><caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">${first}</th><th scope="col" class="num">${t.sent}</th><th scope="col" class="num">${t.delivered}</th><th scope="col" class="num">${t.bounced}</th><th scope="col" class="num">${t.opened}</th><th scope="col" class="num">${t.openRate}</th><th scope="col" class="num">${t.clicked}</th><th scope="col" class="num">${t.clickRate}</th><th scope="col" class="num">${t.machineOpened}</th><th scope="col" class="num">${t.machineClicked}</th><th scope="col" class="num">${t.unsubscribed}</th><th scope="col" class="num">${t.complaints}</th></tr></thead>
<tbody>${rows.map(
    ({ label, row }) =>
      html`<tr><th scope="row">${label}</th><td class="num">${n(row.sent)}</td><td class="num">${n(row.delivered)}</td><td class="num">${n(row.bounced.hard)} / ${n(row.bounced.soft)}</td><td class="num">${n(row.opened)}</td><td class="num">${percent(ctx, row.rates.opened)}</td><td class="num">${n(row.clicked)}</td><td class="num">${percent(ctx, row.rates.clicked)}</td><td class="num">${n(row.machineOpened)}</td><td class="num">${n(row.machineClicked)}</td><td class="num">${n(row.unsubscribed)}</td><td class="num">${n(row.complaints)}</td></tr>`,
  )}</tbody></table></div>`;
}

function testsSection(ctx: ConsoleContext, tests: VariantReport['items']): Html {
  const t = text(ctx.lang);
  if (tests.length === 0) return html`<h2 id="tests-h">${t.tests}</h2><p class="muted">${t.noTests}</p>`;
  return html`<h2 id="tests-h">${t.tests}</h2>${tests.map((test) => {
    const id = `test-${test.cadence}-${test.stage}-${test.step}`;
    const comparison = (template: string) => test.comparisons.find((c) => c.template === template);
    return html`<section class="card" aria-labelledby="${id}" data-testid="${id}"><h3 id="${id}">${stepLabel(ctx, test)} <span class="badge">${test.running ? t.running : t.ended}</span></h3>
<p class="muted">${t[`metric_${test.metric}`]}</p>
<div class="table-wrap"><table><thead><tr><th scope="col">${t.template}</th><th scope="col" class="num">${t.weight}</th><th scope="col" class="num">${t.delivered}</th><th scope="col" class="num">${test.metric === 'clicks' ? t.clicked : t.opened}</th><th scope="col" class="num">${t.rate}</th><th scope="col" class="num">${t.confidence}</th></tr></thead>
<tbody>${test.variants.map((v) => {
      const c = comparison(v.template);
      return html`<tr><th scope="row">${v.template}${v.template === test.control ? html` <span class="muted">(${t.control})</span>` : ''}${v.template === test.leader ? html` <span class="badge hot">${t.leader}</span>` : ''}</th><td class="num">${v.weight ?? '—'}</td><td class="num">${formatNumber(ctx.lang, v.delivered)}</td><td class="num">${formatNumber(ctx.lang, test.metric === 'clicks' ? v.clicked : v.opened)}</td><td class="num">${percent(ctx, v.rate)}</td><td class="num">${c ? `${percent(ctx, c.confidence)}${c.significant ? ' ✓' : ''}` : '—'}</td></tr>`;
    })}</tbody></table></div>
<p data-testid="${id}-verdict">${test.leader === null ? '' : html`${t.leader}: <strong>${test.leader}</strong> · ${t.confidence} ${percent(ctx, test.leaderConfidence)} · `}${test.decided ? t.decided : t.undecided}</p>
${
  test.running && ctx.can('POST', '/v1/cadences/:key/variants/end')
    ? html`<div class="row">${test.variants
        .filter((v) => v.weight !== null)
        .map(
          (v) =>
            html`<form method="post" action="/performance/tests/end" class="inline">${csrfField(ctx)}<input type="hidden" name="cadence" value="${test.cadence}"><input type="hidden" name="stage" value="${test.stage}"><input type="hidden" name="step" value="${String(test.step)}"><input type="hidden" name="keep" value="${v.template}"><button type="submit" class="secondary" data-confirm="${t.confirmEnd}">${v.template}${t.keep}</button></form>`,
        )}</div>`
    : ''
}
</section>`;
  })}`;
}

/** `/performance`: email performance per template and cadence step, A/B tests, per-link clicks. */
export async function performancePages(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { from?: string; to?: string; template?: string; ended?: string } }>(
    '/performance',
    { schema: { hide: true, querystring: Query } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const api = apiFor(app, request);
      const t = text(ctx.lang);
      const { from = '', to = '', template, ended } = request.query;
      const period = new URLSearchParams({ ...(from ? { from } : {}), ...(to ? { to } : {}) }).toString();
      const q = (more: string) => `${more}${period ? `&${period}` : ''}`;
      const [byTemplate, byStep, tests, links] = await Promise.all([
        api.get<EmailReport>(`/v1/reports/email?${q('by=template')}`),
        api.get<EmailReport>(`/v1/reports/email?${q('by=step')}`),
        api.get<VariantReport>(`/v1/reports/email/variants${period ? `?${period}` : ''}`),
        template
          ? api.get<LinkReport>(`/v1/reports/email/links?${q(`template=${encodeURIComponent(template)}`)}`)
          : undefined,
      ]);
      for (const answer of [byTemplate, byStep, tests, links])
        if (answer && answer.status !== 200)
          return sendApiError(reply, ctx, { title: t.title, section: 'performance' }, answer);
      const templates = byTemplate.status === 200 ? byTemplate.body : undefined;
      const steps = byStep.status === 200 ? byStep.body : undefined;
      if (!templates || !steps || tests.status !== 200) return;
      const totals = templates.totals;
      const filter = html`<form method="get" action="/performance" class="row" aria-label="${t.period}">
<div class="field"><label for="from">${t.from}</label><input id="from" name="from" type="date" value="${from}"></div>
<div class="field"><label for="to">${t.to}</label><input id="to" name="to" type="date" value="${to}"></div>
<button type="submit" class="secondary">${t.show}</button></form>`;
      const summary = html`<section class="card" aria-labelledby="totals-h" data-testid="totals"><h2 id="totals-h">${t.totals}</h2>
<ul><li>${t.sent} <strong class="figure-inline">${formatNumber(ctx.lang, totals.sent)}</strong></li><li>${t.delivered} <strong class="figure-inline">${formatNumber(ctx.lang, totals.delivered)}</strong></li><li>${t.openRate} <strong class="figure-inline">${percent(ctx, totals.rates.opened)}</strong></li><li>${t.clickRate} <strong class="figure-inline">${percent(ctx, totals.rates.clicked)}</strong></li><li>${t.machineOpened} <strong class="figure-inline">${formatNumber(ctx.lang, totals.machineOpened)}</strong></li><li>${t.machineClicked} <strong class="figure-inline">${formatNumber(ctx.lang, totals.machineClicked)}</strong></li></ul>
<p class="muted">${t.machineHelp}</p></section>`;
      const templateCharts = templates.items.map(
        (row) =>
          html`<section class="card chart-card" aria-labelledby="tpl-${row.template ?? ''}" data-testid="template-chart"><h3 id="tpl-${row.template ?? ''}"><a href="/performance?${q(`template=${encodeURIComponent(row.template ?? '')}`)}">${row.template ?? ''}</a></h3>${groupChart(ctx, `${t.template} ${row.template ?? ''}`, row)}</section>`,
      );
      const stepCharts = steps.items.map(
        (row) =>
          html`<section class="card chart-card" data-testid="step-chart"><h3>${stepLabel(ctx, row)}</h3>${groupChart(ctx, stepLabel(ctx, row), row)}</section>`,
      );
      const linkSection =
        links?.status === 200
          ? html`<h2 id="links-h">${t.links}: ${links.body.template}</h2><div class="table-wrap"><table aria-labelledby="links-h" data-testid="links-table"><thead><tr><th scope="col">${t.url}</th><th scope="col" class="num">${t.clicked}</th><th scope="col" class="num">${t.clicks}</th><th scope="col" class="num">${t.machineClicked}</th></tr></thead><tbody>${links.body.items.map((l) => html`<tr><th scope="row">${l.url}</th><td class="num">${l.clicked}</td><td class="num">${l.clicks}</td><td class="num">${l.machineClicked}</td></tr>`)}</tbody></table></div>`
          : '';
      const body = html`${ended ? notice('ok', `${t.endedNotice} ${ended}`) : ''}${filter}
${totals.sent === 0 ? html`<p class="muted">${t.none}</p>` : ''}
<div class="cards">${summary}</div>
<h2 id="by-template-h">${t.byTemplate}</h2><div class="cards">${templateCharts}</div>
${figuresTable(
  ctx,
  'by-template-h',
  t.byTemplate,
  t.template,
  templates.items.map((row) => ({ label: row.template ?? '', row })),
)}
<h2 id="by-step-h">${t.byStep}</h2><div class="cards">${stepCharts}</div>
${figuresTable(
  ctx,
  'by-step-h',
  t.byStep,
  t.step,
  steps.items.map((row) => ({ label: stepLabel(ctx, row), row })),
)}
${linkSection}
${testsSection(ctx, tests.body.items)}`;
      return sendPage(reply, ctx, { title: t.title, section: 'performance', body, wide: true });
    },
  );

  app.post<{ Body: { cadence: string; stage: string; step: string; keep: string } }>(
    '/performance/tests/end',
    { schema: { hide: true, body: EndForm } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const { cadence, stage, step, keep } = request.body;
      const answer = await apiFor(app, request).send<{ version: number }>(
        'POST',
        `/v1/cadences/${encodeURIComponent(cadence)}/variants/end`,
        { stage, step: Number(step), keep },
      );
      if (answer.status !== 200) {
        const error = apiErrorOf(answer);
        return sendPage(
          reply,
          ctx,
          {
            title: text(ctx.lang).title,
            section: 'performance',
            body: html`${notice('error', error.message, error.details)}<p><a href="/performance">${text(ctx.lang).title}</a></p>`,
          },
          answer.status,
        );
      }
      return reply.redirect(`/performance?ended=${encodeURIComponent(`${cadence} v${answer.body.version}`)}`, 303);
    },
  );
}
