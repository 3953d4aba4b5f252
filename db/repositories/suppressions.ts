import type { Queryable } from '../pool.ts';

/** Suppresses an address for marketing email; suppressing twice keeps the first reason. */
export async function suppress(db: Queryable, email: string, reason: string): Promise<void> {
  await db.query('INSERT INTO suppressions (email, reason) VALUES (lower($1), $2) ON CONFLICT (email) DO NOTHING', [
    email,
    reason,
  ]);
}

/** Why an address may not receive marketing email, or undefined when it may. */
export async function suppressionOf(db: Queryable, email: string): Promise<string | undefined> {
  const result = await db.query<{ reason: string }>('SELECT reason FROM suppressions WHERE email = lower($1)', [email]);
  return result.rows[0]?.reason;
}

/** Why and since when an address may not receive marketing email, or undefined when it may. */
export async function findSuppression(
  db: Queryable,
  email: string,
): Promise<{ reason: string; since: Date } | undefined> {
  const result = await db.query<{ reason: string; created_at: Date }>(
    'SELECT reason, created_at FROM suppressions WHERE email = lower($1)',
    [email],
  );
  const row = result.rows[0];
  return row ? { reason: row.reason, since: row.created_at } : undefined;
}
