import Handlebars from 'handlebars';
import { compile as compileHtmlToText } from 'html-to-text';
import mjml2html from 'mjml';
import type { TemplateContent } from '../db/repositories/templates.ts';
import { TEMPLATE_HELPERS } from './template-helpers.ts';

/** One thing wrong with a template, with the line it is on where the parser knows it. */
export interface TemplateProblem {
  part: 'subject' | 'mjml';
  line?: number | undefined;
  message: string;
}

/** A template that cannot be compiled; permanent, so activities do not retry it. */
export class InvalidTemplateError extends Error {
  override readonly name = 'InvalidTemplateError';
  constructor(readonly problems: TemplateProblem[]) {
    super(problems.map((p) => `${p.part}${p.line === undefined ? '' : ` line ${p.line}`}: ${p.message}`).join('; '));
  }
}

/** A template compiled once: MJML turned into HTML, subject and HTML into Handlebars functions. */
export interface CompiledTemplate {
  subject: Handlebars.TemplateDelegate;
  html: Handlebars.TemplateDelegate;
}

/** A rendered email, ready for the transport. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

// A private instance, so helpers registered for emails never leak into other templates.
const handlebars = Handlebars.create();
handlebars.registerHelper(TEMPLATE_HELPERS);

/** Fields of `lead` a template may name; anything else renders empty and is reported. */
export const LEAD_FIELDS = [
  'id',
  'email',
  'name',
  'company',
  'department',
  'title',
  'phone',
  'postalAddress',
  'source',
  'ownerEmail',
  'locale',
  'timezone',
  'externalId',
  'stage',
  'score',
  'deal',
] as const;
const SUB_FIELDS: Record<string, readonly string[]> = {
  postalAddress: ['postalCode', 'prefecture', 'city', 'line1', 'line2'],
  deal: ['status', 'stage', 'amount', 'probability', 'expectedCloseDate', 'ownerEmail', 'lastMovedAt'],
};

/**
 * Variables a template names that no lead has (a typo such as `lead.nmae`): Handlebars
 * renders them empty, so the marketer is told when saving rather than by a customer.
 */
export function unknownVariables(source: string, extraRoots: readonly string[] = []): string[] {
  const unknown = new Set<string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as {
      type?: string;
      original?: unknown;
      parts?: string[];
      data?: boolean;
      path?: unknown;
      program?: unknown;
    };
    // A partial's name is a shared piece (mail/partials.ts), not a variable.
    if (n.type === 'PartialStatement') return;
    if (n.type === 'PartialBlockStatement') {
      visit(n.program);
      return;
    }
    if (n.type === 'PathExpression' && typeof n.original === 'string' && !n.data) {
      const parts = n.parts ?? [];
      const [root, field, sub] = parts;
      const known =
        parts.length === 0 ||
        n.original === 'this' ||
        (root === 'unsubscribeUrl' && parts.length === 1) ||
        (root !== undefined && extraRoots.includes(root)) ||
        (root === 'lead' &&
          (field === undefined || (LEAD_FIELDS as readonly string[]).includes(field)) &&
          (sub === undefined || (field !== undefined && (SUB_FIELDS[field]?.includes(sub) ?? false))));
      const isHelperName =
        Object.hasOwn(TEMPLATE_HELPERS, n.original) ||
        ['if', 'unless', 'each', 'with', 'lookup', 'log'].includes(n.original);
      if (!known && !isHelperName) unknown.add(n.original);
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') visit(value);
    }
  };
  try {
    visit(handlebars.parse(source));
  } catch {
    // Syntax errors are compileTemplate's to report.
  }
  return [...unknown].sort();
}

/**
 * Where a template writes lead data without escaping it: `{{{lead.name}}}`, `{{& lead.name}}`
 * and their spellings (`{{{ lead.x }}}`, `{{{[lead].x}}}`, `{{{@root.lead.x}}}`, a helper
 * given lead data, `{{{name}}}` inside `{{#with lead}}`). Lead data comes from forms and CRMs:
 * written raw, a name such as `<a href="https://evil.example">` becomes a link that the
 * engine then signs as its own tracked link. Read from Handlebars' syntax tree, not matched
 * by a pattern, so every spelling the parser accepts is seen. Lines are the source's.
 */
export function unescapedLeadData(source: string): { line: number; expression: string }[] {
  const reachesLead = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object') return false;
    const n = node as { type?: string; parts?: unknown };
    if (n.type === 'PathExpression' && Array.isArray(n.parts) && n.parts.includes('lead')) return true;
    return Object.entries(node).some(
      ([key, value]) => key !== 'loc' && (Array.isArray(value) ? value.some(reachesLead) : reachesLead(value)),
    );
  };
  const found: { line: number; expression: string }[] = [];
  const visit = (node: unknown, inLeadContext: boolean): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as {
      type?: string;
      escaped?: boolean;
      path?: { original?: unknown };
      params?: unknown[];
      hash?: unknown;
      loc?: { start: { line: number } };
    };
    if (n.type === 'MustacheStatement' && n.escaped === false && (inLeadContext || reachesLead(n))) {
      found.push({
        line: n.loc?.start.line ?? 1,
        expression: typeof n.path?.original === 'string' ? n.path.original : '',
      });
    }
    // Inside `{{#with lead}}` or `{{#each lead.x}}`, a bare `{{{name}}}` is lead data too.
    const inner = inLeadContext || (n.type === 'BlockStatement' && (reachesLead(n.params) || reachesLead(n.hash)));
    for (const [key, value] of Object.entries(node)) {
      if (key === 'loc') continue;
      if (Array.isArray(value)) value.forEach((v) => visit(v, inner));
      else visit(value, inner);
    }
  };
  try {
    visit(handlebars.parse(source), false);
  } catch {
    // Syntax errors are compileTemplate's to report.
  }
  return found;
}

/** The problems {@link unescapedLeadData} finds in a template's MJML, as a save or preview reports them. */
export function unescapedLeadProblems(mjml: string): TemplateProblem[] {
  return unescapedLeadData(mjml).map(({ line, expression }) => ({
    part: 'mjml' as const,
    line,
    message: `"${expression}" writes lead data without HTML escaping ({{{…}}} or {{&…}}), which would let a lead's own data add links; use {{…}}`,
  }));
}

/**
 * Compiles MJML (strict: invalid markup is an error, not a warning) and then Handlebars.
 * MJML runs first on the raw template, so lead data never passes through the MJML parser.
 * `mj-include` is ignored: a template must not read files from the server. Lead data
 * written unescaped is refused ({@link unescapedLeadData}); `authored` is the MJML before
 * partials were expanded, whose line numbers the author knows.
 */
export async function compileTemplate(content: TemplateContent, authored?: string): Promise<CompiledTemplate> {
  // The MJML as its author wrote it, before shared pieces were expanded: its problems are
  // reported first, with lines the author can find.
  const own = authored === undefined ? [] : unescapedLeadProblems(authored);
  if (own.length > 0) throw new InvalidTemplateError(own);
  const problems: TemplateProblem[] = [];
  const subject = compileHandlebars('subject', content.subject, true, problems);
  let html = '';
  try {
    const result = await mjml2html(content.mjml, {
      validationLevel: 'strict',
      ignoreIncludes: true,
      fonts: {},
      keepComments: false,
    });
    html = result.html;
  } catch (error) {
    const errors = (error as { errors?: { line: number; message: string }[] }).errors;
    if (errors && errors.length > 0) {
      problems.push(...errors.map((e) => ({ part: 'mjml' as const, line: e.line, message: e.message })));
    } else {
      problems.push({ part: 'mjml', message: (error as Error).message });
    }
  }
  // Handlebars is checked on the MJML the marketer wrote, so its line numbers are theirs;
  // the compiled HTML carries the same expressions and is compiled afterwards.
  if (problems.length === 0) compileHandlebars('mjml', content.mjml, false, problems);
  // The subject is plain text (never escaped), the body HTML: raw lead data only matters there.
  if (problems.length === 0) problems.push(...unescapedLeadProblems(content.mjml));
  const body = problems.length === 0 ? compileHandlebars('mjml', html, false, problems) : undefined;
  if (problems.length > 0 || !subject || !body) throw new InvalidTemplateError(problems);
  return { subject, html: body };
}

function compileHandlebars(
  part: TemplateProblem['part'],
  source: string,
  noEscape: boolean,
  problems: TemplateProblem[],
): Handlebars.TemplateDelegate | undefined {
  try {
    // Parse eagerly: Handlebars.compile is lazy and would only fail at the first render.
    handlebars.parse(source);
    return handlebars.compile(source, { noEscape, strict: false, knownHelpersOnly: false });
  } catch (error) {
    // Handlebars writes "Parse error on line N:", the source line, a caret, then what it
    // expected: the first and last lines are the ones a marketer can act on.
    const lines = (error as Error).message.split('\n').filter((l) => l.trim() !== '');
    const line = /on line (\d+)/.exec(lines[0] ?? '')?.[1];
    const message = lines.length > 1 ? `${lines[0]} ${lines[lines.length - 1]}` : (lines[0] ?? 'invalid Handlebars');
    problems.push({ part, line: line === undefined ? undefined : Number(line), message });
    return undefined;
  }
}

// Built once: html-to-text's `convert` rebuilds its options and selector tree on every call,
// which was most of a cached render's time.
const htmlToText = compileHtmlToText({ wordwrap: 76, selectors: [{ selector: 'img', format: 'skip' }] });

/** Renders a compiled template for one recipient: HTML-escaped data, plain text derived from the HTML. */
export function renderEmail(template: CompiledTemplate, data: Record<string, unknown>): RenderedEmail {
  const html = template.html(data);
  const subject = template.subject(data).replace(/\s+/g, ' ').trim();
  const text = htmlToText(html);
  return { subject, html, text };
}

/**
 * Compiled templates by key and version. A version never changes once stored, so an
 * entry never goes stale; the cache is bounded so a long-lived worker does not grow.
 */
export class TemplateCache {
  private readonly entries = new Map<string, Promise<CompiledTemplate>>();

  constructor(private readonly capacity = 500) {}

  /** The compiled form of this version, compiling it on first use. */
  get(key: string, version: number, content: TemplateContent): Promise<CompiledTemplate> {
    const id = `${key}@${version}`;
    let entry = this.entries.get(id);
    if (entry) {
      // Re-inserted on every hit, so the Map's order is least recently used first.
      this.entries.delete(id);
      this.entries.set(id, entry);
    } else {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
      entry = compileTemplate(content);
      entry.catch(() => this.entries.delete(id));
      this.entries.set(id, entry);
    }
    return entry;
  }
}
