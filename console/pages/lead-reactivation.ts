import type { ConsoleApi, ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, messages, stageName } from '../i18n.ts';

/** One decision as `GET /v1/leads/:id/reactivation` lists it. */
interface DecisionItem {
  decision: 'resume' | 'close';
  resumeAt: string | null;
  cadence: string | null;
  note: string | null;
  decidedBy: string;
  decidedAt: string;
  stage: string;
}

const text = messages({
  ja: {
    title: '再営業の判断',
    none: 'まだ判断されていません。契約終了時は、終了理由とケイデンスの設定に従います。',
    resume: '再営業する',
    close: '再営業しない',
    decision: '判断',
    resumeAt: '再開日時',
    afterWait: '契約終了から所定の期間後',
    cadence: 'ケイデンス',
    own: 'このリードのケイデンス',
    note: '理由',
    by: '判断した人',
    at: '判断日時',
    stage: '判断時のステージ',
    earlier: 'これまでの判断',
  },
  en: {
    title: 'Reactivation decision',
    none: 'Not decided yet. At the contract end, the end reason and the cadence decide.',
    resume: 'Resume',
    close: 'Do not reactivate',
    decision: 'Decision',
    resumeAt: 'Resume at',
    afterWait: "After the cadence's wait from the contract end",
    cadence: 'Cadence',
    own: "The lead's own",
    note: 'Why',
    by: 'Decided by',
    at: 'Decided at',
    stage: 'Stage when decided',
    earlier: 'Earlier decisions',
  },
});

/**
 * The lead page's reactivation card: the decision in force (who decided, when and why),
 * and the earlier ones. Shown for customers and dormant leads, and for any lead a person
 * has decided for; the decision itself is made with `POST /v1/leads/:id/reactivation`.
 */
export async function reactivationBlock(
  ctx: ConsoleContext,
  api: ConsoleApi,
  lead: { id: string; stage: string },
): Promise<Html> {
  const answer = await api.get<{ items: DecisionItem[] }>(`/v1/leads/${encodeURIComponent(lead.id)}/reactivation`);
  const items = answer.status === 200 ? answer.body.items : [];
  if (items.length === 0 && lead.stage !== 'customer' && lead.stage !== 'dormant') return html``;
  const t = text(ctx.lang);
  const [current, ...earlier] = items;
  const body = current
    ? html`<dl class="profile" data-decision="${current.decision}">
<dt>${t.decision}</dt><dd data-field="decision">${current.decision === 'resume' ? t.resume : t.close}</dd>
${current.decision === 'resume' ? html`<dt>${t.resumeAt}</dt><dd>${current.resumeAt ? formatDateTime(ctx.lang, current.resumeAt) : t.afterWait}</dd><dt>${t.cadence}</dt><dd>${current.cadence ?? t.own}</dd>` : ''}
<dt>${t.note}</dt><dd data-field="note">${current.note ?? '—'}</dd>
<dt>${t.by}</dt><dd data-field="decided-by">${current.decidedBy}</dd>
<dt>${t.at}</dt><dd><time datetime="${current.decidedAt}">${formatDateTime(ctx.lang, current.decidedAt)}</time></dd>
<dt>${t.stage}</dt><dd>${stageName(ctx.lang, current.stage)}</dd></dl>
${earlier.length > 0 ? html`<details><summary>${t.earlier}</summary><ul>${earlier.map((d) => html`<li>${formatDateTime(ctx.lang, d.decidedAt)} ${d.decision === 'resume' ? t.resume : t.close} (${d.decidedBy})${d.note ? html`: ${d.note}` : ''}</li>`)}</ul></details>` : ''}`
    : html`<p class="muted">${t.none}</p>`;
  return html`<section class="card lead-block" aria-labelledby="reactivation-h" id="reactivation"><h2 id="reactivation-h">${t.title}</h2>${body}</section>`;
}
