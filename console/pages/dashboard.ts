import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { DmTaskList } from '../../api/routes/dm-tasks.ts';
import type { EscalationList } from '../../api/routes/escalations.ts';
import type { OutboxList } from '../../api/routes/outbox.ts';
import type { CapacityReport, ContactHealthReport, FunnelReport } from '../../api/routes/reports.ts';
import { barChart } from '../charts.ts';
import { apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, formatNumber, messages, stageName } from '../i18n.ts';
import { sendPage } from '../layout.ts';
import type { ConsentReport } from './leads-without-consent.ts';

const text = messages({
  ja: {
    title: 'ダッシュボード',
    funnel: 'ファネル：ステージ別リード数',
    months: '月別の推移',
    month: '月',
    newLeads: '新規リード',
    escalated: 'エスカレーション',
    won: '受注',
    lost: '失注',
    reactivated: '再営業',
    capacity: 'リード数の充足チェック',
    capacityHelp: '必要リード数 ＝ 1日の営業活動数 × 20営業日 × 営業人数',
    dailyActivities: '1日の営業活動数（1人あたり）',
    reps: '営業人数',
    recalc: '再計算',
    required: '月間の必要リード数',
    held: '育成中のリード',
    short: '不足',
    enough: '充足しています',
    hot: '営業対応待ちのホットリード',
    dm: '未発送のDMタスク',
    sends: '最近の送信',
    score: 'スコア',
    seeAll: 'すべて見る',
    noOutbox: '送信メールは外部のSMTPへ送られています（送信済み一覧はキャプチャSMTPのときのみ）。',
    health: '接触状況（今月）',
    contactable: '接触可能なリード',
    touched: '今月接触済み',
    atRisk: '今月未接触のおそれ',
    healthHelp:
      '接触可能：育成・顧客・再活性化で、連絡禁止・配信停止でないリード。未接触のおそれ：今月まだ届いた接触がなく、月末までに予定された接触もないリード（各リードのタイムゾーンの暦月）。',
    consent: '同意の記録',
    withoutBasis: '同意の根拠がないリード',
    consentOff:
      'これらのリードにもメールが送られています（CONSENT_REQUIRED は無効）。有効にする前に根拠を記録してください。',
    consentOn: 'これらのリードにはメールを送らず、DM とタスクだけが続きます（CONSENT_REQUIRED が有効）。',
  },
  en: {
    title: 'Dashboard',
    funnel: 'Funnel: leads per stage',
    months: 'Month by month',
    month: 'Month',
    newLeads: 'New leads',
    escalated: 'Escalated',
    won: 'Won',
    lost: 'Lost',
    reactivated: 'Reactivated',
    capacity: 'Do we hold enough leads?',
    capacityHelp: 'Required leads = daily sales activities × 20 business days × reps',
    dailyActivities: 'Daily sales activities per rep',
    reps: 'Sales reps',
    recalc: 'Recalculate',
    required: 'Leads required a month',
    held: 'Leads in nurturing',
    short: 'short',
    enough: 'Enough',
    hot: 'Hot leads awaiting sales',
    dm: 'Open DM tasks',
    sends: 'Recent sends',
    score: 'Score',
    seeAll: 'See all',
    noOutbox: 'Mail goes to an external SMTP relay (the outbox exists with the capture SMTP server only).',
    health: 'Contact health (this month)',
    contactable: 'Contactable leads',
    touched: 'Touched this month',
    atRisk: 'At risk of a month without touch',
    healthHelp:
      "Contactable: nurturing, customer or reactivation, not do-not-contact, not unsubscribed. At risk: no touch has reached them this month and none is planned before it ends (each lead's own calendar month).",
    consent: 'Consent records',
    withoutBasis: 'Leads without a consent basis',
    consentOff: 'They are still emailed (CONSENT_REQUIRED is off): record their basis before turning it on.',
    consentOn: 'They get no email (CONSENT_REQUIRED is on), only DM and tasks.',
  },
});

const STAGES = ['nurturing', 'deal', 'customer', 'dormant', 'reactivation', 'closed'];

const Query = Type.Object({
  dailyActivities: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  reps: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
});

/** `/`: the funnel, the capacity check, hot leads, DM tasks and recent sends on one page. */
export async function dashboardPage(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { dailyActivities?: number; reps?: number } }>(
    '/',
    { schema: { hide: true, querystring: Query } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const api = apiFor(app, request);
      const t = text(ctx.lang);
      const dailyActivities = request.query.dailyActivities ?? 5;
      const reps = request.query.reps ?? 3;
      const [funnel, capacity, escalations, dmTasks, outbox, health, consent] = await Promise.all([
        ctx.can('GET', '/v1/reports/funnel') ? api.get<FunnelReport>('/v1/reports/funnel?months=6') : undefined,
        ctx.can('GET', '/v1/reports/capacity')
          ? api.get<CapacityReport>(`/v1/reports/capacity?dailyActivities=${dailyActivities}&reps=${reps}`)
          : undefined,
        ctx.can('GET', '/v1/escalations') ? api.get<EscalationList>('/v1/escalations?status=open') : undefined,
        ctx.can('GET', '/v1/dm-tasks') ? api.get<DmTaskList>('/v1/dm-tasks?status=open&limit=5000') : undefined,
        ctx.can('GET', '/v1/outbox') ? api.get<OutboxList>('/v1/outbox?limit=5') : undefined,
        ctx.can('GET', '/v1/reports/contact-health')
          ? api.get<ContactHealthReport>('/v1/reports/contact-health')
          : undefined,
        ctx.can('GET', '/v1/reports/consent') ? api.get<ConsentReport>('/v1/reports/consent?limit=1') : undefined,
      ]);
      const stages =
        funnel?.status === 200 ? funnel.body.stages : capacity?.status === 200 ? capacity.body.leadsHeld : undefined;
      const cards: Html[] = [];
      if (stages) {
        cards.push(
          html`<section class="card chart-card" aria-labelledby="funnel-h"><h2 id="funnel-h">${t.funnel}</h2>${barChart(
            t.funnel,
            STAGES.map((s) => ({ label: stageName(ctx.lang, s), value: stages[s] ?? 0 })),
          )}</section>`,
        );
      }
      if (capacity?.status === 200) cards.push(capacityCard(ctx, capacity.body));
      if (health?.status === 200) cards.push(contactHealthCard(ctx, health.body));
      // Only when there is something to do: every lead with a basis needs no card.
      if (consent?.status === 200 && consent.body.withoutBasis > 0) cards.push(consentCard(ctx, consent.body));
      if (escalations?.status === 200) {
        const items = escalations.body.items;
        cards.push(html`<section class="card" aria-labelledby="hot-h"><h2 id="hot-h">${t.hot}</h2><p class="figure">${items.length}</p>
<ul>${items.slice(0, 5).map((e) => html`<li><a href="/leads/${e.leadId}">${e.lead?.company ?? ''} ${e.lead?.name ?? e.lead?.email ?? e.leadId.slice(0, 8)}</a> <span class="badge hot">${t.score} ${formatNumber(ctx.lang, e.score, 1)}</span></li>`)}</ul>
<p><a href="/inbox">${t.seeAll}</a></p></section>`);
      }
      if (dmTasks?.status === 200) {
        const items = dmTasks.body.items;
        cards.push(html`<section class="card" aria-labelledby="dm-h"><h2 id="dm-h">${t.dm}</h2><p class="figure">${items.length}</p>
<ul>${items.slice(0, 5).map((d) => html`<li>${d.lead.company ?? ''} ${d.lead.name ?? d.lead.email} · ${d.templateKey ?? ''}</li>`)}</ul>
<p><a href="/dm-tasks">${t.seeAll}</a></p></section>`);
      }
      if (outbox) {
        cards.push(
          outbox.status === 200
            ? html`<section class="card" aria-labelledby="sends-h"><h2 id="sends-h">${t.sends}</h2><ul>${outbox.body.items.map((m) => html`<li><a href="/outbox/${m.id}">${m.subject}</a><br><span class="muted">${m.to.join(', ')} · ${formatDateTime(ctx.lang, m.receivedAt)}</span></li>`)}</ul><p><a href="/outbox">${t.seeAll}</a></p></section>`
            : html`<section class="card"><h2>${t.sends}</h2><p class="muted">${t.noOutbox}</p></section>`,
        );
      }
      const months = funnel?.status === 200 ? funnel.body.months : [];
      const body = html`<div class="cards">${cards}</div>
${months.length > 0 ? monthsTable(ctx, months) : ''}`;
      return sendPage(reply, ctx, { title: t.title, section: 'dashboard', body });
    },
  );
}

function capacityCard(ctx: ConsoleContext, report: CapacityReport): Html {
  const t = text(ctx.lang);
  return html`<section class="card chart-card" aria-labelledby="cap-h"><h2 id="cap-h">${t.capacity}</h2>
<p class="muted">${t.capacityHelp}</p>
<form method="get" action="/" class="row">
<div class="field"><label for="dailyActivities">${t.dailyActivities}</label><input id="dailyActivities" name="dailyActivities" type="number" min="1" max="10000" value="${report.dailyActivities}" inputmode="numeric"></div>
<div class="field"><label for="reps">${t.reps}</label><input id="reps" name="reps" type="number" min="1" max="100000" value="${report.reps}" inputmode="numeric"></div>
<button type="submit" class="secondary">${t.recalc}</button>
</form>
${barChart(t.capacity, [
  { label: t.required, value: report.requiredLeadsPerMonth },
  { label: t.held, value: report.leadsInNurturing },
])}
<p data-testid="capacity-verdict">${report.short ? html`<strong class="error-text">${t.short}: ${formatNumber(ctx.lang, report.shortfall)}</strong>` : t.enough}</p>
</section>`;
}

function contactHealthCard(ctx: ConsoleContext, report: ContactHealthReport): Html {
  const t = text(ctx.lang);
  // Each figure links to the lead list filtered to the same group.
  const figure = (label: string, value: number, contact: string) =>
    html`<li data-contact="${contact}"><a href="/leads?contact=${contact}">${label}</a> <strong class="figure-inline">${formatNumber(ctx.lang, value)}</strong></li>`;
  return html`<section class="card" aria-labelledby="health-h" data-testid="contact-health"><h2 id="health-h">${t.health}</h2>
<ul>${figure(t.contactable, report.contactable, 'contactable')}${figure(t.touched, report.touched, 'touched')}${figure(t.atRisk, report.atRisk, 'at_risk')}</ul>
<p class="muted">${t.healthHelp}</p>
${report.atRisk > 0 ? html`<p><strong class="error-text">${t.atRisk}: ${formatNumber(ctx.lang, report.atRisk)}</strong></p>` : ''}
</section>`;
}

function consentCard(ctx: ConsoleContext, report: ConsentReport): Html {
  const t = text(ctx.lang);
  return html`<section class="card" aria-labelledby="consent-h" data-testid="consent-gaps"><h2 id="consent-h">${t.consent}</h2>
<p><a href="/leads/without-consent">${t.withoutBasis}</a> <strong class="figure-inline">${formatNumber(ctx.lang, report.withoutBasis)}</strong></p>
<p class="${report.consentRequired ? 'muted' : 'error-text'}">${report.consentRequired ? t.consentOn : t.consentOff}</p>
</section>`;
}

function monthsTable(ctx: ConsoleContext, months: FunnelReport['months']): Html {
  const t = text(ctx.lang);
  // The table says it all, month by month: one heading, and the caption for screen readers only.
  return html`<h2 id="months-h">${t.months}</h2>
<div class="table-wrap"><table aria-labelledby="months-h"><caption class="visually-hidden">${t.months}</caption><thead><tr><th scope="col">${t.month}</th><th scope="col" class="num">${t.newLeads}</th><th scope="col" class="num">${t.escalated}</th><th scope="col" class="num">${t.won}</th><th scope="col" class="num">${t.lost}</th><th scope="col" class="num">${t.reactivated}</th></tr></thead>
<tbody>${months.map((m) => html`<tr><th scope="row">${m.month}</th><td class="num">${m.newLeads}</td><td class="num">${m.escalated}</td><td class="num">${m.won}</td><td class="num">${m.lost}</td><td class="num">${m.reactivated}</td></tr>`)}</tbody></table></div>`;
}
