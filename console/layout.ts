import type { Role } from '../domain/roles.ts';
import type { FastifyReply } from 'fastify';
import { apiErrorOf, type ApiAnswer, type ConsoleContext } from './context.ts';
import { html, type Html, type HtmlValue } from './html.ts';
import { common, type Lang } from './i18n.ts';

/** The console's sections, each shown only to roles that may read what it shows. */
const SECTIONS = [
  { key: 'dashboard', href: '/', api: undefined },
  { key: 'leads', href: '/leads', api: '/v1/leads' },
  { key: 'segments', href: '/segments', api: '/v1/segments' },
  { key: 'accounts', href: '/accounts', api: '/v1/accounts' },
  { key: 'inbox', href: '/inbox', api: '/v1/escalations' },
  { key: 'tasks', href: '/tasks', api: '/v1/tasks' },
  { key: 'pipeline', href: '/pipeline', api: '/v1/reports/pipeline' },
  { key: 'cadences', href: '/cadences', api: '/v1/cadences' },
  { key: 'templates', href: '/templates', api: '/v1/templates/:key' },
  { key: 'performance', href: '/performance', api: '/v1/reports/email' },
  { key: 'broadcasts', href: '/broadcasts', api: '/v1/broadcasts' },
  { key: 'dmTasks', href: '/dm-tasks', api: '/v1/dm-tasks' },
  { key: 'outbox', href: '/outbox', api: '/v1/outbox' },
] as const;

/** A console section's key, for marking the current one. */
export type Section = (typeof SECTIONS)[number]['key'];

const ROLE_LINES: Record<Role, 'roleAdmin' | 'roleMarketer' | 'roleSales' | 'roleIntegration'> = {
  admin: 'roleAdmin',
  marketer: 'roleMarketer',
  sales: 'roleSales',
  integration: 'roleIntegration',
};

/** The `<head>` and the page around a body; shared by signed-in pages and the sign-in form. */
export function documentShell(lang: Lang, title: string, body: Html): string {
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · ${common(lang).product}</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/htmx.min.js" defer></script>
<script src="/assets/console.js" defer></script>
</head>
${body}
</html>`.value;
}

/** What a signed-in page is made of. */
export interface PageOptions {
  title: string;
  section: Section;
  body: HtmlValue;
  wide?: boolean;
}

/** A signed-in page: header with the role's powers, the menu, and the content. */
export function consolePage(ctx: ConsoleContext, page: PageOptions): string {
  const t = common(ctx.lang);
  const otherLang: Lang = ctx.lang === 'ja' ? 'en' : 'ja';
  const visible = SECTIONS.filter((s) => s.api === undefined || ctx.can('GET', s.api));
  return documentShell(
    ctx.lang,
    page.title,
    html`<body hx-headers='{"x-csrf-token":"${ctx.csrfToken}"}'>
<a class="skip" href="#main">${t.skip}</a>
<header class="top">
  <a class="brand" href="/">${t.product}</a>
  <p class="role" data-role="${ctx.caller.role}">${t[ROLE_LINES[ctx.caller.role]]}</p>
  <a class="lang" href="/lang/${otherLang}?next=${encodeURIComponent(ctx.path)}" hreflang="${otherLang}" lang="${otherLang}">${t.language}</a>
  <form method="post" action="/sign-out" class="sign-out"><input type="hidden" name="_csrf" value="${ctx.csrfToken}"><button type="submit" class="link">${t.signOut}</button></form>
</header>
<nav aria-label="${t.nav}" class="menu"><ul>
${visible.map((s) => html`<li><a href="${s.href}"${s.key === page.section ? html` aria-current="page"` : ''}>${t[s.key]}</a></li>`)}
</ul></nav>
<main id="main" class="${page.wide ? 'wide' : ''}" tabindex="-1">
<h1>${page.title}</h1>
${page.body}
</main>
</body>`,
  );
}

/** The hidden field every console form carries. */
export const csrfField = (ctx: ConsoleContext): Html =>
  html`<input type="hidden" name="_csrf" value="${ctx.csrfToken}">`;

/** A notice above a page's content: a saved message, or an error from the API. */
export function notice(
  kind: 'ok' | 'error',
  message: string | undefined,
  details: { path: string; message: string }[] = [],
): Html {
  if (!message) return html``;
  return html`<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}"><p>${message}</p>${
    details.length > 0
      ? html`<ul>${details.map((d) => html`<li>${d.path ? html`<code>${d.path}</code> ` : ''}${d.message}</li>`)}</ul>`
      : ''
  }</div>`;
}

/** Sends a signed-in page, with `status` when it is not 200. */
export function sendPage(reply: FastifyReply, ctx: ConsoleContext, page: PageOptions, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(consolePage(ctx, page));
}

/** The page an API refusal becomes: the API's status and message, in the page's frame. */
export function sendApiError(
  reply: FastifyReply,
  ctx: ConsoleContext,
  page: Omit<PageOptions, 'body'>,
  answer: ApiAnswer,
): FastifyReply {
  return sendPage(reply, ctx, { ...page, body: notice('error', apiErrorOf(answer).message) }, answer.status);
}
