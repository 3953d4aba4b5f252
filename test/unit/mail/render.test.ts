import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compileTemplate,
  InvalidTemplateError,
  renderEmail,
  TemplateCache,
  unescapedLeadData,
} from '../../../mail/render.ts';
import type { TemplateContent } from '../../../db/repositories/templates.ts';

/** An MJML document whose mj-column holds `inner`; the first inner line is line 6. */
const mjmlWith = (inner: string): string => `<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Intro</mj-text>
${inner}
        <mj-text>Outro</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

const GREETING: TemplateContent = {
  subject: 'Hello {{name}} from {{company}}',
  mjml: mjmlWith(
    [
      '        <mj-text>Dear {{name}},</mj-text>',
      '        <mj-text>Thanks for visiting {{company}}.</mj-text>',
      '        <mj-button href="https://leads.example.com/book">Book a meeting</mj-button>',
      '        <mj-image src="https://cdn.example.com/logo.png" alt="Company logo" />',
    ].join('\n'),
  ),
  locale: 'en',
};

async function problemsOf(content: TemplateContent): Promise<InvalidTemplateError['problems']> {
  try {
    await compileTemplate(content);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTemplateError);
    return (error as InvalidTemplateError).problems;
  }
  throw new Error('compileTemplate accepted an invalid template');
}

describe('compileTemplate and renderEmail', () => {
  it('renders the subject, HTML and text of a valid template with lead data', async () => {
    const email = renderEmail(await compileTemplate(GREETING), { name: 'Ada', company: 'Acme' });
    expect(email.subject).toBe('Hello Ada from Acme');
    expect(email.html).toContain('Dear Ada,');
    expect(email.html).toMatch(/^<!doctype html>/i);
    expect(email.text).toContain('Dear Ada,');
    expect(email.text).toContain('Thanks for visiting Acme.');
  });

  it('HTML-escapes lead data in the body so a script never appears raw', async () => {
    const email = renderEmail(await compileTemplate(GREETING), { name: '<script>alert(1)</script>', company: 'A & B' });
    expect(email.html).not.toContain('<script>alert(1)</script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain('A &amp; B');
  });

  it('does not HTML-escape lead data in the subject', async () => {
    const email = renderEmail(await compileTemplate(GREETING), { name: '<script>alert(1)</script>', company: 'A & B' });
    expect(email.subject).toBe('Hello <script>alert(1)</script> from A & B');
  });

  it('collapses line breaks in lead data so the subject stays on one header line', async () => {
    const email = renderEmail(await compileTemplate(GREETING), {
      name: 'Ada\r\nBcc: victim@example.com',
      company: 'Acme',
    });
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toBe('Hello Ada Bcc: victim@example.com from Acme');
  });

  it('keeps Japanese text intact in subject, HTML and text', async () => {
    const compiled = await compileTemplate({
      subject: '{{name}}様、{{company}}からのご案内',
      mjml: mjmlWith('        <mj-text>{{name}}様、いつもお世話になっております。</mj-text>'),
      locale: 'ja',
    });
    const email = renderEmail(compiled, { name: '山田太郎', company: '株式会社サンプル' });
    expect(email.subject).toBe('山田太郎様、株式会社サンプルからのご案内');
    expect(email.html).toContain('山田太郎様、いつもお世話になっております。');
    expect(email.text).toContain('山田太郎様、いつもお世話になっております。');
  });

  it('produces a plain-text part with the visible text and no markup or CSS', async () => {
    const { text } = renderEmail(await compileTemplate(GREETING), { name: 'Ada', company: 'Acme' });
    expect(text).toContain('Intro');
    expect(text).toContain('Outro');
    expect(text).toContain('Book a meeting');
    expect(text).not.toMatch(/<\/?(div|table|td|p|span)\b/i);
    expect(text).not.toContain('@media');
    expect(text).not.toContain('mj-column');
  });

  it('keeps link targets in the plain-text part', async () => {
    const { text } = renderEmail(await compileTemplate(GREETING), { name: 'Ada', company: 'Acme' });
    expect(text).toContain('https://leads.example.com/book');
  });

  it('leaves images out of the plain-text part', async () => {
    const { html, text } = renderEmail(await compileTemplate(GREETING), { name: 'Ada', company: 'Acme' });
    expect(html).toContain('https://cdn.example.com/logo.png');
    expect(text).not.toContain('logo.png');
    expect(text).not.toContain('Company logo');
  });

  it('renders missing lead fields as empty text rather than failing', async () => {
    const email = renderEmail(await compileTemplate(GREETING), {});
    expect(email.subject).toBe('Hello from');
    expect(email.html).toContain('Dear ,');
  });

  it('never reads a file named by mj-include', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lle-render-'));
    try {
      const secret = path.join(dir, 'secret.mjml');
      await writeFile(secret, '<mj-section><mj-column><mj-text>SERVER-FILE-CONTENT</mj-text></mj-column></mj-section>');
      const compiled = await compileTemplate({
        subject: 'x',
        mjml: `<mjml>\n  <mj-body>\n    <mj-include path="${secret}" />\n    <mj-section><mj-column><mj-text>Visible</mj-text></mj-column></mj-section>\n  </mj-body>\n</mjml>`,
        locale: 'en',
      });
      const { html } = renderEmail(compiled, {});
      expect(html).toContain('Visible');
      expect(html).not.toContain('SERVER-FILE-CONTENT');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('compileTemplate problems', () => {
  it('reports an unknown MJML tag with the line it is on', async () => {
    const problems = await problemsOf({ subject: 'x', mjml: mjmlWith('        <mj-txt>Hello</mj-txt>'), locale: 'en' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ part: 'mjml', line: 6 });
    expect(problems[0]?.message).toContain('mj-txt');
  });

  it('reports an unknown MJML attribute with the line it is on', async () => {
    const problems = await problemsOf({
      subject: 'x',
      mjml: mjmlWith('        <mj-button colour="red">Go</mj-button>'),
      locale: 'en',
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ part: 'mjml', line: 6 });
    expect(problems[0]?.message).toContain('colour');
  });

  it('reports several MJML mistakes each on its own line', async () => {
    const problems = await problemsOf({
      subject: 'x',
      mjml: mjmlWith('        <mj-txt>Hello</mj-txt>\n        <mj-button colour="red">Go</mj-button>'),
      locale: 'en',
    });
    expect(problems.map((p) => p.line).sort()).toEqual([6, 7]);
  });

  it('puts the part and line of each problem in the error message', async () => {
    await expect(
      compileTemplate({ subject: 'x', mjml: mjmlWith('        <mj-txt>Hello</mj-txt>'), locale: 'en' }),
    ).rejects.toThrow(/^mjml line 6: /);
  });

  it('reports a document that is not MJML at all', async () => {
    const problems = await problemsOf({ subject: 'x', mjml: '', locale: 'en' });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.part === 'mjml')).toBe(true);
  });

  it('reports an unclosed {{#if}} in the subject as a subject problem on line 1', async () => {
    const problems = await problemsOf({ subject: 'Hi {{#if name}}{{name}}', mjml: mjmlWith(''), locale: 'en' });
    expect(problems).toEqual([{ part: 'subject', line: 1, message: expect.any(String) }]);
  });

  it('reports an unclosed {{#if}} in the body as an MJML problem', async () => {
    const problems = await problemsOf({
      subject: 'x',
      mjml: mjmlWith('        <mj-text>{{#if name}}Hello</mj-text>'),
      locale: 'en',
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.part).toBe('mjml');
  });

  it('reports a subject problem and an MJML problem together', async () => {
    const problems = await problemsOf({
      subject: 'Hi {{#if name}}',
      mjml: mjmlWith('        <mj-txt>Hello</mj-txt>'),
      locale: 'en',
    });
    expect(problems.map((p) => p.part).sort()).toEqual(['mjml', 'subject']);
  });

  it('reports a Handlebars mistake in the body on the MJML line where it was written', async () => {
    const problems = await problemsOf({
      subject: 'x',
      mjml: mjmlWith('        <mj-text>Dear {{name}</mj-text>'),
      locale: 'en',
    });
    expect(problems).toEqual([{ part: 'mjml', line: 6, message: expect.any(String) }]);
  });

  it('never reports a body problem on a line beyond the end of the MJML', async () => {
    const mjml = mjmlWith('        <mj-text>{{#if name}}Hello</mj-text>');
    const problems = await problemsOf({ subject: 'x', mjml, locale: 'en' });
    const lines = mjml.split('\n').length;
    for (const problem of problems) {
      if (problem.line !== undefined) expect(problem.line).toBeLessThanOrEqual(lines);
    }
  });

  it('explains a Handlebars syntax error beyond "Parse error on line N:"', async () => {
    const problems = await problemsOf({ subject: 'Hi {{#if name}}{{name}}', mjml: mjmlWith(''), locale: 'en' });
    expect(problems[0]?.message).not.toMatch(/^Parse error on line \d+:$/);
  });
});

describe('TemplateCache', () => {
  const valid = (text: string): TemplateContent => ({
    subject: text,
    mjml: mjmlWith(`        <mj-text>${text}</mj-text>`),
    locale: 'en',
  });
  const invalid: TemplateContent = { subject: 'x', mjml: mjmlWith('        <mj-txt>broken</mj-txt>'), locale: 'en' };

  it('returns the same compilation for the same key and version', async () => {
    const cache = new TemplateCache();
    const first = cache.get('welcome', 1, valid('one'));
    const second = cache.get('welcome', 1, valid('one'));
    expect(second).toBe(first);
    expect(await second).toBe(await first);
  });

  it('compiles each version of a key separately', async () => {
    const cache = new TemplateCache();
    const v1 = cache.get('welcome', 1, valid('version one'));
    const v2 = cache.get('welcome', 2, valid('version two'));
    expect(v2).not.toBe(v1);
    expect(renderEmail(await v1, {}).subject).toBe('version one');
    expect(renderEmail(await v2, {}).subject).toBe('version two');
  });

  it('keeps keys apart even when their versions are equal', async () => {
    const cache = new TemplateCache();
    const a = cache.get('welcome', 1, valid('welcome'));
    const b = cache.get('follow-up', 1, valid('follow up'));
    expect(b).not.toBe(a);
    expect(renderEmail(await b, {}).subject).toBe('follow up');
  });

  it('rejects with InvalidTemplateError for an invalid template', async () => {
    await expect(new TemplateCache().get('broken', 1, invalid)).rejects.toBeInstanceOf(InvalidTemplateError);
  });

  it('does not keep a failed compilation: the next request compiles again', async () => {
    const cache = new TemplateCache();
    const failed = cache.get('welcome', 3, invalid);
    await expect(failed).rejects.toBeInstanceOf(InvalidTemplateError);
    const retried = cache.get('welcome', 3, valid('fixed'));
    expect(retried).not.toBe(failed);
    expect(renderEmail(await retried, {}).subject).toBe('fixed');
  });

  it('evicts the least recently used entry once it holds as many as its capacity', async () => {
    const cache = new TemplateCache(2);
    const a = cache.get('a', 1, valid('a'));
    const b = cache.get('b', 1, valid('b'));
    // Using `a` makes `b` the least recently used, so `c` pushes `b` out and `a` stays.
    expect(cache.get('a', 1, valid('a'))).toBe(a);
    const c = cache.get('c', 1, valid('c'));
    expect(cache.get('a', 1, valid('a'))).toBe(a);
    const bAgain = cache.get('b', 1, valid('b'));
    expect(bAgain).not.toBe(b);
    await Promise.all([a, b, c, bAgain]);
  });
});

describe('lead data written without escaping', () => {
  // Each spelling the Handlebars parser accepts for "this lead field, raw".
  const RAW = [
    '{{{lead.name}}}',
    '{{{ lead.name }}}',
    '{{& lead.name}}',
    '{{&lead.company}}',
    '{{{[lead].name}}}',
    '{{{[lead].[name]}}}',
    '{{{lead/name}}}',
    '{{{this.lead.name}}}',
    '{{{./lead.name}}}',
    '{{{@root.lead.name}}}',
    '{{~{lead.name}~}}',
    '{{{lead.postalAddress.city}}}',
    '{{{lookup lead "name"}}}',
    '{{{sama lead.name}}}',
    '{{{sama (lookup lead "name")}}}',
    '{{#with lead}}{{{name}}}{{/with}}',
    '{{#each lead}}{{{this}}}{{/each}}',
    '{{#with lead as |l|}}{{{l.name}}}{{/with}}',
  ];

  it.each(RAW)('refuses %s in the body, naming its line', async (expression) => {
    const content = {
      subject: 'Hi',
      mjml: mjmlWith(`        <mj-text>Dear ${expression},</mj-text>`),
      locale: 'en',
    } as const;
    const error = await compileTemplate(content).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidTemplateError);
    expect((error as InvalidTemplateError).problems).toEqual([
      expect.objectContaining({ part: 'mjml', line: 6, message: expect.stringContaining('without HTML escaping') }),
    ]);
  });

  it('accepts escaped lead data, raw engine values and triple braces in the plain-text subject', async () => {
    const content = {
      subject: '{{{lead.name}}} 様',
      mjml: mjmlWith(
        '        <mj-text>{{lead.name}} {{sama lead.name}} {{#with lead}}{{company}}{{/with}} <a href="{{{unsubscribeUrl}}}">stop</a></mj-text>',
      ),
      locale: 'ja',
    } as const;
    await expect(compileTemplate(content)).resolves.toBeDefined();
  });

  it("reports the line of the author's MJML, before shared pieces were expanded", async () => {
    const authored = 'line 1\n{{> _signature}}\n<mj-text>{{{lead.name}}}</mj-text>';
    const expanded = 'line 1\nsig 1\nsig 2\nsig 3\n<mj-text>{{{lead.name}}}</mj-text>';
    const error = await compileTemplate({ subject: 's', mjml: expanded, locale: 'ja' }, authored).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as InvalidTemplateError).problems[0]?.line).toBe(3);
  });

  it('finds none in the templates the product ships', async () => {
    const root = path.resolve(import.meta.dirname, '../../../templates');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.mjml'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files)
      expect({ file, found: unescapedLeadData(await readFile(path.join(root, file), 'utf8')) }).toEqual({
        file,
        found: [],
      });
  });
});
