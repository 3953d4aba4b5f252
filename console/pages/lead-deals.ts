import type { ConsoleApi, ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, formatNumber, messages } from '../i18n.ts';

/** One deal as `GET /v1/leads/:id/deals` answers it. */
export interface DealItem {
  id: string;
  kind: 'new' | 'upsell' | 'reactivation';
  crm: { provider: string; dealId: string } | null;
  status: 'open' | 'won' | 'lost';
  stage: string | null;
  amount: number | null;
  probability: number | null;
  expectedCloseDate: string | null;
  ownerEmail: string | null;
  openedAt: string;
  closedAt: string | null;
  lastStageChangeAt: string;
  history: { at: string; stage: string | null; status: 'open' | 'won' | 'lost' }[];
}

const text = messages({
  ja: {
    deals: '商談',
    none: '商談はまだありません',
    kind: '種類',
    status: '状況',
    stage: 'ステージ',
    amount: '金額',
    probability: '確度',
    closeDate: '成約予定日',
    owner: '担当者',
    opened: '開始',
    closed: '終了',
    history: '履歴',
    kind_new: '新規',
    kind_upsell: 'アップセル',
    kind_reactivation: '再営業',
    status_open: '進行中',
    status_won: '受注',
    status_lost: '失注',
    unreadable: '商談を取得できませんでした',
  },
  en: {
    deals: 'Deals',
    none: 'No deals yet',
    kind: 'Kind',
    status: 'Status',
    stage: 'Stage',
    amount: 'Amount',
    probability: 'Probability',
    closeDate: 'Expected close',
    owner: 'Owner',
    opened: 'Opened',
    closed: 'Closed',
    history: 'History',
    kind_new: 'new',
    kind_upsell: 'upsell',
    kind_reactivation: 'reactivation',
    status_open: 'open',
    status_won: 'won',
    status_lost: 'lost',
    unreadable: 'The deals could not be read',
  },
});

/**
 * The lead's deals, newest first: kind, status, stage, amount, probability, close date,
 * owner and when it opened and closed, each with its stage history one click away.
 * Anchored at `#deals`, where the pipeline links to.
 */
export async function dealsBlock(ctx: ConsoleContext, api: ConsoleApi, leadId: string): Promise<Html> {
  const t = text(ctx.lang);
  const answer = await api.get<{ items: DealItem[] }>(`/v1/leads/${encodeURIComponent(leadId)}/deals`);
  const deals = answer.status === 200 ? answer.body.items : undefined;
  const dash = (value: string | null) => value ?? '—';
  const rows = (deals ?? []).map(
    (d) =>
      html`<tr data-deal="${d.id}" data-kind="${d.kind}" data-status="${d.status}"><td><span class="badge">${t[`kind_${d.kind}`]}</span></td><td>${t[`status_${d.status}`]}</td><td>${dash(d.stage)}</td><td class="num">${d.amount === null ? '—' : `¥${formatNumber(ctx.lang, d.amount)}`}</td><td class="num">${d.probability === null ? '—' : `${d.probability}%`}</td><td>${dash(d.expectedCloseDate)}</td><td>${dash(d.ownerEmail)}</td><td>${formatDateTime(ctx.lang, d.openedAt)}</td><td>${formatDateTime(ctx.lang, d.closedAt)}</td><td><details><summary>${t.history} (${d.history.length})</summary><ol class="deal-history">${d.history.map(
        (h) =>
          html`<li><time datetime="${h.at}">${formatDateTime(ctx.lang, h.at)}</time> ${t[`status_${h.status}`]}${h.stage === null ? '' : ` · ${h.stage}`}</li>`,
      )}</ol></details></td></tr>`,
  );
  const body =
    deals === undefined
      ? html`<p class="muted">${t.unreadable}</p>`
      : deals.length === 0
        ? html`<p class="muted">${t.none}</p>`
        : html`<div class="table-wrap"><table><thead><tr><th scope="col">${t.kind}</th><th scope="col">${t.status}</th><th scope="col">${t.stage}</th><th scope="col" class="num">${t.amount}</th><th scope="col" class="num">${t.probability}</th><th scope="col">${t.closeDate}</th><th scope="col">${t.owner}</th><th scope="col">${t.opened}</th><th scope="col">${t.closed}</th><th scope="col">${t.history}</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  return html`<section id="deals" class="card" aria-labelledby="deals-h"><h2 id="deals-h">${t.deals}</h2>${body}</section>`;
}
