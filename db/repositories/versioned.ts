import type { QueryResultRow } from 'pg';
import type { Queryable } from '../pool.ts';

/** A row kept in numbered versions per key. */
export interface Versioned {
  version: number;
}

/**
 * Saves the next version of a versioned row unless `same` says the newest one already
 * holds this content (a repeated PUT is not a new version). Two concurrent saves of one
 * key collide on the (key, version) primary key; the loser reads again and retries.
 */
export async function saveNextVersion<T extends Versioned>(ops: {
  newest: () => Promise<T | undefined>;
  same: (newest: T) => boolean;
  insert: (version: number) => Promise<T>;
}): Promise<{ saved: T; created: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const newest = await ops.newest();
    if (newest && ops.same(newest)) return { saved: newest, created: false };
    try {
      return { saved: await ops.insert((newest?.version ?? 0) + 1), created: true };
    } catch (error) {
      const uniqueViolation = (error as { code?: string }).code === '23505';
      if (!uniqueViolation || attempt >= 5) throw error;
    }
  }
}

/** The tables whose rows are kept in numbered versions per key. */
export type VersionedTable = 'cadences' | 'templates';

/** The newest row of `key` in a versioned table, or the row of the given version. */
export async function findVersionRow<Row extends QueryResultRow>(
  db: Queryable,
  table: VersionedTable,
  key: string,
  version?: number,
): Promise<Row | undefined> {
  const result =
    version === undefined
      ? await db.query<Row>(`SELECT * FROM ${table} WHERE key = $1 ORDER BY version DESC LIMIT 1`, [key])
      : await db.query<Row>(`SELECT * FROM ${table} WHERE key = $1 AND version = $2`, [key, version]);
  return result.rows[0];
}
