import { compileTemplate, InvalidTemplateError } from './render.ts';
import type { TemplateContent } from '../db/repositories/templates.ts';

/** Keys of shared pieces start with `_`: `_signature` is a partial, `_layout…` a layout. */
export const PARTIAL_KEY_PATTERN = /^_[a-z0-9][a-z0-9_-]*$/;

/** Where a layout puts the template that uses it (Handlebars' own block-partial slot). */
export const CONTENT_SLOT = '{{> @partial-block}}';

/** Whether `key` names a shared partial or layout rather than a template that is sent. */
export const isPartialKey = (key: string): boolean => PARTIAL_KEY_PATTERN.test(key);

/** Whether `key` names a layout, which must contain {@link CONTENT_SLOT}. */
export const isLayoutKey = (key: string): boolean => key.startsWith('_layout');

/** A partial's stored MJML, by key. */
export type PartialLookup = (key: string) => Promise<{ version: number; mjml: string } | undefined>;

const BLOCK = /\{\{#>\s*(_[a-z0-9][a-z0-9_-]*)\s*\}\}([\s\S]*?)\{\{\/\s*\1\s*\}\}/g;
const INLINE = /\{\{>\s*(_[a-z0-9][a-z0-9_-]*)\s*\}\}/g;
const MAX_DEPTH = 5;

/**
 * Expands shared pieces in MJML before it is compiled: `{{> _signature}}` becomes the
 * partial's MJML, and `{{#> _layout}}…{{/_layout}}` becomes the layout with the block in
 * its content slot. Done on the MJML text (not by Handlebars at render time) because
 * partials are MJML too and must pass through the MJML compiler with the template; the
 * versions used are returned so a cached compile is keyed by them. A missing partial or
 * a cycle is an {@link InvalidTemplateError}.
 */
export async function expandPartials(
  mjml: string,
  lookup: PartialLookup,
  depth = 0,
): Promise<{ mjml: string; used: { key: string; version: number }[] }> {
  const used = new Map<string, number>();
  const fetch = async (key: string) => {
    if (depth >= MAX_DEPTH)
      throw new InvalidTemplateError([
        { part: 'mjml', message: `partials nest more than ${MAX_DEPTH} deep (does "${key}" include itself?)` },
      ]);
    const partial = await lookup(key);
    if (!partial) throw new InvalidTemplateError([{ part: 'mjml', message: `partial "${key}" does not exist` }]);
    const inner = await expandPartials(partial.mjml, lookup, depth + 1);
    used.set(key, partial.version);
    for (const u of inner.used) used.set(u.key, u.version);
    return inner.mjml;
  };
  let out = '';
  let last = 0;
  for (const match of mjml.matchAll(BLOCK)) {
    const [whole, key = '', block = ''] = match;
    const layout = await fetch(key);
    if (!layout.includes(CONTENT_SLOT))
      throw new InvalidTemplateError([{ part: 'mjml', message: `"${key}" has no content slot ${CONTENT_SLOT}` }]);
    const body = await expandPartials(block, lookup, depth + 1);
    for (const u of body.used) used.set(u.key, u.version);
    out += mjml.slice(last, match.index) + layout.replace(CONTENT_SLOT, () => body.mjml);
    last = match.index + whole.length;
  }
  out += mjml.slice(last);
  const inlineKeys = [...new Set([...out.matchAll(INLINE)].map((m) => m[1] ?? ''))];
  const expanded = new Map<string, string>();
  for (const key of inlineKeys) expanded.set(key, await fetch(key));
  out = out.replace(INLINE, (_whole, key: string) => expanded.get(key) ?? '');
  return {
    mjml: out,
    used: [...used].map(([key, version]) => ({ key, version })).sort((a, b) => a.key.localeCompare(b.key)),
  };
}

// Where a fragment may stand in a template: at body level (sections), inside a column
// (mj-text, mj-button...), or inside mj-text (plain HTML such as a signature).
const FRAGMENT_CONTEXTS = [
  (f: string) => `<mjml><mj-body>${f}</mj-body></mjml>`,
  (f: string) => `<mjml><mj-body><mj-section><mj-column>${f}</mj-column></mj-section></mj-body></mjml>`,
  (f: string) =>
    `<mjml><mj-body><mj-section><mj-column><mj-text>${f}</mj-text></mj-column></mj-section></mj-body></mjml>`,
];
const SAMPLE_CONTENT = '<mj-section><mj-column><mj-text>content</mj-text></mj-column></mj-section>';

/**
 * Checks a shared piece before it is saved. A layout must be a whole MJML document with
 * its content slot (a layout without one is refused: nothing could use it); a partial
 * must be valid MJML in at least one place a fragment can stand. Throws the problems of
 * the closest context.
 */
export async function checkPartial(key: string, content: TemplateContent): Promise<void> {
  if (isLayoutKey(key)) {
    if (!content.mjml.includes(CONTENT_SLOT))
      throw new InvalidTemplateError([
        { part: 'mjml', message: `a layout must contain its content slot ${CONTENT_SLOT}` },
      ]);
    await compileTemplate({ ...content, mjml: content.mjml.replace(CONTENT_SLOT, SAMPLE_CONTENT) });
    return;
  }
  let first: unknown;
  for (const wrap of FRAGMENT_CONTEXTS) {
    try {
      await compileTemplate({ ...content, mjml: wrap(content.mjml) });
      return;
    } catch (error) {
      first ??= error;
    }
  }
  throw first;
}
