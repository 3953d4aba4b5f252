import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CADENCE } from '../domain/default-cadence.ts';
import type { Queryable } from './pool.ts';

const TEMPLATES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'templates', 'ja');

/**
 * Stores the shipped default cadence and templates, each only where no version of that
 * key exists: a marketer's edits are never overwritten, and a key they deleted from a
 * cadence stays unused. Idempotent and safe from several processes (ON CONFLICT).
 */
export async function seedDefaults(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO cadences (key, version, definition) SELECT $1, 1, $2
      WHERE NOT EXISTS (SELECT 1 FROM cadences WHERE key = $1) ON CONFLICT DO NOTHING`,
    [DEFAULT_CADENCE.key, JSON.stringify(DEFAULT_CADENCE)],
  );
  const subjects = await readFile(path.join(TEMPLATES_DIR, 'templates.json'), 'utf8')
    .then((text) => JSON.parse(text) as Record<string, { subject: string }>)
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return {};
      throw error;
    });
  for (const [key, { subject }] of Object.entries(subjects)) {
    const mjml = await readFile(path.join(TEMPLATES_DIR, `${key}.mjml`), 'utf8');
    await db.query(
      `INSERT INTO templates (key, version, locale, subject, mjml) SELECT $1, 1, 'ja', $2, $3
        WHERE NOT EXISTS (SELECT 1 FROM templates WHERE key = $1) ON CONFLICT DO NOTHING`,
      [key, subject, mjml],
    );
  }
}
