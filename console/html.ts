import { escapeHtml } from '../domain/html.ts';

/**
 * HTML built by {@link html}: already escaped, so it is inserted as is. A tiny tagged
 * template rather than a template engine: pages stay typed TypeScript functions, and
 * every interpolated value is escaped unless it is itself `Html`, so lead data (names,
 * subjects, anything a CRM sent) can never become markup.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: text (escaped), numbers, Html, lists of these, or nothing. */
export type HtmlValue = string | number | Html | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Builds escaped HTML: html`<p>${lead.name}</p>`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup that is trusted as is (an SVG built here, a sandboxed iframe's srcdoc is NOT this). */
export const raw = (markup: string): Html => new Html(markup);
