import type pg from 'pg';
import { ACCOUNT_ASSIGNMENT_LOCK, assignAccountsOf } from './repositories/accounts.ts';

const BACKFILL = 'accounts';
const BATCH = 1000;

/**
 * Puts the leads that existed before accounts (migration 1734900000000) into accounts,
 * once. It runs after the migrations rather than in them because the company-name
 * normaliser is TypeScript (domain/company-name.ts), the same code every new lead goes
 * through. Batches of a thousand in one transaction under the assignment lock, so a
 * second process starting at the same moment waits and then finds it done.
 */
export async function backfillAccounts(client: pg.ClientBase): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ACCOUNT_ASSIGNMENT_LOCK]);
    const done = await client.query('SELECT 1 FROM data_backfills WHERE name = $1', [BACKFILL]);
    let count = 0;
    if (done.rowCount === 0) {
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const page = await client.query<{ id: string }>(
          'SELECT id FROM leads WHERE account_id IS NULL AND id > $1 ORDER BY id LIMIT $2',
          [after, BATCH],
        );
        if (page.rows.length === 0) break;
        await assignAccountsOf(
          client,
          page.rows.map((row) => row.id),
        );
        count += page.rows.length;
        after = (page.rows[page.rows.length - 1] as { id: string }).id;
      }
      await client.query('INSERT INTO data_backfills (name) VALUES ($1)', [BACKFILL]);
    }
    await client.query('COMMIT');
    return count;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
