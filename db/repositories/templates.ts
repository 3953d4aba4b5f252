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
export async function saveTemplate(
  db: Queryable,
  key: string,
  content: TemplateContent,
): Promise<{ saved: TemplateVersion; created: boolean }> {
  return saveNextVersion({
    newest: () => findTemplate(db, key),
    // A repeated PUT of the newest content in this language is not a new version.
    same: (newest) =>
      newest.locale === content.locale && newest.subject === content.subject && newest.mjml === content.mjml,
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
export async function findTemplateFor(
  db: Queryable,
  key: string,
  locale: Locale,
): Promise<TemplateVersion | undefined> {
  const result = await db.query<TemplateRow>(
    'SELECT * FROM templates WHERE key = $1 ORDER BY (locale = $2) DESC, version DESC LIMIT 1',
    [key, locale],
  );
  const row = result.rows[0];
  return row ? fromRow(row) : undefined;
}

/** The newest version of one template key in one language, for the template list. */
export interface TemplateLocaleSummary {
  key: string;
  locale: Locale;
  version: number;
  subject: string;
  createdAt: Date;
}

/** The newest version of every template key in each language it is written in, by key then language. */
export async function listTemplateLocales(db: Queryable): Promise<TemplateLocaleSummary[]> {
  const result = await db.query<Omit<TemplateRow, 'mjml'>>(
    'SELECT DISTINCT ON (key, locale) key, locale, version, subject, created_at FROM templates ORDER BY key, locale, version DESC',
  );
  return result.rows.map((r) => ({
    key: r.key,
    locale: r.locale,
    version: r.version,
    subject: r.subject,
    createdAt: r.created_at,
  }));
}

/** Every version of `key` (only those written in `locale` when given), newest first, without their MJML. */
export async function listTemplateVersions(
  db: Queryable,
  key: string,
  locale?: Locale,
): Promise<Omit<TemplateVersion, 'mjml'>[]> {
  const result = await db.query<Omit<TemplateRow, 'mjml'>>(
    'SELECT key, version, locale, subject, created_at FROM templates WHERE key = $1 AND ($2::text IS NULL OR locale = $2) ORDER BY version DESC LIMIT 1000',
    [key, locale ?? null],
  );
  return result.rows.map((r) => ({
    key: r.key,
    version: r.version,
    locale: r.locale,
    subject: r.subject,
    createdAt: r.created_at,
  }));
}
