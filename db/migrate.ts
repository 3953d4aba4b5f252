import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { backfillAccounts } from './account-backfill.ts';
import { seedDefaults } from './seed-defaults.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Applies every pending migration under `db/migrations`, then seeds the shipped defaults and
 * runs the one-off data backfills (accounts). Safe to run twice and from
 * several processes at once: node-pg-migrate holds a PostgreSQL advisory lock, and the
 * `wait` mode makes a second process wait for the first instead of failing.
 */
export async function migrate(databaseUrl: string, log: (message: string) => void = () => {}): Promise<void> {
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    advisoryLockMode: 'wait',
    singleTransaction: true,
    checkOrder: true,
    log,
  });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await seedDefaults(client);
    await backfillAccounts(client);
  } finally {
    await client.end();
  }
}
