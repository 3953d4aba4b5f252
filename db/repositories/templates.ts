import type { Locale } from '../../domain/lead.ts';
import type { Queryable } from '../pool.ts';
import { findVersionRow, saveNextVersion } from './versioned.ts';

/** What a marketer writes: a Handlebars subject and an MJML body with Handlebars in it. */
export interface TemplateContent {
  subject: string;
  mjml: string;
  locale: Locale;
}

/** One stored version of a template. */
export interface TemplateVersion extends TemplateContent {
  key: string;
  version: number;
  createdAt: Date;
}

interface TemplateRow {
  key: string;
  version: number;
  locale: Locale;
  subject: string;
  mjml: string;
  created_at: Date;
}

const fromRow = (row: TemplateRow): TemplateVersion => ({
  key: row.key,
  version: row.version,
  locale: row.locale,
  subject: row.subject,
  mjml: row.mjml,
  createdAt: row.created_at,
});

/** Stores `content` as the next version of `key` (see {@link saveNextVersion}). */
export async function saveTemplate(db: Queryable, key: string, content: TemplateContent): Promise<{ saved: TemplateVersion; created: boolean }> {
  return saveNextVersion({
    newest: () => findTemplate(db, key),
    // A repeated PUT of the newest content in this language is not a new version.
    same: (newest) => newest.locale === content.locale && newest.subject === content.subject && newest.mjml === content.mjml,
    insert: async (version) => {
      const result = await db.query<TemplateRow>(
        'INSERT INTO templates (key, version, locale, subject, mjml) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [key, version, content.locale, content.subject, content.mjml],
      );
      return fromRow(result.rows[0] as TemplateRow);
    },
  });
}

/** The newest version of `key`, or a given version. */
export async function findTemplate(db: Queryable, key: string, version?: number): Promise<TemplateVersion | undefined> {
  const row = await findVersionRow<TemplateRow>(db, 'templates', key, version);
  return row ? fromRow(row) : undefined;
}

/**
 * The newest version of `key` written in `locale`, else the newest in any language: a
 * template key has one version line, and each language's newest version is what a lead
 * of that language gets. An English lead still gets the Japanese template until an
 * English version exists.
 */
export async function findTemplateFor(db: Queryable, key: string, locale: Locale): Promise<TemplateVersion | undefined> {
  const result = await db.query<TemplateRow>('SELECT * FROM templates WHERE key = $1 ORDER BY (locale = $2) DESC, version DESC LIMIT 1', [key, locale]);
  const row = result.rows[0];
  return row ? fromRow(row) : undefined;
}
