import type { TemplatePreview } from '../../api/routes/templates.ts';
import type { ApiAnswer } from '../context.ts';
import { html, type Html } from '../html.ts';
import { messages, type Lang } from '../i18n.ts';

const text = messages({
  ja: {
    subject: '件名',
    html: 'HTML表示',
    plain: 'テキスト部分',
    problems: 'テンプレートにエラーがあります',
    warnings: '注意',
    line: '行目',
    partial:
      '共通部品（_ で始まるキー）は単独ではプレビューしません。この部品を使うテンプレートのプレビューで確認してください。',
    failed: 'プレビューできませんでした',
    part_mjml: 'MJML',
    part_subject: '件名',
    part_other: '',
    ok: 'プレビューを更新しました',
  },
  en: {
    subject: 'Subject',
    html: 'As rendered',
    plain: 'Plain-text part',
    problems: 'The template has errors',
    warnings: 'Warnings',
    line: 'line',
    partial:
      'Shared pieces (keys starting with _) are not previewed on their own: preview a template that uses this one.',
    failed: 'The preview failed',
    part_mjml: 'MJML',
    part_subject: 'Subject',
    part_other: '',
    ok: 'Preview updated',
  },
});

/** A problem the API found in a template: which part, which line, what. */
export interface TemplateProblem {
  part: 'subject' | 'mjml' | 'other';
  line: number | undefined;
  message: string;
}

/** The problems of a 422 (compile errors with lines, or fields that broke the schema), by part. */
export function problemsOf(answer: ApiAnswer): { message: string; problems: TemplateProblem[] } {
  const error = (answer.body as { error?: { message?: unknown; details?: unknown } } | undefined)?.error;
  const details = Array.isArray(error?.details)
    ? (error.details as { path?: unknown; line?: unknown; message?: unknown }[])
    : [];
  return {
    message: typeof error?.message === 'string' ? error.message : `HTTP ${answer.status}`,
    problems: details.map((d) => {
      const path = typeof d.path === 'string' ? d.path : '';
      return {
        part: path.startsWith('/subject') ? 'subject' : path.startsWith('/mjml') ? 'mjml' : 'other',
        line: typeof d.line === 'number' ? d.line : undefined,
        message: typeof d.message === 'string' ? d.message : '',
      };
    }),
  };
}

/** One problem as a reader reads it: "MJML 3行目: …" / "MJML line 3: …". */
export function problemLine(lang: Lang, p: TemplateProblem): string {
  const t = text(lang);
  const part = t[`part_${p.part}`];
  const where =
    p.line === undefined ? part : lang === 'ja' ? `${part} ${p.line}${t.line}` : `${part} ${t.line} ${p.line}`;
  return where ? `${where}: ${p.message}` : p.message;
}

/** What a preview came to: the rendered email, the template's errors, or another failure. */
export type PreviewOutcome =
  | { kind: 'rendered'; preview: TemplatePreview }
  | { kind: 'invalid'; problems: TemplateProblem[] }
  | { kind: 'failed'; status: number; message: string }
  | { kind: 'partial' };

/** The preview's outcome from the API's answer. */
export function previewOutcome(answer: ApiAnswer<TemplatePreview>): PreviewOutcome {
  if (answer.status === 200) return { kind: 'rendered', preview: answer.body };
  const { message, problems } = problemsOf(answer);
  return answer.status === 422 && problems.length > 0
    ? { kind: 'invalid', problems }
    : { kind: 'failed', status: answer.status, message };
}

/**
 * The preview pane's swappable part: the rendered subject, the HTML in a sandboxed frame
 * (srcdoc: the email's markup never runs in the console's origin), the plain-text part,
 * and the template's errors and unknown-variable warnings. htmx swaps it in as the
 * marketer types; without JavaScript it is part of the re-rendered page.
 */
export function previewFragment(lang: Lang, outcome: PreviewOutcome): Html {
  const t = text(lang);
  switch (outcome.kind) {
    case 'partial':
      return html`<p class="muted" role="status">${t.partial}</p>`;
    case 'failed':
      return html`<div class="notice error" role="alert"><p>${t.failed}: ${outcome.message}</p></div>`;
    case 'invalid':
      return html`<div class="notice error" role="alert" data-testid="preview-problems"><p>${t.problems}</p><ul>${outcome.problems.map((p) => html`<li>${problemLine(lang, p)}</li>`)}</ul></div>`;
    case 'rendered': {
      const { preview } = outcome;
      return html`<p class="visually-hidden" role="status">${t.ok}</p>
${preview.warnings.length > 0 ? html`<div class="notice warn" data-testid="preview-warnings"><p>${t.warnings}</p><ul>${preview.warnings.map((w) => html`<li><code>${w.path.slice(1)}</code> ${w.message}</li>`)}</ul></div>` : ''}
<p class="preview-subject"><span class="muted">${t.subject}:</span> <strong data-testid="preview-subject">${preview.subject}</strong></p>
<iframe class="preview-frame" title="${t.html}: ${preview.subject}" sandbox srcdoc="${preview.html}"></iframe>
<details class="plain-text"><summary>${t.plain}</summary><pre data-testid="preview-text">${preview.text}</pre></details>`;
    }
  }
}
