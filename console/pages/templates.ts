import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { TemplateKeyParams } from '../../api/schemas.ts';
import type { TemplateList, TemplateListItem } from '../../api/routes/templates.ts';
import { apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, messages, type Lang } from '../i18n.ts';
import { sendApiError, sendPage } from '../layout.ts';
import { templateEditorPages } from './template-editor.ts';

const text = messages({
  ja: {
    title: 'テンプレート',
    intro:
      'メール・DM・営業担当への通知の文面です。保存するたびに新しい版になり、各リードには言語ごとの最新版が使われます。',
    marketing: 'マーケティング用テンプレート',
    notices: '営業担当への通知（notice-*）',
    shared: '共通レイアウト・部品（_ で始まるキー）',
    key: 'キー',
    locales: '言語と最新版',
    subject: '件名',
    updated: '更新日時',
    newTitle: '新しいテンプレート',
    newKey: 'キー',
    newKeyHint: '半角英小文字・数字・ハイフン（例: nurture-webinar）',
    locale: '言語',
    create: '作成して編集',
    badKey: 'キーは半角英小文字・数字・ハイフン・アンダースコアで、英小文字か数字で始めてください（100文字まで）',
    empty: 'ありません',
  },
  en: {
    title: 'Templates',
    intro:
      'The wording of emails, paper DM and notices to sales reps. Every save makes a new version; each lead gets the newest version in its language.',
    marketing: 'Marketing templates',
    notices: 'Notices to sales reps (notice-*)',
    shared: 'Shared layouts and partials (keys starting with _)',
    key: 'Key',
    locales: 'Languages, newest version',
    subject: 'Subject',
    updated: 'Updated',
    newTitle: 'New template',
    newKey: 'Key',
    newKeyHint: 'Lower-case letters, digits and hyphens (e.g. nurture-webinar)',
    locale: 'Language',
    create: 'Create and edit',
    badKey:
      'A key is lower-case letters, digits, hyphens and underscores, starting with a letter or digit (up to 100 characters)',
    empty: 'None',
  },
});

/** The languages a template is written in, by name in the reader's language. */
export const localeName = (lang: Lang, locale: string): string =>
  locale === 'ja' ? (lang === 'ja' ? '日本語' : 'Japanese') : lang === 'ja' ? '英語' : 'English';

// The API's own key rule, so the form refuses exactly what the API would.
const KEY_PATTERN = new RegExp((TemplateKeyParams.properties.key as { pattern?: string }).pattern ?? '');
const ListQuery = Type.Object(
  {
    newKey: Type.Optional(Type.String({ maxLength: 300 })),
    newLocale: Type.Optional(Type.Union([Type.Literal('ja'), Type.Literal('en')])),
  },
  { additionalProperties: false },
);

function templateTable(ctx: ConsoleContext, caption: string, items: TemplateListItem[]): Html {
  const t = text(ctx.lang);
  const id = `group-${items[0]?.kind ?? 'empty'}`;
  if (items.length === 0) return html`<h2>${caption}</h2><p class="muted">${t.empty}</p>`;
  const subjectOf = (item: TemplateListItem) =>
    (item.locales.find((l) => l.locale === ctx.lang) ?? item.locales[0])?.subject ?? '';
  return html`<h2 id="${id}">${caption} (${items.length})</h2><div class="table-wrap"><table aria-labelledby="${id}">
<thead><tr><th scope="col">${t.key}</th><th scope="col">${t.locales}</th><th scope="col">${t.subject}</th><th scope="col" class="hide-narrow">${t.updated}</th></tr></thead>
<tbody>${items.map(
    (
      item,
    ) => html`<tr data-template-key="${item.key}"><th scope="row"><a href="/templates/${item.key}?locale=${item.locales[0]?.locale ?? 'ja'}"><code>${item.key}</code></a></th>
<td>${item.locales.map((l) => html`<a class="badge" href="/templates/${item.key}?locale=${l.locale}" lang="${l.locale}">${l.locale} v${l.version}</a> `)}</td>
<td>${subjectOf(item)}</td><td class="hide-narrow">${formatDateTime(ctx.lang, item.updatedAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

function newTemplateForm(
  ctx: ConsoleContext,
  query: { newKey?: string | undefined; newLocale?: 'ja' | 'en' | undefined },
  error: string | undefined,
): Html {
  const t = text(ctx.lang);
  const locale = query.newLocale ?? ctx.lang;
  return html`<h2 id="new-template">${t.newTitle}</h2><form method="get" action="/templates" class="filters" aria-labelledby="new-template">
<div class="field"><label for="new-key">${t.newKey}</label><input id="new-key" name="newKey" required maxlength="100" pattern="${KEY_PATTERN.source}" value="${query.newKey ?? ''}" aria-describedby="new-key-hint${error ? ' new-key-error' : ''}"${error ? html` aria-invalid="true"` : ''}>
<p class="muted" id="new-key-hint">${t.newKeyHint}</p>${error ? html`<p class="error" id="new-key-error">${error}</p>` : ''}</div>
<div class="field"><label for="new-locale">${t.locale}</label><select id="new-locale" name="newLocale">${(['ja', 'en'] as const).map((l) => html`<option value="${l}"${l === locale ? html` selected` : ''}>${localeName(ctx.lang, l)}</option>`)}</select></div>
<div class="field"><button type="submit">${t.create}</button></div></form>`;
}

/** `/templates`: every template key grouped by what it is for, and a way to start a new one. */
export async function templatePages(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { newKey?: string; newLocale?: 'ja' | 'en' } }>(
    '/templates',
    { schema: { hide: true, querystring: ListQuery } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const canPut = ctx.can('PUT', '/v1/templates/:key');
      const { newKey, newLocale } = request.query;
      // The new-template form is a GET: a valid key opens the editor, a bad one comes back with the reason.
      const badKey = newKey !== undefined && (newKey.length > 100 || !KEY_PATTERN.test(newKey));
      if (canPut && newKey !== undefined && !badKey)
        return reply.redirect(`/templates/${newKey}?locale=${newLocale ?? ctx.lang}`, 303);
      const answer = await apiFor(app, request).get<TemplateList>('/v1/templates');
      if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.title, section: 'templates' }, answer);
      const items = [...answer.body.items].sort((a, b) => a.key.localeCompare(b.key));
      const body = html`<p>${t.intro}</p>
${canPut ? newTemplateForm(ctx, request.query, badKey ? t.badKey : undefined) : ''}
${templateTable(
  ctx,
  t.marketing,
  items.filter((i) => i.kind === 'email'),
)}
${templateTable(
  ctx,
  t.notices,
  items.filter((i) => i.kind === 'notice'),
)}
${templateTable(
  ctx,
  t.shared,
  items.filter((i) => i.kind === 'layout' || i.kind === 'partial'),
)}`;
      return sendPage(reply, ctx, { title: t.title, section: 'templates', body, wide: true }, badKey ? 422 : 200);
    },
  );
  await app.register(templateEditorPages);
}
