import type { ConsoleApi, ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { messages } from '../i18n.ts';
import { accountLeadsTable, type AccountDetail } from './accounts.ts';

const text = messages({
  ja: {
    title: '同じ企業の他のリード',
    account: '企業',
    alone: 'この企業のリードはこのリードだけです。',
  },
  en: {
    title: 'Other leads at this account',
    account: 'Account',
    alone: 'This is the only lead at this account.',
  },
});

/**
 * The lead's account and its other contacts (stage, score, owner), for the lead page and
 * the sales inbox: a rep calling one contact sees who else at the company is warm.
 * Nothing for a lead without an account, or a reader whose role may not read accounts.
 */
export async function leadAccountBlock(
  ctx: ConsoleContext,
  api: ConsoleApi,
  lead: { id: string; accountId?: string | null | undefined },
  headingLevel: 'h2' | 'h3' = 'h2',
): Promise<Html> {
  if (!lead.accountId || !ctx.can('GET', '/v1/accounts/:id')) return html``;
  const answer = await api.get<AccountDetail>(`/v1/accounts/${encodeURIComponent(lead.accountId)}`);
  if (answer.status !== 200) return html``;
  const t = text(ctx.lang);
  const account = answer.body;
  const others = account.leads.filter((l) => l.id !== lead.id);
  const heading =
    headingLevel === 'h2'
      ? html`<h2 id="account-of-${lead.id}">${t.title}</h2>`
      : html`<h3 id="account-of-${lead.id}">${t.title}</h3>`;
  return html`<section class="lead-account" data-account-id="${account.id}" aria-labelledby="account-of-${lead.id}">${heading}
<p>${t.account}: <a href="/accounts/${account.id}">${account.name}</a></p>
${others.length === 0 ? html`<p class="muted">${t.alone}</p>` : accountLeadsTable(ctx, others, t.title)}</section>`;
}
