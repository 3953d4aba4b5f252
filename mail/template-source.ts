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

/**
 * Resolved templates kept per key and language while the templates' generation stays the
 * same (migration 1735300000000: any template write moves it). The email activity reads the
 * generation with the lead, so a send that finds its template here reads no template row and
 * no partial; the first send after an edit resolves afresh. A null generation (the table
 * emptied by hand) is never cached.
 */
export class ResolvedTemplateCache {
  private readonly entries = new Map<string, { generation: string; resolved: ResolvedTemplate }>();

  constructor(private readonly capacity = 500) {}

  async resolve(
    db: Queryable,
    key: string,
    locale: Locale,
    generation: string | null,
  ): Promise<ResolvedTemplate | undefined> {
    const id = `${locale}:${key}`;
    const kept = this.entries.get(id);
    if (generation !== null && kept?.generation === generation) return kept.resolved;
    // Tagged with the generation read before this resolution: a version written in between
    // moves it past the tag, so the entry is resolved again on its next use.
    const resolved = await resolveTemplate(db, key, locale);
    this.entries.delete(id);
    if (resolved && generation !== null) {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(id, { generation, resolved });
    }
    return resolved;
  }
}
