import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CADENCE } from '../domain/default-cadence.ts';
import type { Queryable } from './pool.ts';

const TEMPLATES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'templates');

/**
 * Stores the shipped default cadence and templates (Japanese and English), each only
 * where that key (in that language) has no version yet: a marketer's edits are never
 * overwritten. Idempotent and safe from several processes (ON CONFLICT).
 */
export async function seedDefaults(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO cadences (key, version, definition) SELECT $1, 1, $2
      WHERE NOT EXISTS (SELECT 1 FROM cadences WHERE key = $1) ON CONFLICT DO NOTHING`,
    [DEFAULT_CADENCE.key, JSON.stringify(DEFAULT_CADENCE)],
  );
  for (const locale of ['ja', 'en'] as const) await seedTemplates(db, locale);
}

/** Seeds one language's shipped templates, each as the next version of its key, only where that key has no version in that language. */
async function seedTemplates(db: Queryable, locale: 'ja' | 'en'): Promise<void> {
  const dir = path.join(TEMPLATES_DIR, locale);
  const subjects = await readFile(path.join(dir, 'templates.json'), 'utf8')
    .then((text) => JSON.parse(text) as Record<string, { subject: string }>)
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return {};
      throw error;
    });
  for (const [key, { subject }] of Object.entries(subjects)) {
    const mjml = await readFile(path.join(dir, `${key}.mjml`), 'utf8');
    await db.query(
      `INSERT INTO templates (key, version, locale, subject, mjml)
       SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4 FROM templates WHERE key = $1
       HAVING NOT bool_or(locale = $2) IS TRUE
       ON CONFLICT DO NOTHING`,
      [key, locale, subject, mjml],
    );
  }
}
