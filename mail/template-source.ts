import type { Queryable } from '../db/pool.ts';
import { findTemplateFor, type TemplateContent, type TemplateVersion } from '../db/repositories/templates.ts';
import type { Locale } from '../domain/lead.ts';
import { expandPartials } from './partials.ts';

/** A template ready to compile: its stored version, its MJML with partials expanded, and a cache key naming every version used. */
export interface ResolvedTemplate {
  template: TemplateVersion;
  content: TemplateContent;
  cacheKey: string;
}

/**
 * The newest version of `key` in `locale` (see findTemplateFor), with its shared partials
 * and layout expanded in the same language. The cache key changes when any partial used
 * gets a new version, so an edited signature reaches the next email.
 */
export async function resolveTemplate(
  db: Queryable,
  key: string,
  locale: Locale,
): Promise<ResolvedTemplate | undefined> {
  const template = await findTemplateFor(db, key, locale);
  if (!template) return undefined;
  const { mjml, used } = await expandWith(db, template.mjml, locale);
  const cacheKey =
    used.length === 0 ? template.key : `${template.key}+${used.map((u) => `${u.key}@${u.version}`).join(',')}`;
  return { template, content: { ...template, mjml }, cacheKey };
}

/** Expands partials in `mjml` from the newest versions in `locale`. */
export function expandWith(db: Queryable, mjml: string, locale: Locale): ReturnType<typeof expandPartials> {
  return expandPartials(mjml, async (partialKey) => findTemplateFor(db, partialKey, locale));
}
