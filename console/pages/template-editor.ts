import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { TemplateKeyParams } from '../../api/schemas.ts';
import { isPartialKey } from '../../mail/partials.ts';
import type { TemplatePreview, TemplateVersionItem, TemplateVersions } from '../../api/routes/templates.ts';
import { apiErrorOf, apiFor, contextOf, type ApiAnswer, type ConsoleApi, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { formatDateTime, messages, type Lang } from '../i18n.ts';
import { consolePage, notice, sendApiError } from '../layout.ts';
import {
  previewFragment,
  previewOutcome,
  problemLine,
  problemsOf,
  type PreviewOutcome,
  type TemplateProblem,
} from './template-preview.ts';

const text = messages({
  ja: {
    title: 'テンプレートの編集',
    newTemplate: '新しいテンプレート（未保存）',
    back: 'テンプレート一覧',
    locale: '言語',
    subject: '件名',
    subjectHint: 'Handlebars の変数が使えます（例: {{lead.name}}、{{sama lead.name}}）',
    mjml: '本文（MJML）',
    mjmlHint:
      'エラーは行番号つきで表示されます。共通レイアウトは {{#> _layout-email}} … {{/_layout-email}} で使えます。',
    sample: 'プレビュー用のサンプルリード',
    sampleHint: '空欄の項目はサンプルの値（山田 太郎 など）でプレビューします。',
    name: '氏名',
    company: '会社名',
    department: '部署',
    jobTitle: '役職',
    email: 'メールアドレス',
    preview: 'プレビュー',
    previewButton: 'プレビューを更新',
    width: 'プレビューの幅',
    desktop: 'デスクトップ',
    mobile: 'スマートフォン',
    save: '新しい版として保存',
    saved: '版 {n} として保存しました',
    testSend: 'テスト送信',
    testSendHint: '保存済みの版（v{n}）をサンプルリードの値で送ります。件名の先頭に [TEST] が付きます。',
    testSendNeedsSave: 'テスト送信は保存後にできます。',
    to: '送信先アドレス',
    send: 'テスト送信する',
    sent: '{to} にテストメールを送信しました',
    versions: '版の履歴',
    version: '版',
    created: '保存日時',
    noVersions: 'まだ保存されていません',
    versionsUnavailable: '版の履歴を読み込めませんでした',
    fixErrors: '保存できませんでした。項目の横のエラーを確認してください',
    readOnly: 'このロールではテンプレートを閲覧のみできます',
  },
  en: {
    title: 'Edit template',
    newTemplate: 'New template (not saved yet)',
    back: 'All templates',
    locale: 'Language',
    subject: 'Subject',
    subjectHint: 'Handlebars variables work here (e.g. {{lead.name}}, {{sama lead.name}})',
    mjml: 'Body (MJML)',
    mjmlHint:
      'Errors are shown with their line numbers. Use the shared layout with {{#> _layout-email}} … {{/_layout-email}}.',
    sample: 'Sample lead for the preview',
    sampleHint: 'Empty fields preview with the sample lead’s values (Alex Smith and so on).',
    name: 'Name',
    company: 'Company',
    department: 'Department',
    jobTitle: 'Job title',
    email: 'Email',
    preview: 'Preview',
    previewButton: 'Update preview',
    width: 'Preview width',
    desktop: 'Desktop',
    mobile: 'Mobile',
    save: 'Save as a new version',
    saved: 'Saved as version {n}',
    testSend: 'Test send',
    testSendHint: 'Sends the saved version (v{n}) with the sample lead’s values; the subject starts with [TEST].',
    testSendNeedsSave: 'Save the template to send a test.',
    to: 'Send to',
    send: 'Send a test',
    sent: 'Test email sent to {to}',
    versions: 'Version history',
    version: 'Version',
    created: 'Saved',
    noVersions: 'Not saved yet',
    versionsUnavailable: 'The version history could not be loaded',
    fixErrors: 'Not saved: see the errors beside the fields',
    readOnly: 'Your role may read templates only',
  },
});

const SAMPLE_FIELDS = ['name', 'company', 'department', 'title', 'email'] as const;
type SampleField = (typeof SAMPLE_FIELDS)[number];
const SAMPLE_LABELS: Record<SampleField, 'name' | 'company' | 'department' | 'jobTitle' | 'email'> = {
  name: 'name',
  company: 'company',
  department: 'department',
  title: 'jobTitle',
  email: 'email',
};

const Locale = Type.Union([Type.Literal('ja'), Type.Literal('en')]);
type Locale = Static<typeof Locale>;
const Field = Type.Optional(Type.String({ maxLength: 300 }));
// The console's limits are looser than the API's, so the API's own messages reach the reader.
const EditorForm = Type.Object(
  {
    _csrf: Type.String(),
    subject: Type.Optional(Type.String({ maxLength: 5_000 })),
    mjml: Type.Optional(Type.String({ maxLength: 600_000 })),
    sample_name: Field,
    sample_company: Field,
    sample_department: Field,
    sample_title: Field,
    sample_email: Field,
    to: Field,
    width: Type.Optional(Type.Union([Type.Literal('desktop'), Type.Literal('mobile')])),
  },
  { additionalProperties: false },
);
type EditorFormBody = Static<typeof EditorForm>;
const EditorQuery = Type.Object(
  {
    locale: Type.Optional(Locale),
    saved: Type.Optional(Type.Integer({ minimum: 1 })),
    sent: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);
type EditorRequest = FastifyRequest<{
  Params: { key: string };
  Querystring: Static<typeof EditorQuery>;
  Body: EditorFormBody;
}>;

/** What the reader has in the editor's form (kept across a failed save or a no-JS preview). */
interface Draft {
  subject: string;
  mjml: string;
  sample: Partial<Record<SampleField, string>>;
  to: string;
  width: 'desktop' | 'mobile';
}

/** A new template's starting point: the shared layout and a greeting with the lead's name. */
const starter = (locale: Locale): Draft => ({
  subject: '',
  mjml:
    locale === 'ja'
      ? '{{#> _layout-email}}\n<mj-section background-color="#ffffff">\n  <mj-column>\n    <mj-text>\n      <p>{{lead.company}}<br>{{sama lead.name}}</p>\n      <p></p>\n    </mj-text>\n  </mj-column>\n</mj-section>\n{{/_layout-email}}\n'
      : '{{#> _layout-email}}\n<mj-section background-color="#ffffff">\n  <mj-column>\n    <mj-text>\n      <p>Dear {{lead.name}},</p>\n      <p></p>\n    </mj-text>\n  </mj-column>\n</mj-section>\n{{/_layout-email}}\n',
  sample: {},
  to: '',
  width: 'desktop',
});

const draftOf = (body: EditorFormBody): Draft => ({
  subject: body.subject ?? '',
  mjml: body.mjml ?? '',
  sample: Object.fromEntries(SAMPLE_FIELDS.map((f) => [f, body[`sample_${f}`] ?? ''])),
  to: body.to ?? '',
  width: body.width ?? 'desktop',
});

/** The sample lead as the preview and test send take it: only the fields the reader filled in. */
const sampleData = (draft: Draft) =>
  Object.fromEntries(SAMPLE_FIELDS.flatMap((f) => (draft.sample[f]?.trim() ? [[f, draft.sample[f].trim()]] : [])));

const fill = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));

async function renderPreview(api: ConsoleApi, key: string, locale: Locale, draft: Draft): Promise<PreviewOutcome> {
  if (isPartialKey(key)) return { kind: 'partial' };
  // An empty field is passed on as empty, so the API says what is missing rather than previewing the stored one.
  const answer = await api.send<TemplatePreview>('POST', `/v1/templates/${key}/preview`, {
    subject: draft.subject,
    mjml: draft.mjml,
    locale,
    lead: sampleData(draft),
  });
  return previewOutcome(answer);
}

/** Everything the editor page shows. */
interface EditorView {
  key: string;
  locale: Locale;
  draft: Draft;
  stored: TemplateVersionItem | undefined;
  versions: { version: number; subject: string; createdAt: string }[] | undefined;
  preview: PreviewOutcome;
  problems: TemplateProblem[];
  banner: Html;
}

function fieldProblems(lang: Lang, id: string, problems: TemplateProblem[]): { attrs: Html; list: Html } {
  if (problems.length === 0) return { attrs: html``, list: html`` };
  return {
    attrs: html` aria-invalid="true" aria-describedby="${id}-hint ${id}-error"`,
    list: html`<ul class="error" id="${id}-error">${problems.map((p) => html`<li>${problemLine(lang, p)}</li>`)}</ul>`,
  };
}

function editorPage(ctx: ConsoleContext, view: EditorView): string {
  const t = text(ctx.lang);
  const { key, locale, draft } = view;
  const canPut = ctx.can('PUT', '/v1/templates/:key');
  const canTestSend = ctx.can('POST', '/v1/templates/:key/test-send');
  const subjectErrors = fieldProblems(
    ctx.lang,
    'subject',
    view.problems.filter((p) => p.part === 'subject'),
  );
  const mjmlErrors = fieldProblems(
    ctx.lang,
    'mjml',
    view.problems.filter((p) => p.part !== 'subject'),
  );
  const base = `/templates/${key}`;
  const q = `?locale=${locale}`;
  const otherLocale: Locale = locale === 'ja' ? 'en' : 'ja';
  const readOnly = canPut ? '' : html` readonly`;
  const body = html`<p><a href="/templates">${t.back}</a> · <code>${key}</code> · ${view.stored ? html`<span class="badge">${locale} v${view.stored.version}</span>` : html`<span class="badge">${t.newTemplate}</span>`}
 · <a href="${base}?locale=${otherLocale}" lang="${otherLocale}">${otherLocale === 'ja' ? '日本語版' : 'English version'}</a></p>
${view.banner}
${canPut ? '' : html`<p class="muted">${t.readOnly}</p>`}
<form id="template-form" method="post" action="${base}/preview${q}" class="editor" novalidate>
<input type="hidden" name="_csrf" value="${ctx.csrfToken}">
<div class="split">
<div class="editor-pane">
<div class="field"><label for="subject">${t.subject}</label><input id="subject" name="subject" value="${draft.subject}" maxlength="500" lang="${locale}" aria-describedby="subject-hint"${subjectErrors.attrs}${readOnly}>
<p class="muted" id="subject-hint">${t.subjectHint}</p>${subjectErrors.list}</div>
<div class="field"><label for="mjml">${t.mjml}</label><textarea id="mjml" name="mjml" rows="24" spellcheck="false" autocapitalize="off" lang="${locale}" aria-describedby="mjml-hint"${mjmlErrors.attrs}${readOnly}>${draft.mjml}</textarea>
<p class="muted" id="mjml-hint">${t.mjmlHint}</p>${mjmlErrors.list}</div>
<fieldset class="sample"><legend>${t.sample}</legend><p class="muted">${t.sampleHint}</p><div class="row">
${SAMPLE_FIELDS.map((f) => html`<div class="field"><label for="sample-${f}">${t[SAMPLE_LABELS[f]]}</label><input id="sample-${f}" name="sample_${f}" value="${draft.sample[f] ?? ''}" maxlength="200"${f === 'email' ? html` type="email"` : ''}></div>`)}
</div></fieldset>
<div class="actions"><button type="submit" class="secondary" formaction="${base}/preview${q}">${t.previewButton}</button>
${canPut ? html`<button type="submit" formaction="${base}${q}" data-action="save">${t.save}</button>` : ''}</div>
${
  canTestSend
    ? html`<fieldset class="test-send"><legend>${t.testSend}</legend>${
        view.stored
          ? html`<p class="muted" id="to-hint">${fill(t.testSendHint, { n: view.stored.version })}</p><div class="row"><div class="field"><label for="to">${t.to}</label><input id="to" name="to" type="email" data-enter-action="test-send" autocomplete="email" maxlength="254" value="${draft.to}" aria-describedby="to-hint"></div>
<div class="field"><button type="submit" class="secondary" formaction="${base}/test-send${q}" data-action="test-send">${t.send}</button></div></div>`
          : html`<p class="muted">${t.testSendNeedsSave}</p>`
      }</fieldset>`
    : ''
}
</div>
<section class="preview-pane" aria-labelledby="preview-heading">
<h2 id="preview-heading">${t.preview}</h2>
<div class="actions" role="group" aria-label="${t.width}">
${(['desktop', 'mobile'] as const).map((w) => html`<button type="submit" class="secondary" name="width" value="${w}" formaction="${base}/preview${q}" data-preview-width="${w}" aria-pressed="${String(draft.width === w)}">${t[w]}</button>`)}
</div>
<div id="preview-frame" class="preview-box${draft.width === 'mobile' ? ' mobile' : ''}">
<div id="preview" hx-post="${base}/preview${q}" hx-trigger="input changed delay:600ms from:#template-form" hx-include="#template-form" hx-sync="this:replace" hx-swap="innerHTML">${previewFragment(ctx.lang, view.preview)}</div>
</div>
</section>
</div>
</form>
<h2 id="versions">${t.versions}</h2>
${
  view.versions === undefined
    ? html`<p class="muted">${t.versionsUnavailable}</p>`
    : view.versions.length === 0
      ? html`<p class="muted">${t.noVersions}</p>`
      : html`<div class="table-wrap"><table aria-labelledby="versions"><thead><tr><th scope="col">${t.version}</th><th scope="col">${t.subject}</th><th scope="col">${t.created}</th></tr></thead>
<tbody>${view.versions.map((v) => html`<tr data-version="${v.version}"><th scope="row">v${v.version}</th><td>${v.subject}</td><td>${formatDateTime(ctx.lang, v.createdAt)}</td></tr>`)}</tbody></table></div>`
}`;
  return consolePage(ctx, { title: `${t.title}: ${key}`, section: 'templates', body, wide: true });
}

/** The stored template (undefined while it is new) and its versions, or the API's refusal. */
type Loaded =
  { refused: ApiAnswer } | { stored: TemplateVersionItem | undefined; versions: VersionSummary[] | undefined };
type VersionSummary = TemplateVersions['items'][number];

async function loadTemplate(api: ConsoleApi, key: string, locale: Locale): Promise<Loaded> {
  const [stored, versions] = await Promise.all([
    api.get<TemplateVersionItem>(`/v1/templates/${key}?locale=${locale}`),
    api.get<TemplateVersions>(`/v1/templates/${key}/versions?locale=${locale}`),
  ]);
  if (stored.status !== 200 && stored.status !== 404) return { refused: stored };
  // findTemplateFor falls back to another language: only this language's versions count as stored.
  const own = stored.status === 200 && stored.body.locale === locale ? stored.body : undefined;
  return {
    stored: own,
    versions:
      versions.status === 200
        ? versions.body.items.filter((v) => v.locale === locale)
        : versions.status === 404
          ? []
          : undefined,
  };
}

const sendHtml = (reply: FastifyReply, status: number, page: string) =>
  reply.code(status).type('text/html; charset=utf-8').send(page);

/**
 * `/templates/:key?locale=ja|en`: the editor (subject, MJML, sample lead), its live
 * preview (htmx posts the form to `/templates/:key/preview` as the marketer types and
 * swaps in the fragment; without JavaScript the same route re-renders the page), save
 * as a new version, version history, and a test send of the saved version.
 */
export async function templateEditorPages(app: FastifyInstance): Promise<void> {
  const schema = { hide: true, params: TemplateKeyParams, querystring: EditorQuery };
  const formSchema = { ...schema, body: EditorForm };

  /** The page again with the reader's draft, after a no-JS preview, a failed save or a failed send. */
  const rerender = async (
    request: EditorRequest,
    reply: FastifyReply,
    draft: Draft,
    extra: { status?: number; problems?: TemplateProblem[]; banner?: Html },
  ) => {
    const ctx = contextOf(request);
    const api = apiFor(app, request);
    const { key } = request.params;
    const locale = request.query.locale ?? ctx.lang;
    const loaded = await loadTemplate(api, key, locale);
    if ('refused' in loaded)
      return sendApiError(reply, ctx, { title: text(ctx.lang).title, section: 'templates' }, loaded.refused);
    const preview = await renderPreview(api, key, locale, draft);
    return sendHtml(
      reply,
      extra.status ?? 200,
      editorPage(ctx, {
        key,
        locale,
        draft,
        ...loaded,
        preview,
        problems: extra.problems ?? [],
        banner: extra.banner ?? html``,
      }),
    );
  };

  app.get<{ Params: { key: string }; Querystring: Static<typeof EditorQuery> }>(
    '/templates/:key',
    { schema },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const api = apiFor(app, request);
      const { key } = request.params;
      const locale = request.query.locale ?? ctx.lang;
      const loaded = await loadTemplate(api, key, locale);
      if ('refused' in loaded)
        return sendApiError(reply, ctx, { title: t.title, section: 'templates' }, loaded.refused);
      const draft = loaded.stored
        ? { ...starter(locale), subject: loaded.stored.subject, mjml: loaded.stored.mjml }
        : starter(locale);
      const { saved, sent } = request.query;
      const banner =
        saved !== undefined
          ? notice('ok', fill(t.saved, { n: saved }))
          : sent !== undefined
            ? notice('ok', fill(t.sent, { to: sent }))
            : html``;
      // A new template's empty subject would only preview as an error: show its body first.
      const preview = await renderPreview(api, key, locale, loaded.stored ? draft : { ...draft, subject: key });
      return sendHtml(reply, 200, editorPage(ctx, { key, locale, draft, ...loaded, preview, problems: [], banner }));
    },
  );

  // The live preview: a fragment for htmx, the whole page for a form posted without JavaScript.
  app.post<{ Params: { key: string }; Querystring: Static<typeof EditorQuery>; Body: EditorFormBody }>(
    '/templates/:key/preview',
    { schema: formSchema },
    async (request, reply) => {
      const ctx = contextOf(request);
      const draft = draftOf(request.body);
      if (request.headers['hx-request'] !== 'true') return rerender(request, reply, draft, {});
      const preview = await renderPreview(
        apiFor(app, request),
        request.params.key,
        request.query.locale ?? ctx.lang,
        draft,
      );
      // htmx swaps 2xx answers only: an invalid template is a preview of its errors, not a failed request.
      return reply
        .code(preview.kind === 'failed' && preview.status === 403 ? 403 : 200)
        .type('text/html; charset=utf-8')
        .send(previewFragment(ctx.lang, preview).value);
    },
  );

  app.post<{ Params: { key: string }; Querystring: Static<typeof EditorQuery>; Body: EditorFormBody }>(
    '/templates/:key',
    { schema: formSchema },
    async (request, reply) => {
      const ctx = contextOf(request);
      const { key } = request.params;
      const locale = request.query.locale ?? ctx.lang;
      const draft = draftOf(request.body);
      const answer = await apiFor(app, request).send<{ version: number }>('PUT', `/v1/templates/${key}`, {
        subject: draft.subject,
        mjml: draft.mjml,
        locale,
      });
      if (answer.status === 200 || answer.status === 201)
        return reply.redirect(`/templates/${key}?locale=${locale}&saved=${answer.body.version}`, 303);
      if (answer.status !== 422)
        return sendApiError(reply, ctx, { title: text(ctx.lang).title, section: 'templates' }, answer);
      const { problems } = problemsOf(answer);
      return rerender(request, reply, draft, {
        status: 422,
        problems,
        banner: notice('error', text(ctx.lang).fixErrors),
      });
    },
  );

  app.post<{ Params: { key: string }; Querystring: Static<typeof EditorQuery>; Body: EditorFormBody }>(
    '/templates/:key/test-send',
    { schema: formSchema },
    async (request, reply) => {
      const ctx = contextOf(request);
      const { key } = request.params;
      const locale = request.query.locale ?? ctx.lang;
      const draft = draftOf(request.body);
      const answer = await apiFor(app, request).send('POST', `/v1/templates/${key}/test-send`, {
        to: draft.to.trim(),
        locale,
        data: sampleData(draft),
      });
      if (answer.status === 202)
        return reply.redirect(`/templates/${key}?locale=${locale}&sent=${encodeURIComponent(draft.to.trim())}`, 303);
      if (answer.status === 403)
        return sendApiError(reply, ctx, { title: text(ctx.lang).title, section: 'templates' }, answer);
      const error = apiErrorOf(answer);
      return rerender(request, reply, draft, {
        status: answer.status,
        banner: notice('error', error.message, error.details),
      });
    },
  );
}
