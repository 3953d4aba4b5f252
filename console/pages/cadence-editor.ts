import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { KeyParams } from '../../api/schemas.ts';
import type { Cadence } from '../../domain/cadence.ts';
import type { CadenceImpact } from '../../domain/cadence-impact.ts';
import { EVENT_TYPES, type EventType } from '../../domain/scoring.ts';
import { apiErrorOf, apiFor, contextOf, type ConsoleContext } from '../context.ts';
import { html, type Html } from '../html.ts';
import { common, messages, type Lang } from '../i18n.ts';
import { csrfField, notice, sendApiError, sendPage } from '../layout.ts';
import { impactQuery } from './cadence-impact.ts';
import {
  applyStepAction,
  blankForm,
  cadenceFromForm,
  durationInWords,
  fieldName,
  formFromBody,
  formFromCadence,
  parseStepAction,
  type CadenceForm,
  type FieldProblem,
  type FormBody,
  type SequenceName,
} from './cadence-form.ts';
import {
  channelName,
  previewButtonLabel,
  previewHeading,
  previewTable,
  previewTimeline,
  startDateField,
  startDateOf,
  todayIn,
  type PreviewResult,
} from './cadence-preview.ts';

const text = messages({
  ja: {
    newTitle: '新しいカデンツ',
    editTitle: 'カデンツを編集',
    key: 'キー（英小文字・数字・-・_）',
    name: '名前',
    basics: '基本',
    nurture: '育成ステップ',
    upsell: 'アップセルステップ（顧客向け）',
    reactivation: '再営業（契約終了後）',
    step: 'ステップ',
    wait: '待機（ISO 8601 期間：P1M＝1か月、P14D＝14日）',
    waitShort: '待機',
    channel: 'チャネル',
    template: 'テンプレート',
    title: 'タスクの内容（タスクの場合）',
    noTemplate: '（なし）',
    up: '上へ',
    down: '下へ',
    remove: '削除',
    add: 'ステップを追加',
    repeat: '最後のステップの後、最初から繰り返す',
    scoring: 'スコアリング',
    points: 'イベントごとの点数',
    threshold: 'エスカレーションのしきい値',
    halfLife: 'スコアの半減期',
    deals: '商談',
    stalledAfter: '停滞とみなす期間',
    returnToNurture: '失注後、育成に戻るまで',
    remindAfter: '未対応エスカレーションのリマインドまで (営業時間)',
    reasons: '対象となる契約終了理由（カンマ区切り）',
    waitAfterEnd: '契約終了から再営業まで',
    cap: '送信上限',
    capMax: '最大回数',
    capPer: '期間',
    window: '送信時間帯',
    windowNone: '制限なし（いつでも送信）',
    windowOn: '時間帯を指定する',
    timezone: 'タイムゾーン',
    businessDays: '営業日のみ（土日・祝日・年末年始を除く）',
    from: '開始時刻',
    to: '終了時刻',
    save: '保存',
    invalid: '保存できませんでした。各項目のメッセージを確認してください。',
    exists: 'このキーのカデンツはすでにあります。そのカデンツを編集してください。',
    badKey: '英小文字・数字で始まり、英小文字・数字・-・_ だけを使ってください',
    templatesMissing: 'テンプレート一覧を取得できないため、テンプレートキーを直接入力してください。',
    email_open: 'メール開封',
    email_click: 'メール内リンクのクリック',
    web_visit: 'Web訪問',
    form_submit: 'フォーム送信',
    reply: '返信',
    dm_response: 'DMへの反応',
    meeting_request: '面談の依頼',
  },
  en: {
    newTitle: 'New cadence',
    editTitle: 'Edit cadence',
    key: 'Key (lower-case letters, digits, - and _)',
    name: 'Name',
    basics: 'Basics',
    nurture: 'Nurture steps',
    upsell: 'Upsell steps (customers)',
    reactivation: 'Reactivation (after a contract ends)',
    step: 'Step',
    wait: 'Wait (ISO 8601 duration: P1M = 1 month, P14D = 14 days)',
    waitShort: 'Wait',
    channel: 'Channel',
    template: 'Template',
    title: 'Task (for task steps)',
    noTemplate: '(none)',
    up: 'Up',
    down: 'Down',
    remove: 'Remove',
    add: 'Add a step',
    repeat: 'Start over after the last step',
    scoring: 'Scoring',
    points: 'Points per event',
    threshold: 'Escalation threshold',
    halfLife: 'Score half-life',
    deals: 'Deals',
    stalledAfter: 'Stalled after',
    returnToNurture: 'Lost deal back to nurture after',
    remindAfter: 'Remind of an unacknowledged escalation after (business hours)',
    reasons: 'Eligible contract end reasons (comma-separated)',
    waitAfterEnd: 'Reactivation after the contract ends',
    cap: 'Frequency cap',
    capMax: 'At most',
    capPer: 'Per',
    window: 'Send window',
    windowNone: 'None (send any time)',
    windowOn: 'Only within these hours',
    timezone: 'Time zone',
    businessDays: 'Business days only (no weekends, Japanese holidays or year-end break)',
    from: 'From',
    to: 'To',
    save: 'Save',
    invalid: 'Not saved: see the message beside each field.',
    exists: 'A cadence with this key exists already: edit that one instead.',
    badKey: 'must start with a lower-case letter or digit and use only lower-case letters, digits, - and _',
    templatesMissing: 'The template list is not available: type template keys.',
    email_open: 'Email opened',
    email_click: 'Link in an email clicked',
    web_visit: 'Web visit',
    form_submit: 'Form submitted',
    reply: 'Reply',
    dm_response: 'Response to a DM',
    meeting_request: 'Meeting requested',
  },
});

/** A scoring event's name in the reader's language. */
export const eventName = (lang: Lang, event: EventType): string => text(lang)[event];

/** What the editor shows besides the form: problems by field, the template keys, a preview. */
interface EditorState {
  mode: 'new' | 'edit';
  form: CadenceForm;
  problems: FieldProblem[];
  message?: string | undefined;
  /** Template keys for the selects; undefined when the list could not be read (text inputs then). */
  templates: string[] | undefined;
  preview?: PreviewResult | undefined;
  previewStart: string;
}

/**
 * Renders the editor. Each field's name is its JSON pointer with dots, so a problem finds
 * its field by name; a problem on a container (`/reactivation` missing a field) shows in
 * its fieldset, and every problem is listed at the top with a link to its field.
 */
function editorBody(ctx: ConsoleContext, state: EditorState): Html {
  const t = text(ctx.lang);
  const { form } = state;
  const byField = new Map<string, string[]>();
  for (const p of state.problems)
    byField.set(fieldName(p.path), [...(byField.get(fieldName(p.path)) ?? []), p.message]);
  const rendered = new Set<string>();
  const idOf = (name: string) => `f-${name.replaceAll('.', '-') || 'cadence'}`;
  const errorOf = (name: string, id: string): Html => {
    const messages = byField.get(name);
    return messages ? html`<p class="error" id="${id}-error">${messages.join(' / ')}</p>` : html``;
  };
  /** Attributes linking a control to its label, hint and error. */
  const attrs = (name: string, hint?: boolean): Html => {
    rendered.add(name);
    const id = idOf(name);
    const invalid = byField.has(name);
    const described = [hint ? `${id}-hint` : '', invalid ? `${id}-error` : ''].filter(Boolean).join(' ');
    return html`id="${id}" name="${name}"${invalid ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}`;
  };
  const input = (
    name: string,
    label: string,
    value: string,
    options: { type?: string; duration?: boolean; size?: number; required?: boolean } = {},
  ): Html => {
    const id = idOf(name);
    const words = options.duration && value ? durationInWords(ctx.lang, value) : undefined;
    return html`<div class="field"><label for="${id}">${label}</label><input type="${options.type ?? 'text'}" ${attrs(name, options.duration)} value="${value}"${options.size ? html` size="${options.size}"` : ''}${options.required ? html` required` : ''}>${
      options.duration ? html`<p class="muted hint" id="${id}-hint">${words ?? 'P1M, P14D, PT2S'}</p>` : ''
    }${errorOf(name, id)}</div>`;
  };
  const checkbox = (name: string, label: string, checked: boolean): Html =>
    html`<div class="field"><label class="check"><input type="checkbox" ${attrs(name)} value="on"${checked ? html` checked` : ''}> ${label}</label>${errorOf(name, idOf(name))}</div>`;
  const containerError = (name: string): Html => {
    rendered.add(name);
    return errorOf(name, idOf(name));
  };
  const templateControl = (name: string, value: string): Html => {
    const id = idOf(name);
    if (state.templates === undefined)
      return html`<div class="field"><label for="${id}">${t.template}</label><input type="text" ${attrs(name)} value="${value}" size="18">${errorOf(name, id)}</div>`;
    const keys = value === '' || state.templates.includes(value) ? state.templates : [value, ...state.templates];
    return html`<div class="field"><label for="${id}">${t.template}</label><select ${attrs(name)}><option value="">${t.noTemplate}</option>${keys.map((k) => html`<option value="${k}"${k === value ? html` selected` : ''}>${k}</option>`)}</select>${errorOf(name, id)}</div>`;
  };
  const stepList = (sequence: SequenceName): Html => {
    const steps = form.steps[sequence];
    return html`<ol class="steps">${steps.map((s, i) => {
      const base = `${sequence}.steps.${i}`;
      const n = i + 1;
      return html`<li class="step" data-step="${base}"><div class="row">
${input(`${base}.after`, `${t.step} ${n}: ${t.waitShort}`, s.after, { duration: true, size: 10 })}
<div class="field"><label for="${idOf(`${base}.channel`)}">${t.channel}</label><select ${attrs(`${base}.channel`)}>${(['email', 'dm', 'task'] as const).map((c) => html`<option value="${c}"${c === s.channel ? html` selected` : ''}>${channelName(ctx.lang, c)}</option>`)}</select>${errorOf(`${base}.channel`, idOf(`${base}.channel`))}</div>
${templateControl(`${base}.template`, s.template)}
${input(`${base}.title`, t.title, s.title, { size: 18 })}
</div>${errorOf(base, idOf(base))}<div class="actions">
${i > 0 ? html`<button type="submit" class="secondary" name="action" value="up-step:${sequence}:${i}" formnovalidate aria-label="${t.step} ${n}: ${t.up}">↑ ${t.up}</button>` : ''}
${i < steps.length - 1 ? html`<button type="submit" class="secondary" name="action" value="down-step:${sequence}:${i}" formnovalidate aria-label="${t.step} ${n}: ${t.down}">↓ ${t.down}</button>` : ''}
<button type="submit" class="secondary" name="action" value="remove-step:${sequence}:${i}" formnovalidate aria-label="${t.step} ${n}: ${t.remove}">${t.remove}</button></div></li>`;
    })}</ol>
<p><button type="submit" class="secondary" name="action" value="add-step:${sequence}" formnovalidate>+ ${t.add}</button></p>`;
  };
  const stepsOf = (sequence: SequenceName) => html`${containerError(`${sequence}.steps`)}${stepList(sequence)}`;

  const fields = html`
<fieldset><legend>${t.basics}</legend>${containerError('')}
${state.mode === 'new' ? input('key', t.key, form.key, { required: true, size: 24 }) : html`<input type="hidden" name="key" value="${form.key}">`}
${input('name', t.name, form.name, { required: true, size: 40 })}</fieldset>
<fieldset><legend>${t.nurture}</legend>${containerError('nurture')}${stepsOf('nurture')}${checkbox('nurture.repeat', t.repeat, form.repeat.nurture)}</fieldset>
<fieldset><legend>${t.scoring}</legend>${containerError('scoring')}
<div class="row">${input('scoring.threshold', t.threshold, form.threshold, { type: 'text', size: 8 })}${input('scoring.halfLife', t.halfLife, form.halfLife, { duration: true, size: 10 })}</div>
<fieldset><legend>${t.points}</legend>${containerError('scoring.points')}<div class="row">${EVENT_TYPES.map((e) => input(`scoring.points.${e}`, t[e], form.points[e], { size: 6 }))}</div></fieldset></fieldset>
<fieldset><legend>${t.deals}</legend>${containerError('deal')}${containerError('lostDeal')}<div class="row">${input('deal.stalledAfter', t.stalledAfter, form.stalledAfter, { duration: true, size: 10 })}${input('lostDeal.returnToNurtureAfter', t.returnToNurture, form.returnToNurtureAfter, { duration: true, size: 10 })}${containerError('escalation')}${input('escalation.remindAfter', t.remindAfter, form.remindAfter, { duration: true, size: 10 })}</div></fieldset>
<fieldset><legend>${t.upsell}</legend>${containerError('upsell')}${stepsOf('upsell')}${checkbox('upsell.repeat', t.repeat, form.repeat.upsell)}</fieldset>
<fieldset><legend>${t.reactivation}</legend>${containerError('reactivation')}
<div class="row">${input('reactivation.eligibleReasons', t.reasons, form.eligibleReasons, { size: 36 })}${input('reactivation.waitAfterEnd', t.waitAfterEnd, form.waitAfterEnd, { duration: true, size: 10 })}</div>
${containerError('reactivation.eligibleReasons')}${stepsOf('reactivation')}</fieldset>
<fieldset><legend>${t.cap}</legend>${containerError('frequencyCap')}<div class="row">${input('frequencyCap.max', t.capMax, form.capMax, { size: 6 })}${input('frequencyCap.per', t.capPer, form.capPer, { duration: true, size: 10 })}</div></fieldset>
<fieldset><legend>${t.window}</legend>${containerError('sendWindow')}
<input type="hidden" name="extras" value="${form.extras}">
<div class="field"><label class="check"><input type="radio" name="sendWindow.mode" value="none" id="f-sendWindow-none"${form.windowOn ? '' : html` checked`}> ${t.windowNone}</label>
<label class="check"><input type="radio" name="sendWindow.mode" value="window" id="f-sendWindow-window"${form.windowOn ? html` checked` : ''}> ${t.windowOn}</label></div>
<div class="row">${input('sendWindow.timezone', t.timezone, form.timezone, { size: 16 })}${input('sendWindow.from', t.from, form.from, { type: 'time' })}${input('sendWindow.to', t.to, form.to, { type: 'time' })}</div>
${checkbox('sendWindow.businessDays', t.businessDays, form.businessDays)}</fieldset>`;

  const linked = (p: FieldProblem) => ({ path: p.path, message: p.message, field: fieldName(p.path) });
  const summary =
    state.problems.length > 0 || state.message
      ? html`<div class="notice error" role="alert"><p>${state.message ?? t.invalid}</p>${
          state.problems.length > 0
            ? html`<ul>${state.problems.map(linked).map((p) => html`<li>${rendered.has(p.field) ? html`<a href="#${idOf(p.field)}"><code>${p.path}</code></a>` : html`<code>${p.path}</code>`} ${p.message}</li>`)}</ul>`
            : ''
        }</div>`
      : html``;
  const action = state.mode === 'new' ? '/cadences/new' : `/cadences/${form.key}/edit`;
  const preview = state.preview;
  return html`${summary}${state.templates === undefined ? html`<p class="muted">${t.templatesMissing}</p>` : ''}
<form method="post" action="${action}" class="cadence-form" novalidate>${csrfField(ctx)}
<button type="submit" name="action" value="save" class="offscreen" tabindex="-1" aria-hidden="true">${t.save}</button>
${fields}
<p class="actions"><button type="submit" name="action" value="save">${t.save}</button> <a class="button secondary" href="${state.mode === 'new' ? '/cadences' : `/cadences/${form.key}`}">${common(ctx.lang).cancel}</a></p>
${previewHeading(ctx.lang)}
<div class="filters">${startDateField(ctx.lang, state.previewStart)}<button type="submit" class="secondary" name="action" value="preview">${previewButtonLabel(ctx.lang)}</button></div>
${preview === undefined ? '' : preview.ok ? previewTable(ctx.lang, preview.preview) : notice('error', preview.message)}
</form>`;
}

const FormBodySchema = Type.Record(
  Type.String({ maxLength: 100 }),
  Type.Union([Type.String({ maxLength: 2000 }), Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 10 })]),
  { maxProperties: 2000 },
);

const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/;

/** `/cadences/new` and `/cadences/:key/edit`: the form, its step buttons, its preview and its save. */
export async function cadenceEditorPages(app: FastifyInstance): Promise<void> {
  const templateKeys = async (request: FastifyRequest): Promise<string[] | undefined> => {
    const answer = await apiFor(app, request).get<{ items: { key: string; kind: string }[] }>('/v1/templates');
    if (answer.status !== 200 || !Array.isArray(answer.body.items)) return undefined;
    // Layouts, partials and rep notices are not touches: a step cannot send them.
    return answer.body.items.filter((i) => i.kind === 'email').map((i) => i.key);
  };
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    state: Omit<EditorState, 'templates'>,
    status = 200,
  ) => {
    const ctx = contextOf(request);
    const t = text(ctx.lang);
    const body = editorBody(ctx, { ...state, templates: await templateKeys(request) });
    const title = state.mode === 'new' ? t.newTitle : `${t.editTitle}: ${state.form.key}`;
    return sendPage(reply, ctx, { title, section: 'cadences', body, wide: true }, status);
  };
  // The console refuses what the API would; the API refuses again on save.
  const refuse = (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = contextOf(request);
    return sendPage(
      reply,
      ctx,
      { title: text(ctx.lang).editTitle, section: 'cadences', body: notice('error', common(ctx.lang).forbidden) },
      403,
    );
  };
  const mayEdit = (request: FastifyRequest) => contextOf(request).can('PUT', '/v1/cadences/:key');

  app.get('/cadences/new', { schema: { hide: true } }, async (request, reply) => {
    if (!mayEdit(request)) return refuse(request, reply);
    return render(request, reply, {
      mode: 'new',
      form: blankForm(),
      problems: [],
      previewStart: todayIn('Asia/Tokyo'),
    });
  });

  app.get<{ Params: { key: string } }>(
    '/cadences/:key/edit',
    { schema: { hide: true, params: KeyParams } },
    async (request, reply) => {
      if (!mayEdit(request)) return refuse(request, reply);
      const answer = await apiFor(app, request).get<{ definition: Cadence }>(`/v1/cadences/${request.params.key}`);
      if (answer.status !== 200) {
        const ctx = contextOf(request);
        return sendApiError(reply, ctx, { title: text(ctx.lang).editTitle, section: 'cadences' }, answer);
      }
      const form = formFromCadence(request.params.key, answer.body.definition);
      return render(request, reply, { mode: 'edit', form, problems: [], previewStart: todayIn(form.timezone) });
    },
  );

  const post =
    (mode: 'new' | 'edit') =>
    async (request: FastifyRequest<{ Body: FormBody; Params: { key?: string } }>, reply: FastifyReply) => {
      if (!mayEdit(request)) return refuse(request, reply);
      if (mode === 'edit') {
        // The edit page exists only for a saved cadence, as its GET says: a form posted to
        // an unknown key must not create one (new cadences go through /cadences/new).
        const existing = await apiFor(app, request).get(`/v1/cadences/${request.params.key ?? ''}`);
        if (existing.status !== 200) {
          const ctx = contextOf(request);
          return sendApiError(reply, ctx, { title: text(ctx.lang).editTitle, section: 'cadences' }, existing);
        }
      }
      const body = request.body;
      const posted = formFromBody(body);
      const form = mode === 'edit' ? { ...posted, key: request.params.key ?? '' } : posted;
      const action = typeof body.action === 'string' ? body.action : 'save';
      const previewStart =
        startDateOf(typeof body.start === 'string' ? body.start : undefined) ?? todayIn(form.timezone);
      const stepAction = parseStepAction(action);
      if (stepAction)
        return render(request, reply, { mode, form: applyStepAction(form, stepAction), problems: [], previewStart });
      const api = apiFor(app, request);
      const { cadence, problems } = cadenceFromForm(form);
      if (action === 'preview') {
        if (problems.length > 0) return render(request, reply, { mode, form, problems, previewStart }, 422);
        const preview = await previewTimeline(api, cadence, previewStart, form.timezone);
        return render(
          request,
          reply,
          { mode, form, problems: preview.ok ? [] : preview.problems, previewStart, preview },
          preview.ok ? 200 : preview.status,
        );
      }
      if (mode === 'new') {
        if (!KEY_PATTERN.test(form.key))
          problems.unshift({ path: '/key', message: text(contextOf(request).lang).badKey });
        else if ((await api.get(`/v1/cadences/${form.key}`)).status !== 404)
          problems.unshift({ path: '/key', message: text(contextOf(request).lang).exists });
      }
      if (problems.length > 0) return render(request, reply, { mode, form, problems, previewStart }, 422);
      const saved = await api.send<{ version: number; impact: CadenceImpact }>(
        'PUT',
        `/v1/cadences/${form.key}`,
        cadence,
      );
      if (saved.status >= 400) {
        const error = apiErrorOf(saved);
        return render(
          request,
          reply,
          {
            mode,
            form,
            problems: error.details,
            message: saved.status === 422 ? undefined : error.message,
            previewStart,
          },
          saved.status,
        );
      }
      // The impact rides the redirect: it describes this save, and reloading the page shows it again.
      return reply.redirect(`/cadences/${form.key}?saved=${saved.body.version}&${impactQuery(saved.body.impact)}`, 303);
    };
  app.post('/cadences/new', { schema: { hide: true, body: FormBodySchema } }, post('new'));
  app.post('/cadences/:key/edit', { schema: { hide: true, body: FormBodySchema, params: KeyParams } }, post('edit'));
}
