import type { FastifyInstance } from 'fastify';
import { apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, formatNumber, messages } from '../i18n.ts';
import { sendApiError, sendPage } from '../layout.ts';

/** GET /v1/reports/consent, as the console reads it. */
export interface ConsentReport {
  consentRequired: boolean;
  withoutBasis: number;
  items: {
    id: string;
    email: string;
    name: string | null;
    company: string | null;
    source: string | null;
    createdAt: string;
  }[];
}

/** How many of the newest leads without a basis the page lists (the count covers them all). */
export const CONSENT_LIST_LIMIT = 200;

const text = messages({
  ja: {
    title: '同意の根拠がないリード',
    count: '同意の根拠がないリード',
    required:
      'CONSENT_REQUIRED が有効です：これらのリードにはメールを送らず、DM とタスクだけが続きます。根拠を登録するとメールも再開します。',
    optional:
      'CONSENT_REQUIRED は無効です：これらのリードにもメールが送られています。特定電子メール法では、メールを送る根拠（オプトイン、名刺交換、公表アドレス、取引関係）の記録が必要です。本番で有効にする前に記録を埋めてください。',
    howTo:
      '根拠の登録方法：API（POST /v1/leads の consent）、CSV インポートの列（同意根拠・同意取得元・同意日時・同意証跡）、CRM ごとの既定値（CONSENT_DEFAULTS）。',
    newest: '新しい順に {shown} 件を表示（全 {count} 件）',
    lead: 'リード',
    company: '会社名',
    source: '流入元',
    created: '登録日時',
    none: '同意の根拠がないリードはありません。',
  },
  en: {
    title: 'Leads without a consent basis',
    count: 'Leads without a consent basis',
    required:
      'CONSENT_REQUIRED is on: these leads get no email, only DM and tasks. Email resumes once a basis is recorded.',
    optional:
      'CONSENT_REQUIRED is off: these leads are still emailed. Japan’s Act on Specified Electronic Mail asks for a record of the basis each address is mailed on (opt-in, business card, published address, existing customer). Fill the gaps before turning it on in production.',
    howTo:
      'Record a basis through the API (consent in POST /v1/leads), the CSV import’s consent columns, or a per-CRM default (CONSENT_DEFAULTS).',
    newest: 'The newest {shown} of {count}',
    lead: 'Lead',
    company: 'Company',
    source: 'Source',
    created: 'Created',
    none: 'Every lead has a consent basis.',
  },
});

function leadsTable(ctx: ConsoleContext, report: ConsentReport): Html {
  const t = text(ctx.lang);
  if (report.items.length === 0) return html`<p class="muted">${t.none}</p>`;
  const shown = t.newest
    .replace('{shown}', formatNumber(ctx.lang, report.items.length))
    .replace('{count}', formatNumber(ctx.lang, report.withoutBasis));
  return html`${report.items.length < report.withoutBasis ? html`<p class="muted">${shown}</p>` : ''}
<div class="table-wrap"><table class="leads" data-testid="leads-without-consent"><caption>${t.title}</caption><thead><tr>
<th scope="col">${t.lead}</th><th scope="col">${t.company}</th><th scope="col" class="hide-narrow">${t.source}</th><th scope="col" class="hide-narrow">${t.created}</th></tr></thead>
<tbody>${report.items.map(
    (
      l,
    ) => html`<tr data-lead-id="${l.id}"><th scope="row"><a href="/leads/${l.id}">${l.name ?? l.email}</a><br><span class="muted">${l.email}</span></th>
<td>${l.company ?? '—'}</td><td class="hide-narrow">${l.source ?? '—'}</td><td class="hide-narrow">${formatDateTime(ctx.lang, l.createdAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

/**
 * `/leads/without-consent`: how many leads have no consent basis on record (特定電子メール法),
 * the newest of them, and what that means with CONSENT_REQUIRED on or off.
 */
export async function leadsWithoutConsentPage(app: FastifyInstance): Promise<void> {
  app.get('/leads/without-consent', { schema: { hide: true } }, async (request, reply) => {
    const ctx = contextOf(request);
    const t = text(ctx.lang);
    const answer = await apiFor(app, request).get<ConsentReport>(`/v1/reports/consent?limit=${CONSENT_LIST_LIMIT}`);
    if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'leads' }, answer);
    const report = answer.body;
    const body = html`<section class="card" aria-labelledby="consent-count-h"><h2 id="consent-count-h">${t.count}</h2>
<p class="figure" data-testid="without-basis-count">${formatNumber(ctx.lang, report.withoutBasis)}</p>
<p${report.consentRequired ? html` class="error-text"` : ''}>${report.consentRequired ? t.required : t.optional}</p>
<p class="muted">${t.howTo}</p></section>
${leadsTable(ctx, report)}`;
    return sendPage(reply, ctx, { title: t.title, section: 'leads', body, wide: true });
  });
}
